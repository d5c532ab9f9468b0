"""Benchmark the k-means package (scripts/kmeans/) against scikit-learn and OpenCV on real photos.

For each photo (resized so that its longer side is 500 px, cv2.INTER_AREA)
and the workflow's 14 values of k, it times the whole k-sweep, each fit
from the raw (n, 3) uint8 pixels as the workflow does one job per k:

* ours: ``KMeans(k, seed=0)`` (defaults: k-means++ starts on a coarse
  histogram, polished on the exact colours, tol=1e-3, max_iter=500);
* scikit-learn: ``KMeans(n_clusters=k, random_state=0)`` (its defaults);
* OpenCV: ``cv2.kmeans`` with KMEANS_PP_CENTERS, 1 attempt, criteria
  EPS + MAX_ITER with eps 1e-3 and 500 iterations (the same stopping rule
  as ours: every centre moved less than 1e-3).

Everything runs in one thread (OMP/OpenBLAS/MKL variables set before numpy
is imported, threadpoolctl, cv2.setNumThreads(1)); each sweep is repeated
and the median kept.  Times are process CPU seconds by default (robust on a
shared machine; --clock wall for wall-clock time).

Quality: the SSE of every fit, summed over all pixels of the squared
distance (float64) to the assigned centre as returned, divided by the best
SSE known for that (photo, k): the minimum of scikit-learn with n_init=10,
cv2.kmeans best of 5 attempts, and ours.  The column "random init" is the
reference tutorial's algorithm (``KMeans(k, init="random")``: k random
pixels, then Lloyd until tol) for comparison.  The reference runs are only
about SSE, so they are computed once, after the timings, in two worker
processes.

Peak memory: a fresh subprocess imports numpy and cv2, loads one photo,
fits k=50 and reports its peak resident set size (VmHWM; getrusage's
maxrss would include the parent's, as the child is forked from it).

Usage:
    python benchmarks/kmeans_bench.py            # all 8 photos, 3 repeats
    python benchmarks/kmeans_bench.py --quick    # 3 photos, 1 repeat
    python benchmarks/kmeans_bench.py --photos images/chelsea.png
The Markdown table is printed and written to benchmarks/kmeans_results.md.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import datetime
import platform
import shlex
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import cv2
import numpy as np
import sklearn
from sklearn.cluster import KMeans as SklearnKMeans

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from kmeans import KMeans

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

KS = [1, 2, 3, 4, 5, 6, 8, 10, 14, 16, 20, 25, 40, 50]
MAX_SIDE = 500
DEFAULT_PHOTOS = sorted((ROOT / "images").glob("*")) + sorted(
    (ROOT / "benchmarks" / "photos").glob("*")
)
QUICK_PHOTOS = [
    "images/chelsea.png",
    "benchmarks/photos/astronaut.png",
    "benchmarks/photos/china.jpg",
]
CV2_CRITERIA = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 500, 1e-3)
CV2_ATTEMPTS = 5


def single_thread():
    cv2.setNumThreads(1)
    if threadpool_limits is not None:
        threadpool_limits(1)


def load_pixels(path):
    """The photo's pixels, (n, 3) uint8 BGR, longer side resized to 500 px."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"cannot read {path}")
    h, w = image.shape[:2]
    scale = MAX_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image.reshape(-1, 3)


def sse(X, centers, labels):
    """Sum over pixels of the squared distance to the assigned centre, the
    same way for every method."""
    diff = X.astype(np.float64) - np.asarray(centers, dtype=np.float64)[np.ravel(labels)]
    return float(np.einsum("ij,ij->", diff, diff))


def fit_ours(X, k):
    m = KMeans(k, seed=0).fit(X)
    return m.cluster_centers_, m.labels_


def fit_sklearn(X, k):
    m = SklearnKMeans(n_clusters=k, random_state=0).fit(X)
    return m.cluster_centers_, m.labels_


def fit_cv2(X, k, seed=0, attempts=1):
    cv2.setRNGSeed(seed)
    _, labels, centers = cv2.kmeans(
        X.astype(np.float32), k, None, CV2_CRITERIA, attempts, cv2.KMEANS_PP_CENTERS
    )
    return centers, labels


def timed_sweep(fit, X, clock):
    """Seconds for the whole k-sweep, and the SSE of each fit."""
    sses = []
    elapsed = 0.0
    for k in KS:
        start = clock()
        centers, labels = fit(X, k)
        elapsed += clock() - start
        sses.append(sse(X, centers, labels))
    return elapsed, sses


