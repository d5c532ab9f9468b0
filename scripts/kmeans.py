"""k-means clustering of pixel colours, in numpy only.

Each job of the workflow clusters the colours of one photo into k groups.
The algorithm is Lloyd's: alternately assign every colour to its nearest
centre and move every centre to the (weighted) mean of its colours, until
every centre moved less than ``tol`` in one iteration (or the labels stop
changing, after which nothing can move again).

A photo of 500 x 333 pixels has ~170 000 pixels but usually only 20 000 to
100 000 distinct colours, and the clusters of the answer are far coarser
than single colours.  Three exact speedups use this; none changes which
fixed point Lloyd's iterations reach from a given start:

1. Distinct colours, weighted.  Lloyd's iterations on the distinct rows,
   each weighted by its number of pixels, compute the same means and
   assignments as on every pixel (a weighted mean equals the mean over the
   repeated rows).  ``distinct_rows`` finds them with a radix sort of the
   packed 24-bit colour for uint8 RGB, or a sort of row hashes otherwise.

2. Coarse to fine.  The colours are binned on grids of 32 and 64 steps
   per channel (``coarse_levels``); each bin becomes one point at the
   weighted mean of its colours, carrying their summed weight.  The 32-step
   level has only a few thousand points, so ``n_init`` greedy k-means++
   starts (``kmeans_plusplus``) are solved there cheaply and the best one is
   kept.  Its centres then start Lloyd's iterations on the 64-step level,
   whose centres start them on the exact distinct colours (the "polish"):
   the final fixed point, labels and inertia all come from the exact data.
   The coarse levels only choose the start; they never replace the exact
   solution.  On the coarse level, where one start costs mostly numpy call
   overhead, the starts are computed side by side: the k-means++ seedings
   in one batch (with the random draws a one-after-the-other seeding would
   make) and their Lloyd runs stacked (``lloyd_starts``, each run stopping
   on its own rule), giving bit for bit the results of separate runs.

3. Bounds.  In the spirit of Hamerly's and Elkan's algorithms, the
   triangle inequality proves for most colours that their nearest centre
   has not changed, without computing a distance.  On the coarse level
   (``lloyd_starts``) two bounds per point suffice.  On the finer levels
   (``lloyd_hamerly`` with ``_LazyBounds``) a colour is only looked at when
   the centres near it have moved by more than its gap between nearest and
   second-nearest centre, and then only against the few centres near its
   own.  The bookkeeping is per cluster and by deadlines, so an iteration
   costs in proportion to the colours near a moving cluster boundary.  Each
   level starts from its parent level's labels, and inherits their bounds:
   a colour at distance r from its bin's point is within r of the point's
   distance to every centre, so only the colours of bins near a boundary
   are checked at the start of a level, not all of them.

Reproducibility: one ``numpy.random.default_rng(seed)`` drives every random
choice, and distances are summed one coordinate at a time instead of with a
matrix product, whose rounding could depend on the number of BLAS threads.
The same seed therefore gives bit-for-bit identical results.

scikit-learn's ``sklearn/cluster/_kmeans.py`` is the model for the API and
for greedy k-means++; this module does not depend on it.
"""

from itertools import pairwise

import numpy as np

__all__ = ["KMeans"]

# Grids of the coarse levels: 2**5 = 32 steps per channel (bins 8 levels
# wide for uint8 colours) and 64.  Coarser grids gave poorer starts.
COARSE_LEVEL_BITS = (5, 6)
# A level only pays off when it is much smaller than the next finer one, and
# only helps to place k centres with several points per cluster.
COARSE_MAX_FRACTION = 0.5
COARSE_MIN_POINTS_PER_CLUSTER = 4
# The coarse solutions only choose the start of the next level, so they need
# not converge as tightly as the final one (in units of X per bin width).
COARSE_TOL_PER_BIN_WIDTH = 1e-2
# Greedy k-means++ starts on the coarsest level when n_init is None.  Fewer
# starts visibly cost quality at k >= 16 on the benchmark photos.
DEFAULT_N_INIT = 8


