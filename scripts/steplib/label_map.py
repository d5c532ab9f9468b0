"""How a label map marks each pixel's cluster, and which pixels take part.

A label map is a 16-bit greyscale image the size of the resized photo: value i
means "cluster i" (clusters numbered largest first), ``NO_LABEL`` a transparent
pixel that belongs to no cluster.
"""

import numpy as np

NO_LABEL = 65535
# Pixels at least half opaque are clustered and drawn; the rest stay transparent
# (a GIF has only fully transparent or fully opaque pixels).
OPAQUE_FROM = 128


def opaque_mask(image: np.ndarray) -> np.ndarray:
    """Return a boolean (height, width) mask of the pixels that take part in clustering."""
    if image.ndim == 3 and image.shape[2] == 4:
        return image[..., 3] >= OPAQUE_FROM
    return np.ones(image.shape[:2], dtype=bool)
