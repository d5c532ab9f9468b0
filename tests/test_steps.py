"""Unit tests of each step's plain function, without Snakemake."""

import io
import json
import time

import cv2
import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from animate import gif_bytes, gif_frame, make_animation
from annotate import annotate_photo
from cluster import cluster_photo
from conftest import synthetic_photo, write_photo
from resize import resize_photo, resized
from steplib.atomic_write import write_bytes, write_json, write_png
from steplib.caption_drawing import FONT, TEXT_HEIGHT, caption, caption_masks
from steplib.captions import (
    CAPTION_LEVELS,
    OUTLINE_INDEX,
    Caption,
    captions_bytes,
    grey,
    read_caption,
)
from steplib.clustering import clustered, clustered_colours
from steplib.command import StepError
from steplib.frame import captioned
from steplib.indexed_png import IndexedImage, indexed_png, read_indexed_png
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
    assert labels.dtype == np.uint8 and labels.shape == (10, 10)
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
NO_CAPTION = Caption(0, 0, 0, 0, b"")


def decoded(image: IndexedImage) -> np.ndarray:
    """Return a palette image as Pillow decodes its PNG: RGB, or RGBA when transparent."""
    with Image.open(io.BytesIO(indexed_png(image))) as im:
        return np.asarray(im.convert("RGBA" if "transparency" in im.info else "RGB"))


def test_a_frame_paints_each_label_with_its_colour():
    label_map = IndexedImage(2, 2, bytes([0, 1, 1, 2]), [], None)
    frame = captioned(label_map, [(1, 2, 3), (4, 5, 6), (7, 8, 9)], NO_CAPTION)
    assert decoded(frame).tolist() == [[[1, 2, 3], [4, 5, 6]], [[4, 5, 6], [7, 8, 9]]]


def test_a_frame_leaves_pixels_without_a_label_transparent():
    label_map = IndexedImage(2, 1, bytes([0, NO_LABEL]), [], NO_LABEL)
    frame = captioned(label_map, [(9, 9, 9)], NO_CAPTION)
    assert decoded(frame).tolist() == [[[9, 9, 9, 255], [0, 0, 0, 0]]]