# --------------------------------------------------------------------------
# Distinct rows and coarse histogram
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Distances
# --------------------------------------------------------------------------


def squared_norms(diff):
    """Squared Euclidean norms along the last axis, summed one coordinate
    at a time in a fixed order, as in ``squared_distances``: the same
    centre and row always give the same rounding, whichever function
    computed it."""
    out = diff[..., 0] * diff[..., 0]
    for j in range(1, diff.shape[-1]):
        out += diff[..., j] * diff[..., j]
    return out


def squared_distances(X, centers):
    """(n, k) squared Euclidean distances, summed one coordinate at a time.

    No matrix product: BLAS may round differently with different numbers of
    threads, and results must be reproducible bit for bit.  Subtracting
    first also avoids the cancellation of the |x|^2 - 2 x.c + |c|^2 form."""
    D = np.subtract.outer(X[:, 0], centers[:, 0])
    D *= D
    for j in range(1, X.shape[1]):
        T = np.subtract.outer(X[:, j], centers[:, j])
        T *= T
        D += T
    return D


def distances_to_assigned(X, centers, labels):
    """Euclidean distance from each row to its own centre."""
    return np.sqrt(squared_norms(X - centers[labels]))


# --------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------


def weighted_choice(cumulative, u):
    """Indices drawn with probability proportional to the increments of the
    non-decreasing ``cumulative``, for uniform draws ``u`` in [0, 1).
    Rows with zero increment are never chosen."""
    idx = np.searchsorted(cumulative, u * cumulative[-1], side="right")
    return np.minimum(idx, len(cumulative) - 1)


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


# Bound on the (rows x starts x trials) distances kept by kmeans_plusplus.
KPP_BATCH_VALUES = 1 << 20


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


# --------------------------------------------------------------------------
# Lloyd's iterations with lazy bounds
# --------------------------------------------------------------------------


# Neighbour centres listed per cluster (see _LazyBounds).
LIST_LENGTH = 8
# How far ahead the active list of _LazyBounds looks, in iterations at the
# current largest centre move.
HORIZON_ITERATIONS = 8.0
# Below this many row-centre pairs, computing every distance is cheaper
# than keeping bounds.
ALL_DISTANCES_MAX = 400_000


class _ClusterSums:
    """Per cluster: member count, total weight and weighted coordinate sums
    (columns of ``table``: weight, then w * x per coordinate), updated for
    the rows that change cluster instead of recomputed every iteration."""

    def __init__(self, X, w, labels, k):
        self.X, self.w, self.k = X, w, k
        self.recompute(labels)

    def recompute(self, labels):
        table, counts = _stacked_sums(self.X, self.w, labels[None], self.k)
        self.table, self.counts = table[0], counts[0]

    def move(self, rows, old, new, labels):
        if len(rows) > len(self.X) // 8:
            self.recompute(labels)  # cheaper then, and exact
            return
        _move_rows(self.X, self.w, self.table, self.counts, rows, old, new)

    def means(self):
        return self.table[:, 1:] / self.table[:, :1]


class _AllDistances:
    """Assignment by computing every distance each time: the cheapest way
    for small problems (the coarse levels), where bookkeeping would cost
    more than it saves."""

    def __init__(self, X, centers):
        self.X = X
        self.labels = np.argmin(squared_distances(X, centers), axis=1)

    def advance(self, centers, shift):
        pass

    def reassign(self, centers):
        new = np.argmin(squared_distances(self.X, centers), axis=1)
        rows = np.flatnonzero(new != self.labels)
        old = self.labels[rows]
        self.labels[rows] = new[rows]
        return rows, old

    def force_check(self, rows):
        pass


