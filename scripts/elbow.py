"""Step 5 (elbow): the SSE of every k on one plot, a suggested k, and the photo's summary.

Outputs: ``results/NAME/elbow.png`` and ``results/NAME/summary.json``.

The suggested k is the "elbow" by the largest distance to the chord: with k
and SSE each scaled to 0..1, draw the straight line from the first k to the
last; the k whose point lies farthest below that line is where adding
clusters stops paying off. It needs at least three ks.

Example:
  python scripts/elbow.py --plot elbow.png --summary summary.json -- clusters/k_*.json
"""

import io
import json

import numpy as np

# A Figure on the Agg canvas, without pyplot: pyplot's figure managers and backend
# switching are of no use to a file, and cost the job's start.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from steplib import command
from steplib.atomic_write import write_bytes, write_json


def suggested_k(ks, sse):
    """Return the k farthest below the chord from the first to the last (k, SSE), or None.

    ``ks`` need not be sorted; None when there are fewer than three ks or the
    SSE curve has no bend (a straight or rising line).
    """
    order = np.argsort(ks)
    k = np.asarray(ks, dtype=float)[order]
    e = np.asarray(sse, dtype=float)[order]
    if len(k) < 3 or e[0] == e[-1]:
        return None
    x = (k - k[0]) / (k[-1] - k[0])
    y = (e - e[-1]) / (e[0] - e[-1])
    # Distance below the chord from (0, 1) to (1, 0), up to a constant factor.
    below = 1 - x - y
    best = int(np.argmax(below))
    return int(k[best]) if below[best] > 0 else None


def elbow_png(name: str, ks, sse, suggestion, color_space: str) -> bytes:
    """Return the elbow plot as PNG bytes."""
    order = np.argsort(ks)
    k = np.asarray(ks)[order]
    e = np.asarray(sse, dtype=float)[order]
    figure = Figure(figsize=(6.4, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    axes.plot(k, e, marker="o", color="#33638d")
    if suggestion is not None:
        axes.plot([k[0], k[-1]], [e[0], e[-1]], linestyle=":", color="#999999", label="chord")
        chosen = e[list(k).index(suggestion)]
        axes.plot(
            [suggestion], [chosen], marker="o", markersize=12, fillstyle="none", color="#d1495b"
        )
        axes.annotate(
            f"suggested k = {suggestion}",
            (suggestion, chosen),
            xytext=(12, 12),
            textcoords="offset points",
            color="#d1495b",
        )
        axes.legend(loc="upper right")
    axes.set_xlabel("k (number of clusters)")
    axes.set_ylabel(f"SSE ({color_space.upper()} units²)")
    axes.set_title(f"{name}: within-cluster sum of squares")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    # No software or date metadata: the same inputs give the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def photo_summary(summaries: list[dict]) -> dict:
    """Return the per-photo summary from the per-k cluster summaries (in ``ks`` order)."""
    ks = [s["k"] for s in summaries]
    sse = [s["sse"] for s in summaries]
    return {
        "image": summaries[0]["image"],
        "color_space": summaries[0]["color_space"],
        "ks": ks,
        "sse": sse,
        "suggested_k": suggested_k(ks, sse),
        "suggestion_rule": "largest distance below the chord of the SSE curve, k and SSE scaled to 0..1",
        "palettes": {str(s["k"]): [c["hex"] for c in s["clusters"]] for s in summaries},
    }


def elbow_photo(summary_paths, plot_path, summary_path) -> None:
    """Read one photo's cluster summaries and write its elbow plot and summary."""
    summaries = []
    for path in summary_paths:
        with open(path, encoding="utf-8") as f:
            summaries.append(json.load(f))
    summary = photo_summary(summaries)
    plot = elbow_png(
        summary["image"],
        summary["ks"],
        summary["sse"],
        summary["suggested_k"],
        summary["color_space"],
    )
    write_bytes(plot_path, plot)
    write_json(summary_path, summary)


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("summaries", nargs="+", help="the cluster summaries (JSON), one per k")
    parser.add_argument("--plot", required=True, help="the elbow plot to write (PNG)")
    parser.add_argument("--summary", required=True, help="the photo's summary to write (JSON)")
    args = parser.parse_args(argv)
    command.run(elbow_photo, args.summaries, args.plot, args.summary)


if __name__ == "__main__":
    main()