def test_palette_pngs_read_back_as_written_and_every_reader_agrees(tmp_path):
    rng = np.random.default_rng(5)
    indices = rng.integers(0, 7, (13, 17), dtype=np.uint8)
    indices[0, :4] = NO_LABEL
    palette = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(7)]
    image = IndexedImage(17, 13, indices.tobytes(), palette, NO_LABEL)
    write_bytes(tmp_path / "p.png", indexed_png(image))
    back = read_indexed_png(tmp_path / "p.png")
    assert (back.width, back.height, back.indices, back.transparent) == (17, 13, image.indices, 255)
    assert back.palette[:7] == palette and len(back.palette) == 256
    expected = np.vstack([np.array(palette), np.zeros((249, 3), int)])[indices]
    rgba = decoded(image)
    assert np.array_equal(rgba[..., :3], expected)
    assert np.array_equal(rgba[..., 3], np.where(indices == NO_LABEL, 0, 255))
    bgra = cv2.imread(str(tmp_path / "p.png"), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(bgra[..., 2::-1], expected) and np.array_equal(bgra[..., 3], rgba[..., 3])


def test_a_damaged_label_map_is_a_step_error_naming_it(tmp_path):
    data = indexed_png(IndexedImage(4, 4, bytes(16), [(1, 2, 3)], None))
    (tmp_path / "cut.png").write_bytes(data[:-20])
    with pytest.raises(StepError, match=r"cut\.png: damaged .*rerun the step"):
        read_indexed_png(tmp_path / "cut.png")
    write_png(tmp_path / "rgb.png", np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(StepError, match=r"rgb\.png: damaged \(not an 8-bit palette PNG"):
        read_indexed_png(tmp_path / "rgb.png")


def whole_frame_caption(k: int, width: int, height: int) -> np.ndarray:
    """The caption drawn over a whole frame, as frames were drawn before captions were cropped."""
    text = f"k={k}"
    (_, unit_height), _ = cv2.getTextSize(text, FONT, 1.0, 1)
    scale = max(6.0, TEXT_HEIGHT * width) / unit_height
    thickness = max(1, round(scale * 1.5))
    outline_width = max(1, round(thickness * 0.8))
    (text_width, text_height), _ = cv2.getTextSize(text, FONT, scale, thickness)
    origin = ((width - text_width) // 2, min(height - 1, round(text_height * 1.5)))
    coverage = np.zeros((height, width), np.uint8)
    cv2.putText(coverage, text, origin, FONT, scale, 255, thickness, cv2.LINE_AA)
    levels = np.rint(coverage / (255 / (CAPTION_LEVELS - 1))).astype(np.uint8)
    around = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * outline_width + 1,) * 2)
    outline = cv2.dilate((levels > 0).astype(np.uint8), around) > 0
    return np.where(outline, OUTLINE_INDEX + levels, 0).astype(np.uint8)


def painted(caption_: Caption, width: int, height: int) -> np.ndarray:
    """Return a caption's overlay placed on a width x height frame (0 where it paints nothing)."""
    overlay = np.zeros((height, width), np.uint8)
    x, y, w, h, data = caption_
    overlay[y : y + h, x : x + w] = np.frombuffer(data, np.uint8).reshape(h, w)
    return overlay


@pytest.mark.parametrize(
    ("width", "height"), [(1, 1), (7, 3), (40, 8), (64, 500), (451, 300), (1200, 90)]
)
def test_a_caption_drawn_in_its_box_is_the_one_drawn_over_the_whole_frame(width, height):
    for k in (1, 8, 10, 50, 188, 240):
        expected = whole_frame_caption(k, width, height)
        assert np.array_equal(painted(caption(k, width, height), width, height), expected)


@pytest.mark.parametrize("width", [60, 313, 500, 1200])
def test_the_caption_is_centred_near_the_top_and_scales_with_width(width):
    height = width * 2 // 3
    overlay = painted(caption(14, width, height), width, height)
    rows, cols = np.nonzero(overlay > OUTLINE_INDEX)  # the letters
    assert abs((cols.min() + cols.max()) / 2 - width / 2) <= 2
    letter_height = rows.max() - rows.min() + 1
    assert 0.06 * width <= letter_height <= 0.12 * width + 2
    assert rows.max() < height / 3
    assert set(np.unique(overlay)) <= {0, *range(OUTLINE_INDEX, OUTLINE_INDEX + CAPTION_LEVELS)}
    outline, levels, _, _ = caption_masks("k=14", width, height)
    assert np.all(outline[levels > 0])  # letters only ever lie on the outline


@pytest.mark.parametrize("background", [(0, 0, 0), (128, 128, 128), (255, 255, 255)])
def test_the_caption_is_legible_on_any_background(background):
    width, height = 300, 200
    label_map = IndexedImage(width, height, bytes(width * height), [], None)
    frame = decoded(captioned(label_map, [background], caption(8, width, height)))
    overlay = painted(caption(8, width, height), width, height)
    # Solid white letter cores on a solid black outline, whatever is behind them.
    cores = overlay == OUTLINE_INDEX + CAPTION_LEVELS - 1
    assert np.count_nonzero(cores) > 100 and np.all(frame[cores] == 255)
    rim = overlay == OUTLINE_INDEX
    assert np.count_nonzero(rim) > 100 and np.all(frame[rim] == 0)
    edges = overlay > OUTLINE_INDEX
    assert np.array_equal(
        frame[edges][:, 0], [grey(int(v) - OUTLINE_INDEX) for v in overlay[edges]]
    )
    assert np.all(frame[overlay == 0] == background)


def test_a_frame_with_240_clusters_fits_a_gif_palette():
    rng = np.random.default_rng(0)
    k, width, height = 240, 160, 120
    indices = rng.integers(0, k, (height, width), dtype=np.uint8)
    palette = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(k)]
    label_map = IndexedImage(width, height, indices.tobytes(), palette, None)
    frame = decoded(captioned(label_map, palette, caption(k, width, height)))
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) <= 256


def test_a_label_map_that_does_not_match_its_summary_is_a_step_error(tmp_path):
    labels, summary = tmp_path / "k_2.png", tmp_path / "k_2.json"
    write_bytes(labels, indexed_png(IndexedImage(3, 1, bytes([0, 1, 9]), [], None)))
    write_json(summary, {"k": 2, "clusters": [{"rgb": [0, 0, 0]}, {"rgb": [9, 9, 9]}]})
    write_bytes(tmp_path / "c.bin", captions_bytes(3, 1, {2: caption(2, 3, 1)}))
    with pytest.raises(StepError, match=r"k_2\.png: cluster 9 in a label map of 2 clusters"):
        annotate_photo(labels, summary, tmp_path / "c.bin", tmp_path / "frame.png")
    assert not (tmp_path / "frame.png").exists()


