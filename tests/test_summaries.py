"""Elbow plot, suggested k, contact sheet, Lab clustering, WebP, and the report."""

import io
import json

import cv2
import numpy as np
import pytest
from PIL import Image

from animate import webp_bytes
from conftest import (
    copy_workflow,
    job_counts,
    output_of,
    run_snakemake,
    synthetic_photo,
    write_photo,
)
from contact_sheet import CAPTION, TILE, contact_sheet
from elbow import elbow_png, photo_summary, suggested_k
from steplib.clustering import clustered
from steplib.colour import bgr_to_lab, lab_to_bgr


# suggested k
def test_suggested_k_is_the_bend_of_the_curve():
    ks = [1, 2, 3, 4, 5, 6, 8, 10]
    sse = [1000, 500, 120, 100, 90, 80, 70, 60]  # falls fast up to k = 3, slowly after
    assert suggested_k(ks, sse) == 3


def test_suggested_k_ignores_the_order_of_ks():
    ks = [10, 1, 4, 2, 3]
    sse = [60, 1000, 100, 500, 120]
    assert suggested_k(ks, sse) == 3


@pytest.mark.parametrize(
    ("ks", "sse"),
    [([1, 2], [10, 5]), ([1, 2, 3], [5, 5, 5]), ([1, 2, 3], [30, 20, 10])],
)
def test_no_suggestion_without_a_bend(ks, sse):
    assert suggested_k(ks, sse) is None


def test_photo_summary_collects_every_k():
    summaries = [
        {"image": "p", "color_space": "rgb", "k": k, "sse": e, "clusters": [{"hex": "#000000"}] * k}
        for k, e in ((1, 900.0), (2, 300.0), (4, 200.0), (8, 150.0))
    ]
    summary = photo_summary(summaries)
    assert summary["ks"] == [1, 2, 4, 8] and summary["sse"] == [900.0, 300.0, 200.0, 150.0]
    assert summary["suggested_k"] == 2
    assert len(summary["palettes"]["4"]) == 4


