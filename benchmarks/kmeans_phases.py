"""Where the time of scripts/kmeans.py goes, against the budget of issue #3.

Issue #3 asks for the 14-k sweep to run 10x faster than scikit-learn's
defaults.  This script measures, in one run and one thread, on the same
photos as ``kmeans_bench.py``:

* scikit-learn's sweep, and so the budget: a tenth of it;
* our sweep, split into its phases by timing the module's own functions
  (distinct colours, coarse histograms, k-means++ starts, Lloyd on the
  starts, the coarse polish, and the exact polish on the distinct colours);
* what the exact polish and the 8 k-means++ starts buy: the same sweep
  with the exact polish replaced by a single assignment of the colours to
  the coarse solution's centres, with one start, and with both.
The best known SSE of ``kmeans_bench.py`` is at most ours, so the SSE
ratio of a variant to ours is a lower bound on its ratio to the best
known, the quantity whose mean the issue caps at 1.003.

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
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import kmeans
from kmeans_bench import DEFAULT_PHOTOS, KS, ROOT, fit_sklearn, load_pixels, single_thread, sse

# The phases, in the order a fit runs them, and the functions that make them.
PHASES = {
    "distinct colours": "distinct_rows",
    "coarse histograms": "coarse_levels",
    "k-means++ starts": "kmeans_plusplus",
    "Lloyd on the starts": "lloyd_starts",
    "bounds from the coarse level": "from_parents",
}
COARSE_POLISH, EXACT_POLISH = "coarse polish", "exact polish (distinct colours)"


@contextmanager
def timed_phases(skip_exact_polish=False):
    """Time the module's phase functions while the block runs; yields the
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

    originals = {name: getattr(kmeans, name) for name in PHASES.values() if name != "from_parents"}
    original_from_parents = kmeans._LazyBounds.__dict__["from_parents"]
    original_lloyd = kmeans.lloyd_hamerly

    def distinct_rows(X):
        rows, inverse, counts = originals["distinct_rows"](X)
        n_distinct[0] = len(rows)
        return rows, inverse, counts

    functions = originals | {"distinct_rows": distinct_rows}

    def lloyd_hamerly(X, w, centers, tol, max_iter, bounds=None):
        # The exact level is the only one with every distinct colour.
        exact = len(X) == n_distinct[0]
        start = time.process_time()
        if exact and skip_exact_polish:
            labels = np.argmin(kmeans.squared_distances(X, centers), axis=1)
            result = (centers, labels, 0)
        else:
            result = original_lloyd(X, w, centers, tol, max_iter, bounds)
        seconds[EXACT_POLISH if exact else COARSE_POLISH] += time.process_time() - start
        if exact:
            iterations.append(result[2])
        return result

    patched = {
        name: timer(phase, functions[name]) for phase, name in PHASES.items() if name in functions
    }
    patched["lloyd_hamerly"] = lloyd_hamerly
    try:
        for name, function in patched.items():
            setattr(kmeans, name, function)
        kmeans._LazyBounds.from_parents = classmethod(
            timer("bounds from the coarse level", original_from_parents.__func__)
        )
        yield seconds, iterations
    finally:
        for name, function in originals.items():
            setattr(kmeans, name, function)
        kmeans.lloyd_hamerly = original_lloyd
        kmeans._LazyBounds.from_parents = original_from_parents


def sweep(X, skip_exact_polish=False, n_init=None):
    """CPU seconds of the whole sweep, per phase, the SSE of each fit and
    the exact polish's iteration counts."""
    sses = []
    total = 0.0
    with timed_phases(skip_exact_polish) as (seconds, iterations):
        for k in KS:
            start = time.process_time()
            model = kmeans.KMeans(k, seed=0, n_init=n_init).fit(X)
            total += time.process_time() - start
            sses.append(sse(X, model.cluster_centers_, model.labels_))
    return total, dict(seconds), np.array(sses), iterations


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


def report(photos, rows, argv):
    n = len(rows)
    sk = np.array([r["sklearn"] for r in rows])
    ours = np.array([r["ours"] for r in rows])
    budget = sk.sum() / 10 / n
    phases = {name: sum(r["phases"][name] for r in rows) / n for name in rows[0]["phases"]}
    other = ours.sum() / n - sum(phases.values())
    its = np.concatenate([r["iterations"] for r in rows])
    command = "python benchmarks/kmeans_phases.py" + "".join(f" {a}" for a in argv)
    lines = [
        "# Where the k-means time goes",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC  ",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, one thread used; "
            f"Python {platform.python_version()}, numpy {np.__version__}  "
        ),
        f"Photos: {', '.join(p.name for p in photos)}; k = {KS}; CPU seconds, one run each.",
        "",
        "| | CPU s per photo (mean) | share of ours | vs the 10x budget |",
        "|---|---:|---:|---:|",
        f"| scikit-learn defaults, whole sweep | {sk.mean():.3f} | | |",
        f"| **budget: a tenth of it** | **{budget:.3f}** | | 1.00x |",
        f"| ours, whole sweep | {ours.mean():.3f} | 100% | {ours.mean() / budget:.2f}x |",
    ]
    for name, value in [*phases.items(), ("the rest (labels, inertia, checks)", other)]:
        lines.append(
            f"| - {name} | {value:.3f} | {value / ours.mean():.0%} | {value / budget:.2f}x |"
        )
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
            "Cheaper variants, each without a part that quality needs (SSE of each (photo, k) "
            "over ours; the best known SSE of `kmeans_bench.py` is at most ours, so the mean is "
            "a lower bound on the variant's mean ratio to it, whose target is at most 1.003):"
        ),
        "",
        "| variant | CPU s per photo (mean) | vs the 10x budget | SSE / ours, mean | max |",
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
            f"| {name} | {seconds:.3f} | {seconds / budget:.2f}x | "
            f"{ratio.mean():.4f} | {ratio.max():.4f} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", nargs="+", type=Path, help="photos (default: the 8)")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks" / "kmeans_phases.md", help="report"
    )
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    single_thread()
    photos = args.photos or DEFAULT_PHOTOS
    kmeans.KMeans(2).fit(np.zeros((4, 3), np.uint8))  # import-time work out of the timings
    rows = []
    for path in photos:
        X = load_pixels(path)
        total, phases, sses, iterations = sweep(X)
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
                "variants": variants,
            }
        )
        print(f"{path.name}: ours {total:.3f} s, scikit-learn {rows[-1]['sklearn']:.3f} s")
    text = report(photos, rows, argv)
    print(text)
    args.output.write_text(text)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
