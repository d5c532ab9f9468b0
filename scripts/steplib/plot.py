"""Line charts on a BGR image, drawn with OpenCV (anti-aliased lines) and Pillow (text).

For the elbow plot: a panel with its frame, grid, ticks and labels; lines with round
markers, dashed or dotted; a shaded band; a legend. matplotlib drew it before, but
importing matplotlib was 0.45 s of the 0.97 s its job cost a photo, far more than
the drawing. The look follows matplotlib's defaults (DejaVu Sans, light grid, legend
box in the upper right).
"""

import itertools
import math

import cv2
import numpy as np

from steplib.drawing import draw_text, text_size

SHIFT = 4  # OpenCV draws at 1/16 pixel: lines and markers land where their values say
BLACK = (0, 0, 0)
GRID_BGR = (232, 232, 232)
LEGEND_EDGE_BGR = (204, 204, 204)
TICK_SIZE = 12  # tick labels, pixels
LABEL_SIZE = 13  # axis labels and legend
TITLE_SIZE = 15
BAND_ALPHA = 0.15  # opacity of a shaded band, and of its sample in a legend


def nice_ticks(low: float, high: float, most: int = 8, integers: bool = False) -> list:
    """Return evenly spaced round values (1, 2, 2.5 or 5 times a power of ten) within [low, high]."""
    span = max(high - low, 1e-12)
    for power in range(math.floor(math.log10(span / most)) - 1, 40):
        for unit in (1, 2, 2.5, 5):
            step = unit * 10.0**power
            if integers and (step < 1 or step != int(step)):
                continue
            first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
            if last - first + 1 <= most:
                return [round(n * step, 12) for n in range(first, last + 1)]
    return [low, high]


def tick_label(value: float) -> str:
    """Return ``value`` with no more decimals than it needs (4.5, 10, 0.25)."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def text_at(image, text: str, x: float, y: float, size: int, bgr, align="centre", vertical=False):
    """Draw ``text`` with its ink's centre at height ``y``; ``align`` says where ``x`` is."""
    width, height = text_size(text, size)
    if vertical:
        width, height = height, width
    shift = {"left": width / 2, "centre": 0, "right": -width / 2}[align]
    draw_text(image, text, (round(x + shift), round(y)), size, bgr, vertical=vertical)