def test_the_captions_file_gives_each_k_its_caption_for_its_frame_size(tmp_path):
    captions = {k: caption(k, 90, 60) for k in (1, 8, 240)}
    path = tmp_path / "captions.bin"
    write_bytes(path, captions_bytes(90, 60, captions))
    for k, expected in captions.items():
        assert read_caption(path, k, 90, 60) == expected
    with pytest.raises(StepError, match=r"captions\.bin: drawn for 90x60 frames, not 91x60"):
        read_caption(path, 8, 91, 60)
    with pytest.raises(StepError, match=r"captions\.bin: holds no caption for k = 9"):
        read_caption(path, 9, 90, 60)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(StepError, match=r"captions\.bin: damaged"):
        read_caption(path, 240, 90, 60)


# gif
def palette_frame(indices: np.ndarray, palette: np.ndarray, transparent=None) -> Image.Image:
    """Return a frame as annotate writes it: a palette PNG, read back by Pillow."""
    height, width = indices.shape
    colours = [tuple(int(v) for v in rgb) for rgb in palette]
    data = indexed_png(
        IndexedImage(width, height, indices.astype(np.uint8).tobytes(), colours, transparent)
    )
    return Image.open(io.BytesIO(data))


def test_gif_round_trip_is_exact():
    rng = np.random.default_rng(1)
    frames, expected = [], []
    for k in (1, 50, 248):
        palette = rng.integers(0, 256, (k, 3), dtype=np.uint8)
        indices = rng.integers(0, k, (30, 40))
        frames.append(palette_frame(indices, palette))
        expected.append(palette[indices])
    data = gif_bytes(frames, duration_ms=750, loop=0)
    decoded = iio.imread(data, index=None, extension=".gif")
    assert len(decoded) == 3
    for original, back in zip(expected, decoded, strict=True):
        np.testing.assert_array_equal(original, back[..., :3])
    with Image.open(io.BytesIO(data)) as im:
        assert im.info["loop"] == 0 and im.info["duration"] == 750


def test_a_gif_frame_keeps_transparent_pixels_and_merges_repeated_colours():
    # Indices 1 and 2 show the same colour; 255 is transparent; 3 is in the palette, unused.
    palette = np.array([[9, 9, 9], [200, 0, 0], [200, 0, 0], [1, 2, 3]] + [[0, 0, 0]] * 252)
    indices = np.array([[0, 1, 2, 255]])
    image = gif_frame(palette_frame(indices, palette, transparent=255))
    assert image.info["transparency"] == 2
    assert image.getpalette() == [9, 9, 9, 200, 0, 0, 0, 0, 0]
    assert list(image.tobytes()) == [0, 1, 1, 2]
    with Image.open(io.BytesIO(gif_bytes([image], duration_ms=100))) as gif:
        decoded = np.asarray(gif.convert("RGBA"))
    assert decoded[0].tolist() == [[9, 9, 9, 255], [200, 0, 0, 255], [200, 0, 0, 255], [0, 0, 0, 0]]


def test_make_animation_keeps_the_given_order(tmp_path):
    paths = []
    for value in (10, 200, 90):
        path = tmp_path / f"f{value}.png"
        write_bytes(path, indexed_png(IndexedImage(8, 8, bytes(64), [(value,) * 3], None)))
        paths.append(path)
    make_animation(paths, tmp_path / "out.gif", duration_ms=300, loop=2)
    decoded = iio.imread(tmp_path / "out.gif", index=None)
    assert [int(f[0, 0, 0]) for f in decoded] == [10, 200, 90]
    with Image.open(tmp_path / "out.gif") as im:
        assert im.info["duration"] == 300 and im.info["loop"] == 2


def test_an_rgb_png_is_not_a_frame(tmp_path):
    write_png(tmp_path / "rgb.png", np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(StepError, match=r"rgb\.png: not a frame of this workflow .*RGB"):
        make_animation([tmp_path / "rgb.png"], tmp_path / "out.gif", duration_ms=300, loop=0)


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
