"""Text and colour swatches for the pictures that compare ks (contact sheet, palettes).

Text is drawn with Pillow in DejaVu Sans, the font matplotlib ships (it has
"Δ" and subscripts, which OpenCV's fonts lack), onto BGR numpy images.
"""

import functools
import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

TEXT_BGR = (40, 40, 40)


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """Return DejaVu Sans at ``size`` pixels, found without importing matplotlib."""
    package = Path(importlib.util.find_spec("matplotlib").origin).parent
    return ImageFont.truetype(str(package / "mpl-data/fonts/ttf/DejaVuSans.ttf"), size)


def text_size(text: str, size: int) -> tuple[int, int]:
    """Return the (width, height) in pixels that ``text`` takes at ``size``, from its ink."""
    left, top, right, bottom = font(size).getbbox(text)
    return right - left, bottom - top


def _text_image(text: str, size: int) -> np.ndarray:
    """Return the coverage (0..255, uint8) of ``text`` cropped to its ink."""
    width, height = text_size(text, size)
    left, top, _, _ = font(size).getbbox(text)
    canvas = Image.new("L", (max(width, 1), max(height, 1)), 0)
    ImageDraw.Draw(canvas).text((-left, -top), text, fill=255, font=font(size))
    return np.asarray(canvas)


def draw_text(
    image: np.ndarray, text: str, centre: tuple[int, int], size: int, bgr, *, vertical=False
) -> None:
    """Draw ``text`` in colour ``bgr`` on BGR ``image``, its ink centred on (x, y) ``centre``.

    ``vertical`` turns it a quarter to read upwards. Ink outside the image is cut off.
    """
    coverage = _text_image(text, size)
    if vertical:
        coverage = np.rot90(coverage)
    height, width = coverage.shape
    top, left = centre[1] - height // 2, centre[0] - width // 2
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + height, image.shape[0]), min(left + width, image.shape[1])
    if y0 >= y1 or x0 >= x1:
        return
    alpha = coverage[y0 - top : y1 - top, x0 - left : x1 - left, None].astype(np.float32) / 255
    area = image[y0:y1, x0:x1, :3].astype(np.float32)
    blended = area * (1 - alpha) + np.asarray(bgr, np.float32) * alpha
    image[y0:y1, x0:x1, :3] = np.rint(blended).astype(np.uint8)


def segment_edges(weights, width: int) -> np.ndarray:
    """Return the len(weights) + 1 edges (0 .. ``width``) of segments as wide as their ``weights``."""
    cumulative = np.concatenate([[0.0], np.cumsum(np.asarray(weights, dtype=np.float64))])
    return np.rint(cumulative / cumulative[-1] * width).astype(int)


def readable_on(rgb) -> tuple[int, int, int]:
    """Return black or white text (BGR), whichever reads better on the colour ``rgb``."""
    red, green, blue = (int(v) for v in rgb)
    # Rec. 709 luma of the 8-bit values: plenty to choose between black and white.
    return (0, 0, 0) if 0.2126 * red + 0.7152 * green + 0.0722 * blue >= 128 else (255, 255, 255)
