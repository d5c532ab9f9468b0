"""The CIEDE2000 difference between a photo and its frames, as the cluster step computes it."""

import itertools
import math

import numpy as np
import pytest

from conftest import REPO, synthetic_photo
from resize import resized
from steplib.clustering import clustered
from steplib.colour import bgr_to_lab, ciede2000
from steplib.colour_error import nearest_ranks
from steplib.label_map import NO_LABEL
from steplib.read_image import read_image

SAMPLE_PHOTOS = sorted((REPO / "images").iterdir())


def per_pixel_differences(image: np.ndarray, labels: np.ndarray, summary: dict) -> np.ndarray:
    """Return the CIEDE2000 difference of every opaque pixel from its frame's colour, one by one."""
    opaque = labels != NO_LABEL
    shown_bgr = np.array([c["rgb"][::-1] for c in summary["clusters"]], np.uint8)
    pixels = image[..., :3][opaque]
    return ciede2000(bgr_to_lab(pixels), bgr_to_lab(shown_bgr[labels[opaque]]))


def nearest_rank_of_pixels(values: np.ndarray, percent: int) -> float:
    """The textbook nearest-rank percentile: the ceil(p N / 100)-th smallest value."""
    return float(np.sort(values)[math.ceil(percent * len(values) / 100) - 1])


@pytest.mark.parametrize("color_space", ["rgb", "lab"])
@pytest.mark.parametrize("k", [1, 3, 7])
def test_statistics_are_those_of_every_pixel(k, color_space):
    image = synthetic_photo(70, 50, seed=k)
    labels, summary = clustered(image, k, color_space=color_space)
    differences = per_pixel_differences(image, labels, summary)
    statistics = summary["delta_e2000"]
    assert statistics["mean"] == pytest.approx(differences.mean(), rel=1e-12)
    # The percentiles are values of pixels, found exactly.
    assert statistics["median"] == nearest_rank_of_pixels(differences, 50)
    assert statistics["p95"] == nearest_rank_of_pixels(differences, 95)
    assert 0 < statistics["median"] < statistics["p95"] < differences.max()


def test_transparent_pixels_are_left_out():
    image = np.dstack([synthetic_photo(40, 30, seed=4), np.full((30, 40), 255, np.uint8)])
    image[:, :20, 3] = 0
    # Hidden colours far from the visible ones would raise every statistic if counted.
    image[:, :20, :3] = (255, 0, 255)
    labels, summary = clustered(image, 3)
    visible, _ = clustered(np.ascontiguousarray(image[:, 20:, :3]), 3)
    differences = per_pixel_differences(image, labels, summary)
    assert len(differences) == 20 * 30
    assert summary["delta_e2000"]["p95"] == nearest_rank_of_pixels(differences, 95)
    assert (
        summary["delta_e2000"]
        == clustered(np.ascontiguousarray(image[:, 20:, :3]), 3)[1]["delta_e2000"]
    )
    assert np.array_equal(labels[:, 20:], visible)


def test_a_photo_without_opaque_pixels_has_no_statistics():
    _, summary = clustered(np.zeros((4, 4, 4), np.uint8), 2)
    assert summary["delta_e2000"] == {"mean": None, "median": None, "p95": None}


@pytest.mark.parametrize("color_space", ["rgb", "lab"])
def test_difference_is_zero_with_fewer_colours_than_k(color_space):
    colours = np.array([[10, 200, 30], [250, 250, 250], [0, 0, 0], [90, 60, 200]], np.uint8)
    image = colours[np.random.default_rng(1).integers(0, 4, (30, 40))]
    _, summary = clustered(image, 6, color_space=color_space)
    assert "note" in summary
    assert summary["delta_e2000"] == {"mean": 0.0, "median": 0.0, "p95": 0.0}


def test_nearest_rank_counts_each_value_as_often_as_its_pixels():
    values, counts = np.array([3.0, 1.0, 2.0]), np.array([1, 1, 2])  # pixels: 1, 2, 2, 3
    percents = (1, 25, 26, 50, 75, 76, 95, 100)
    assert nearest_ranks(values, counts, percents) == [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0]
    # An even number of pixels: the lower of the two middle values.
    assert nearest_ranks(np.array([7.0, 5.0]), np.array([3, 3]), [50]) == [5.0]


@pytest.mark.parametrize("photo", SAMPLE_PHOTOS, ids=lambda path: path.name)
def test_difference_falls_as_k_grows_on_the_sample_photos(photo):
    image = resized(read_image(photo, min_size=500), 500)
    means = [clustered(image, k)[1]["delta_e2000"]["mean"] for k in (1, 2, 4, 8, 16, 32)]
    assert all(later < earlier for earlier, later in itertools.pairwise(means))
    # From a clearly visible difference with one colour to a small one with 32.
    assert means[0] > 8 and means[-1] < 3.5