class _LazyBounds:
    """Which rows could have a new nearest centre after the centres moved.

    Lloyd's assignment step needs every row's nearest centre.  Most rows
    keep theirs from one iteration to the next, and the triangle inequality
    proves it without computing any distance (the idea of Elkan's and
    Hamerly's algorithms):

    * A centre moving by s changes a row's distance to it by at most s.
      ``travel[j]`` adds up the moves of centre j; a row's gap between its
      nearest centre a and its runner-up b (``rival``) lasts until
      ``travel[a] + travel[b]`` has grown by that gap (``due_rival``).  The
      gap to the third-nearest lasts until ``clock[a]`` has (``due_rest``):
      the clock adds up the move of a plus the largest move among a's
      neighbours.
    * A centre b with ``|c_a - c_b| > 2 |x - c_a|`` is farther than c_a from
      row x.  Each cluster a has a fixed list of ``LIST_LENGTH`` neighbour
      centres; every other centre is farther than ``2 * half_gap[a]``.  A row
      whose distance to c_a stays below that ("core" row) can only be taken
      by a neighbour, so checking it costs ``LIST_LENGTH + 1`` distances,
      not k.  The distance is bounded by ``own + travel[a]``.  Rows farther
      out ("outliers", few) are checked against every centre, and for them
      the third-nearest gap is measured against ``travel[a] + moved``
      (``moved`` adds up the largest move of each iteration).

    In a photo most centres stop long before the last ones settle, so most
    rows are never checked again.  Rows whose deadlines are far are left out
    of the ``active`` list, rebuilt only when a clock has advanced by more
    than ``horizon``: an iteration costs in proportion to the rows near a
    moving boundary, not to all rows.

    Each row's deadlines are kept as indices into small per-cluster tables
    (``ROW_STATE``): ``pair = a * k + b`` and ``rest_at = a`` (outlier) or
    ``a + k`` (core row).  Deciding whether a row is due is then three
    lookups in tables of k or k * k values, not gathers of its labels.  The
    active rows keep a contiguous copy of their state (``active_state``),
    so an iteration reads only their own entries."""

    # Per-row arrays that decide when a row is due (see ``_late``).
    ROW_STATE = ("pair", "rest_at", "own", "due_rival", "due_rest")

    def __init__(self, X, centers, labels):
        self.X = X
        n, k = len(X), len(centers)
        self.slack = 1e-9 * (1.0 + float(np.abs(X).max()))
        gaps = np.sqrt(squared_distances(centers, centers))
        np.fill_diagonal(gaps, np.inf)
        length = min(LIST_LENGTH, k - 1)
        nearest_first = np.argsort(gaps, axis=1, kind="stable")
        self.outside = np.ones((k, k), dtype=bool)  # neither a nor a neighbour
        np.put_along_axis(self.outside, nearest_first[:, :length], False, axis=1)
        np.fill_diagonal(self.outside, False)
        listed = ~self.outside
        # Lists in index order (ties resolve as np.argmin), padded with
        # index k: a centre at infinity.
        order = np.argsort(self.outside, axis=1, kind="stable")[:, : length + 1]
        self.lists = np.where(np.take_along_axis(listed, order, axis=1), order, k)
        self.place = np.argmax(self.lists == np.arange(k)[:, None], axis=1)  # of a in its list
        # The centres and, at index k, the centre at infinity.
        self.padded = np.full((k + 1, X.shape[1]), np.inf)
        self.travel = np.zeros(k)
        self.clock = np.zeros(k)
        self.moved = 0.0
        self.labels = labels
        self.pair = labels * (k + 1)  # runner-up: the own centre
        self.rest_at = labels.copy()  # no core rows yet
        self.own = np.full(n, -np.inf)
        self.due_rival = np.full(n, -np.inf)  # every row is checked first
        self.due_rest = np.full(n, -np.inf)
        self._update_half_gap(centers)
        # Every row is active: the state of the active rows is the state of
        # all rows (views, so that from_parents may still change it).
        self.active = np.arange(n)
        self.active_state = self._state(slice(None))
        self.horizon = -np.inf  # rebuild the active list at the first move
        self.clock_then, self.moved_then = self.clock.copy(), 0.0
        self.room_then = self.room.copy()

    @classmethod
    def from_scratch(cls, X, centers):
        """Bounds for the nearest centres, from all the distances."""
        return cls(X, centers, np.argmin(squared_distances(X, centers), axis=1))

    @classmethod
    def from_parents(cls, X, parent_of_row, parent_labels, centers, parent_points):
        """Bounds starting from the labels of parent points (the coarse
        bins), whose labels are their nearest ``centers``.

        Distances are computed for the parents only: a row at distance r
        from its parent is within r of the parent's distance to every
        centre.  A row whose parent is well inside its cluster (nearest
        centre closer than the runner-up by more than 2 r, and within the
        half-gap of its centre) thus inherits the parent's label with valid
        bounds, and is not looked at until the centres have moved; the
        other rows are checked at the first ``reassign``."""
        labels = parent_labels[parent_of_row]
        self = cls(X, centers, labels)
        new, rival, d1, d2, d3, listed = self._check(parent_points, parent_labels, centers)
        # Rounding of the distances is absorbed by slack.
        r = distances_to_assigned(X, parent_points, parent_of_row) + self.slack
        up = d1[parent_of_row] + r
        gap_rival = d2[parent_of_row] - r - up
        ok = (listed & (new == parent_labels))[parent_of_row]
        ok &= (up < self.half_gap[labels] - self.slack) & (gap_rival > self.slack)
        rows = np.flatnonzero(ok)
        k = len(centers)
        self.rest_at[rows] = labels[rows] + k  # core rows
        self.own[rows] = up[rows]
        self.pair[rows] = labels[rows] * k + rival[parent_of_row[rows]]
        self.due_rival[rows] = gap_rival[rows]
        self.due_rest[rows] = d3[parent_of_row[rows]] - r[rows] - up[rows]
        return self

    def _update_half_gap(self, centers):
        """Half the distance from each centre to the nearest centre outside
        its list, less its travel: a core row's ``own`` must stay below."""
        gaps = np.sqrt(squared_distances(centers, centers))
        # (Finite even when every centre is listed, so that differences of
        # rooms are defined.)
        self.half_gap = 0.5 * np.where(self.outside, gaps, 1e300).min(axis=1)
        self.room = self.half_gap - self.travel

    def advance(self, centers, shift):
        """Account for the centres having moved by ``shift`` to ``centers``."""
        self.travel += shift
        self.moved += shift.max()
        self.clock += shift + np.where(self.outside, 0.0, shift).max(axis=1)
        self._update_half_gap(centers)
        # Every deadline's distance shrank by at most one of these since the
        # active list was built.
        used = max(
            (self.clock - self.clock_then).max(),
            2.0 * (self.moved - self.moved_then),
            (self.room_then - self.room).max(),
        )
        if used > self.horizon:
            # Look a few iterations ahead at the current pace.
            self.horizon = HORIZON_ITERATIONS * (shift.max() + self.slack)
            self.clock_then, self.moved_then = self.clock.copy(), self.moved
            self.room_then = self.room.copy()
            self._set_active(np.flatnonzero(self._late(self._state(slice(None)), self.horizon)))

    def _state(self, rows):
        """The ``ROW_STATE`` arrays of ``rows``, in that order."""
        return tuple(getattr(self, name)[rows] for name in self.ROW_STATE)

    def _set_active(self, rows):
        """Make ``rows`` (sorted) the active list, with a copy of their state."""
        self.active = rows
        self.active_state = self._state(rows)

    def _late(self, state, ahead):
        """Mask of the rows of ``state`` (``_state``) whose label could
        change before the clocks have advanced by ``ahead``."""
        pair, rest_at, own, due_rival, due_rest = state
        travel = self.travel
        # Each table adds ``ahead`` to k or k * k values, once: the same
        # sums as adding it to every row's lookup.
        late = due_rival <= (np.add.outer(travel, travel) + ahead).take(pair)
        # The clock of the third-nearest gap: clock[a] for core rows, else
        # travel[a] + moved.
        rest_clock = np.concatenate((travel + self.moved, self.clock)) + ahead
        late |= due_rest <= rest_clock.take(rest_at)
        # Core rows must stay within the room of their centre; outliers have
        # no such deadline (infinite room).
        room = np.concatenate((np.full(len(travel), np.inf), self.room)) - ahead
        late |= own >= room.take(rest_at)
        return late

    def _check(self, x, old, centers):
        """Nearest centre of rows x labelled ``old``, the runner-up, the
        distances to the nearest three, and whether the row was within the
        half-gap of its old centre (then only that centre's list was
        searched, and the third distance is over the list only)."""
        # Coordinates of the listed centres, (d, list length, k).
        self.padded[:-1] = centers
        list_columns = np.ascontiguousarray(self.padded[self.lists].transpose(2, 1, 0))
        new, rival, d1, d2, d3, d_old = _nearest_three(x, list_columns, self.lists, old, self.place)
        # Within its half-gap of its centre (d_old: the distance to it, as
        # distances_to_assigned rounds it), a row's nearest centre is in the
        # centre's list; other rows are checked against every centre.
        listed = d_old < self.half_gap[old] - self.slack
        out = ~listed
        if out.any():
            new[out], rival[out], d1[out], d2[out], d3[out] = _nearest_three_of_all(x[out], centers)
        return new, rival, d1, d2, d3, listed

    def reassign(self, centers):
        """Check the due rows.  ``slack`` absorbs rounding, so rows on exact
        ties are always checked, and resolved as np.argmin would (lowest
        index).  Returns ``(rows, old_labels)`` of the rows that changed
        cluster."""
        at = np.flatnonzero(self._late(self.active_state, self.slack))
        due = self.active[at]
        if len(due) == 0:
            return due, due
        old = self.labels[due]
        new, rival, d1, d2, d3, listed = self._check(self.X[due], old, centers)
        changed = new != old
        # A row that changed cluster was checked against the old cluster's
        # list only: check it again at the next iteration.
        recheck = listed & changed
        core = listed & ~changed
        self.labels[due] = new
        travel = self.travel[new]
        k = len(centers)
        state = (
            new * k + rival,
            new + k * core,
            d1 - travel,
            np.where(recheck, -np.inf, travel + self.travel[rival] + (d2 - d1)),
            np.where(core, self.clock[new], travel + self.moved) + (d3 - d1),
        )
        for name, values in zip(self.ROW_STATE, state, strict=True):
            getattr(self, name)[due] = values
        for active_values, values in zip(self.active_state, state, strict=True):
            active_values[at] = values
        return due[changed], old[changed]

    def force_check(self, rows):
        """Rows moved to another cluster (empty cluster reseeding)."""
        self.rest_at[rows] = self.labels[rows]  # not core
        self.due_rival[rows] = -np.inf
        self._set_active(np.union1d(self.active, rows))


