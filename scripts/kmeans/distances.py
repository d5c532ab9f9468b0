"""Distances and nearest centres, the arithmetic under every file.

Every squared distance is summed one coordinate at a time, in the same
order, whichever function computes it: the same row and centre always
round the same way, and no matrix product is used (BLAS may round
differently with different numbers of threads; the subtraction also avoids
the cancellation of the |x|^2 - 2 x.c + |c|^2 form).  Results are
therefore bit-for-bit reproducible, and every nearest centre is the one
``np.argmin`` over all the distances would pick (the first on ties).
"""

import numpy as np


def squared_norms(diff):
    """Squared Euclidean norms along the last axis."""
    out = diff[..., 0] * diff[..., 0]
    for j in range(1, diff.shape[-1]):
        out += diff[..., j] * diff[..., j]
    return out


def squared_distances(X, centers):
    """(n, k) squared distances from the rows of X to the centres."""
    D = np.subtract.outer(X[:, 0], centers[:, 0])
    D *= D
    for j in range(1, X.shape[1]):
        T = np.subtract.outer(X[:, j], centers[:, j])
        T *= T
        D += T
    return D


def squared_distances_stacked(X, centers):
    """(runs, n, k) squared distances from the rows of X (n, d) to the
    centres of each run (runs, k, d)."""
    D = X[None, :, None, 0] - centers[:, None, :, 0]
    D *= D
    for j in range(1, X.shape[1]):
        T = X[None, :, None, j] - centers[:, None, :, j]
        T *= T
        D += T
    return D


def squared_distances_gathered(x, columns, group):
    """(m, len(x)) squared distances from each row x[i] to the m centres of
    its own set ``group[i]``, whose coordinate j is ``columns[j][:, group[i]]``.
    One row per centre: every operation, and the reductions of
    ``smallest_per_column``, run along long contiguous rows."""
    D = columns[0].take(group, axis=1)
    D -= x[:, 0]
    D *= D
    for j in range(1, x.shape[1]):
        T = columns[j].take(group, axis=1)
        T -= x[:, j]
        T *= T
        D += T
    return D


def distances_to_assigned(X, centers, labels):
    """Euclidean distance from each row to its own centre."""
    return np.sqrt(squared_norms(X - centers[labels]))


def nearest_centres(X, centers):
    """Index of the nearest centre of each row (the first on ties)."""
    return np.argmin(squared_distances(X, centers), axis=1)


# Bound on the (runs x rows x centres) distances nearest_centres_of_runs keeps.
STACK_VALUES = 1 << 21


def nearest_centres_of_runs(X, centers):
    """(runs, n): nearest centre of each row among the centres of each run
    (runs, k, d), the first on ties, computed side by side in groups of runs
    small enough to bound the temporaries."""
    group = max(1, STACK_VALUES // (len(X) * centers.shape[1]))
    return np.concatenate(
        [
            np.argmin(squared_distances_stacked(X, centers[lo : lo + group]), axis=2)
            for lo in range(0, len(centers), group)
        ]
    )


def nearest_two_and_three_distances(x, centers):
    """For each row of x: the nearest centre, the runner-up (the nearest
    itself when there is a single centre) and the distances to the nearest
    three (inf where there are fewer centres)."""
    (nearest, second), (d1, d2, d3) = smallest_per_column(squared_distances(x, centers).T, 2)
    runner_up = np.where(np.isfinite(d2), second, nearest)
    return nearest, runner_up, np.sqrt(d1), np.sqrt(d2), np.sqrt(d3)


def nearest_two_and_three_distances_listed(x, list_columns, lists, group, place):
    """``nearest_two_and_three_distances`` among the centres listed for each
    row's ``group`` (the row ``lists[group]``, whose coordinates are
    ``list_columns[:, :, group]``; ties resolve as over all centres when the
    lists are in index order), and the distance to the centre ``group``
    itself (listed at ``place[group]``), rounded as ``distances_to_assigned``
    rounds it."""
    d = squared_distances_gathered(x, list_columns, group)
    d_group = d[place.take(group), np.arange(len(x))]  # before it is overwritten
    first = group * lists.shape[1]
    (pos1, pos2), (d1, d2, d3) = smallest_per_column(d, 2)
    flat = lists.ravel()
    nearest = flat[first + pos1]
    runner_up = np.where(np.isfinite(d2), flat[first + pos2], nearest)
    return nearest, runner_up, np.sqrt(d1), np.sqrt(d2), np.sqrt(d3), np.sqrt(d_group)


def smallest_per_column(d, count):
    """For each column of d (destroyed): the rows of its ``count`` smallest
    values, smallest first (the first row on ties, as np.argmin), and its
    ``count + 1`` smallest values.  Returns ``(rows, values)``: lists of
    ``count`` and ``count + 1`` arrays with one entry per column.  Pass
    the view ``m.T`` to reduce each row of a matrix m."""
    idx = np.arange(d.shape[1])
    rows, values = [], []
    # Along contiguous columns (d with a few rows) numpy finds minima fast
    # and their positions slowly; on transposed views it is the reverse.
    by_minimum = d.flags.c_contiguous
    for _ in range(count):
        if by_minimum:
            value = d.min(axis=0)
            pos = (d == value).argmax(axis=0)  # the first row holding it
        else:
            pos = np.argmin(d, axis=0)
            value = d[pos, idx]
        rows.append(pos)
        values.append(value)
        d[pos, idx] = np.inf
    values.append(d.min(axis=0))
    return rows, values
