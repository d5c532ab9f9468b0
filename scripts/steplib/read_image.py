"""Decode a photo into 8-bit BGR (or BGRA when it has transparency), or say why not.

``read_png`` reads the workflow's own PNGs back (resized photos, label maps, frames).

Pillow reads only the header first, so that the pixel limit is checked before
any decoding and huge JPEGs can be decoded at a reduced size. OpenCV then does
the decoding: it applies the EXIF orientation and converts greyscale, 16-bit,
palette and CMYK images to 8-bit colour.
"""

from pathlib import Path

import cv2
import numpy as np

from steplib.command import StepError

# Reduced-size decoding (1/2, 1/4, 1/8) that libjpeg does while decoding, so a
# 9000x6000 JPEG never exists in memory at full size.
_REDUCED_COLOUR = {
    2: cv2.IMREAD_REDUCED_COLOR_2,
    4: cv2.IMREAD_REDUCED_COLOR_4,
    8: cv2.IMREAD_REDUCED_COLOR_8,
}
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
# A file that cannot be decoded is reported in one line of ours, naming it; OpenCV's
# own warnings about it would only add noise to the job's log.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


class UnreadableImage(StepError, ValueError):
    """The file is not an image this workflow can use; the message names the file and why."""


def read_image(path, *, min_size: int = 0, max_pixels: int = 0) -> np.ndarray:
    """Return the photo at ``path`` as an 8-bit BGR or BGRA array.

    Parameters
    ----------
    path : path-like
        The photo.
    min_size : int
        JPEGs whose shorter-side reduction would still leave the longer side at
        least ``min_size`` pixels are decoded at 1/2, 1/4 or 1/8 of their size.
    max_pixels : int
        Refuse images with more pixels than this (0: no limit).

    Raises
    ------
    UnreadableImage
        With a one-line message naming the file and the reason.
    """
    path = Path(path)
    width, height, has_alpha, image_format = _probe(path)
    if max_pixels and width * height > max_pixels:
        raise UnreadableImage(
            f"{path}: {width}x{height} is {width * height:,} pixels, over the limit of "
            f"{max_pixels:,} (config key max_pixels)"
        )
    flag = (
        cv2.IMREAD_UNCHANGED if has_alpha else _colour_flag(image_format, width, height, min_size)
    )
    image = _decoded(path, image_format, flag)
    if has_alpha and image is not None:
        image = _as_bgra(image)
        if image[..., 3].min() == 255:
            image = np.ascontiguousarray(image[..., :3])  # declared transparency, none used
    if image is None or image.size == 0:
        raise UnreadableImage(
            f"{path}: damaged, truncated or unsupported {image_format} file "
            "(OpenCV cannot decode it)"
        )
    return image


def _probe(path: Path):
    """Return (width, height, has_alpha, format) from the file's header."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise UnreadableImage(f"{path}: cannot be read ({error.strerror})") from None
    if size == 0:
        raise UnreadableImage(f"{path}: empty file (0 bytes)")
    # Imported here: only the resize step reads photos, and Pillow costs every other step's start.
    from PIL import Image

    # Pillow only reads headers here; the pixel limit is ours (max_pixels), not its own.
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(path) as im:
            has_alpha = im.mode in _ALPHA_MODES or "transparency" in im.info
            return im.width, im.height, has_alpha, im.format or path.suffix
    except (OSError, SyntaxError, ValueError) as error:
        if "cannot identify" in str(error):
            reason = "not an image in a known format, or its header is damaged"
        else:
            reason = f"damaged or truncated {path.suffix.lstrip('.').upper()} file ({error})"
        raise UnreadableImage(f"{path}: {reason}") from None


def _decoded(path: Path, image_format: str, flag: int):
    """Return OpenCV's decoding of the file at ``path``, or None when it cannot decode it."""
    if image_format == "JPEG":
        # From the file's bytes: OpenCV's imread accepts a truncated JPEG (grey below
        # the break), imdecode refuses it. A JPEG is small beside its decoded pixels.
        return cv2.imdecode(np.fromfile(path, dtype=np.uint8), flag)
    # From the path: OpenCV's decoders already hold about twice the decoded image at
    # their peak, and the file's bytes (as large, uncompressed) would add a third.
    return cv2.imread(str(path), flag)


def _colour_flag(image_format: str, width: int, height: int, min_size: int) -> int:
    if image_format != "JPEG" or not min_size:
        return cv2.IMREAD_COLOR
    factor = 1
    while factor < 8 and max(width, height) // (factor * 2) >= min_size:
        factor *= 2
    return _REDUCED_COLOUR.get(factor, cv2.IMREAD_COLOR)


def _as_bgra(image: np.ndarray) -> np.ndarray:
    """Convert OpenCV's unchanged decode (grey, grey+alpha, BGR, BGRA; 8 or 16 bit) to 8-bit BGRA."""
    if image.dtype == np.uint16:
        image = np.right_shift(image, 8, out=image).astype(np.uint8)  # no third copy
    elif image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGRA)
    channels = image.shape[2]
    if channels == 2:  # grey + alpha
        grey, alpha = image[..., 0], image[..., 1]
        return np.dstack([grey, grey, grey, alpha])
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    return image


def read_png(path) -> np.ndarray:
    """Return a PNG that an earlier step wrote (resized photo, label map, frame), as stored.

    Raises ``StepError`` naming the file when it is missing or cannot be decoded.
    """
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise StepError(
            f"{path}: cannot be read ({error.strerror}); rerun the step that writes it"
        ) from None
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise StepError(f"{path}: damaged (OpenCV cannot decode it); rerun the step that writes it")
    return image
