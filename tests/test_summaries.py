"""Elbow plot, suggested k, contact sheet, Lab clustering, WebP, and the report."""

import io
import itertools
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
from contact_sheet import BELOW, CAPTION, STRIP, STRIP_GAP, TILE, contact_sheet, frame_caption
from elbow import elbow_png, looks_same_k, photo_summary, suggested_k, symlog
from steplib.clustering import clustered
from steplib.colour import bgr_to_lab, lab_to_bgr
from steplib.palette_picture import ROW, palettes_picture, picture_size, row_top, swatch_edges
from steplib.plot import nice_ticks, tick_label


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


def cluster_summaries(sse, mean_delta_e):
    """Return cluster summaries of a photo "p" for ks 1, 2, 4, 8 as the cluster step writes them."""
    return [
        {
            "image": "p", "color_space": "rgb", "k": k, "sse": e,
            "delta_e2000": {"mean": d, "median": d * 0.8, "p95": d * 2},
            "clusters": [{"hex": "#000000"}] * k,
        }
        for k, e, d in zip((1, 2, 4, 8), sse, mean_delta_e, strict=True)
    ]  # fmt: skip


def test_photo_summary_collects_every_k():
    summaries = cluster_summaries((900.0, 300.0, 200.0, 150.0), (9.0, 4.0, 2.5, 1.5))
    summary = photo_summary(summaries, looks_same_delta_e=2.0)
    assert summary["ks"] == [1, 2, 4, 8] and summary["sse"] == [900.0, 300.0, 200.0, 150.0]
    assert summary["suggested_k"] == 2
    assert summary["delta_e2000"]["mean"] == [9.0, 4.0, 2.5, 1.5]
    assert summary["delta_e2000"]["p95"] == [18.0, 8.0, 5.0, 3.0]
    assert summary["looks_same_delta_e"] == 2.0 and summary["looks_same_k"] == 8
    assert len(summary["palettes"]["4"]) == 4


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [(20.0, 1), (9.0, 1), (8.9, 2), (2.5, 4), (2.4, 8), (1.5, 8), (1.4, None)],
)
def test_the_threshold_chooses_the_smallest_k_at_or_below_it(threshold, expected):
    summary = photo_summary(
        cluster_summaries((900, 300, 200, 150), (9.0, 4.0, 2.5, 1.5)), threshold
    )
    assert summary["looks_same_k"] == expected


def test_looks_same_k_is_the_smallest_k_whatever_the_order_of_ks():
    # The mean need not fall steadily, and ks come in the GIF's order.
    assert looks_same_k([8, 2, 4, 1, 6], [1.0, 1.9, 2.2, 9.0, 1.5], 2.0) == 2
    assert looks_same_k([1, 2], [None, 3.0], 2.0) is None  # None: a photo without opaque pixels


def elbow_summary(suggested_k=2, looks_same=4):
    return {
        "image": "photo", "color_space": "rgb", "ks": [1, 2, 3, 4],
        "sse": [100.0, 40.0, 30.0, 25.0], "suggested_k": suggested_k,
        "delta_e2000": {"mean": [8.0, 4.0, 3.0, 1.8], "median": [7.0, 3.0, 2.0, 1.0],
                        "p95": [20.0, 9.0, 7.0, 5.0]},
        "looks_same_delta_e": 2.0, "looks_same_k": looks_same,
    }  # fmt: skip


def colour_pixels(image, bgr, tolerance=30):
    return np.all(np.abs(image.astype(int) - bgr) < tolerance, axis=2)


