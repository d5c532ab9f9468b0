"""How different a recoloured frame looks from its photo: CIEDE2000 statistics over the pixels.

A pixel's difference depends only on its own colour and its cluster's display
colour, so it is computed once per distinct colour and weighted by how many
pixels have that colour: the statistics are exactly those of every pixel.

The median and the 95th percentile are nearest-rank percentiles of the pixels'
values: the p-th percentile is the smallest value that at least p % of the
pixels do not exceed, i.e. the ceil(p N / 100)-th smallest of the N values
(for an even N the median is the lower of the two middle values). It is always
a value some pixel has, and is computed with integer ranks, so exactly.
"""

import math

import numpy as np

from steplib.colour import bgr_to_lab, ciede2000

PERCENTILES = {"median": 50, "p95": 95}
# The statistics of a photo without an opaque pixel.
NO_PIXELS = {"mean": None} | dict.fromkeys(PERCENTILES)


def nearest_ranks(values: np.ndarray, counts: np.ndarray, percents) -> list[float]:
    """Return the nearest-rank percentiles ``percents`` of ``values``, each repeated ``counts`` times."""
    order = np.argsort(values)  # ties have equal values: their order cannot change a result
    covered = np.cumsum(counts[order])
    ranks = [max(1, -(-percent * int(covered[-1]) // 100)) for percent in percents]  # ceil
    return [float(v) for v in values[order[np.searchsorted(covered, ranks)]]]


def colour_error(
    colours_lab: np.ndarray, counts: np.ndarray, labels: np.ndarray, palette_bgr: np.ndarray
) -> dict:
    """Return the mean, median and 95th percentile of the CIEDE2000 difference, pixel by pixel.

    ``colours_lab`` holds the L*a*b* of each distinct colour of the photo,
    ``counts`` its number of pixels and ``labels`` its cluster, shown in that
    cluster's colour in ``palette_bgr`` (uint8); there is at least one pixel.
    """
    differences = ciede2000(colours_lab, bgr_to_lab(palette_bgr)[labels])
    # bincount adds in a fixed order (numpy's sum may not, by CPU), fsum the k totals exactly.
    per_cluster = np.bincount(labels, weights=differences * counts, minlength=len(palette_bgr))
    mean = math.fsum(per_cluster.tolist()) / int(counts.sum())
    percentiles = nearest_ranks(differences, counts, PERCENTILES.values())
    return {"mean": mean} | dict(zip(PERCENTILES, percentiles, strict=True))