def reference_sse(task):
    """SSE of one reference fit (run in a worker process)."""
    single_thread()
    path, k, method, seed = task
    X = load_pixels(path)
    if method == "sklearn10":
        m = SklearnKMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
        return sse(X, m.cluster_centers_, m.labels_)
    if method == "cv2":
        return sse(X, *fit_cv2(X, k, seed=seed))
    if method == "random":
        m = KMeans(k, init="random", seed=0).fit(X)
        return sse(X, m.cluster_centers_, m.labels_)
    raise ValueError(method)


PEAK_MEMORY_SCRIPT = """
import os, resource, sys
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = "1"
import cv2, numpy as np
sys.path.insert(0, sys.argv[2])
from kmeans import KMeans
image = cv2.imread(sys.argv[1], cv2.IMREAD_COLOR)
h, w = image.shape[:2]
s = 500 / max(h, w)
image = cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))),
                   interpolation=cv2.INTER_AREA)
KMeans(50, seed=0).fit(image.reshape(-1, 3))
# VmHWM (peak RSS of this process image).  getrusage's ru_maxrss would also
# count the benchmark process this one was forked from, on Linux.
try:
    with open("/proc/self/status") as status:
        hwm = [line for line in status if line.startswith("VmHWM:")][0]
    print(int(hwm.split()[1]) / 1024)
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_memory_mb(path):
    out = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY_SCRIPT, str(path), str(ROOT / "scripts")],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip())


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 photos, 1 repeat")
    parser.add_argument("--photos", nargs="+", type=Path, help="photo files to use")
    parser.add_argument("--repeats", type=int, help="timed repeats of each sweep (default 3)")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "kmeans_results.md")
    parser.add_argument("--workers", type=int, default=2, help="processes for reference runs")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    single_thread()
    if args.photos:
        photos = args.photos
    elif args.quick:
        photos = [ROOT / p for p in QUICK_PHOTOS]
    else:
        photos = DEFAULT_PHOTOS
    repeats = args.repeats or (1 if args.quick else 3)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    KMeans(2).fit(np.zeros((4, 3), np.uint8))  # import-time work out of the timings

    rows = []
    for path in photos:
        X = load_pixels(path)
        times = {"ours": [], "sklearn": [], "cv2": []}
        sses = {}
        for _ in range(repeats):
            for name, fit in (("ours", fit_ours), ("sklearn", fit_sklearn)):
                elapsed, sses[name] = timed_sweep(fit, X, clock)
                times[name].append(elapsed)
        # OpenCV iterates to the same strict tolerance as ours and is slow:
        # timed once; the run is also its first reference attempt.
        elapsed, sses["cv2"] = timed_sweep(fit_cv2, X, clock)
        times["cv2"].append(elapsed)
        n_distinct = KMeans(1).fit(X).n_distinct_
        rows.append(
            {
                "path": path,
                "pixels": len(X),
                "distinct": n_distinct,
                "times": {name: float(np.median(t)) for name, t in times.items()},
                "sses": sses,
            }
        )
        t = rows[-1]["times"]
        print(
            f"{path.name}: ours {t['ours']:.3f} s, sklearn {t['sklearn']:.3f} s, "
            f"cv2 {t['cv2']:.3f} s",
            flush=True,
        )

    print("reference runs (sklearn n_init=10, cv2 best of 5, random init)...", flush=True)
    tasks = []
    for row in rows:
        for k in KS:
            tasks.append((str(row["path"]), k, "sklearn10", 0))
            tasks += [(str(row["path"]), k, "cv2", seed) for seed in range(1, CV2_ATTEMPTS)]
            tasks.append((str(row["path"]), k, "random", 0))
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        results = dict(zip(tasks, pool.map(reference_sse, tasks, chunksize=1), strict=True))
    for row in rows:
        p = str(row["path"])
        s = row["sses"]
        s["sklearn10"] = [results[(p, k, "sklearn10", 0)] for k in KS]
        s["cv2_best5"] = [
            min([s["cv2"][i]] + [results[(p, k, "cv2", seed)] for seed in range(1, CV2_ATTEMPTS)])
            for i, k in enumerate(KS)
        ]
        s["random"] = [results[(p, k, "random", 0)] for k in KS]
        best = np.minimum.reduce([np.array(s[m]) for m in ("sklearn10", "cv2_best5", "ours")])
        # A perfect fit (SSE 0) can only be matched.
        row["best"] = best
        for m in ("ours", "sklearn", "cv2", "random"):
            row[f"ratio_{m}"] = np.where(best > 0, np.array(s[m]) / np.maximum(best, 1e-300), 1.0)

    memory, memory_photo = max((peak_memory_mb(p), p) for p in photos)
    report = markdown(rows, memory, memory_photo, repeats, args.clock, argv)
    print(report)
    args.output.write_text(report)
    print(f"written to {args.output}")


def markdown(rows, memory, memory_photo, repeats, clock, argv):
    cmd = "python benchmarks/kmeans_bench.py" + "".join(
        " " + shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)
    )
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    machine = (
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, one thread used; "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, OpenCV {cv2.__version__}  "
    )
    timing = (
        f"Times: {clock} seconds for the sweep over k = {KS} (14 independent fits from the "
        f"raw pixels), median of {repeats} repeat(s) (OpenCV: 1 run).  "
    )
    ratio = (
        "SSE ratio: SSE / best known SSE for that (photo, k), best known = min of "
        "scikit-learn n_init=10, cv2.kmeans best of 5 attempts, and ours."
    )
    header = (
        "| photo | pixels | distinct colours | ours (s) | scikit-learn (s) | OpenCV (s) "
        "| speed-up vs scikit-learn | SSE ratio mean | SSE ratio max "
        "| scikit-learn SSE mean | OpenCV SSE mean | random init SSE mean / max |"
    )
    lines = [
        "# k-means benchmark",
        "",
        f"Command: `{cmd}`  ",
        f"Date: {now}  ",
        machine,
        timing,
        ratio,
        "",
        header,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        t = r["times"]
        lines.append(
            f"| {r['path'].name} | {r['pixels']} | {r['distinct']} | {t['ours']:.3f} "
            f"| {t['sklearn']:.3f} | {t['cv2']:.3f} | {t['sklearn'] / t['ours']:.1f}x "
            f"| {r['ratio_ours'].mean():.5f} | {r['ratio_ours'].max():.5f} "
            f"| {r['ratio_sklearn'].mean():.5f} | {r['ratio_cv2'].mean():.5f} "
            f"| {r['ratio_random'].mean():.4f} / {r['ratio_random'].max():.4f} |"
        )

    def med(name):
        return float(np.median([r["times"][name] for r in rows]))

    every = {
        m: np.concatenate([r[f"ratio_{m}"] for r in rows])
        for m in ("ours", "sklearn", "cv2", "random")
    }
    speedups = [r["times"]["sklearn"] / r["times"]["ours"] for r in rows]
    total = sum(r["times"]["sklearn"] for r in rows) / sum(r["times"]["ours"] for r in rows)
    lines.append(
        f"| **median / overall** | | | {med('ours'):.3f} | {med('sklearn'):.3f} "
        f"| {med('cv2'):.3f} | {np.median(speedups):.1f}x (total {total:.1f}x) "
        f"| {every['ours'].mean():.5f} | {every['ours'].max():.5f} "
        f"| {every['sklearn'].mean():.5f} | {every['cv2'].mean():.5f} "
        f"| {every['random'].mean():.4f} / {every['random'].max():.4f} |"
    )
    memory_line = (
        f"Peak memory (peak RSS of a fresh process importing numpy and cv2, loading one "
        f"photo and fitting k = 50; the largest over the photos, {memory_photo.name}): "
        f"{memory:.0f} MB."
    )
    mean, worst = every["ours"].mean(), every["ours"].max()
    targets = (
        f"Targets: sweep at least 2x as fast as scikit-learn overall "
        f"({'met' if total >= 2 else 'NOT met'}: {total:.1f}x; {min(speedups):.1f}x to "
        f"{max(speedups):.1f}x per photo); mean SSE ratio <= 1.003 "
        f"({'met' if mean <= 1.003 else 'NOT met'}: {mean:.5f}); no ratio above 1.05 "
        f"({'met' if worst <= 1.05 else 'NOT met'}: {worst:.5f}); "
        f"peak memory < 200 MB ({'met' if memory < 200 else 'NOT met'}: {memory:.0f} MB)."
    )
    lines += [
        "",
        "Mean SSE ratio of ours per k, over the photos:",
        "",
        "| k | " + " | ".join(str(k) for k in KS) + " |",
        "|---|" + "---:|" * len(KS),
        "| ours | "
        + " | ".join(f"{np.mean([r['ratio_ours'][i] for r in rows]):.4f}" for i in range(len(KS)))
        + " |",
        "| random init | "
        + " | ".join(f"{np.mean([r['ratio_random'][i] for r in rows]):.4f}" for i in range(len(KS)))
        + " |",
        "",
        memory_line,
        "",
        targets,
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