def squared_distances_gathered(x, columns, group, axis):
    """Squared distances from each row x[i] to the m centres of its own set
    ``group[i]``.  ``columns[j]`` holds coordinate j of the centres of every
    set, the sets along ``axis``; the result has the rows of x along that
    axis: (len(x), m) for axis 0, (m, len(x)) for axis 1.

    Coordinate by coordinate, in the order of ``squared_distances``, so
    that equal distances round equally.  Axis 1 (one row per centre) suits
    short sets: every operation, and the reductions of ``_smallest``, then
    run along long contiguous rows."""
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


def _nearest_three(x, list_columns, lists, group, place):
    """For each row of x, among the centres listed for its ``group`` (the
    row ``lists[group]``, whose coordinates are ``list_columns[:, :, group]``):
    the nearest (the first in index order on ties, as np.argmin over all
    centres), the runner-up, the distances to the nearest three (inf where
    the list is shorter) and the distance to the centre ``group`` itself
    (listed at ``place[group]``), as ``distances_to_assigned`` rounds it."""
    d = squared_distances_gathered(x, list_columns, group, axis=1)
    d_group = d[place.take(group), np.arange(len(x))]  # before _smallest overwrites it
    first = group * lists.shape[1]
    (pos1, pos2), (d1, d2, d3) = _smallest(d, 2)
    flat = lists.ravel()
    nearest = flat[first + pos1]
    rival = np.where(np.isfinite(d2), flat[first + pos2], nearest)
    return nearest, rival, np.sqrt(d1), np.sqrt(d2), np.sqrt(d3), np.sqrt(d_group)


