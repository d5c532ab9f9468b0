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

import math

import cv2
import numpy as np

from steplib import command
from steplib.atomic_write import write_bytes, write_json
from steplib.drawing import text_size
from steplib.plot import LABEL_SIZE, TITLE_SIZE, Panel, nice_ticks, text_at
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


def bgr(hex_code: str) -> tuple[int, int, int]:
    return tuple(int(hex_code[i : i + 2], 16) for i in (5, 3, 1))


SSE_COLOUR = bgr("#33638d")
ELBOW_COLOUR = bgr("#d1495b")
DELTA_E_COLOUR = bgr("#2a7f62")
LOOKS_SAME_COLOUR = bgr("#e07a1f")
CHORD_COLOUR = bgr("#999999")
WIDTH, HEIGHT = 1100, 400
# The two panels (left, top, right, bottom), with room for the titles and labels around them.
PANELS = ((84, 58, 535, 350), (636, 58, 1087, 350))
MARGIN = 0.05  # of the data's span, around it (matplotlib's default)
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _padded(low: float, high: float) -> tuple[float, float]:
    span = high - low if high > low else max(abs(high), 1.0)
    return low - MARGIN * span, high + MARGIN * span


def _mark_suggestions(panel: Panel, summary, k, values) -> None:
    """Circle the elbow's k and the k that looks the same on the curve (k, values) of ``panel``."""
    suggestions = (
        (summary["suggested_k"], ELBOW_COLOUR, "elbow: k = {}", 14),
        (summary["looks_same_k"], LOOKS_SAME_COLOUR, "looks the same: k = {}", 33),
    )
    middle = (k[0] + k[-1]) / 2
    for chosen, colour, text, rise in suggestions:
        if chosen is None:
            continue
        value = values[list(k).index(chosen)]
        panel.markers([chosen], [value], colour, radius=8, filled=False)
        # The text goes towards the middle of the plot, so that it never leaves the panel;
        # a white ground keeps it legible where it crosses the chord or the band.
        x, y = panel.point(chosen, value)
        label = text.format(chosen)
        width, height = text_size(label, LABEL_SIZE)
        left = chosen > middle
        start = x - 14 - width if left else x + 14
        top = max(panel.top + 2, min(panel.bottom - height - 6, y - rise - height / 2 - 2))
        box = panel.image[
            round(top) : round(top + height + 5), round(start - 2) : round(start + width + 3)
        ]
        box[...] = 255
        text_at(panel.image, label, start, top + (height + 5) / 2, LABEL_SIZE, colour, "left")


def _sse_panel(image, summary, k, order) -> Panel:
    sse = np.asarray(summary["sse"], dtype=float)[order]
    # Large sums are shown as a few units times a power of ten, named in the axis label.
    power = math.floor(math.log10(sse.max())) if sse.max() >= 1e4 else 0
    shown = sse / 10.0**power
    y_range = _padded(float(shown.min()), float(shown.max()))
    panel = Panel(image, PANELS[0], _padded(k[0], k[-1]), y_range)
    unit = f"{summary['color_space'].upper()} units²"
    if power:
        unit += f", ×10{str(power).translate(SUPERSCRIPTS)}"
    panel.axes(
        nice_ticks(*panel.x_range, integers=True), nice_ticks(*y_range), "k (number of clusters)",
        f"SSE ({unit})", "within-cluster sum of squares",
    )  # fmt: skip
    legend = []
    if summary["suggested_k"] is not None:
        panel.line([k[0], k[-1]], [shown[0], shown[-1]], CHORD_COLOUR, 1, dashes=(2, 3))
        legend.append(("chord", CHORD_COLOUR, "dotted"))
    panel.line(k, shown, SSE_COLOUR)
    panel.markers(k, shown, SSE_COLOUR)
    _mark_suggestions(panel, summary, k, shown)
    panel.legend(legend)
    return panel


def symlog(value: float) -> float:
    """Linear below 1, logarithmic above (matplotlib's symlog, linthresh 1, linscale 0.5)."""
    linear = 0.5 / (1 - 1 / 10)
    return value * linear if value <= 1 else linear + math.log10(value)


def _delta_e_panel(image, summary, k, order) -> Panel:
    def curve(name):
        values = summary["delta_e2000"][name]
        return np.array([np.nan if v is None else v for v in values], dtype=float)[order]

    mean, median, p95 = curve("mean"), curve("median"), curve("p95")
    threshold = summary["looks_same_delta_e"]
    highest = np.nanmax(np.concatenate([mean, p95, [threshold, 1.0]]))
    # Logarithmic above 1, so that the small differences near the threshold are not
    # squashed by the large ones of small ks; linear below, where a frame can be exact.
    top = symlog(highest)
    panel = Panel(image, PANELS[1], _padded(k[0], k[-1]), (0, top * (1 + MARGIN)), symlog)
    ticks = [t for t in (0, 1, 2, 5, 10, 20, 50, 100) if symlog(t) <= top * (1 + MARGIN)]
    panel.axes(
        nice_ticks(*panel.x_range, integers=True), ticks, "k (number of clusters)",
        "ΔE₀₀ per pixel (CIEDE2000)", "colour difference from the photo",
    )  # fmt: skip
    panel.band(k, median, p95, DELTA_E_COLOUR)
    panel.hline(threshold, LOOKS_SAME_COLOUR)
    panel.line(k, mean, DELTA_E_COLOUR)
    panel.markers(k, mean, DELTA_E_COLOUR)
    _mark_suggestions(panel, summary, k, mean)
    panel.legend(
        [
            ("median to 95th percentile", DELTA_E_COLOUR, "band"),
            ("mean", DELTA_E_COLOUR, "marked line"),
            (f"looks the same: mean ≤ {threshold:g}", LOOKS_SAME_COLOUR, "dashed"),
        ]
    )
    return panel


def elbow_png(summary: dict) -> bytes:
    """Return the elbow plot of a photo's summary as PNG bytes: SSE and ΔE00 against k, side by side."""
    order = np.argsort(summary["ks"])
    k = np.asarray(summary["ks"], dtype=float)[order]
    image = np.full((HEIGHT, WIDTH, 3), 255, np.uint8)
    _sse_panel(image, summary, k, order)
    _delta_e_panel(image, summary, k, order)
    text_at(image, summary["image"], WIDTH / 2, 16, TITLE_SIZE, (0, 0, 0))
    _, encoded = cv2.imencode(".png", image)
    return encoded.tobytes()


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