def test_elbow_png_is_a_deterministic_plot_of_sse_and_delta_e():
    first, second = elbow_png(elbow_summary()), elbow_png(elbow_summary())
    assert first == second
    image = cv2.imdecode(np.frombuffer(first, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (400, 1100, 3)
    left, right = image[:, :550], image[:, 550:]
    # SSE in blue on the left, ΔE00 in green on the right; the elbow (red) and the k that
    # looks the same (orange) are marked on both, the threshold (orange, dashed) on the right.
    sse, delta_e = (141, 99, 51), (98, 127, 42)
    elbow, looks_same = (91, 73, 209), (31, 122, 224)
    assert colour_pixels(left, sse).sum() > 200 and colour_pixels(right, sse).sum() == 0
    assert colour_pixels(right, delta_e).sum() > 200 and colour_pixels(left, delta_e).sum() == 0
    for half in (left, right):
        assert colour_pixels(half, elbow).sum() > 50 and colour_pixels(half, looks_same).sum() > 50
    # The dashed threshold line crosses the whole right plot: a row of orange dashes.
    assert colour_pixels(right, looks_same, 20).sum(axis=1).max() > 200
    without = cv2.imdecode(
        np.frombuffer(elbow_png(elbow_summary(None, None)), np.uint8), cv2.IMREAD_COLOR
    )
    assert colour_pixels(without, elbow).sum() == 0
    assert colour_pixels(without[:, :550], looks_same).sum() == 0


# contact sheet
def test_contact_sheet_puts_every_picture_in_a_grid():
    pictures = [("original", synthetic_photo(100, 50), None)]
    pictures += [(f"k={k}", np.full((50, 100, 3), 20 * k, np.uint8), None) for k in range(1, 6)]
    sheet = contact_sheet(pictures, columns=3)
    cell_height, cell_width = TILE // 2 + BELOW, TILE
    assert sheet.shape == (8 + 2 * (cell_height + 8), 8 + 3 * (cell_width + 8), 3)
    # Reading order: original, k=1, k=2 / k=3, k=4, k=5; k=4 holds its flat colour.
    top, left = 8 + cell_height + 8, 8 + cell_width + 8
    assert np.all(sheet[top + 10 : top + 100, left + 10 : left + 200] == 80)
    # Its caption strip has dark text on white.
    strip = sheet[top + TILE // 2 + BELOW - CAPTION : top + cell_height, left : left + cell_width]
    assert strip.min() < 100 and np.median(strip) == 255


def test_contact_sheet_shows_transparency_as_a_checkerboard():
    image = np.zeros((40, 40, 4), np.uint8)
    sheet = contact_sheet([("clear", image, None)], columns=1)
    inside = sheet[8 : 8 + TILE, 8 : 8 + TILE]
    assert set(np.unique(inside)) == {200, 235}


def test_contact_sheet_strip_gives_each_colour_its_share_of_the_width():
    palette = [((200, 30, 40), 0.5), ((10, 220, 90), 0.375), ((20, 40, 250), 0.125)]
    frame = np.zeros((50, 100, 3), np.uint8)
    sheet = contact_sheet([("k=3", frame, palette)], columns=1)
    top = 8 + TILE // 2 + STRIP_GAP
    strip = sheet[top : top + STRIP, 8 : 8 + TILE]
    # 240 pixels: 120, 90 and 30 wide, each in its colour (BGR), every row alike.
    expected = np.repeat([rgb[::-1] for rgb, _ in palette], [120, 90, 30], axis=0)
    assert np.array_equal(strip, np.broadcast_to(expected, strip.shape))
    # Grey rules above and below it; the caption's text below them.
    assert np.all(sheet[top - 1, 8 : 8 + TILE] == 200) and np.all(
        sheet[top + STRIP, 8 : 8 + TILE] == 200
    )


def test_frame_caption_says_k_and_the_mean_difference():
    assert frame_caption({"k": 8, "delta_e2000": {"mean": 4.4349}}) == "k=8   ΔE₀₀ 4.43"
    assert frame_caption({"k": 2, "delta_e2000": {"mean": None}}) == "k=2"


# palettes
def palette_summary(k, colours):
    clusters = [{"rgb": list(rgb), "hex": "#{:02x}{:02x}{:02x}".format(*rgb)} for rgb in colours]
    return {"k": k, "clusters": clusters}


def swatch_colours_and_text(picture, row, k):
    """Return each swatch's colour at its top edge, and whether ink of another colour is in it."""
    top, edges = row_top(row), swatch_edges(k)
    found = []
    for left, right in itertools.pairwise(edges):
        swatch = picture[top : top + ROW, left:right]
        colour = tuple(int(v) for v in swatch[1, (right - left) // 2])
        found.append((colour, bool(np.any(np.any(swatch != colour, axis=2)))))
    return found


def test_palettes_picture_shows_every_colour_with_its_hex_code_where_it_fits():
    rng = np.random.default_rng(5)
    ks = (1, 5, 50, 90)
    summaries = [palette_summary(k, rng.integers(0, 256, (k, 3)).tolist()) for k in ks]
    picture = palettes_picture("photo", summaries)
    assert picture.shape == (*picture_size(len(ks)), 3)
    assert picture.shape[1] == 12 + 64 + 1120 + 12
    for row, summary in enumerate(summaries):
        found = swatch_colours_and_text(picture, row, summary["k"])
        assert [colour for colour, _ in found] == [
            tuple(c["rgb"][::-1]) for c in summary["clusters"]
        ]
        # The hex codes fit across at k = 1 and 5, upwards at k = 50 (22 px swatches),
        # and not at all in the 12-pixel swatches of k = 90.
        assert all(text for _, text in found) == (summary["k"] <= 50)
        assert any(text for _, text in found) == (summary["k"] <= 50)


def test_hex_codes_are_dark_on_light_swatches_and_light_on_dark_ones():
    picture = palettes_picture("photo", [palette_summary(2, [(250, 250, 240), (20, 10, 40)])])
    left, middle, right = swatch_edges(2)
    top = row_top(0)
    light, dark = picture[top : top + ROW, left:middle], picture[top : top + ROW, middle:right]
    assert light.min() < 60 and dark.max() > 200


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
    # Palette frames, as annotate writes them; the WebP holds their colours exactly.
    palettes = [rng.integers(0, 256, (200, 3), dtype=np.uint8) for _ in range(3)]
    indices = [rng.integers(0, 200, (30, 40)) for _ in range(3)]
    frames = [palette[index] for palette, index in zip(palettes, indices, strict=True)]
    images = []
    for palette, index in zip(palettes, indices, strict=True):
        image = Image.fromarray(index.astype(np.uint8), mode="P")
        image.putpalette(palette.tobytes())
        images.append(image)
    data = webp_bytes(images, duration_ms=400, loop=0)
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
        assert (
            summary["delta_e2000"]["mean"][[1, 2, 3, 5].index(k)]
            == (clusters["delta_e2000"]["mean"])
        )
    means = summary["delta_e2000"]["mean"]
    chosen = summary["looks_same_k"]
    assert summary["looks_same_delta_e"] == 2.0
    # The noisy synthetic photo stays well above 2 with 5 colours: no k looks the same.
    assert means == sorted(means, reverse=True) and means[-1] > 2.0 and chosen is None
    sheet = cv2.imread(str(summarised / "results/a/sheet.png"))
    assert sheet.shape[1] == 8 + 3 * (TILE + 8)  # five tiles, three columns
    assert cv2.imread(str(summarised / "results/a/elbow.png")).shape == (400, 1100, 3)
    palettes = cv2.imread(str(summarised / "results/a/palettes.png"))
    assert palettes.shape == (*picture_size(4), 3)
    clusters = json.loads((summarised / "results/a/clusters/k_5.json").read_text())["clusters"]
    found = swatch_colours_and_text(palettes, 3, 5)
    assert [colour for colour, _ in found] == [tuple(c["rgb"][::-1]) for c in clusters]


def test_the_threshold_reruns_only_the_summary_and_elbow_plot(summarised):
    summary = json.loads((summarised / "results/a/summary.json").read_text())
    means = summary["delta_e2000"]["mean"]
    # Just below the mean of k = 3: k = 3 no longer looks the same, a larger k does or none.
    threshold = means[2] * 0.999
    options = ("--config", "ks=[1,2,3,5]", f"looks_same_delta_e={threshold!r}")
    assert job_counts(run_snakemake(summarised, "-n", *options)) == {
        "elbow": 1, "all": 1, "total": 2,
    }  # fmt: skip
    run_snakemake(summarised, *options)
    summary = json.loads((summarised / "results/a/summary.json").read_text())
    assert summary["looks_same_delta_e"] == threshold
    assert summary["looks_same_k"] == (5 if means[3] <= threshold else None)
    # Back to the default: the elbow job again, and nothing else.
    assert job_counts(run_snakemake(summarised, "--config", "ks=[1,2,3,5]")) == {
        "elbow": 1, "all": 1, "total": 2,
    }  # fmt: skip


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
        "cluster": 4, "annotate": 4, "elbow": 1, "gif": 1, "webp": 1, "sheet": 1,
        "all": 1, "total": 13,
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
    figures = ("sheet.png", "elbow.png", "palettes.png", "a.gif")
    captions = ("Contact sheet of", "Elbow plot of", "Palettes of", "looks_same_delta_e")
    for text in figures + captions:
        assert text in html, text


def test_plot_ticks_are_round_numbers_within_the_range():
    assert nice_ticks(-1.45, 52.45, integers=True) == [0, 10, 20, 30, 40, 50]
    assert nice_ticks(0.85, 4.15, integers=True) == [1, 2, 3, 4]
    assert nice_ticks(-0.2, 4.9) == [0, 1, 2, 3, 4]
    assert nice_ticks(0.0, 1.8) == [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75]
    assert [tick_label(t) for t in (0, 0.25, 1.5, 10)] == ["0", "0.25", "1.5", "10"]


def test_the_colour_difference_axis_is_linear_below_1_and_logarithmic_above():
    assert symlog(0) == 0 and symlog(0.5) == pytest.approx(symlog(1) / 2)
    assert symlog(10) - symlog(1) == pytest.approx(1) and symlog(100) - symlog(10) == pytest.approx(
        1
    )
