"""Step 5 (elbow): SSE and colour difference against k, two suggested ks, and the photo's summary.

Outputs: ``results/NAME/elbow.png`` and ``results/NAME/summary.json``.

The suggested k is the "elbow" by the largest distance to the chord: with k
and SSE each scaled to 0..1, draw the straight line from the first k to the
last; the k whose point lies farthest below that line is where adding
clusters stops paying off. It needs at least three ks.

The k that looks the same is the smallest k whose mean CIEDE2000 difference
between the photo and its frame (in the cluster summaries) is at most
``--looks_same_delta_e``; none when no k gets there.

Example:
  python scripts/elbow.py --looks_same_delta_e=2 --plot elbow.png --summary summary.json \\
      -- clusters/k_*.json
"""

import io

import numpy as np

# A Figure on the Agg canvas, without pyplot: pyplot's figure managers and backend
# switching are of no use to a file, and cost the job's start.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

from steplib import command
from steplib.atomic_write import write_bytes, write_json
from steplib.summaries import read_summaries


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


def looks_same_k(ks, mean_delta_e, threshold: float):
    """Return the smallest k whose mean CIEDE2000 difference is at most ``threshold``, or None."""
    close = [
        k
        for k, mean in zip(ks, mean_delta_e, strict=True)
        if mean is not None and mean <= threshold
    ]
    return min(close, default=None)


SSE_COLOUR = "#33638d"
ELBOW_COLOUR = "#d1495b"
DELTA_E_COLOUR = "#2a7f62"
LOOKS_SAME_COLOUR = "#e07a1f"
# Titles at a fixed height (matplotlib's default: 6 points above the axes): placing them
# automatically measures every tick label first, half the drawing time. Nothing is drawn
# above the axes to avoid.
TITLE_PAD = 6.0


def _mark_suggestions(axes, summary, k, values) -> None:
    """Circle the elbow's k and the k that looks the same on the curve (k, values) of ``axes``."""
    suggestions = (
        (summary["suggested_k"], ELBOW_COLOUR, "elbow: k = {}", 10),
        (summary["looks_same_k"], LOOKS_SAME_COLOUR, "looks the same: k = {}", 24),
    )
    middle = (k[0] + k[-1]) / 2
    for chosen, colour, text, rise in suggestions:
        if chosen is None:
            continue
        value = values[list(k).index(chosen)]
        axes.plot([chosen], [value], marker="o", markersize=12, fillstyle="none", color=colour)
        # The text goes towards the middle of the plot, so that it never leaves the axes;
        # a white ground keeps it legible where it crosses the chord or the band.
        left = chosen > middle
        axes.annotate(
            text.format(chosen), (chosen, value), xytext=(-10 if left else 10, rise),
            textcoords="offset points", ha="right" if left else "left", color=colour,
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"},
        )  # fmt: skip


def _draw_sse(axes, summary, k, order) -> None:
    sse = np.asarray(summary["sse"], dtype=float)[order]
    axes.plot(k, sse, marker="o", color=SSE_COLOUR)
    if summary["suggested_k"] is not None:
        axes.plot([k[0], k[-1]], [sse[0], sse[-1]], linestyle=":", color="#999999", label="chord")
        axes.legend(loc="upper right")
    _mark_suggestions(axes, summary, k, sse)
    axes.set_ylabel(f"SSE ({summary['color_space'].upper()} units²)")
    axes.set_title("within-cluster sum of squares", y=1.0, pad=TITLE_PAD)


