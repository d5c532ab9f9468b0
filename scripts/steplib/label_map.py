"""A label map: which cluster each pixel of a photo belongs to, for one k.

It is an 8-bit palette PNG the size of the resized photo (``steplib.indexed_png``):
index i means "cluster i" (clusters numbered largest first), ``NO_LABEL`` a
transparent pixel that belongs to no cluster. Its palette holds the clusters'
colours, so an image viewer shows it as the frame without its caption.
"""

from steplib.indexed_png import IndexedImage

# The config schema's limit on k: the indices above it are free for the frame's
# caption (steplib.frame) and for transparency.
MAX_CLUSTERS = 240
NO_LABEL = 255


def label_map_image(labels, summary: dict) -> IndexedImage:
    """Return the label map of a (height, width) uint8 array of cluster indices, coloured as
    its cluster summary says."""
    height, width = labels.shape
    transparent = NO_LABEL if (labels == NO_LABEL).any() else None
    palette = [tuple(int(v) for v in cluster["rgb"]) for cluster in summary["clusters"]]
    return IndexedImage(width, height, labels.tobytes(), palette, transparent)
