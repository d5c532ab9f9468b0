"""Seeding: where Lloyd's iterations start.

Greedy k-means++ (the default, as in scikit-learn's ``_kmeans.py``) picks
centres far from those chosen so far; ``random_rows`` is the reference
tutorial's start, kept for comparison.  One ``numpy.random.default_rng``
(the caller's) makes every draw, so a seed gives the same starts on every
machine.
"""

import numpy as np

from .distances import squared_distances

# Bound on the (rows x starts x trials) distances kept by kmeans_plusplus.
KPP_BATCH_VALUES = 1 << 20


def kmeans_plusplus(X, w, k, rng, n_starts=1):
    """``n_starts`` greedy k-means++ seedings weighted by ``w`` (rows with
    w > 0 only), as an array (n_starts, k, d).

    The first centre is a row drawn with probability proportional to its
    weight.  Each further centre is the best (lowest resulting inertia) of
    ``2 + int(log k)`` candidates, drawn with probability proportional to
    weight times squared distance to the closest centre chosen so far.

    The starts are independent, but computed side by side: on a coarse
    level one start costs mostly numpy call overhead, paid here once per
    centre for all of them.  The random draws are made first, in the order
    in which starts made one after the other would make them."""
    n_trials = 2 + int(np.log(k))
    draws = rng.random((n_starts, 1 + (k - 1) * n_trials))
    # Side by side in groups small enough to bound the (n, group, trials)
    # temporaries.
    group = max(1, KPP_BATCH_VALUES // (len(X) * n_trials))
    return np.concatenate(
        [
            _kmeans_plusplus_batch(X, w, k, draws[lo : lo + group], n_trials)
            for lo in range(0, n_starts, group)
        ]
    )


def _kmeans_plusplus_batch(X, w, k, draws, n_trials):
    """``kmeans_plusplus`` for one group of starts, one row of ``draws``
    (uniform numbers) each: returns their centres (starts, k, d)."""
    n_starts = len(draws)
    starts = np.arange(n_starts)
    centers = np.empty((n_starts, k, X.shape[1]))
    first = weighted_choice(np.cumsum(w), draws[:, 0])
    centers[:, 0] = X[first]
    closest = squared_distances(X, X[first])  # (n, starts)
    for c in range(1, k):
        u = draws[:, 1 + (c - 1) * n_trials : 1 + c * n_trials]
        cumulative = np.cumsum(w[:, None] * closest, axis=0)
        candidates = np.stack(
            [weighted_choice(cumulative[:, s], u[s]) for s in range(n_starts)]
        )  # (starts, trials)
        trial = squared_distances(X, X[candidates.ravel()]).reshape(len(X), n_starts, n_trials)
        np.minimum(closest[:, :, None], trial, out=trial)
        best = np.argmin((w[:, None, None] * trial).sum(axis=0), axis=1)
        closest = trial[:, starts, best]
        centers[:, c] = X[candidates[starts, best]]
    return centers


def random_rows(X, w, k, rng):
    """k rows drawn with replacement, each with probability proportional to
    its weight: the reference tutorial's start (uniform over the pixels)."""
    return X[weighted_choice(np.cumsum(w), rng.random(k))].astype(np.float64)


def weighted_choice(cumulative, u):
    """Indices drawn with probability proportional to the increments of the
    non-decreasing ``cumulative``, for uniform draws ``u`` in [0, 1).
    Rows with zero increment are never chosen."""
    idx = np.searchsorted(cumulative, u * cumulative[-1], side="right")
    return np.minimum(idx, len(cumulative) - 1)
