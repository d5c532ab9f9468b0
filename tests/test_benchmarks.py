"""The benchmarks measure what they say: the k-means phase timers see every phase
of a real fit, are removed afterwards, and its variants skip what they say they
skip; the pipeline benchmark's peer makes a whole GIF, and its CPU accounting
counts the processes a contender starts."""

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import kmeans_phases
import pipeline_bench
from conftest import write_photo
from kmeans import KMeans, estimator
from kmeans_bench import KS
from test_kmeans import resized


@pytest.fixture(scope="module")
def pixels():
    return resized(ROOT / "images" / "chelsea.png", 160).reshape(-1, 3)


def test_timers_see_every_phase_and_are_removed(pixels):
    originals = (estimator.distinct_rows, estimator.lloyd_with_lazy_bounds, estimator.LazyBounds)
    total, seconds, sses, iterations = kmeans_phases.sweep(pixels)
    assert set(seconds) == {
        *kmeans_phases.PHASES,
        kmeans_phases.COARSE_POLISH,
        kmeans_phases.EXACT_POLISH,
    }
    assert all(value > 0 for value in seconds.values()), seconds
    assert sum(seconds.values()) <= total
    assert (estimator.distinct_rows, estimator.lloyd_with_lazy_bounds, estimator.LazyBounds) == (
        originals
    )
    # One exact polish per k (but k = 1, a single run from the mean), with
    # the iterations the fit reports.
    assert iterations == [KMeans(k, seed=0).fit(pixels).n_iter_ for k in KS if k > 1]
    # The instrumented sweep computes what the plain one does.
    plain = [KMeans(k, seed=0).fit(pixels) for k in KS[-2:]]
    assert sses[-2:] == pytest.approx([m.inertia_ for m in plain], rel=1e-9)


def test_variants_skip_the_polish_and_the_starts(pixels):
    _, _, polished, _ = kmeans_phases.sweep(pixels)
    _, _, skipped, iterations = kmeans_phases.sweep(pixels, skip_exact_polish=True)
    # Lloyd's iterations never raise the SSE of the centres they start from.
    assert np.all(skipped >= polished * (1 - 1e-12))
    assert np.any(skipped > polished * 1.001)
    assert iterations == [0] * (len(KS) - 1)  # k = 1 has no polish
    _, _, one_start, _ = kmeans_phases.sweep(pixels, n_init=1)
    expected = [KMeans(k, seed=0, n_init=1).fit(pixels).inertia_ for k in KS]
    assert one_start == pytest.approx(expected, rel=1e-9)


def test_engines_are_replaced_and_restored_and_exact(pixels):
    """Each engine variant really runs another engine (its time differs and
    the phase timers would not see it) yet gives every fit bit for bit."""
    originals = {
        name: getattr(estimator, name) for name in ("lloyd_with_hamerly_bounds", "LazyBounds")
    }
    ks = [1, 5, 25]  # 25: the starts use their neighbour lists
    _, ours = kmeans_phases.engine_sweep(pixels, {}, ks)
    calls = []

    def counted(*args):
        calls.append(len(args[0]))
        return kmeans_phases.lloyd_every_distance(*args)

    _, fits = kmeans_phases.engine_sweep(pixels, {"lloyd_with_hamerly_bounds": counted}, ks)
    assert len(calls) == len(ks)  # one batch of starts per k (k = 1: its single start)
    assert fits == ours
    for replacements in kmeans_phases.ENGINES.values():
        assert kmeans_phases.engine_sweep(pixels, replacements, ks)[1] == ours
    assert {name: getattr(estimator, name) for name in originals} == originals
    assert kmeans_phases.starts.LIST_LENGTH == 8


def test_every_distance_checks_every_row(pixels, monkeypatch):
    """The plain engine checks every row every iteration, the bounds few."""
    starts = kmeans_phases.starts
    checked = []
    nearest = starts.nearest_and_two_distances_in_runs

    def counted(X, centers, run, row):
        checked.append(len(row))
        return nearest(X, centers, run, row)

    monkeypatch.setattr(starts, "nearest_and_two_distances_in_runs", counted)
    X = pixels.astype(np.float64)[:2000]
    start = X[[0, 500, 1000, 1500]][None]
    plain = kmeans_phases.lloyd_every_distance(X, np.ones(len(X)), start, 0.0, 500)
    every = list(checked)
    checked.clear()
    bounded = starts.lloyd_with_hamerly_bounds(X, np.ones(len(X)), start, 0.0, 500)
    assert every == [len(X)] * (plain[0][2] + 1)
    assert sum(checked) < sum(every) / 3
    assert plain[0][0].tobytes() == bounded[0][0].tobytes()


def test_the_plain_script_makes_a_gif_with_a_frame_per_k(tmp_path):
    """The peer of the pipeline benchmark does its whole job, and reports an SSE per k."""
    photo = write_photo(tmp_path / "tiny photo.png", width=64, height=40, seed=3)
    command = [sys.executable, str(ROOT / "benchmarks" / "plain_script.py")]
    command += ["--output", str(tmp_path / "out"), "--sse", str(tmp_path / "sse.json")]
    command += ["--ks", "1", "2", "5", "--", str(photo)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    with Image.open(tmp_path / "out" / "tiny photo.gif") as gif:
        assert (gif.n_frames, gif.size) == (3, (64, 40))
    sse = json.loads((tmp_path / "sse.json").read_text())["tiny photo"]
    # k = 1: the SSE is the pixels' total squared distance to their mean colour.
    pixels = cv2.imread(str(photo)).reshape(-1, 3).astype(np.float64)
    assert sse[0] == pytest.approx(((pixels - pixels.mean(axis=0)) ** 2).sum(), rel=1e-6)
    assert sse[0] > sse[1] > sse[2] > 0


def test_the_benchmark_counts_the_cpu_of_children(tmp_path):
    """A contender's CPU is its own and that of every process it started and waited for."""
    burn = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}])"
    times = pipeline_bench.measured_run(
        [sys.executable, "-c", parent], tmp_path, tmp_path / "log.txt"
    )
    assert times["cpu"] >= 0.4
    assert times["own_cpu"] < 0.3
    assert times["wall"] >= 0.4


def test_the_cpu_table_knows_the_rule_of_every_step():
    steps = {path.stem for path in (ROOT / "scripts").glob("*.py")}
    assert set(pipeline_bench.RULE_OF_STEP) == steps
    defined = {
        line.split()[1].rstrip(":")
        for path in (ROOT / "workflow/rules").glob("*.smk")
        for line in path.read_text().splitlines()
        if line.startswith("rule ")
    }
    assert set(pipeline_bench.RULE_OF_STEP.values()) <= defined
