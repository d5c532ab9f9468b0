"""A frame: a label map recoloured with its palette, labelled "k=N" near the top.

A frame must fit in a GIF palette (256 colours) without dithering, so the label
adds at most ``LABEL_LEVELS`` colours: a solid dark outline, and white letters
whose anti-aliased edges fall only on that outline and are rounded to a few
grey levels.
"""

import cv2
import numpy as np

from steplib.label_map import NO_LABEL

FONT = cv2.FONT_HERSHEY_DUPLEX
TEXT_HEIGHT = 0.08  # letter height as a share of the frame width
LABEL_LEVELS = 8  # grey levels of the letters' anti-aliasing, black to white
OUTLINE_BGR = (0, 0, 0)


def recoloured(labels: np.ndarray, palette_bgr: np.ndarray) -> np.ndarray:
    """Return the frame: each pixel takes its cluster's colour; ``NO_LABEL`` pixels become transparent.

    The result is BGR, or BGRA (alpha 0 or 255) when any pixel is transparent.
    """
    transparent = labels == NO_LABEL
    palette = np.vstack([palette_bgr.reshape(-1, 3).astype(np.uint8), np.zeros((1, 3), np.uint8)])
    frame = palette[np.where(transparent, len(palette) - 1, labels)]
    if transparent.any():
        alpha = np.where(transparent, 0, 255).astype(np.uint8)
        frame = np.dstack([frame, alpha])
    return frame


def label_masks(text: str, width: int, height: int):
    """Return (outline, letters) masks for ``text`` centred near the top of a width x height frame.

    ``outline`` is boolean; ``letters`` holds the letters' coverage in
    ``LABEL_LEVELS`` steps from 0 to 255 and is non-zero only inside ``outline``.
    """
    target_height = max(6.0, TEXT_HEIGHT * width)
    (_, unit_height), _ = cv2.getTextSize(text, FONT, 1.0, 1)
    scale = target_height / unit_height
    thickness = max(1, round(scale * 1.5))
    outline_width = max(1, round(thickness * 0.8))
    (text_width, text_height), _ = cv2.getTextSize(text, FONT, scale, thickness)
    origin = ((width - text_width) // 2, min(height - 1, round(text_height * 1.5)))

    letters = np.zeros((height, width), np.uint8)
    cv2.putText(letters, text, origin, FONT, scale, 255, thickness, cv2.LINE_AA)
    step = 255 / (LABEL_LEVELS - 1)
    letters = (np.rint(np.rint(letters / step) * step)).astype(np.uint8)

    around = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * outline_width + 1,) * 2)
    outline = cv2.dilate((letters > 0).astype(np.uint8), around) > 0
    return outline, letters


def labelled(frame: np.ndarray, text: str) -> np.ndarray:
    """Return a copy of ``frame`` (BGR or BGRA) with ``text`` drawn in white on a dark outline."""
    height, width = frame.shape[:2]
    outline, letters = label_masks(text, width, height)
    out = frame.copy()
    out[outline, :3] = OUTLINE_BGR
    if out.shape[2] == 4:
        out[outline, 3] = 255
    # White letters over black: the blend is simply the coverage, as grey.
    drawn = letters > 0
    out[drawn, :3] = letters[drawn, None]
    return out


def annotated_frame(labels: np.ndarray, summary: dict) -> np.ndarray:
    """Return the labelled frame for a label map and its cluster summary."""
    palette_rgb = np.array([c["rgb"] for c in summary["clusters"]], dtype=np.uint8).reshape(-1, 3)
    frame = recoloured(labels, palette_rgb[:, ::-1])
    return labelled(frame, f"k={summary['k']}")