class Panel:
    """A plotting area of ``image``: data (x, y) in ``x_range`` x ``y_range`` maps onto ``box``.

    ``y_scale`` maps a value to the axis's linear units (for a logarithmic axis);
    ``y_range`` is in those units.
    """

    def __init__(self, image, box, x_range, y_range, y_scale=None):
        self.image = image
        self.left, self.top, self.right, self.bottom = box
        self.x_range, self.y_range = x_range, y_range
        self.y_scale = y_scale or (lambda value: value)
        # Lines and markers stay inside the panel: drawn on a view of its pixels.
        self.inside = image[self.top : self.bottom + 1, self.left : self.right + 1]

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Return the image position of data point (x, y)."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        across = self.left + (x - x0) / (x1 - x0) * (self.right - self.left)
        up = self.bottom - (self.y_scale(y) - y0) / (y1 - y0) * (self.bottom - self.top)
        return across, up

    def _fixed(self, x: float, y: float) -> tuple[int, int]:
        """Return image position (x, y) in OpenCV's fixed point, relative to the panel."""
        return round((x - self.left) * 2**SHIFT), round((y - self.top) * 2**SHIFT)

    def _segment(self, a, b, bgr, width: float) -> None:
        cv2.line(
            self.inside, self._fixed(*a), self._fixed(*b), bgr, max(1, round(width)),
            cv2.LINE_AA, SHIFT,
        )  # fmt: skip

    def line(self, xs, ys, bgr, width: float = 2, dashes=None) -> None:
        """Join the data points (xs, ys) in order; ``dashes`` = (on, off) in pixels, or solid."""
        points = [self.point(x, y) for x, y in zip(xs, ys, strict=True) if np.isfinite(y)]
        if dashes is None:
            for a, b in itertools.pairwise(points):
                self._segment(a, b, bgr, width)
            return
        on, off = dashes
        travelled = 0.0  # along the whole line, so the pattern runs on across its corners
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            length = math.hypot(bx - ax, by - ay)
            start = 0.0
            while start < length:
                phase = (travelled + start) % (on + off)
                stop = min(length, start + (on - phase if phase < on else on + off - phase))
                if phase < on:
                    t0, t1 = start / length, stop / length
                    a = (ax + (bx - ax) * t0, ay + (by - ay) * t0)
                    b = (ax + (bx - ax) * t1, ay + (by - ay) * t1)
                    self._segment(a, b, bgr, width)
                start = stop
            travelled += length

    def hline(self, y: float, bgr, dashes=(6, 4)) -> None:
        """Draw a crisp one-pixel dashed line across the panel at data height ``y``."""
        row = round(self.point(self.x_range[0], y)[1])
        if self.top <= row <= self.bottom:
            on, off = dashes
            for start in range(self.left, self.right, on + off):
                self.image[row, start : min(start + on, self.right)] = bgr

    def markers(self, xs, ys, bgr, radius: float = 4, filled: bool = True) -> None:
        """Draw a round marker at each data point; ``filled`` False draws its ring only."""
        for x, y in zip(xs, ys, strict=True):
            if np.isfinite(y):
                centre = self._fixed(*self.point(x, y))
                thickness = -1 if filled else 2
                cv2.circle(
                    self.inside, centre, round(radius * 2**SHIFT), bgr, thickness,
                    cv2.LINE_AA, SHIFT,
                )  # fmt: skip

    def band(self, xs, lower, upper, bgr, alpha: float = BAND_ALPHA) -> None:
        """Shade between the curves ``lower`` and ``upper``, ``bgr`` at opacity ``alpha``."""
        keep = [i for i in range(len(xs)) if np.isfinite(lower[i]) and np.isfinite(upper[i])]
        if len(keep) < 2:
            return
        outline = [self.point(xs[i], upper[i]) for i in keep]
        outline += [self.point(xs[i], lower[i]) for i in reversed(keep)]
        polygon = np.array([self._fixed(*p) for p in outline], np.int32)
        cover = np.zeros(self.inside.shape[:2], np.uint8)
        cv2.fillPoly(cover, [polygon], 255, cv2.LINE_AA, SHIFT)
        weight = cover[..., None].astype(np.float32) / 255 * alpha
        blended = self.inside * (1 - weight) + np.asarray(bgr, np.float32) * weight
        self.inside[...] = np.rint(blended).astype(np.uint8)

    def axes(self, x_ticks, y_ticks, x_label: str, y_label: str, title: str) -> None:
        """Draw the grid at the ticks, the panel's frame, tick labels, axis labels and title.

        ``y_ticks`` are data values; they are placed through ``y_scale``.
        """
        image = self.image
        for x in x_ticks:
            across = round(self.point(x, 0)[0])
            image[self.top : self.bottom, across] = GRID_BGR
            image[self.bottom + 1 : self.bottom + 5, across] = BLACK
            text_at(image, tick_label(x), across, self.bottom + 14, TICK_SIZE, BLACK)
        for y in y_ticks:
            up = round(self.point(self.x_range[0], y)[1])
            image[up, self.left : self.right] = GRID_BGR
            image[up, self.left - 4 : self.left] = BLACK
            text_at(image, tick_label(y), self.left - 7, up, TICK_SIZE, BLACK, align="right")
        cv2.rectangle(image, (self.left, self.top), (self.right, self.bottom), BLACK, 1)
        centre = (self.left + self.right) / 2
        text_at(image, x_label, centre, self.bottom + 34, LABEL_SIZE, BLACK)
        widest = max((text_size(tick_label(y), TICK_SIZE)[0] for y in y_ticks), default=0)
        text_at(
            image, y_label, self.left - widest - 20, (self.top + self.bottom) / 2, LABEL_SIZE,
            BLACK, vertical=True,
        )  # fmt: skip
        text_at(image, title, centre, self.top - 12, TITLE_SIZE, BLACK)

    def legend(self, entries) -> None:
        """Draw a legend box in the upper right: ``entries`` of (label, bgr, kind), where kind is
        "line", "marked line", "dashed", "dotted" or "band"."""
        if not entries:
            return
        row, sample, gap, pad = 20, 28, 8, 7
        width = pad + sample + gap + max(text_size(t, LABEL_SIZE)[0] for t, _, _ in entries) + pad
        right, top = self.right - 8, self.top + 8
        left, bottom = right - width, top + pad + row * len(entries) + pad - 6
        image = self.image
        image[top:bottom, left:right] = 255
        cv2.rectangle(image, (left, top), (right, bottom), LEGEND_EDGE_BGR, 1, cv2.LINE_AA)
        for index, (text, bgr, kind) in enumerate(entries):
            y = top + pad + row * index + row // 2 - 3
            x0, x1 = left + pad, left + pad + sample
            if kind == "band":
                image[y - 5 : y + 5, x0:x1] = np.rint(
                    np.full(3, 255.0) * (1 - BAND_ALPHA) + np.asarray(bgr) * BAND_ALPHA
                ).astype(np.uint8)
            else:
                dashes = {"dashed": (5, 3), "dotted": (2, 3)}.get(kind)
                strip = Panel(image, (x0, y - 6, x1, y + 6), (0, 1), (0, 1))
                strip.line([0, 1], [0.5, 0.5], bgr, 1 if dashes else 2, dashes)
                if kind == "marked line":
                    strip.markers([0.5], [0.5], bgr)
            text_at(image, text, x1 + gap, y, LABEL_SIZE, BLACK, align="left")
