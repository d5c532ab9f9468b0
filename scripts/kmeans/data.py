"""The data the iterations run on: the distinct colours, and coarse levels.

1. Distinct colours, weighted.  Lloyd's iterations on the distinct rows,
   each weighted by its number of pixels, compute the same means and
   assignments as on every pixel (a weighted mean equals the mean over the
   repeated rows).  A photo of 500 x 333 pixels has ~170 000 pixels but
   usually only 20 000 to 100 000 distinct colours.  ``distinct_rows``
   finds them with a radix sort of the packed 24-bit colour for uint8 RGB,
   or a sort of row hashes otherwise.

2. Coarse levels.  The colours are binned on grids of 32 and 64 steps per
   channel (``coarse_levels``); each bin becomes one point at the weighted
   mean of its colours, carrying their summed weight.  The starts are
   solved on the coarsest level, and each finer level starts from the
   coarser one's centres: the coarse levels only choose the start of the
   exact solution, they never replace it.
"""

import numpy as np


def distinct_rows(X):
    """Return ``(rows, inverse, counts)``: the distinct rows of X as float64,
    for each row of X the index of its distinct row (``rows[inverse] == X``),
    and how many rows of X each distinct row stands for."""
    n, d = X.shape
    if X.dtype == np.uint8 and d == 3:
        # Two stable radix passes (numpy sorts 8- and 16-bit keys by
        # counting) order the pixels by their 24-bit colour in linear time.
        high = (X[:, 0].astype(np.uint16) << 8) | X[:, 1]
        by_low = np.argsort(X[:, 2], kind="stable")
        order = by_low[np.argsort(high[by_low], kind="stable")]
        keys = ((high.astype(np.int32) << 8) | X[:, 2])[order]
        starts = _run_starts(keys[1:] != keys[:-1])
    else:
        if X.dtype != np.float64:
            X = X.astype(np.float64)
        # +0.0 turns -0.0 into 0.0, so that equal values have equal bits.
        X = np.ascontiguousarray(X + 0.0)
        hashes = _row_hashes(X)
        # Equal rows have equal hashes, so any sort of the hashes groups
        # them; which of several equal rows comes first does not matter.
        order = np.argsort(hashes)
        hashes = hashes[order]
        keys = X[order]
        new_row = (keys[1:] != keys[:-1]).any(axis=1)
        if np.any(new_row & (hashes[1:] == hashes[:-1])):
            # Two different rows share a hash (astronomically rare): fall back
            # to an exact lexicographic sort of the rows.
            order = np.lexsort(X.T[::-1])
            keys = X[order]
            new_row = (keys[1:] != keys[:-1]).any(axis=1)
        starts = _run_starts(new_row)
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = np.cumsum(_run_flags(starts, n)) - 1
    counts = np.diff(starts, append=n)
    rows = X[order[starts]].astype(np.float64)
    return rows, inverse, counts


def _run_starts(differs_from_previous):
    """Start positions of the runs of equal sorted keys."""
    return np.concatenate(([0], np.flatnonzero(differs_from_previous) + 1))


def _run_flags(starts, n):
    flags = np.zeros(n, dtype=np.intp)
    flags[starts] = 1
    return flags


def _row_hashes(X):
    """A 64-bit hash of the bytes of each float64 row (multiply-xor mixing);
    equal rows have equal hashes."""
    bits = X.view(np.uint64)
    h = np.full(len(X), 0x9E3779B97F4A7C15, dtype=np.uint64)
    for j in range(X.shape[1]):
        h ^= bits[:, j]
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
    return h.view(np.int64)


# Grids of the coarse levels: 2**5 = 32 steps per channel (bins 8 levels
# wide for uint8 colours) and 64.  Coarser grids gave poorer starts.
COARSE_LEVEL_BITS = (5, 6)
# A level only pays off when it is much smaller than the next finer one, and
# only helps to place k centres with several points per cluster.
COARSE_MAX_FRACTION = 0.5
COARSE_MIN_POINTS_PER_CLUSTER = 4


def coarse_levels(rows, weights, is_uint8, k):
    """The coarse histograms worth solving, coarsest first.

    A level is kept when it has at most ``COARSE_MAX_FRACTION`` times as
    many points as the next finer one (else it saves too little) and at
    least ``COARSE_MIN_POINTS_PER_CLUSTER * k`` points (else it is too
    crude to place k centres).  Returns a list of
    ``(bin_of_row, means, bin_weights, bin_width)``."""
    d = rows.shape[1]
    finest = min(max(COARSE_LEVEL_BITS), 62 // d)
    if finest < 1:
        return []
    cells = grid_cells(rows, is_uint8, finest)
    span = 256.0 if is_uint8 else float((rows.max(axis=0) - rows.min(axis=0)).max())
    levels = []
    finer_size = len(rows)
    for bits in sorted({min(b, finest) for b in COARSE_LEVEL_BITS}, reverse=True):
        bin_of_row, means, bin_w = coarse_histogram(rows, weights, cells >> (finest - bits), bits)
        if len(means) < COARSE_MIN_POINTS_PER_CLUSTER * k:
            break
        if len(means) <= COARSE_MAX_FRACTION * finer_size:
            levels.append((bin_of_row, means, bin_w, span / (1 << bits)))
            finer_size = len(means)
    return levels[::-1]


def grid_cells(rows, is_uint8, bits):
    """Integer cell coordinates (n, d) of each row on a grid of ``2**bits``
    steps per column: the top bits of uint8 values, otherwise equal steps
    over the range of each column.  Cells of a coarser grid are these
    coordinates shifted right, so every cell lies in one coarser cell."""
    if is_uint8:
        return rows.astype(np.int64) >> (8 - bits)
    steps = 1 << bits
    low = rows.min(axis=0)
    width = (rows.max(axis=0) - low) / steps
    width[width == 0] = 1.0  # a constant column is a single step
    return np.minimum(((rows - low) / width).astype(np.int64), steps - 1)


def coarse_histogram(rows, weights, cells, bits):
    """Bin the rows by grid cell.  Returns ``(bin_of_row, means, bin_weights)``:
    the bin index of each row, and the weighted mean and summed weight of
    each non-empty cell."""
    d = rows.shape[1]
    code = np.zeros(len(rows), dtype=np.int64)
    for j in range(d):
        code = (code << bits) | cells[:, j]
    if bits * d <= 22:
        # A lookup table over the whole grid is cheaper than sorting.
        present = np.bincount(code, minlength=1 << (bits * d)) > 0
        bin_of_row = (np.cumsum(present) - 1)[code]
    else:
        _, bin_of_row = np.unique(code, return_inverse=True)
        bin_of_row = bin_of_row.reshape(-1)
    n_bins = int(bin_of_row.max()) + 1
    bin_weights = np.bincount(bin_of_row, weights=weights, minlength=n_bins)
    means = np.empty((n_bins, d))
    for j in range(d):
        means[:, j] = np.bincount(bin_of_row, weights=weights * rows[:, j], minlength=n_bins)
    means /= bin_weights[:, None]
    return bin_of_row, means, bin_weights
