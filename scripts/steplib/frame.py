"""A frame: a label map in its clusters' colours, captioned "k=N" near the top.

The frame is a palette PNG like its label map (``steplib.label_map``): the same
indices, with the caption's painted over them (``steplib.captions``), and a palette
of the clusters' colours followed by the caption's black and greys. So it holds at
most 240 + 8 colours, and a GIF shows it exactly.

Pure Python, so that an annotate job starts without numpy or OpenCV.
"""

from steplib.captions import OUTLINE_INDEX, Caption, caption_palette
from steplib.indexed_png import IndexedImage
from steplib.label_map import NO_LABEL


def captioned(label_map: IndexedImage, palette_rgb, caption: Caption) -> IndexedImage:
    """Return the frame of ``label_map``: its clusters in ``palette_rgb``, ``caption`` painted on.

    Transparent pixels (``NO_LABEL``) stay transparent unless the caption covers them.
    """
    width = label_map.width
    indices = bytearray(label_map.indices)
    x, y, caption_width, _, overlay = caption
    for row in range(caption.height):
        start = (y + row) * width + x
        painted = overlay[row * caption_width : (row + 1) * caption_width]
        shown = indices[start : start + caption_width]
        indices[start : start + caption_width] = bytes(
            new or old for new, old in zip(painted, shown, strict=True)
        )
    clusters = [tuple(int(v) for v in rgb) for rgb in palette_rgb]
    palette = clusters + [(0, 0, 0)] * (OUTLINE_INDEX - len(clusters)) + caption_palette()
    transparent = NO_LABEL if label_map.transparent is not None else None
    return IndexedImage(width, label_map.height, bytes(indices), palette, transparent)


def frame_of(label_map: IndexedImage, summary: dict, caption: Caption) -> IndexedImage:
    """Return the frame of a label map, coloured and captioned as its cluster summary says."""
    return captioned(label_map, [cluster["rgb"] for cluster in summary["clusters"]], caption)
