"""Where the k-means time goes, and what each part of scripts/kmeans/ buys.

In one run and one thread, on the same photos as ``kmeans_bench.py``:

* scikit-learn's sweep, for scale;
* our sweep, split into its phases by timing the package's own functions
  (distinct colours, coarse histograms, k-means++ starts, Lloyd on the
  starts, the coarse polish, and the exact polish on the distinct colours);
* each assignment engine against the plainest exact alternatives, on the
  same starts: the starts' stacked Hamerly bounds without their neighbour
  lists and against every distance; the polish's lazy bounds against plain
  Hamerly bounds and against every distance; every distance everywhere.
  They are exact, so every fit must come out the same, bit for bit (checked:
  the report says how many fits differ, which must be none);
* what the exact polish and the 8 k-means++ starts buy: the same sweep with
  the exact polish replaced by a single assignment of the colours to the
  coarse solution's centres, with one start, and with both.  The best known
  SSE of ``kmeans_bench.py`` is at most ours, so the SSE ratio of a variant
  to ours is a lower bound on its ratio to the best known, the quantity
  whose mean must stay at most 1.003.

Our sweep and the cheaper engines are timed ``--repeats`` times (median);
the engines computing every distance on the exact colours, 10 times slower,
once.

Usage:
    python benchmarks/kmeans_phases.py            # the 8 photos of kmeans_bench.py
    python benchmarks/kmeans_phases.py --photos images/chelsea.png
The Markdown report is printed and written to benchmarks/kmeans_phases.md.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import datetime
import platform
import sys
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from kmeans import KMeans, estimator, starts
from kmeans_bench import DEFAULT_PHOTOS, KS, ROOT, fit_sklearn, load_pixels, single_thread, sse

# The phases, in the order a fit runs them, and the functions of
# kmeans/estimator.py that make them.
PHASES = {
    "distinct colours": "distinct_rows",
    "coarse histograms": "coarse_levels",
    "k-means++ starts": "kmeans_plusplus",
    "Lloyd on the starts": "lloyd_with_hamerly_bounds",
    "bounds from the coarse level": "LazyBounds.from_parents",
}
COARSE_POLISH, EXACT_POLISH = "coarse polish", "exact polish (distinct colours)"


# The plainest exact engine: Lloyd's iterations of the starts side by side,
# every row checked against every centre every iteration.
lloyd_every_distance = partial(starts.lloyd_with_hamerly_bounds, every_distance=True)


class NoInheritedBounds:
    """Stands in for LazyBounds when the polish runs another engine, which
    starts from all the distances and needs no bounds from the coarse level."""

    @staticmethod
    def from_parents(*args):
        return None


def polish_with(engine):
    """A polish (``lloyd_with_lazy_bounds``'s signature) running ``engine``
    on its single start."""

    def polish(X, w, centers, tol, max_iter, bounds):
        return engine(X, w, centers[None], tol, max_iter)[0]

    return polish


# The engines, each against the plainest exact alternatives: what to replace
# in kmeans/estimator.py and kmeans/starts.py.
ENGINES = {
    "starts without neighbour lists": {"LIST_LENGTH": 10**9},
    "starts computing every distance": {"lloyd_with_hamerly_bounds": lloyd_every_distance},
    "polish with plain Hamerly bounds (no lazy bounds)": {
        "lloyd_with_lazy_bounds": polish_with(starts.lloyd_with_hamerly_bounds),
        "LazyBounds": NoInheritedBounds,
    },
    "polish computing every distance": {
        "lloyd_with_lazy_bounds": polish_with(lloyd_every_distance),
        "LazyBounds": NoInheritedBounds,
    },
    "every distance everywhere": {
        "lloyd_with_hamerly_bounds": lloyd_every_distance,
        "lloyd_with_lazy_bounds": polish_with(lloyd_every_distance),
        "LazyBounds": NoInheritedBounds,
    },
}
# Ten times slower than ours: timed once.
SLOW_ENGINES = {"polish computing every distance", "every distance everywhere"}


@contextmanager
def replaced(replacements):
    """Replace names of kmeans/estimator.py (or, for LIST_LENGTH,
    kmeans/starts.py) while the block runs."""
    modules = {name: starts if name == "LIST_LENGTH" else estimator for name in replacements}
    originals = {name: getattr(modules[name], name) for name in replacements}
    try:
        for name, value in replacements.items():
            setattr(modules[name], name, value)
        yield
    finally:
        for name, value in originals.items():
            setattr(modules[name], name, value)


@contextmanager
def timed_phases(skip_exact_polish=False):
    """Time the package's phase functions while the block runs; yields the
    dict of CPU seconds per phase and the exact polish's iteration counts.
    With ``skip_exact_polish`` the exact polish is replaced by one
    assignment of the colours to the centres it starts from."""
    seconds = dict.fromkeys([*PHASES, COARSE_POLISH, EXACT_POLISH], 0.0)
    iterations = []
    n_distinct = [0]

    def timer(phase, function):
        def wrapped(*args, **kwargs):
            start = time.process_time()
            result = function(*args, **kwargs)
            seconds[phase] += time.process_time() - start
            return result

        return wrapped

    original_distinct_rows = estimator.distinct_rows

    def distinct_rows(X):
        rows, inverse, counts = original_distinct_rows(X)
        n_distinct[0] = len(rows)
        return rows, inverse, counts

    lloyd_with_lazy_bounds = estimator.lloyd_with_lazy_bounds

    def polish(X, w, centers, tol, max_iter, bounds):
        # The exact level is the only one with every distinct colour.
        exact = len(X) == n_distinct[0]
        start = time.process_time()
        if exact and skip_exact_polish:
            result = (centers, estimator.nearest_centres(X, centers), 0)
        else:
            result = lloyd_with_lazy_bounds(X, w, centers, tol, max_iter, bounds)
        seconds[EXACT_POLISH if exact else COARSE_POLISH] += time.process_time() - start
        if exact:
            iterations.append(result[2])
        return result

    class TimedBounds(estimator.LazyBounds):
        from_parents = classmethod(
            timer("bounds from the coarse level", estimator.LazyBounds.from_parents.__func__)
        )

    functions = {name: getattr(estimator, name) for name in PHASES.values() if "." not in name} | {
        "distinct_rows": distinct_rows
    }
    timed = {
        name: timer(phase, functions[name]) for phase, name in PHASES.items() if "." not in name
    }
    with replaced(timed | {"lloyd_with_lazy_bounds": polish, "LazyBounds": TimedBounds}):
        yield seconds, iterations


def sweep(X, skip_exact_polish=False, n_init=None):
    """CPU seconds of the whole sweep, per phase, the SSE of each fit and
    the exact polish's iteration counts."""
    sses = []
    total = 0.0
    with timed_phases(skip_exact_polish) as (seconds, iterations):
        for k in KS:
            start = time.process_time()
            model = KMeans(k, seed=0, n_init=n_init).fit(X)
            total += time.process_time() - start
            sses.append(sse(X, model.cluster_centers_, model.labels_))
    return total, dict(seconds), np.array(sses), iterations


def engine_sweep(X, replacements, ks=KS):
    """CPU seconds of the sweep with some engines replaced, and each fit's
    exact result (centres, labels and inertia bits)."""
    fits = []
    total = 0.0
    with replaced(replacements):
        for k in ks:
            start = time.process_time()
            model = KMeans(k, seed=0).fit(X)
            total += time.process_time() - start
            fits.append((model.cluster_centers_.tobytes(), model.labels_.tobytes(), model.inertia_))
    return total, fits


def sklearn_sweep(X):
    start = time.process_time()
    for k in KS:
        fit_sklearn(X, k)
    return time.process_time() - start


# Cheaper variants of our sweep, each without a part that quality needs.
VARIANTS = {
    "without the exact polish": {"skip_exact_polish": True},
    "one k-means++ start (`n_init=1`)": {"n_init": 1},
    "one start and without the exact polish": {"skip_exact_polish": True, "n_init": 1},
}


def report(photos, rows, repeats, argv):
    n = len(rows)
    sk = np.array([r["sklearn"] for r in rows])
    ours = np.array([r["ours"] for r in rows])
    phases = {name: sum(r["phases"][name] for r in rows) / n for name in rows[0]["phases"]}
    other = ours.sum() / n - sum(phases.values())
    its = np.concatenate([r["iterations"] for r in rows])
    command = "python benchmarks/kmeans_phases.py" + "".join(f" {a}" for a in argv)
    lines = [
        "# Where the k-means time goes, and what each part buys",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC  ",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, one thread used; "
            f"Python {platform.python_version()}, numpy {np.__version__}  "
        ),
        (
            f"Photos: {', '.join(p.name for p in photos)}; k = {KS}; CPU seconds of the sweep "
            f"per photo; ours and the engines median of {repeats} runs "
            f"({' and '.join(sorted(SLOW_ENGINES))}: one run), the rest one run."
        ),
        "",
        "| | CPU s per photo (mean) | share of ours |",
        "|---|---:|---:|",
        f"| scikit-learn defaults, whole sweep | {sk.mean():.3f} | |",
        f"| ours, whole sweep | {ours.mean():.3f} | 100% |",
    ]
    for name, value in [*phases.items(), ("the rest (labels, inertia, checks)", other)]:
        lines.append(f"| - {name} | {value:.3f} | {value / ours.mean():.0%} |")
    lines += [
        "",
        (
            f"Speed-up over scikit-learn: {sk.sum() / ours.sum():.2f}x for the whole run, "
            f"median {np.median(sk / ours):.2f}x over the photos."
        ),
        "",
        (
            f"The exact polish ran {its.mean():.1f} Lloyd iterations on average "
            f"(median {np.median(its):.0f}, max {its.max()}) to reach tol = 1e-3."
        ),
        "",
        (
            "Each engine against plainer exact ones, on the same starts (sweep CPU seconds; "
            "fits that differ from ours in any bit of centres, labels or inertia, which must "
            "be none):"
        ),
        "",
        "| sweep | CPU s per photo (mean) | over ours, whole run | over ours, per photo | fits differing |",
        "|---|---:|---:|---:|---:|",
        f"| ours | {ours.mean():.3f} | 1.00x | | |",
    ]
    for name in ENGINES:
        seconds = np.array([r["engines"][name][0] for r in rows])
        differ = sum(r["engines"][name][1] for r in rows)
        ratios = seconds / ours
        lines.append(
            f"| {name} | {seconds.mean():.3f} | {seconds.sum() / ours.sum():.2f}x "
            f"| {ratios.min():.2f}x to {ratios.max():.2f}x | {differ} of {n * len(KS)} |"
        )
    lines += [
        "",
        (
            "Cheaper variants, each without a part that quality needs (SSE of each (photo, k) "
            "over ours; the best known SSE of `kmeans_bench.py` is at most ours, so the mean is "
            "a lower bound on the variant's mean ratio to it, whose target is at most 1.003):"
        ),
        "",
        "| variant | CPU s per photo (mean) | over ours | SSE / ours, mean | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in VARIANTS:
        seconds = np.mean([r["variants"][name][0] for r in rows])
        # A perfect fit (SSE 0) can only be matched.
        ratio = np.concatenate(
            [
                np.where(r["sse"] > 0, r["variants"][name][1] / np.maximum(r["sse"], 1e-300), 1)
                for r in rows
            ]
        )
        lines.append(
            f"| {name} | {seconds:.3f} | {seconds / ours.mean():.2f}x | "
            f"{ratio.mean():.4f} | {ratio.max():.4f} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", nargs="+", type=Path, help="photos (default: the 8)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of ours and the engines")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks" / "kmeans_phases.md", help="report"
    )
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    single_thread()
    photos = args.photos or DEFAULT_PHOTOS
    KMeans(2).fit(np.zeros((4, 3), np.uint8))  # import-time work out of the timings
    rows = []
    for path in photos:
        X = load_pixels(path)
        runs = [sweep(X) for _ in range(args.repeats)]
        _, phases, sses, iterations = runs[0]
        total = float(np.median([run[0] for run in runs]))
        _, ours = engine_sweep(X, {})
        engines = {}
        for name, replacements in ENGINES.items():
            timed = [
                engine_sweep(X, replacements)
                for _ in range(1 if name in SLOW_ENGINES else args.repeats)
            ]
            differ = sum(fit != mine for fit, mine in zip(timed[0][1], ours, strict=True))
            engines[name] = (float(np.median([seconds for seconds, _ in timed])), differ)
        variants = {}
        for name, options in VARIANTS.items():
            seconds, _, variant_sses, _ = sweep(X, **options)
            variants[name] = (seconds, variant_sses)
        rows.append(
            {
                "sklearn": sklearn_sweep(X),
                "ours": total,
                "phases": phases,
                "sse": sses,
                "iterations": iterations,
                "engines": engines,
                "variants": variants,
            }
        )
        print(f"{path.name}: ours {total:.3f} s, scikit-learn {rows[-1]['sklearn']:.3f} s")
    text = report(photos, rows, args.repeats, argv)
    print(text)
    args.output.write_text(text)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
