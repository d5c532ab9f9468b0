"""A photo's distinct colours, tabulated once by the resize step for all its cluster jobs.

Every k of a photo clusters the same distinct colours, weighted by the same pixel
counts, and measures its colour difference on the same L*a*b* values. Finding them
(a sort of every pixel) and converting them cost a cluster job about as much as
its k-means at small k, so the resize step does it once per photo and writes the
table next to the resized photo (``results/NAME/colours.npz``); each cluster job
reads it instead.

The file is a zip of ``.npy`` arrays, as ``np.savez`` writes, but with fixed
dates, so that the same photo gives the same bytes on every run.
"""

import io
import zipfile
from typing import NamedTuple

import numpy as np

from kmeans import distinct_rows
from steplib.atomic_write import write_bytes
from steplib.colour import bgr_to_lab
from steplib.command import StepError

# Pixels at least half opaque are clustered and drawn; the rest stay transparent
# (a GIF has only fully transparent or fully opaque pixels).
OPAQUE_FROM = 128


class PhotoColours(NamedTuple):
    mask: np.ndarray  # (height, width) bool: the opaque pixels, the ones clustered
    colours: np.ndarray  # (n, 3) uint8: the distinct BGR colours of the opaque pixels
    inverse: np.ndarray  # the index in ``colours`` of each opaque pixel, row by row
    counts: np.ndarray  # (n,) int64: the number of pixels of each colour
    lab: np.ndarray  # (n, 3) float64: CIE L*a*b* of each colour


def opaque_mask(image: np.ndarray) -> np.ndarray:
    """Return a boolean (height, width) mask of the pixels that take part in clustering."""
    if image.ndim == 3 and image.shape[2] == 4:
        return image[..., 3] >= OPAQUE_FROM
    return np.ones(image.shape[:2], dtype=bool)


def photo_colours(image: np.ndarray) -> PhotoColours:
    """Return the table of the distinct colours of a BGR(A) ``image``'s opaque pixels."""
    mask = opaque_mask(image)
    pixels = image[..., :3][mask]
    if len(pixels) == 0:  # a wholly transparent photo: an empty table
        colours, inverse, counts = np.empty((0, 3)), np.empty(0), np.empty(0, np.int64)
    else:
        colours, inverse, counts = distinct_rows(pixels)
    colours = colours.astype(np.uint8)
    # A photo has far fewer than 2**31 pixels; half the bytes of numpy's int64.
    return PhotoColours(mask, colours, inverse.astype(np.int32), counts, bgr_to_lab(colours))


def write_photo_colours(path, table: PhotoColours) -> None:
    """Write ``table`` to ``path`` atomically, the same bytes for the same table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in table._asdict().items():
            with archive.open(zipfile.ZipInfo(f"{name}.npy"), "w") as member:
                np.lib.format.write_array(member, np.ascontiguousarray(array))
    write_bytes(path, buffer.getvalue())


def read_photo_colours(path) -> PhotoColours:
    """Read a table written by ``write_photo_colours``; ``StepError`` if it cannot."""
    try:
        with np.load(path) as arrays:
            return PhotoColours(*(arrays[name] for name in PhotoColours._fields))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise StepError(f"{path}: not a colour table of the resize step ({error})") from None
