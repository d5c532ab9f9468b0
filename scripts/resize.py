"""Step 1 (resize): read a photo as 8-bit colour and scale its longer side to ``max_size``.

Outputs:
- ``results/NAME/resized.png``, BGR, or BGRA when the photo has transparency;
- ``results/NAME/colours.npz``, its colour table: every distinct colour of its
  opaque pixels, with its pixel count and L*a*b*, which all the cluster jobs of
  the photo read rather than each finding them again (``steplib.photo_colours``).

Example:
  python scripts/resize.py --max_size 500 --output resized.png --colours colours.npz \\
      -- images/photo.jpg
"""

import cv2
import numpy as np

from steplib import command
from steplib.atomic_write import write_png
from steplib.photo_colours import photo_colours, write_photo_colours
from steplib.read_image import read_image


def resized(image: np.ndarray, max_size: int, upscale: bool = False) -> np.ndarray:
    """Return ``image`` scaled so that its longer side is ``max_size``, aspect ratio kept.

    Images already smaller than ``max_size`` are returned as they are unless
    ``upscale`` is true. Shrinking uses ``cv2.INTER_AREA``, which averages the
    source pixels and so does not alias; enlarging uses ``cv2.INTER_CUBIC``.
    """
    height, width = image.shape[:2]
    longer = max(height, width)
    if longer == max_size or (longer < max_size and not upscale):
        return image
    scale = max_size / longer
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    if image.ndim == 3 and image.shape[2] == 4:
        return _resized_with_alpha(image, size, interpolation)
    return cv2.resize(image, size, interpolation=interpolation)


def _resized_with_alpha(image: np.ndarray, size, interpolation) -> np.ndarray:
    # Average colours weighted by opacity (premultiplied alpha), so that the
    # colour hidden under transparent pixels does not bleed into the edges.
    if interpolation == cv2.INTER_AREA:
        small = _area_shrunk_premultiplied(image, size)
    else:  # enlarging: the photo is smaller than max_size, so memory is no concern
        small = cv2.resize(_premultiplied(image), size, interpolation=interpolation)
    small = np.clip(small, 0, 255)
    opacity = small[..., 3:] / 255
    colour = np.divide(
        small[..., :3], opacity, out=np.zeros_like(small[..., :3]), where=opacity > 0
    )
    return np.rint(np.clip(np.concatenate([colour, small[..., 3:]], axis=2), 0, 255)).astype(
        np.uint8
    )


def _premultiplied(image: np.ndarray) -> np.ndarray:
    """Return BGRA ``image`` as float32 (B*a, G*a, R*a, 255*a), with a = alpha / 255."""
    alpha = image[..., 3:].astype(np.float32) / 255
    return np.concatenate([image[..., :3] * alpha, alpha * 255], axis=2)


# Rows premultiplied at a time: the float32 band of a 8000-pixel-wide photo and its
# temporaries take about 70 MB.
BAND_ROWS = 256


def _area_shrunk_premultiplied(image: np.ndarray, size) -> np.ndarray:
    """Return the premultiplied ``image`` shrunk to ``size`` with ``cv2.INTER_AREA``, lean.

    A float32 premultiplied copy of a whole photo is four times its size (2 GB
    for 8000x8000 pixels). Area averaging is separable, so the photo is shrunk
    in width a band of rows at a time, then in height: besides the photo, only
    one band and the (photo height x new width) intermediate are ever held.
    """
    width, height = size
    narrow = np.empty((image.shape[0], width, 4), np.float32)
    for top in range(0, image.shape[0], BAND_ROWS):
        band = _premultiplied(image[top : top + BAND_ROWS])
        narrow[top : top + len(band)] = cv2.resize(
            band, (width, len(band)), interpolation=cv2.INTER_AREA
        )
    return cv2.resize(narrow, (width, height), interpolation=cv2.INTER_AREA)


def resize_photo(
    source, target, colours_path=None, *, max_size: int, upscale: bool, max_pixels: int
) -> None:
    """Read ``source``, resize it and write it to ``target`` as PNG (and its colour table)."""
    # The photo itself is freed before the colour table is made (see resize_mem_mb).
    small = resized(read_image(source, min_size=max_size, max_pixels=max_pixels), max_size, upscale)
    write_png(target, small)
    if colours_path is not None:
        write_photo_colours(colours_path, photo_colours(small))


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("source", help="the photo (JPEG, PNG, BMP, TIFF or WebP)")
    parser.add_argument("--output", required=True, help="the resized photo to write (PNG)")
    parser.add_argument(
        "--colours", help="also write its colour table (.npz), the cluster step's input"
    )
    parser.add_argument("--max_size", type=int, default=500, help="longer side, in pixels")
    parser.add_argument(
        "--upscale", type=command.boolean, default=False, help="enlarge smaller photos: true/false"
    )
    parser.add_argument(
        "--max_pixels", type=int, default=0, help="refuse photos with more pixels (0: no limit)"
    )
    args = parser.parse_args(argv)
    command.run(
        resize_photo,
        args.source,
        args.output,
        args.colours,
        max_size=args.max_size,
        upscale=args.upscale,
        max_pixels=args.max_pixels,
    )


if __name__ == "__main__":
    main()
