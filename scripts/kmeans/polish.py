"""The polish: Lloyd's iterations with bounds, on the finer levels.

Each finer level, ending with the exact distinct colours, starts from the
centres of the coarser one.  Its rows are many (tens of thousands) and, in
a photo, most centres stop long before the last ones settle, so most rows
keep their nearest centre for many iterations.  ``LazyBounds`` proves it
with the triangle inequality instead of computing distances, and looks at
a row only when the centres near it have moved enough to matter.  Against
Hamerly's plain two bounds per row it spares about a fifth of the sweep's
time (see ``benchmarks/kmeans_phases.md``); the iterations stay exactly Lloyd's.
"""

import numpy as np

from .distances import (
    LIST_LENGTH,
    distances_to_assigned,
    nearest_two_and_three_distances,
    nearest_two_and_three_distances_listed,
    squared_distances,
    squared_norms,
)
from .starts import cluster_means, cluster_sums, reseed_empty_clusters, update_sums


def lloyd_with_lazy_bounds(X, w, centers, tol, max_iter, bounds):
    """Lloyd's iterations from ``centers`` on rows X with weights w > 0 and
    more distinct rows than centres, as ``lloyd_with_hamerly_bounds``
    would run them: ``bounds`` (a ``LazyBounds`` for these centres) only skips
    distances whose result is known.  Returns ``(centers, labels, n_iter)``."""
    bounds.reassign(centers)
    labels = bounds.labels[None]  # one run, a view: the bounds keep the labels
    table, counts = cluster_sums(X, w, labels, len(centers))
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        for _, taken in reseed_empty_clusters(X, w, centers[None], labels, table, counts):
            bounds.force_check(taken)
        new_centers = cluster_means(table[0])
        shift = np.sqrt(squared_norms(new_centers - centers))
        centers = new_centers
        bounds.advance(centers, shift)
        rows, old = bounds.reassign(centers)
        if len(rows) == 0 or shift.max() < tol:
            break
        run = np.zeros(len(rows), dtype=np.intp)
        update_sums(X, w, table, counts, labels, run, rows, old, bounds.labels[rows])
    return centers, bounds.labels, n_iter


# How far ahead the active list looks, in iterations at the current largest
# centre move.
HORIZON_ITERATIONS = 8.0


class LazyBounds:
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
        new, rival, d1, d2, d3, d_old = nearest_two_and_three_distances_listed(
            x, list_columns, self.lists, old, self.place
        )
        # Within its half-gap of its centre (d_old: the distance to it, as
        # distances_to_assigned rounds it), a row's nearest centre is in the
        # centre's list; other rows are checked against every centre.
        listed = d_old < self.half_gap[old] - self.slack
        out = ~listed
        if out.any():
            new[out], rival[out], d1[out], d2[out], d3[out] = nearest_two_and_three_distances(
                x[out], centers
            )
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
