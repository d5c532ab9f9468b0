"""A frame made in one process, its caption drawn there: for the sweep, benchmarks and docs.

The same image the cluster, captions and annotate steps make in three (the
captions step draws the caption of every k once; here only the one needed).
"""

import numpy as np

from steplib.caption_drawing import caption
from steplib.frame import frame_of
from steplib.indexed_png import IndexedImage
from steplib.label_map import label_map_image


def captioned_frame(label_map: IndexedImage, summary: dict) -> IndexedImage:
    """Return the frame of a label map and its cluster summary."""
    return frame_of(label_map, summary, caption(summary["k"], label_map.width, label_map.height))


def frame_of_labels(labels: np.ndarray, summary: dict) -> IndexedImage:
    """Return the frame of a (height, width) array of cluster indices and its cluster summary."""
    return captioned_frame(label_map_image(labels, summary), summary)