def _draw_delta_e(axes, summary, k, order) -> None:
    def curve(name):
        values = summary["delta_e2000"][name]
        return np.array([np.nan if v is None else v for v in values], dtype=float)[order]

    axes.fill_between(k, curve("median"), curve("p95"), color=DELTA_E_COLOUR, alpha=0.15,
                      linewidth=0, label="median to 95th percentile")  # fmt: skip
    mean = curve("mean")
    axes.plot(k, mean, marker="o", color=DELTA_E_COLOUR, label="mean")
    threshold = summary["looks_same_delta_e"]
    axes.axhline(threshold, linestyle="--", color=LOOKS_SAME_COLOUR, linewidth=1,
                 label=f"looks the same: mean ≤ {threshold:g}")  # fmt: skip
    _mark_suggestions(axes, summary, k, mean)
    # Logarithmic above 1, so that the small differences near the threshold are not
    # squashed by the large ones of small ks; linear below, where a frame can be exact.
    axes.set_yscale("symlog", linthresh=1, linscale=0.5)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(FixedLocator([0, 1, 2, 5, 10, 20, 50, 100]))
    axes.yaxis.set_major_formatter(ScalarFormatter())
    axes.yaxis.set_minor_locator(NullLocator())
    axes.set_ylabel("ΔE₀₀ per pixel (CIEDE2000)")
    axes.set_title("colour difference from the photo", y=1.0, pad=TITLE_PAD)
    axes.legend(loc="upper right")


def elbow_png(summary: dict) -> bytes:
    """Return the elbow plot of a photo's summary as PNG bytes: SSE and ΔE00 against k, side by side."""
    order = np.argsort(summary["ks"])
    k = np.asarray(summary["ks"])[order]
    figure = Figure(figsize=(11, 4), dpi=100)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    _draw_sse(left, summary, k, order)
    _draw_delta_e(right, summary, k, order)
    for axes in (left, right):
        axes.set_xlabel("k (number of clusters)")
        axes.grid(alpha=0.3)
    figure.suptitle(summary["image"])
    # Fixed margins: tight_layout would measure every label first, a third of the drawing time.
    figure.subplots_adjust(left=0.065, right=0.985, bottom=0.12, top=0.86, wspace=0.2)
    buffer = io.BytesIO()
    # No software or date metadata: the same inputs give the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def photo_summary(summaries: list[dict], looks_same_delta_e: float) -> dict:
    """Return the per-photo summary from the per-k cluster summaries (in ``ks`` order)."""
    ks = [s["k"] for s in summaries]
    sse = [s["sse"] for s in summaries]
    delta_e = {
        name: [s["delta_e2000"][name] for s in summaries] for name in summaries[0]["delta_e2000"]
    }
    return {
        "image": summaries[0]["image"],
        "color_space": summaries[0]["color_space"],
        "ks": ks,
        "sse": sse,
        "suggested_k": suggested_k(ks, sse),
        "suggestion_rule": "largest distance below the chord of the SSE curve, k and SSE scaled to 0..1",
        "delta_e2000": delta_e,
        "looks_same_delta_e": looks_same_delta_e,
        "looks_same_k": looks_same_k(ks, delta_e["mean"], looks_same_delta_e),
        "looks_same_rule": "smallest k whose mean CIEDE2000 difference from the photo is at most looks_same_delta_e",
        "palettes": {str(s["k"]): [c["hex"] for c in s["clusters"]] for s in summaries},
    }


def elbow_photo(summary_paths, plot_path, summary_path, looks_same_delta_e: float) -> None:
    """Read one photo's cluster summaries and write its elbow plot and summary."""
    summaries = read_summaries(summary_paths)
    summary = photo_summary(summaries, looks_same_delta_e)
    write_bytes(plot_path, elbow_png(summary))
    write_json(summary_path, summary)


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("summaries", nargs="+", help="the cluster summaries (JSON), one per k")
    parser.add_argument("--plot", required=True, help="the elbow plot to write (PNG)")
    parser.add_argument("--summary", required=True, help="the photo's summary to write (JSON)")
    parser.add_argument(
        "--looks_same_delta_e",
        type=float,
        default=2.0,
        help="the mean CIEDE2000 difference at or below which a frame looks like the photo",
    )
    args = parser.parse_args(argv)
    command.run(elbow_photo, args.summaries, args.plot, args.summary, args.looks_same_delta_e)


if __name__ == "__main__":
    main()
