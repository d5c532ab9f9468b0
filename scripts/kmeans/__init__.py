"""k-means clustering of pixel colours, in numpy only.

Each job of the workflow clusters the colours of one photo into k groups
with Lloyd's algorithm: alternately assign every colour to its nearest
centre and move every centre to the (weighted) mean of its colours, until
every centre moved less than ``tol`` in one iteration.  The files, in the
order a fit runs them:

- ``estimator.py``: ``KMeans``, its parameters, and the order of the work;
- ``data.py``: the distinct colours, weighted by their pixel counts, and
  their coarse levels (histograms on grids of 32 and 64 steps);
- ``seeding.py``: greedy k-means++ starts, seeded;
- ``starts.py``: Lloyd's iterations of the starts on the coarsest level,
  side by side, with Hamerly's two bounds per row; the update step;
- ``polish.py``: the best start polished level by level down to the exact
  colours, with lazy bounds that look only at rows near a moving boundary;
- ``distances.py``: distances and nearest centres, under all of them.

None of the speedups changes which fixed point Lloyd's iterations reach
from a given start, and one ``numpy.random.default_rng(seed)`` drives every
random choice: the same seed gives bit-for-bit identical results on every
machine.
"""

from .data import distinct_rows
from .estimator import KMeans

__all__ = ["KMeans", "distinct_rows"]
