"""Unit tests of each step's plain function, without Snakemake."""

import io
import json
import time

import cv2
import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from animate import gif_bytes, make_animation
from cluster import cluster_photo
from conftest import synthetic_photo, write_photo
from resize import resize_photo, resized
from steplib.atomic_write import write_bytes, write_json, write_png
from steplib.clustering import clustered, clustered_colours
from steplib.command import StepError
from steplib.frame import LABEL_LEVELS, annotated_frame, label_masks, labelled, recoloured
from steplib.label_map import NO_LABEL
from steplib.photo_colours import photo_colours, read_photo_colours, write_photo_colours

RESIZE_OPTIONS = {"max_size": 500, "upscale": False, "max_pixels": 10**8}


# resize
@pytest.mark.parametrize(
    ("shape", "expected"),
    [((1000, 2000), (250, 500)), ((2000, 1000), (500, 250)), ((313, 500), (313, 500))],
)
def test_resized_scales_the_longer_side(shape, expected):
    image = np.zeros((*shape, 3), np.uint8)
    assert resized(image, 500).shape[:2] == expected


def test_resized_keeps_small_photos_unless_upscale():
    image = synthetic_photo(40, 30)
    assert resized(image, 100) is image
    assert resized(image, 100, upscale=True).shape == (75, 100, 3)


def test_resized_averages_when_shrinking():
    # INTER_AREA: a 2x2 checkerboard block becomes its mean, not one of its pixels.
    image = np.indices((100, 100)).sum(axis=0) % 2 * 200
    image = np.repeat(image[..., None], 3, axis=2).astype(np.uint8)
    small = resized(image, 50)
    assert small.shape == (50, 50, 3)
    assert np.all(small == 100)


def test_resized_alpha_does_not_bleed_hidden_colour():
    image = np.zeros((4, 4, 4), np.uint8)
    image[:, :2] = (0, 0, 255, 255)  # opaque red on the left
    image[:, 2:] = (255, 0, 0, 0)  # fully transparent, hidden blue on the right
    small = resized(image, 2)
    assert small[0, 0].tolist() == [0, 0, 255, 255]
    assert small[0, 1, 3] == 0


def test_resize_photo_writes_png(tmp_path):
    source = write_photo(tmp_path / "in.jpg", width=80, height=60)
    target = tmp_path / "out" / "resized.png"
    resize_photo(source, target, **RESIZE_OPTIONS | {"max_size": 40})
    assert cv2.imread(str(target)).shape == (30, 40, 3)


# cluster
def test_clustered_recovers_flat_colours_and_sorts_by_size():
    image = np.zeros((10, 10, 3), np.uint8)
    image[:, :7] = (10, 20, 30)  # BGR
    image[:, 7:] = (200, 100, 0)
    labels, summary = clustered(image, 2)
    assert labels.dtype == np.uint16 and labels.shape == (10, 10)
    assert [c["rgb"] for c in summary["clusters"]] == [[30, 20, 10], [0, 100, 200]]
    assert [c["hex"] for c in summary["clusters"]] == ["#1e140a", "#0064c8"]
    assert [c["pixels"] for c in summary["clusters"]] == [70, 30]
    assert summary["sse"] == 0.0
    assert np.all(labels[:, :7] == 0) and np.all(labels[:, 7:] == 1)


def test_clustered_statistics_are_consistent():
    image = synthetic_photo(40, 30, seed=3)
    labels, summary = clustered(image, 5, seed=1)
    assert summary["seed"] == 1 and summary["clusters_found"] == 5
    assert summary["pixels"] == 1200 and summary["transparent_pixels"] == 0
    rgb = image[..., ::-1].reshape(-1, 3).astype(float)
    centres = np.array([c["centre"] for c in summary["clusters"]])
    flat = labels.reshape(-1)
    sse = ((rgb - centres[flat]) ** 2).sum()
    assert summary["sse"] == pytest.approx(sse, rel=1e-9)
    assert sum(c["sse"] for c in summary["clusters"]) == pytest.approx(sse, rel=1e-9)
    assert sum(c["share"] for c in summary["clusters"]) == pytest.approx(1.0)
    # Each centre is the mean of its pixels (a k-means fixed point).
    for index, centre in enumerate(centres):
        np.testing.assert_allclose(rgb[flat == index].mean(axis=0), centre, atol=1e-6)


