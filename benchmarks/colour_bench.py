"""Benchmark scripts/steplib/colour.py: what giving the same bits on every CPU costs.

On 100 000 random colours (seeded) it times ``bgr_to_lab`` (from uint8, the
cluster step's case, and from float64), ``lab_to_bgr`` and ``ciede2000`` two
ways, interleaved, each the median of ``--repeats`` runs in CPU seconds of one
thread:

* exact: the module as written (only IEEE-exact operations);
* numpy kernels: the same module with numpy's own functions swapped in for
  its elementary ones (np.cbrt, np.power, np.exp, np.sin, np.cos, np.arctan2
  and a ``@`` product), the CPU-dependent way of computing the same formulas.

Usage:
    python benchmarks/colour_bench.py              # 21 repeats
    python benchmarks/colour_bench.py --repeats 5
It also times importing the module in a fresh interpreter (after numpy, which
every step imports anyway), the cost each job pays once.

The Markdown table is printed and written to benchmarks/colour_results.md.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import contextlib
import datetime
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from steplib import colour

COLOURS = 100_000


def _numpy_product(matrix, v0, v1, v2):
    return np.array(matrix) @ np.stack([v0, v1, v2])


NUMPY_KERNELS = {
    "cbrt": np.cbrt,
    "power": np.power,
    "exp": np.exp,
    "sin_degrees": lambda degrees: np.sin(np.deg2rad(degrees)),
    "cos_degrees": lambda degrees: np.cos(np.deg2rad(degrees)),
    "atan2_degrees": lambda y, x: np.rad2deg(np.arctan2(y, x)),
    "_product": _numpy_product,
}


@contextlib.contextmanager
def numpy_kernels():
    """Run colour.py with numpy's elementary functions in place of its exact ones."""
    originals = {name: getattr(colour, name) for name in NUMPY_KERNELS}
    try:
        for name, function in NUMPY_KERNELS.items():
            setattr(colour, name, function)
        yield
    finally:
        for name, function in originals.items():
            setattr(colour, name, function)


def cases():
    """Return {name: function of no arguments} for the four conversions on the test colours."""
    rng = np.random.default_rng(0)
    bgr = rng.integers(0, 256, (COLOURS, 3), dtype=np.uint8)
    other = rng.integers(0, 256, (COLOURS, 3), dtype=np.uint8)
    lab, other_lab = colour.bgr_to_lab(bgr), colour.bgr_to_lab(other)
    as_float = bgr.astype(np.float64)
    return {
        "bgr_to_lab (uint8)": lambda: colour.bgr_to_lab(bgr),
        "bgr_to_lab (float64)": lambda: colour.bgr_to_lab(as_float),
        "lab_to_bgr": lambda: colour.lab_to_bgr(lab),
        "ciede2000": lambda: colour.ciede2000(lab, other_lab),
    }


def cpu_seconds(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def measure(repeats: int) -> dict[str, tuple[float, float]]:
    """Return {case: (median exact seconds, median numpy-kernel seconds)}, runs interleaved."""
    results = {}
    for name, function in cases().items():
        exact, kernels = [], []
        for _ in range(repeats):
            exact.append(cpu_seconds(function))
            with numpy_kernels():
                kernels.append(cpu_seconds(function))
        results[name] = (float(np.median(exact)), float(np.median(kernels)))
    return results


_IMPORT_SECONDS = """
import sys, time
import numpy
sys.path.insert(0, sys.argv[1])
start = time.perf_counter()
import steplib.colour
print(time.perf_counter() - start)
"""


def import_seconds(repeats: int) -> float:
    """Return the median wall seconds a fresh interpreter takes to import steplib.colour."""
    runs = [
        subprocess.run(
            [sys.executable, "-c", _IMPORT_SECONDS, str(ROOT / "scripts")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(repeats)
    ]
    return float(np.median([float(run) for run in runs]))


def report(results, imported: float, repeats: int, argv) -> str:
    command = " ".join(["python benchmarks/colour_bench.py", *argv])
    when = f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    setting = (
        f"`{command}` on {when}: {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, one thread; {COLOURS:,} random colours; CPU milliseconds, "
        f"median of {repeats} interleaved runs."
    )
    lines = [
        "# The cost of exact colour arithmetic",
        "",
        setting,
        "",
        "| conversion | exact (ms) | numpy kernels (ms) | exact / numpy |",
        "|---|---:|---:|---:|",
    ]
    for name, (exact, kernels) in results.items():
        lines.append(
            f"| {name} | {exact * 1e3:.1f} | {kernels * 1e3:.1f} | {exact / kernels:.2f}x |"
        )
    lines += ["", f"Importing steplib.colour after numpy: {imported * 1e3:.1f} ms (wall, median)."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    repeats = parser.parse_args(argv).repeats
    text = report(measure(repeats), import_seconds(repeats), repeats, argv)
    print(text)
    (ROOT / "benchmarks" / "colour_results.md").write_text(text)


if __name__ == "__main__":
    main()