def _nearest_three_of_all(x, centers):
    """``_nearest_three`` against every centre (without the last distance)."""
    (pos1, pos2), (d1, d2, d3) = _smallest(squared_distances(x, centers).T, 2)
    rival = np.where(np.isfinite(d2), pos2, pos1)
    return pos1, rival, np.sqrt(d1), np.sqrt(d2), np.sqrt(d3)


def _smallest(d, count):
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


def reseed_empty_clusters(X, centers, bounds, sums):
    """Give every empty cluster the row farthest from its own centre (see
    ``rows_for_empty_clusters``)."""
    labels = bounds.labels
    taken, empty = rows_for_empty_clusters(
        distances_to_assigned(X, centers, labels), labels, sums.counts
    )
    old = labels[taken]
    labels[taken] = empty
    sums.move(taken, old, empty, labels)
    bounds.force_check(taken)


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


def lloyd_starts(X, w, starts, tol, max_iter):
    """Lloyd's iterations from each of several starts on the same rows X
    (weights w > 0), run side by side.  Returns one ``(centers, labels,
    n_iter)`` per start, as ``lloyd_hamerly`` would for it alone: each run
    stops on its own when every centre moved less than ``tol`` or no label
    changed, and is then dropped from the batch.

    The coarse levels are small (a few thousand points), so one run costs
    mostly numpy call overhead per iteration; stacking the runs pays that
    overhead once for all of them.  The assignment keeps Hamerly's two
    bounds per row: an upper bound on the distance to its centre, grown by
    that centre's moves, and a lower bound on the distance to every other
    centre, shrunk by the largest move among the others.  A row whose upper
    bound is below its lower bound, or below half the distance from its
    centre to the nearest other centre, keeps its centre; only the other
    rows have distances computed (``_nearest_two_listed``), one coordinate
    at a time as in ``squared_distances``.  The labels are therefore the
    exact nearest centres, ties going to the lowest index, and every run is
    bit for bit the one ``lloyd_hamerly`` would make."""
    n, d = X.shape
    k = starts[0].shape[0]
    slack = 1e-9 * (1.0 + float(np.abs(X).max()))
    centers = np.array(starts, dtype=np.float64)  # (runs, k, d)
    first = [_nearest_two(X, c) for c in centers]
    labels, upper, lower = (np.array(a) for a in zip(*first, strict=True))
    live = np.arange(len(starts))  # which start each row of the stacks is
    results = [None] * len(starts)
    table, counts = _stacked_sums(X, w, labels, k)
    n_iter = 0
    while True:
        n_iter += 1
        for r in np.flatnonzero(counts.min(axis=1) == 0):
            dist = distances_to_assigned(X, centers[r], labels[r])
            taken, empty = rows_for_empty_clusters(dist, labels[r], counts[r])
            old = labels[r, taken]
            labels[r, taken] = empty
            # Their lower bounds do not cover their old centre.
            upper[r, taken], lower[r, taken] = np.inf, -np.inf
            _move_rows(X, w, table, counts, taken, (r, old), (r, empty))
        new_centers = table[:, :, 1:] / table[:, :, :1]
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
        # Flat indices into the (runs, n) stacks, and their run and row.
        at = np.flatnonzero(upper >= bound)
        own = flat_labels.take(at)
        run = at // n
        row = at - run * n
        flat_upper = upper.reshape(-1)
        flat_upper[at] = np.sqrt(squared_norms(X[row] - centers.reshape(-1, d)[own]))
        unsure = flat_upper[at] >= bound.take(at)
        at, run, row, own = at[unsure], run[unsure], row[unsure], own[unsure]
        if k > 2 * (LIST_LENGTH + 1):
            new, d1, d2 = _nearest_two_listed(
                X, centers, gaps, run, row, own, flat_upper[at], slack
            )
        else:
            new, d1, d2 = _nearest_two_stacked(X, centers, run, row)
        moved = new != own - k * run
        run_moved, row_moved, new_moved = run[moved], row[moved], new[moved]
        old_moved = own[moved] - k * run_moved
        labels.reshape(-1)[at], flat_upper[at], lower.reshape(-1)[at] = new, d1, d2
        n_moved = np.bincount(run_moved, minlength=len(live))
        done = (n_moved == 0) | (shift.max(axis=1) < tol)
        if n_iter >= max_iter:
            done[:] = True
        # The cluster sums, as _ClusterSums updates them (the same helpers):
        # recomputed when many rows moved, else updated for the rows that moved.
        recompute = n_moved > n // 8
        for r in np.flatnonzero(recompute & ~done):
            t, c = _stacked_sums(X, w, labels[r : r + 1], k)
            table[r], counts[r] = t[0], c[0]
        update = ~recompute[run_moved]
        if update.any():
            run_update = run_moved[update]
            _move_rows(
                X,
                w,
                table,
                counts,
                row_moved[update],
                (run_update, old_moved[update]),
                (run_update, new_moved[update]),
            )
        for r in np.flatnonzero(done):
            results[live[r]] = (centers[r], labels[r], n_iter)
        if done.all():
            return results
        keep = ~done
        live, centers, labels = live[keep], centers[keep], labels[keep]
        upper, lower, table, counts = upper[keep], lower[keep], table[keep], counts[keep]