def test_clustered_with_fewer_colours_than_k_says_so():
    image = np.zeros((5, 5, 3), np.uint8)
    image[2:] = 255
    labels, summary = clustered(image, 4)
    assert summary["clusters_found"] == 2 and summary["k"] == 4
    # White covers more pixels, so it is cluster 0.
    assert np.all(labels[2:] == 0) and np.all(labels[:2] == 1)
    assert "exceeds the 2 distinct colour(s)" in summary["note"]
    assert summary["sse"] == 0.0


def test_clustered_leaves_transparent_pixels_out():
    image = np.zeros((6, 6, 4), np.uint8)
    image[..., :3] = (0, 255, 0)
    image[..., 3] = 255
    image[:3, :, :3] = (0, 0, 255)
    image[:3, :, 3] = 0  # the red half is invisible
    labels, summary = clustered(image, 2)
    assert summary["transparent_pixels"] == 18 and summary["clusters_found"] == 1
    assert summary["clusters"][0]["rgb"] == [0, 255, 0]
    assert np.all(labels[:3] == NO_LABEL) and np.all(labels[3:] == 0)


def test_cluster_photo_is_deterministic(tmp_path):
    source = write_photo(tmp_path / "p.png", width=50, height=40, seed=9)
    outputs = []
    for run in ("a", "b"):
        table = tmp_path / run / "colours.npz"
        resize_photo(source, tmp_path / run / "r.png", table, **RESIZE_OPTIONS)
        labels, summary = tmp_path / run / "k.png", tmp_path / run / "k.json"
        cluster_photo(table, labels, summary, image_name="p", k=6, seed=0, tol=1e-3, max_iter=500)
        outputs.append((table.read_bytes(), labels.read_bytes(), summary.read_bytes()))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0][2])["image"] == "p"


@pytest.mark.parametrize("channels", [3, 4])
def test_the_colour_table_holds_what_clustering_the_photo_needs(tmp_path, channels):
    image = np.random.default_rng(3).integers(0, 4, (30, 20, channels), dtype=np.uint8) * 60
    if channels == 4:
        image[..., 3] = np.where(np.arange(20) < 5, 0, 255)  # 5 transparent columns
    table = photo_colours(image)
    write_photo_colours(tmp_path / "colours.npz", table)
    read = read_photo_colours(tmp_path / "colours.npz")
    for name, array in table._asdict().items():
        assert getattr(read, name).dtype == array.dtype and np.array_equal(
            getattr(read, name), array
        )
    assert read.counts.sum() == read.mask.sum() == 30 * (15 if channels == 4 else 20)
    assert len(read.colours) == len({tuple(c) for c in image[..., :3][read.mask].tolist()})
    # The colours come back pixel by pixel, and clustering the table is clustering the photo.
    assert np.array_equal(read.colours[read.inverse], image[..., :3][read.mask])
    labels, summary = clustered_colours(read, 5)
    expected_labels, expected = clustered(image, 5)
    assert np.array_equal(labels, expected_labels) and summary == expected


def test_a_wholly_transparent_photo_has_an_empty_colour_table(tmp_path):
    table = photo_colours(np.zeros((4, 6, 4), np.uint8))
    write_photo_colours(tmp_path / "colours.npz", table)
    read = read_photo_colours(tmp_path / "colours.npz")
    assert read.mask.shape == (4, 6) and not read.mask.any() and len(read.colours) == 0
    labels, summary = clustered_colours(read, 3)
    assert np.all(labels == NO_LABEL) and summary["clusters"] == [] and summary["pixels"] == 0


