"""The k-means phase benchmark measures what it says: its timers see every
phase of a real fit, are removed afterwards, and its variants skip what they
say they skip."""

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import kmeans
import kmeans_phases
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
