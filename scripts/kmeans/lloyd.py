"""Lloyd's iterations, the textbook way: every distance, every iteration.

Each iteration moves every centre to the weighted mean of its rows, then
gives every row its nearest centre, until every centre moved less than
``tol`` or no label changed (after which nothing can move again).

``lloyd_every_distance`` runs several starts side by side on the same rows:
on a coarse level (a few thousand points) one start costs mostly numpy
call overhead per iteration, and stacking the starts pays it once for all
of them.  Each run stops on its own rule and is then dropped from the
batch, so every run is bit for bit the run it would be alone.  There,
computing every distance is as fast as skipping some with bounds (see
``benchmarks/kmeans_phases.md``); the exact level is where bounds pay
(``bounded.py``), and it reuses the update step below.
"""

import numpy as np

from .distances import distances_to_assigned, nearest_centres_of_runs, squared_norms


def lloyd_every_distance(X, w, starts, tol, max_iter):
    """Lloyd's iterations from each of ``starts`` (runs, k, d) on the rows X
    (weights w > 0, more distinct rows than centres).  Returns one
    ``(centers, labels, n_iter)`` per start; the labels are the nearest
    returned centres."""
    k = starts.shape[1]
    centers = np.array(starts, dtype=np.float64)
    labels = nearest_centres_of_runs(X, centers)
    table, counts = cluster_sums(X, w, labels, k)
    live = np.arange(len(starts))  # which start each run of the stacks is
    results = [None] * len(starts)
    n_iter = 0
    while True:
        n_iter += 1
        reseed_empty_clusters(X, w, centers, labels, table, counts)
        new_centers = cluster_means(table)
        shift = np.sqrt(squared_norms(new_centers - centers))  # (runs, k)
        centers = new_centers
        new = nearest_centres_of_runs(X, centers)
        run, row = np.nonzero(new != labels)
        old = labels[run, row]
        labels = new
        done = (np.bincount(run, minlength=len(live)) == 0) | (shift.max(axis=1) < tol)
        if n_iter >= max_iter:
            done[:] = True
        going_on = ~done[run]
        run, row, old = run[going_on], row[going_on], old[going_on]
        update_sums(X, w, table, counts, labels, run, row, old, labels[run, row])
        for r in np.flatnonzero(done):
            results[live[r]] = (centers[r], labels[r], n_iter)
        if done.all():
            return results
        keep = ~done
        live, centers, labels = live[keep], centers[keep], labels[keep]
        table, counts = table[keep], counts[keep]


# --------------------------------------------------------------------------
# The update step, shared with bounded.py
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
    centre (see ``rows_for_empty_clusters``).  Returns the rows moved, one
    array per run that had an empty cluster."""
    moved = []
    for r in np.flatnonzero(counts.min(axis=1) == 0):
        dist = distances_to_assigned(X, centers[r], labels[r])
        taken, empty = rows_for_empty_clusters(dist, labels[r], counts[r])
        old = labels[r, taken]
        labels[r, taken] = empty
        update_sums(X, w, table, counts, labels, np.full(len(taken), r), taken, old, empty)
        moved.append(taken)
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