def _move_rows(X, w, table, counts, row, old, new):
    """Update cluster sums (see ``_stacked_sums``) in place for the rows
    ``row`` moved from cluster ``old`` to ``new``.  ``old`` and ``new`` index
    ``table`` and ``counts``: cluster numbers, or (run, cluster) pairs of
    index arrays for the stacked sums of several runs."""
    values = np.empty((len(row), table.shape[-1]))
    values[:, 0] = w[row]
    np.multiply(values[:, :1], X[row], out=values[:, 1:])
    np.add.at(table, new, values)
    np.subtract.at(table, old, values)
    np.add.at(counts, new, 1)
    np.subtract.at(counts, old, 1)
    # A cluster that lost all its rows must be exactly empty, not hold the
    # rounding residue of the subtractions.
    table[counts == 0] = 0.0


def _stacked_sums(X, w, labels, k):
    """Per run and cluster: weight and weighted coordinate sums (runs, k,
    d + 1), and member counts (runs, k), for stacked labels (runs, n)."""
    runs = len(labels)
    flat = (labels + k * np.arange(runs)[:, None]).ravel()
    table = np.empty((runs * k, X.shape[1] + 1))
    table[:, 0] = np.bincount(flat, weights=np.tile(w, runs), minlength=runs * k)
    for j in range(X.shape[1]):
        table[:, j + 1] = np.bincount(flat, weights=np.tile(w * X[:, j], runs), minlength=runs * k)
    counts = np.bincount(flat, minlength=runs * k).reshape(runs, k)
    return table.reshape(runs, k, -1), counts