def test_elbow_png_is_a_deterministic_plot():
    args = ("photo", [1, 2, 3, 4], [100.0, 40.0, 30.0, 25.0], 2, "rgb")
    first, second = elbow_png(*args), elbow_png(*args)
    assert first == second
    image = cv2.imdecode(np.frombuffer(first, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (400, 640, 3)
    # The suggestion is drawn in red (BGR 91, 73, 209), the curve in blue.
    red = np.all(np.abs(image.astype(int) - (91, 73, 209)) < 30, axis=2)
    blue = np.all(np.abs(image.astype(int) - (141, 99, 51)) < 30, axis=2)
    assert red.sum() > 50 and blue.sum() > 200


# contact sheet
def test_contact_sheet_puts_every_picture_in_a_grid():
    pictures = [("original", synthetic_photo(100, 50))]
    pictures += [(f"k={k}", np.full((50, 100, 3), 20 * k, np.uint8)) for k in range(1, 6)]
    sheet = contact_sheet(pictures, columns=3)
    cell_height, cell_width = TILE // 2 + CAPTION, TILE
    assert sheet.shape == (8 + 2 * (cell_height + 8), 8 + 3 * (cell_width + 8), 3)
    # Reading order: original, k=1, k=2 / k=3, k=4, k=5; k=4 holds its flat colour.
    top, left = 8 + cell_height + 8, 8 + cell_width + 8
    assert np.all(sheet[top + 10 : top + 100, left + 10 : left + 200] == 80)
    # Its caption strip has dark text on white.
    strip = sheet[top + TILE // 2 : top + cell_height, left : left + cell_width]
    assert strip.min() < 100 and np.median(strip) == 255


def test_contact_sheet_shows_transparency_as_a_checkerboard():
    image = np.zeros((40, 40, 4), np.uint8)
    sheet = contact_sheet([("clear", image)], columns=1)
    inside = sheet[8 : 8 + TILE, 8 : 8 + TILE]
    assert set(np.unique(inside)) == {200, 235}


# Lab
def test_lab_conversion_round_trips():
    colours = np.array([[0, 0, 0], [255, 255, 255], [30, 120, 200], [200, 10, 90]], np.uint8)
    lab = bgr_to_lab(colours)
    assert lab[0, 0] == pytest.approx(0, abs=1e-3) and lab[1, 0] == pytest.approx(100, abs=1e-2)
    np.testing.assert_allclose(lab_to_bgr(lab), colours, atol=1e-6)
    # Reference: scikit-image's rgb2lab gives sRGB (200, 120, 30) as L*a*b* (57.856, 24.988, 57.736).
    np.testing.assert_allclose(lab[2], [57.8556, 24.9877, 57.7359], atol=1e-3)


def test_lab_clustering_is_consistent_and_differs_from_rgb():
    image = synthetic_photo(60, 40, seed=11)
    labels, summary = clustered(image, 4, color_space="lab")
    assert summary["color_space"] == "lab" and summary["clusters_found"] == 4
    lab = bgr_to_lab(image.reshape(-1, 3))
    flat = labels.reshape(-1)
    # The centres shown are the Lab means of their pixels, converted back to RGB.
    for index, cluster in enumerate(summary["clusters"]):
        mean_lab = lab[flat == index].mean(axis=0)
        expected = lab_to_bgr(mean_lab[None])[0][::-1]
        np.testing.assert_allclose(cluster["centre"], expected, atol=1e-3)
    sse = sum(((lab[flat == i] - lab[flat == i].mean(axis=0)) ** 2).sum() for i in range(4))
    assert summary["sse"] == pytest.approx(sse, rel=1e-6)
    rgb_labels, _ = clustered(image, 4, color_space="rgb")
    assert not np.array_equal(rgb_labels, labels)


# WebP
def test_webp_is_lossless_and_animated():
    rng = np.random.default_rng(2)
    frames = [rng.integers(0, 256, (30, 40, 3), dtype=np.uint8) for _ in range(3)]
    data = webp_bytes(frames, duration_ms=400, loop=0)
    with Image.open(io.BytesIO(data)) as im:
        assert im.n_frames == 3 and im.info["loop"] == 0
        for index, frame in enumerate(frames):
            im.seek(index)
            np.testing.assert_array_equal(np.asarray(im.convert("RGB")), frame)
            assert im.info["duration"] == 400  # known once the frame is decoded


# The workflow: new outputs, options that rerun exactly what they affect, the report.
@pytest.fixture(scope="module")
def summarised(tmp_path_factory):
    root = copy_workflow(tmp_path_factory.mktemp("summarised"))
    write_photo(root / "images" / "a.png", width=60, height=40, seed=1)
    run_snakemake(root, "--config", "ks=[1,2,3,5]")
    return root


def test_per_photo_outputs_exist(summarised):
    summary = json.loads((summarised / "results/a/summary.json").read_text())
    assert summary["ks"] == [1, 2, 3, 5] and summary["suggested_k"] in (2, 3)
    for k in (1, 2, 3, 5):
        clusters = json.loads((summarised / f"results/a/clusters/k_{k}.json").read_text())
        assert summary["sse"][[1, 2, 3, 5].index(k)] == clusters["sse"]
    sheet = cv2.imread(str(summarised / "results/a/sheet.png"))
    assert sheet.shape[1] == 8 + 3 * (TILE + 8)  # five tiles, three columns
    assert cv2.imread(str(summarised / "results/a/elbow.png")).shape == (400, 640, 3)


def test_options_rerun_exactly_what_they_affect(summarised):
    counts = job_counts(
        run_snakemake(summarised, "--config", "ks=[1,2,3,5]", "animation_formats=[gif,webp]")
    )
    assert counts == {"webp": 1, "all": 1, "total": 2}
    assert (summarised / "results/a/a.webp").is_file()
    counts = job_counts(
        run_snakemake(
            summarised,
            "--config",
            "ks=[1,2,3,5]",
            "animation_formats=[gif,webp]",
            "color_space=lab",
        )
    )
    assert counts == {
        "cluster": 4, "annotate": 4, "elbow": 1, "gif": 1, "webp": 1, "sheet": 1, "all": 1,
        "total": 13,
    }  # fmt: skip
    summary = json.loads((summarised / "results/a/clusters/k_3.json").read_text())
    assert summary["color_space"] == "lab"


def test_report_has_every_figure(summarised, tmp_path):
    report = tmp_path / "report.html"
    result = run_snakemake(
        summarised,
        "--config", "ks=[1,2,3,5]", "animation_formats=[gif,webp]", "color_space=lab",
        "--report", str(report),
    )  # fmt: skip
    assert "Report created" in output_of(result)
    html = report.read_text()
    assert len(html) > 50_000
    for text in ("sheet.png", "elbow.png", "a.gif", "Contact sheet of", "Elbow plot of"):
        assert text in html, text
