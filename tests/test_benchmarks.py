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

import kmeans
import kmeans_phases
import pipeline_bench
from conftest import write_photo
from kmeans_bench import KS
from test_kmeans import resized


@pytest.fixture(scope="module")
def pixels():
    return resized(ROOT / "images" / "chelsea.png", 160).reshape(-1, 3)


def test_timers_see_every_phase_and_are_removed(pixels):
    originals = (kmeans.distinct_rows, kmeans.lloyd_hamerly, kmeans._LazyBounds.from_parents)
    total, seconds, sses, iterations = kmeans_phases.sweep(pixels)
    assert set(seconds) == {
        *kmeans_phases.PHASES,
        kmeans_phases.COARSE_POLISH,
        kmeans_phases.EXACT_POLISH,
    }
    assert all(value > 0 for value in seconds.values()), seconds
    assert sum(seconds.values()) <= total
    assert (kmeans.distinct_rows, kmeans.lloyd_hamerly, kmeans._LazyBounds.from_parents) == (
        originals
    )
    # One exact polish per k, with the iterations the fit reports.
    assert iterations == [kmeans.KMeans(k, seed=0).fit(pixels).n_iter_ for k in KS]
    # The instrumented sweep computes what the plain one does.
    plain = [kmeans.KMeans(k, seed=0).fit(pixels) for k in KS[-2:]]
    assert sses[-2:] == pytest.approx([m.inertia_ for m in plain], rel=1e-9)


def test_variants_skip_the_polish_and_the_starts(pixels):
    _, _, polished, _ = kmeans_phases.sweep(pixels)
    _, _, skipped, iterations = kmeans_phases.sweep(pixels, skip_exact_polish=True)
    # Lloyd's iterations never raise the SSE of the centres they start from.
    assert np.all(skipped >= polished * (1 - 1e-12))
    assert np.any(skipped > polished * 1.001)
    assert iterations == [0] * len(KS)
    _, _, one_start, _ = kmeans_phases.sweep(pixels, n_init=1)
    expected = [kmeans.KMeans(k, seed=0, n_init=1).fit(pixels).inertia_ for k in KS]
    assert one_start == pytest.approx(expected, rel=1e-9)


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
