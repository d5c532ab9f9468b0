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


def squared_distances_stacked(A, B):
    """(runs, p, q) squared distances between the rows of A (runs, p, d)
    and B (runs, q, d)."""
    D = A[:, :, None, 0] - B[:, None, :, 0]
    D *= D
    for j in range(1, A.shape[2]):
        T = A[:, :, None, j] - B[:, None, :, j]
        T *= T
        D += T
    return D


def squared_distances_gathered(x, columns, group, axis):
    """Squared distances from each row x[i] to the m centres of its own set
    ``group[i]``.  ``columns[j]`` holds coordinate j of the centres of every
    set, the sets along ``axis``; the result has the rows of x along that
    axis: (len(x), m) for axis 0, (m, len(x)) for axis 1.  Axis 1 (one row
    per centre) suits short sets: every operation, and the reductions of
    ``smallest_per_column``, then run along long contiguous rows."""
    along = (-1, 1) if axis == 0 else (1, -1)  # x[:, j] laid along axis
    D = columns[0].take(group, axis=axis)
    D -= x[:, 0].reshape(along)
    D *= D
    for j in range(1, x.shape[1]):
        T = columns[j].take(group, axis=axis)
        T -= x[:, j].reshape(along)
        T *= T
        D += T
    return D


def distances_to_assigned(X, centers, labels):
    """Euclidean distance from each row to its own centre."""
    return np.sqrt(squared_norms(X - centers[labels]))


def nearest_centres(X, centers):
    """Index of the nearest centre of each row (the first on ties)."""
    return np.argmin(squared_distances(X, centers), axis=1)


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
    d = squared_distances_gathered(x, list_columns, group, axis=1)
    d_group = d[place.take(group), np.arange(len(x))]  # before it is overwritten
    first = group * lists.shape[1]
    (pos1, pos2), (d1, d2, d3) = smallest_per_column(d, 2)
    flat = lists.ravel()
    nearest = flat[first + pos1]
    runner_up = np.where(np.isfinite(d2), flat[first + pos2], nearest)
    return nearest, runner_up, np.sqrt(d1), np.sqrt(d2), np.sqrt(d3), np.sqrt(d_group)


# Row-centre pairs per chunk of nearest_and_two_distances_in_runs (bounds
# its memory).
CHUNK_PAIRS = 1 << 18


def nearest_and_two_distances_in_runs(X, centers, run, row):
    """Nearest centre of each row ``X[row]`` among the centres of its run
    ``centers[run]`` (runs, k, d), and the distances to the nearest two."""
    k = centers.shape[1]
    # Coordinate j of every centre, one contiguous row of k values per run
    # (one row of distances per row of X: reductions over k values run
    # along rows).
    columns = np.ascontiguousarray(centers.transpose(2, 0, 1))
    nearest = np.empty(len(row), dtype=np.intp)
    d1, d2 = np.empty(len(row)), np.empty(len(row))
    step = max(1, CHUNK_PAIRS // k)
    for lo in range(0, len(row), step):
        chunk = slice(lo, lo + step)
        D = squared_distances_gathered(X[row[chunk]], columns, run[chunk], axis=0)
        (nearest[chunk],), (d1[chunk], d2[chunk]) = smallest_per_column(D.T, 1)
    return nearest, np.sqrt(d1), np.sqrt(d2)


# Neighbour centres listed per centre, by the starts and by the polish.
LIST_LENGTH = 8


def nearest_and_two_distances_in_runs_listed(X, centers, gaps, run, row, own, dist_own, slack):
    """``nearest_and_two_distances_in_runs`` (with a lower bound as second
    distance) using the triangle inequality: a row at distance u from its centre a is
    farther than u from every centre c with |c_a - c| > 2 u.  So when u is
    below half the distance from a to its (LIST_LENGTH + 1)-th nearest
    centre, only a and its LIST_LENGTH nearest centres can be the nearest,
    and every other centre is at least that distance minus u away.

    ``gaps`` (runs, k, k): squared distances between centres, inf on the
    diagonal; ``own``: flat index run * k + a; ``dist_own``: exact distance
    to the own centre."""
    runs, k, d = centers.shape
    length = LIST_LENGTH
    nearest_first = np.argpartition(gaps, length, axis=2)
    reach = np.sqrt(np.take_along_axis(gaps, nearest_first[:, :, length : length + 1], axis=2))
    reach = reach.reshape(-1)  # (runs * k,)
    near = dist_own < 0.5 * reach.take(own) - slack
    nearest = np.empty(len(row), dtype=np.intp)
    d1, d2 = np.empty(len(row)), np.empty(len(row))
    far = ~near
    if far.any():
        nearest[far], d1[far], d2[far] = nearest_and_two_distances_in_runs(
            X, centers, run[far], row[far]
        )
    if near.any():
        # Each centre with its neighbours, in index order (ties resolve as
        # np.argmin over every centre would).
        lists = np.concatenate(
            (np.broadcast_to(np.arange(k)[:, None], (runs, k, 1)), nearest_first[:, :, :length]),
            axis=2,
        )
        lists.sort(axis=2)
        lists = lists.reshape(runs * k, length + 1)
        flat_lists = lists + (k * (np.arange(runs * k) // k))[:, None]
        columns = np.ascontiguousarray(centers.reshape(-1, d)[flat_lists].transpose(2, 1, 0))
        group = own[near]
        (pos,), (near_d1, near_d2) = smallest_per_column(
            squared_distances_gathered(X[row[near]], columns, group, axis=1), 1
        )
        nearest[near] = lists.reshape(-1)[group * (length + 1) + pos]
        d1[near] = np.sqrt(near_d1)
        others = reach.take(group) - dist_own[near]
        d2[near] = np.minimum(np.sqrt(near_d2), others)
    return nearest, d1, d2


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