def test_a_colour_table_is_the_same_bytes_whenever_it_is_written(tmp_path):
    image = write_photo(tmp_path / "p.png", width=30, height=20, seed=4)
    table = photo_colours(cv2.imread(str(image)))
    write_photo_colours(tmp_path / "a.npz", table)
    time.sleep(2.1)  # a zip member's time is kept to 2 s
    write_photo_colours(tmp_path / "b.npz", table)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_a_file_that_is_not_a_colour_table_is_a_step_error(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(StepError, match=r"bad\.npz: not a colour table"):
        read_photo_colours(tmp_path / "bad.npz")


# annotate
def test_recoloured_paints_each_label_with_its_colour():
    labels = np.array([[0, 1], [1, 2]], np.uint16)
    palette = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], np.uint8)
    assert recoloured(labels, palette).tolist() == [[[1, 2, 3], [4, 5, 6]], [[4, 5, 6], [7, 8, 9]]]


def test_recoloured_makes_no_label_transparent():
    labels = np.array([[0, NO_LABEL]], np.uint16)
    frame = recoloured(labels, np.array([[9, 9, 9]], np.uint8))
    assert frame.tolist() == [[[9, 9, 9, 255], [0, 0, 0, 0]]]


@pytest.mark.parametrize("width", [60, 313, 500, 1200])
def test_label_is_centred_near_the_top_and_scales_with_width(width):
    height = width * 2 // 3
    outline, letters = label_masks("k=14", width, height)
    rows, cols = np.nonzero(letters)
    assert abs((cols.min() + cols.max()) / 2 - width / 2) <= 2
    letter_height = rows.max() - rows.min() + 1
    assert 0.06 * width <= letter_height <= 0.12 * width + 2
    assert rows.max() < height / 3
    assert np.all(outline[letters > 0])  # letters only ever lie on the outline
    assert len(np.unique(letters)) <= LABEL_LEVELS


@pytest.mark.parametrize("background", [0, 128, 255])
def test_label_is_legible_on_any_background(background):
    frame = np.full((200, 300, 3), background, np.uint8)
    out = labelled(frame, "k=8")
    outline, letters = label_masks("k=8", 300, 200)
    # Solid white letter cores on a solid black outline, whatever is behind them.
    assert np.count_nonzero(letters == 255) > 100
    assert np.all(out[letters == 255] == 255)
    assert np.count_nonzero(outline & (letters == 0)) > 100
    assert np.all(out[outline & (letters == 0)] == 0)
    assert np.array_equal(out[~outline], frame[~outline])


def test_annotated_frame_fits_a_gif_palette():
    rng = np.random.default_rng(0)
    k = 240
    labels = rng.integers(0, k, (120, 160)).astype(np.uint16)
    summary = {"k": k, "clusters": [{"rgb": rng.integers(0, 256, 3).tolist()} for _ in range(k)]}
    frame = annotated_frame(labels, summary)
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) <= 256


# gif
def test_gif_round_trip_is_exact():
    rng = np.random.default_rng(1)
    frames = []
    for k in (1, 50, 248):
        palette = rng.integers(0, 256, (k, 3), dtype=np.uint8)
        frames.append(palette[rng.integers(0, k, (30, 40))])
    data = gif_bytes(frames, duration_ms=750, loop=0)
    decoded = iio.imread(data, index=None, extension=".gif")
    assert len(decoded) == 3
    for original, back in zip(frames, decoded, strict=True):
        np.testing.assert_array_equal(original, back[..., :3])
    with Image.open(io.BytesIO(data)) as im:
        assert im.info["loop"] == 0 and im.info["duration"] == 750


def test_make_animation_keeps_the_given_order(tmp_path):
    paths = []
    for value in (10, 200, 90):
        path = tmp_path / f"f{value}.png"
        write_png(path, np.full((8, 8, 3), value, np.uint8))
        paths.append(path)
    make_animation(paths, tmp_path / "out.gif", duration_ms=300, loop=2)
    decoded = iio.imread(tmp_path / "out.gif", index=None)
    assert [int(f[0, 0, 0]) for f in decoded] == [10, 200, 90]
    with Image.open(tmp_path / "out.gif") as im:
        assert im.info["duration"] == 300 and im.info["loop"] == 2


# atomic writes
def test_write_bytes_replaces_atomically_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    write_bytes(target, b"first")
    write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"]


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "summary.json"
    write_json(target, {"a": 1})
    with pytest.raises(TypeError):
        write_json(target, {"a": object()})
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]
