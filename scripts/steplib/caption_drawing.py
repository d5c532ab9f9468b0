"""Drawing a frame's caption, "k=N", with OpenCV: for the captions step and the sweep.

The letters are OpenCV's Hershey Duplex, about ``TEXT_HEIGHT`` of the frame's width
high, centred near the top, with a dark outline so they read on any colour. See
``steplib.captions`` for how a caption is stored and painted.
"""

import cv2
import numpy as np

from steplib.captions import CAPTION_LEVELS, OUTLINE_INDEX, Caption

FONT = cv2.FONT_HERSHEY_DUPLEX
TEXT_HEIGHT = 0.08  # letter height as a share of the frame width


def caption_masks(text: str, width: int, height: int):
    """Return (outline, levels, x, y): the caption ``text`` of a width x height frame, cropped.

    The masks cover the frame's pixels from (x, y) on that the caption may paint
    (the letters' box, widened by their thickness and the outline, within the
    frame): drawn there, they are what drawing on the whole frame gives, at a
    fraction of the cost. ``outline`` is boolean; ``levels`` holds the letters'
    coverage in grey levels 0 .. ``CAPTION_LEVELS`` - 1, non-zero only inside ``outline``.
    """
    target_height = max(6.0, TEXT_HEIGHT * width)
    (_, unit_height), _ = cv2.getTextSize(text, FONT, 1.0, 1)
    scale = target_height / unit_height
    thickness = max(1, round(scale * 1.5))
    outline_width = max(1, round(thickness * 0.8))
    (text_width, text_height), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    origin = ((width - text_width) // 2, min(height - 1, round(text_height * 1.5)))

    margin = thickness + outline_width + 2
    x0, x1 = max(0, origin[0] - margin), min(width, origin[0] + text_width + margin)
    y0 = max(0, origin[1] - text_height - margin)
    y1 = min(height, origin[1] + baseline + margin)
    coverage = np.zeros((max(0, y1 - y0), max(0, x1 - x0)), np.uint8)
    if coverage.size:
        shifted = (origin[0] - x0, origin[1] - y0)
        cv2.putText(coverage, text, shifted, FONT, scale, 255, thickness, cv2.LINE_AA)
    levels = np.rint(coverage / (255 / (CAPTION_LEVELS - 1))).astype(np.uint8)

    around = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * outline_width + 1,) * 2)
    outline = cv2.dilate((levels > 0).astype(np.uint8), around) > 0 if levels.size else levels > 0
    return outline, levels, x0, y0


def caption(k: int, width: int, height: int) -> Caption:
    """Return the caption "k=``k``" of a width x height frame, cropped to the pixels it paints."""
    outline, levels, x, y = caption_masks(f"k={k}", width, height)
    rows, columns = np.nonzero(outline)
    if len(rows) == 0:  # a frame too small to show any of it
        return Caption(0, 0, 0, 0, b"")
    top, bottom, left, right = rows.min(), rows.max() + 1, columns.min(), columns.max() + 1
    overlay = np.where(outline, OUTLINE_INDEX + levels, 0)[top:bottom, left:right].astype(np.uint8)
    return Caption(
        int(x + left), int(y + top), int(right - left), int(bottom - top), overlay.tobytes()
    )
