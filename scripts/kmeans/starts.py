"""The starts: Lloyd's iterations of several starts side by side.

Each iteration moves every centre to the weighted mean of its rows, then
gives every row its nearest centre, until every centre moved less than
``tol`` or no label changed (after which nothing can move again).

The starts run on the coarsest level, a few thousand points, where one
start costs mostly numpy call overhead per iteration: stacking them pays
it once for all.  Each run stops on its own rule and is then dropped from
the batch, so every run is bit for bit the run it would be alone.  The
assignment keeps Hamerly's two bounds per row: computing every distance
instead makes the whole sweep 1.6 times slower (see
``benchmarks/kmeans_phases.md``).
"""

import numpy as np

from .distances import (
    LIST_LENGTH,
    distances_to_assigned,
    nearest_and_two_distances_in_runs,
    nearest_and_two_distances_in_runs_listed,
    squared_distances_stacked,
    squared_norms,
)


def lloyd_with_hamerly_bounds(X, w, starts, tol, max_iter, every_distance=False):
    """Lloyd's iterations from each of ``starts`` (runs, k, d) on the rows X
    (weights w > 0, more distinct rows than centres).  Returns one
    ``(centers, labels, n_iter)`` per start; the labels are the nearest
    returned centres (the first on ties).

    Hamerly's bounds: an upper bound on each row's distance to its centre,
    grown by that centre's moves, and a lower bound on its distance to
    every other centre, shrunk by the largest move among the others.  A row
    whose upper bound is below its lower bound, or below half the distance
    from its centre to the nearest other centre, keeps its centre; only the
    other rows have their distances computed, for large k only against the
    centres listed near their own (``nearest_and_two_distances_in_runs_listed``).
    ``every_distance`` checks every row against every centre instead: the
    plain Lloyd that ``benchmarks/kmeans_phases.py`` compares with."""
    n, d = X.shape
    k = starts.shape[1]
    slack = 1e-9 * (1.0 + float(np.abs(X).max()))  # absorbs rounding: ties are checked
    centers = np.array(starts, dtype=np.float64)  # (runs, k, d)
    run, row = np.divmod(np.arange(len(centers) * n), n)
    first = nearest_and_two_distances_in_runs(X, centers, run, row)
    labels, upper, lower = (values.reshape(len(centers), n) for values in first)
    table, counts = cluster_sums(X, w, labels, k)
    live = np.arange(len(starts))  # which start each run of the stacks is
    results = [None] * len(starts)
    n_iter = 0
    while True:
        n_iter += 1
        for r, taken in reseed_empty_clusters(X, w, centers, labels, table, counts):
            # Their lower bounds do not cover their old centre.
            upper[r, taken], lower[r, taken] = np.inf, -np.inf
        new_centers = cluster_means(table)
        shift = np.sqrt(squared_norms(new_centers - centers))  # (runs, k)
        centers = new_centers
        # Bounds follow the moves: the own centre moved by its shift, every
        # other centre by at most the largest shift among the others.
        runs = np.arange(len(live))
        flat_labels = labels + (k * runs)[:, None]  # indices into (runs, k).ravel()
        upper += shift.take(flat_labels)
        top = np.argmax(shift, axis=1)
        others = np.repeat(shift.max(axis=1)[:, None], k, axis=1)
        second = shift.copy()
        second[runs, top] = 0.0
        others[runs, top] = second.max(axis=1)
        lower -= others.take(flat_labels)
        # Reassign the rows the bounds do not settle.
        gaps = squared_distances_stacked(centers, centers)
        gaps[:, np.arange(k), np.arange(k)] = np.inf
        half_gap = 0.5 * np.sqrt(gaps.min(axis=2))
        bound = np.maximum(lower, half_gap.take(flat_labels)) - slack
        if every_distance:
            bound[:] = -np.inf
        # Flat indices into the (runs, n) stacks, and their run and row.
        at = np.flatnonzero(upper >= bound)
        own = flat_labels.take(at)
        run = at // n
        row = at - run * n
        flat_upper = upper.reshape(-1)
        flat_upper[at] = np.sqrt(squared_norms(X[row] - centers.reshape(-1, d)[own]))
        unsure = flat_upper[at] >= bound.take(at)
        at, run, row, own = at[unsure], run[unsure], row[unsure], own[unsure]
        if k > 2 * (LIST_LENGTH + 1) and not every_distance:
            # Rows near their centre can only go to its listed neighbours.
            new, d1, d2 = nearest_and_two_distances_in_runs_listed(
                X, centers, gaps, run, row, own, flat_upper[at], slack
            )
        else:
            new, d1, d2 = nearest_and_two_distances_in_runs(X, centers, run, row)
        flat_upper[at], lower.reshape(-1)[at] = d1, d2
        old = own - k * run
        labels.reshape(-1)[at] = new
        moved = new != old
        done = (np.bincount(run[moved], minlength=len(live)) == 0) | (shift.max(axis=1) < tol)
        if n_iter >= max_iter:
            done[:] = True
        going_on = moved & ~done[run]
        run, row = run[going_on], row[going_on]
        update_sums(X, w, table, counts, labels, run, row, old[going_on], new[going_on])
        for r in np.flatnonzero(done):
            results[live[r]] = (centers[r], labels[r], n_iter)
        if done.all():
            return results
        keep = ~done
        live, centers, labels = live[keep], centers[keep], labels[keep]
        upper, lower, table, counts = upper[keep], lower[keep], table[keep], counts[keep]


