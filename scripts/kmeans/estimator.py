"""The estimator: ``KMeans``, its parameters, and the order of the work.

``fit`` clusters the distinct colours (``data.py``), tries ``n_init``
k-means++ starts (``seeding.py``) side by side on the coarsest level
(``starts.py``), keeps the best, and polishes it level by level down to the
exact colours (``polish.py``).  The API follows scikit-learn's
``sklearn/cluster/_kmeans.py``; nothing here depends on it.
"""

from itertools import pairwise

import numpy as np

from .data import coarse_levels, distinct_rows
from .distances import nearest_centres, squared_norms
from .polish import LazyBounds, lloyd_with_lazy_bounds
from .seeding import kmeans_plusplus, random_rows
from .starts import lloyd_with_hamerly_bounds

# Greedy k-means++ starts on the coarsest level when n_init is None.  Fewer
# starts visibly cost quality at k >= 16 on the benchmark photos.
DEFAULT_N_INIT = 8
# The coarse solutions only choose the start of the next level, so they need
# not converge as tightly as the final one (in units of X per bin width).
COARSE_TOL_PER_BIN_WIDTH = 1e-2


class KMeans:
    """k-means clustering of the rows of X (Lloyd's algorithm).

    Parameters
    ----------
    k : int
        Number of clusters wanted.  If X has fewer distinct rows, every
        distinct row becomes a centre (see ``n_clusters_``).
    init : {"k-means++", "random"} or ndarray of shape (k, d), \
default="k-means++"
        "k-means++": ``n_init`` greedy k-means++ starts, weighted by
        ``sample_weight``, solved on a coarse histogram of X; the best is
        polished on the exact data.
        "random": k rows of X drawn at random with replacement and a single
        run (the reference tutorial's algorithm, kept for comparison).
        An array: a single run of Lloyd's iterations from these centres.
    seed : int, default=0
        Seed of the ``numpy.random.default_rng`` that drives all randomness;
        the same seed gives bit-for-bit identical results.
    tol : float, default=1e-3
        Stop when every centre moved less than ``tol`` (Euclidean distance,
        in the units of X) in one iteration.
    max_iter : int, default=500
        Maximum number of Lloyd iterations of each run.
    n_init : int, default=None
        Number of k-means++ starts tried on the coarsest level; None means
        ``DEFAULT_N_INIT`` (8).  Only used with ``init="k-means++"``.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters_, d), float64
        Centres; the weighted means of their rows at convergence.
    labels_ : ndarray of shape (n,), intp
        Index into ``cluster_centers_`` of the nearest centre of each row
        (the first one on ties).
    inertia_ : float
        Sum over rows of weight times squared distance to its centre.
    n_iter_ : int
        Number of Lloyd iterations of the final polish.
    n_clusters_ : int
        ``min(k, n_distinct_)``.
    n_distinct_ : int
        Number of distinct rows of X.

    Examples
    --------
    >>> pixels = image.reshape(-1, 3)  # (n, 3) uint8
    >>> km = KMeans(8, seed=0).fit(pixels)
    >>> segmented = km.cluster_centers_[km.labels_].reshape(image.shape)
    """

    def __init__(self, k, *, init="k-means++", seed=0, tol=1e-3, max_iter=500, n_init=None):
        self.k = k
        self.init = init
        self.seed = seed
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init

    def fit(self, X, sample_weight=None):
        """Compute the clustering of X, shape (n, d); returns self.

        ``sample_weight`` (shape (n,), non-negative) weights each row, as if
        it were repeated; rows of weight 0 do not influence the centres."""
        X, w = _check_data(X, sample_weight)
        k, init = self._check_params(X.shape[1])
        rng = np.random.default_rng(self.seed)

        rows, inverse, counts = distinct_rows(X)
        row_w = counts.astype(np.float64) if w is None else np.bincount(inverse, weights=w)
        self.n_distinct_ = len(rows)
        weighted = np.flatnonzero(row_w > 0)
        if k >= len(weighted):
            # Every weighted row gets its own centre: inertia 0.  Rows of
            # weight 0 fill the remaining places, up to k.
            unweighted = np.flatnonzero(row_w == 0)
            centers = rows[np.concatenate((weighted, unweighted))[: min(k, len(rows))]]
            row_labels = nearest_centres(rows, centers)
            self.n_iter_ = 0
        else:
            fit_rows, fit_w = rows[weighted], row_w[weighted]
            if isinstance(init, np.ndarray):
                start = init
            elif init == "random":
                start = random_rows(X, np.ones(len(X)) if w is None else w, k, rng)
            else:
                start = None
            if start is None:
                centers, labels, self.n_iter_ = self._best_of_starts(
                    fit_rows, fit_w, X.dtype == np.uint8, k, rng
                )
            else:
                centers, labels, self.n_iter_ = lloyd_from(
                    fit_rows, fit_w, start, self.tol, self.max_iter
                )
            if len(weighted) == len(rows):
                row_labels = labels
            else:
                # Rows of weight 0 took no part in the fit; label them now.
                row_labels = nearest_centres(rows, centers)
                row_labels[weighted] = labels

        self.cluster_centers_ = centers
        self.n_clusters_ = len(centers)
        self.labels_ = row_labels[inverse]
        self.inertia_ = weighted_inertia(rows, row_w, centers, row_labels)
        return self

    def predict(self, X):
        """Index of the nearest centre (the first on ties) for each row of X."""
        X, _ = _check_data(X, None)
        if X.shape[1] != self.cluster_centers_.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} columns, the model was fitted on "
                f"{self.cluster_centers_.shape[1]}"
            )
        return nearest_centres(X.astype(np.float64), self.cluster_centers_)

    def _best_of_starts(self, rows, w, is_uint8, k, rng):
        """Best of ``n_init`` k-means++ starts on the coarsest useful
        histogram, then polished level by level down to the exact rows."""
        if k == 1:
            # Every start gives the weighted mean.
            mean = (w[:, None] * rows).sum(axis=0) / w.sum()
            return lloyd_from(rows, w, mean[None], self.tol, self.max_iter)
        levels = coarse_levels(rows, w, is_uint8, k)
        points, point_w, width = levels[0][1:] if levels else (rows, w, 0.0)
        # The coarse runs only choose the start of the polish, so they need
        # not converge as tightly as the final run.
        tol = max(self.tol, COARSE_TOL_PER_BIN_WIDTH * width)
        best = None
        n_init = DEFAULT_N_INIT if self.n_init is None else self.n_init
        starts = kmeans_plusplus(points, point_w, k, rng, n_init)
        for centers, labels, n_iter in lloyd_with_hamerly_bounds(
            points, point_w, starts, tol, self.max_iter
        ):
            inertia = weighted_inertia(points, point_w, centers, labels)
            if best is None or inertia < best[0]:
                best = (inertia, centers, labels, n_iter)
        _, centers, labels, n_iter = best
        if not levels:
            return centers, labels, n_iter
        # Each finer level (ending with the exact rows) starts from the
        # centres of the coarser one, with bounds derived from its points.
        finer = []
        for (coarse_of_row, *_), (fine_of_row, means, bin_w, width) in pairwise(levels):
            parent = np.empty(len(means), dtype=np.intp)
            parent[fine_of_row] = coarse_of_row
            finer.append((parent, means, bin_w, width))
        finer.append((levels[-1][0], rows, w, 0.0))
        for parent, fine_points, fine_w, width in finer:
            bounds = LazyBounds.from_parents(fine_points, parent, labels, centers, points)
            tol = max(self.tol, COARSE_TOL_PER_BIN_WIDTH * width)
            centers, labels, n_iter = lloyd_with_lazy_bounds(
                fine_points, fine_w, centers, tol, self.max_iter, bounds=bounds
            )
            points = fine_points
        return centers, labels, n_iter

    def _check_params(self, d):
        k = self.k
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        k = int(k)
        for name in ("max_iter", "n_init"):
            value = getattr(self, name)
            if name == "n_init" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not (np.isfinite(self.tol) and self.tol >= 0):
            raise ValueError(f"tol must be a non-negative number, got {self.tol!r}")
        init = self.init
        if isinstance(init, str):
            if init not in ("k-means++", "random"):
                raise ValueError(f"init must be 'k-means++', 'random' or an array, got {init!r}")
            return k, init
        init = np.array(init, dtype=np.float64)
        if init.shape != (k, d) or not np.isfinite(init).all():
            raise ValueError(f"an init array must be finite with shape (k, d) = {(k, d)}")
        return k, init


def _check_data(X, sample_weight):
    """Validated X (uint8 kept, anything else as float64) and weights (None
    when every row has weight 1)."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (n, d), got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X is empty (shape {X.shape}); need at least one row and one column")
    if X.dtype != np.uint8:
        if X.dtype == bool or not (
            np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)
        ):
            raise ValueError(f"X must hold real numbers, got dtype {X.dtype}")
        X = X.astype(np.float64)
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinity")
    if sample_weight is None:
        return X, None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (len(X),):
        raise ValueError(f"sample_weight must have shape {(len(X),)}, got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must be finite and non-negative")
    if not w.sum() > 0:
        raise ValueError("sample_weight sums to zero: there is nothing to cluster")
    return X, w


def lloyd_from(X, w, centers, tol, max_iter):
    """Lloyd's iterations from one start, on all of X."""
    return lloyd_with_hamerly_bounds(X, w, centers[None], tol, max_iter)[0]


def weighted_inertia(X, w, centers, labels):
    """Sum of weight times squared distance to the assigned centre."""
    return float((w * squared_norms(X - centers[labels])).sum())