def squared_distances_stacked(A, B):
    """(runs, p, q) squared distances between the rows of A (runs, p, d)
    and B (runs, q, d), summed one coordinate at a time."""
    D = A[:, :, None, 0] - B[:, None, :, 0]
    D *= D
    for j in range(1, A.shape[2]):
        T = A[:, :, None, j] - B[:, None, :, j]
        T *= T
        D += T
    return D


def _nearest_two(x, centers):
    """Nearest centre (the first on ties, as np.argmin) of each row of x,
    and the distances to the nearest and the second-nearest."""
    (nearest,), (d1, d2) = _smallest(squared_distances(x, centers).T, 1)
    return nearest, np.sqrt(d1), np.sqrt(d2)


# Row-centre pairs per chunk of _nearest_two_stacked (bounds its memory).
CHUNK_PAIRS = 1 << 18


def _nearest_two_listed(X, centers, gaps, run, row, own, dist_own, slack):
    """``_nearest_two_stacked`` (with a lower bound as second distance)
    using the triangle inequality: a row at distance u from its centre a is
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
        nearest[far], d1[far], d2[far] = _nearest_two_stacked(X, centers, run[far], row[far])
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
        (pos,), (near_d1, near_d2) = _smallest(
            squared_distances_gathered(X[row[near]], columns, group, axis=1), 1
        )
        nearest[near] = lists.reshape(-1)[group * (length + 1) + pos]
        d1[near] = np.sqrt(near_d1)
        others = reach.take(group) - dist_own[near]
        d2[near] = np.minimum(np.sqrt(near_d2), others)
    return nearest, d1, d2


def _nearest_two_stacked(X, centers, run, row):
    """``_nearest_two`` of the rows ``X[row]`` against ``centers[run]``,
    with the same rounding as ``squared_distances``."""
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
        (nearest[chunk],), (d1[chunk], d2[chunk]) = _smallest(D.T, 1)
    return nearest, np.sqrt(d1), np.sqrt(d2)


def lloyd_hamerly(X, w, centers, tol, max_iter, bounds=None):
    """Lloyd's iterations from ``centers`` on rows X with weights w > 0.

    Exactly Lloyd's algorithm; the bounds (see ``_LazyBounds``) only skip
    distance computations whose result is known.  ``bounds`` may give
    valid bounds for the starting centres (``_LazyBounds.from_parents``),
    sparing the first full assignment.  Stops when every centre moved less
    than ``tol`` or no label changed.  Requires more distinct rows than
    centres.  Returns ``(centers, labels, n_iter)``; the labels are the
    nearest returned centres."""
    if bounds is None:
        if len(X) * len(centers) <= ALL_DISTANCES_MAX:
            bounds = _AllDistances(X, centers)
        else:
            bounds = _LazyBounds.from_scratch(X, centers)
    bounds.reassign(centers)
    sums = _ClusterSums(X, w, bounds.labels, len(centers))
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        if sums.counts.min() == 0:
            reseed_empty_clusters(X, centers, bounds, sums)
        new_centers = sums.means()
        shift = np.sqrt(squared_norms(new_centers - centers))
        centers = new_centers
        bounds.advance(centers, shift)
        rows, old = bounds.reassign(centers)
        if len(rows) == 0 or shift.max() < tol:
            break
        sums.move(rows, old, bounds.labels[rows], bounds.labels)
    return centers, bounds.labels, n_iter


def weighted_inertia(X, w, centers, labels):
    """Sum of weight times squared distance to the assigned centre."""
    return float((w * squared_norms(X - centers[labels])).sum())


# --------------------------------------------------------------------------
# Estimator
# --------------------------------------------------------------------------


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
            row_labels = np.argmin(squared_distances(rows, centers), axis=1)
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
                centers, labels, self.n_iter_ = lloyd_hamerly(
                    fit_rows, fit_w, start, self.tol, self.max_iter
                )
            if len(weighted) == len(rows):
                row_labels = labels
            else:
                # Rows of weight 0 took no part in the fit; label them now.
                row_labels = np.argmin(squared_distances(rows, centers), axis=1)
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
        return np.argmin(squared_distances(X.astype(np.float64), self.cluster_centers_), axis=1)

    def _best_of_starts(self, rows, w, is_uint8, k, rng):
        """Best of ``n_init`` k-means++ starts on the coarsest useful
        histogram, then polished level by level down to the exact rows."""
        if k == 1:
            # Every start gives the weighted mean.
            mean = (w[:, None] * rows).sum(axis=0) / w.sum()
            return lloyd_hamerly(rows, w, mean[None], self.tol, self.max_iter)
        levels = coarse_levels(rows, w, is_uint8, k)
        points, point_w, width = levels[0][1:] if levels else (rows, w, 0.0)
        # The coarse runs only choose the start of the polish, so they need
        # not converge as tightly as the final run.
        tol = max(self.tol, COARSE_TOL_PER_BIN_WIDTH * width)
        best = None
        n_init = DEFAULT_N_INIT if self.n_init is None else self.n_init
        starts = kmeans_plusplus(points, point_w, k, rng, n_init)
        for centers, labels, n_iter in lloyd_starts(points, point_w, starts, tol, self.max_iter):
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
            bounds = _LazyBounds.from_parents(fine_points, parent, labels, centers, points)
            tol = max(self.tol, COARSE_TOL_PER_BIN_WIDTH * width)
            centers, labels, n_iter = lloyd_hamerly(
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