# --------------------------------------------------------------------------
# The update step, shared with polish.py
# --------------------------------------------------------------------------


def cluster_sums(X, w, labels, k):
    """Per run and cluster: total weight and weighted coordinate sums, the
    ``table`` (runs, k, d + 1), and member counts (runs, k), for the labels
    of each run (runs, n)."""
    runs = len(labels)
    flat = (labels + k * np.arange(runs)[:, None]).ravel()
    table = np.empty((runs * k, X.shape[1] + 1))
    table[:, 0] = np.bincount(flat, weights=np.tile(w, runs), minlength=runs * k)
    for j in range(X.shape[1]):
        table[:, j + 1] = np.bincount(flat, weights=np.tile(w * X[:, j], runs), minlength=runs * k)
    counts = np.bincount(flat, minlength=runs * k).reshape(runs, k)
    return table.reshape(runs, k, -1), counts


def cluster_means(table):
    """The centres: weighted means of the clusters of ``cluster_sums``."""
    return table[..., 1:] / table[..., :1]


def update_sums(X, w, table, counts, labels, run, row, old, new):
    """Bring the cluster sums up to date after the rows ``X[row]`` of the
    runs ``run`` moved from cluster ``old`` to ``new`` (``labels`` already
    says so): recomputed for a run where many rows moved (cheaper then, and
    exact), else updated for the rows that moved."""
    n_moved = np.bincount(run, minlength=len(table))
    many = n_moved > len(X) // 8
    for r in np.flatnonzero(many):
        sums, members = cluster_sums(X, w, labels[r : r + 1], table.shape[1])
        table[r], counts[r] = sums[0], members[0]
    few = ~many[run]
    if not few.any():
        return
    run, row = run[few], row[few]
    values = np.empty((len(row), table.shape[-1]))
    values[:, 0] = w[row]
    np.multiply(values[:, :1], X[row], out=values[:, 1:])
    np.add.at(table, (run, new[few]), values)
    np.subtract.at(table, (run, old[few]), values)
    np.add.at(counts, (run, new[few]), 1)
    np.subtract.at(counts, (run, old[few]), 1)
    # A cluster that lost all its rows must be exactly empty, not hold the
    # rounding residue of the subtractions.
    table[counts == 0] = 0.0


def reseed_empty_clusters(X, w, centers, labels, table, counts):
    """Give every empty cluster of each run the row farthest from its own
    centre (see ``rows_for_empty_clusters``).  Returns ``(run, rows)`` for
    each run that had an empty cluster: the rows moved."""
    moved = []
    for r in np.flatnonzero(counts.min(axis=1) == 0):
        dist = distances_to_assigned(X, centers[r], labels[r])
        taken, empty = rows_for_empty_clusters(dist, labels[r], counts[r])
        old = labels[r, taken]
        labels[r, taken] = empty
        update_sums(X, w, table, counts, labels, np.full(len(taken), r), taken, old, empty)
        moved.append((r, taken))
    return moved


def rows_for_empty_clusters(dist, labels, counts):
    """Rows to move into the empty clusters, and the cluster each goes to:
    for every empty cluster the row farthest from its own centre (``dist``).

    Rows are only taken from clusters that keep at least one row, so no new
    cluster empties.  There are always enough: the caller guarantees more
    distinct rows than clusters, and a cluster of c distinct rows has at
    least c - 1 of them away from its centre.  Deterministic: ties in
    distance go to the lower row index."""
    empty = np.flatnonzero(counts == 0)
    counts = counts.copy()
    taken = []
    for i in np.argsort(-dist, kind="stable"):
        if len(taken) == len(empty):
            break
        # A row sitting on its centre would give a duplicate centre.
        if counts[labels[i]] > 1 and dist[i] > 0:
            counts[labels[i]] -= 1
            taken.append(i)
    taken = np.asarray(taken, dtype=np.intp)
    return taken, empty[: len(taken)]
