"""Bad, unusual and hostile input; interruptions; full and read-only disks."""

import json
import os
import signal
import subprocess
import sys
import time

import cv2
import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from conftest import copy_workflow, output_of, run_snakemake, synthetic_photo, write_photo
from steplib.read_image import UnreadableImage, read_image


def jpeg_bytes(image: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", image)[1].tobytes()


# Files that are not usable images: one line naming the file and the reason.
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.png", b"", "empty file (0 bytes)"),
        ("notes.png", b"shopping list: eggs, milk\n", "not an image in a known format"),
        ("half.jpg", jpeg_bytes(synthetic_photo(200, 150))[:3000], "damaged, truncated"),
        (
            "half.png",
            cv2.imencode(".png", synthetic_photo(200, 150))[1].tobytes()[:5000],
            "damaged",
        ),
        ("fake.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 garbage", "WEBP"),
    ],
)
def test_unreadable_file_gives_one_line_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableImage) as caught:
        read_image(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and reason in message
    assert "\n" not in message


def test_too_many_pixels_is_refused_before_decoding(tmp_path):
    path = write_photo(tmp_path / "big.png", width=300, height=200)
    with pytest.raises(
        UnreadableImage, match=r"300x200 is 60,000 pixels, over the limit of 50,000"
    ):
        read_image(path, max_pixels=50_000)


def test_huge_jpeg_is_decoded_at_reduced_size(tmp_path):
    big = cv2.resize(synthetic_photo(400, 300), (4000, 3000), interpolation=cv2.INTER_LINEAR)
    path = tmp_path / "huge.jpg"
    path.write_bytes(jpeg_bytes(big))
    image = read_image(path, min_size=500)
    assert image.shape == (375, 500, 3)  # libjpeg's 1/8 scale, still at least max_size
    assert read_image(path, min_size=600).shape == (750, 1000, 3)  # 1/4: 1/8 would be too small


# Readable but unusual images all become 8-bit BGR, or BGRA when transparent.
def test_greyscale_and_16_bit_become_8_bit_colour(tmp_path):
    grey = np.tile(np.arange(0, 250, 10, dtype=np.uint8), (4, 1))
    cv2.imwrite(str(tmp_path / "grey.png"), grey)
    cv2.imwrite(str(tmp_path / "deep.png"), grey.astype(np.uint16) * 257)
    for name in ("grey.png", "deep.png"):
        image = read_image(tmp_path / name)
        assert image.dtype == np.uint8 and image.shape == (4, 25, 3)
        np.testing.assert_array_equal(image[..., 1], grey)


def test_cmyk_jpeg_keeps_its_colours(tmp_path):
    rgb = np.zeros((32, 32, 3), np.uint8)
    rgb[:, :16] = (200, 30, 30)
    rgb[:, 16:] = (30, 30, 200)
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    image = read_image(tmp_path / "cmyk.jpg")[..., ::-1].astype(int)
    assert np.abs(image[16, 4] - (200, 30, 30)).max() < 25
    assert np.abs(image[16, 28] - (30, 30, 200)).max() < 25


def test_exif_orientation_is_applied(tmp_path):
    rgb = np.zeros((20, 40, 3), np.uint8)
    rgb[:, :20] = (255, 0, 0)  # red left half, stored sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    Image.fromarray(rgb).save(tmp_path / "phone.jpg", exif=exif, quality=95)
    image = read_image(tmp_path / "phone.jpg")
    assert image.shape == (40, 20, 3)  # shown upright: portrait
    assert image[5, 10, 2] > 200 and image[35, 10, 2] < 60  # red is now on top


def test_palette_webp_and_tiff_are_exact(tmp_path):
    photo = synthetic_photo(30, 20, seed=5)
    quantised = Image.fromarray(photo[..., ::-1]).quantize(16)
    quantised.save(tmp_path / "palette.png")
    cv2.imwrite(str(tmp_path / "lossless.webp"), photo, [cv2.IMWRITE_WEBP_QUALITY, 101])
    cv2.imwrite(str(tmp_path / "photo.tif"), photo)
    expected_palette = np.asarray(quantised.convert("RGB"))[..., ::-1]
    np.testing.assert_array_equal(read_image(tmp_path / "palette.png"), expected_palette)
    np.testing.assert_array_equal(read_image(tmp_path / "lossless.webp"), photo)
    np.testing.assert_array_equal(read_image(tmp_path / "photo.tif"), photo)


def test_transparency_is_kept_from_palette_and_grey_alpha(tmp_path):
    palette = Image.new("P", (4, 2))
    palette.putpalette([10, 20, 30, 200, 100, 50])
    palette.putdata([0, 0, 1, 1, 0, 0, 1, 1])
    palette.save(tmp_path / "keyed.png", transparency=0)
    Image.fromarray(
        np.dstack([np.full((2, 2), 90, np.uint8), [[0, 255], [255, 0]]]).astype(np.uint8), "LA"
    ).save(tmp_path / "la.png")
    keyed = read_image(tmp_path / "keyed.png")
    assert keyed.shape == (2, 4, 4)
    assert keyed[0, :, 3].tolist() == [0, 0, 255, 255]
    assert keyed[0, 2].tolist() == [50, 100, 200, 255]
    la = read_image(tmp_path / "la.png")
    assert la[..., 3].tolist() == [[0, 255], [255, 0]] and la[0, 1, :3].tolist() == [90, 90, 90]


# The whole workflow on a folder of awkward files, with the default profile.
ODD_NAMES = [
    "with space.jpg",
    "ünïcødé.png",
    'it\'s "quoted".png',
    "a;b&c.png",
    "$(touch PWNED).png",
    "`touch PWNED`.png",
    "-rf --help.png",
]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = copy_workflow(tmp_path_factory.mktemp("hostile"))
    images = root / "images"
    for seed, name in enumerate(ODD_NAMES):
        write_photo(images / name, seed=seed)
    (images / "empty.png").write_bytes(b"")
    (images / "notes.png").write_text("not a picture")
    (images / "cut.jpg").write_bytes(jpeg_bytes(synthetic_photo(200, 150))[:3000])
    write_photo(images / "brace{x}.png")
    write_photo(images / "UPPER.JPG", seed=9)
    write_photo(images / "dot.png", np.full((1, 1, 3), 77, np.uint8))
    write_photo(images / "flat.png", np.full((20, 30, 3), (10, 200, 30), np.uint8))
    rgba = np.dstack([synthetic_photo(40, 30, seed=4), np.full((30, 40), 255, np.uint8)])
    rgba[:, :15, 3] = 0  # left part transparent
    cv2.imwrite(str(images / "cutout.png"), rgba)
    result = run_snakemake(root, "--config", "ks=[1,2,3]", check=False, profile=True)
    return root, result


def test_bad_photos_fail_alone_and_are_named(hostile_run):
    root, result = hostile_run
    assert result.returncode == 1
    text = output_of(result)
    assert "3 of 14 photos failed in this run:" in text
    assert "images/empty.png: empty file (0 bytes)" in text
    assert "images/notes.png: not an image in a known format" in text
    assert "images/cut.jpg: damaged, truncated or unsupported JPEG file" in text
    assert "Skipped 'images/brace{x}.png'" in text
    good = [name.rsplit(".", 1)[0] for name in ODD_NAMES] + ["UPPER", "dot", "flat", "cutout"]
    for name in good:
        assert (root / "results" / name / f"{name}.gif").is_file(), name
    assert not (root / "PWNED").exists() and not (root / "images" / "PWNED").exists()


def test_tiny_and_flat_photos_still_make_every_frame(hostile_run):
    root, _ = hostile_run
    for name, colour in (("dot", [77, 77, 77]), ("flat", [30, 200, 10])):
        for k in (1, 2, 3):
            summary = json.loads((root / f"results/{name}/clusters/k_{k}.json").read_text())
            assert summary["clusters_found"] == 1 and summary["clusters"][0]["rgb"] == colour
    # Three frames for the flat photo; the 1-pixel photo's frames are identical
    # (no room for a label), which GIF stores as one frame shown three times as long.
    with Image.open(root / "results/flat/flat.gif") as gif:
        assert gif.n_frames == 3
    with Image.open(root / "results/dot/dot.gif") as gif:
        assert gif.n_frames == 1 and gif.info["duration"] == 3 * 750
        assert gif.convert("RGB").getpixel((0, 0)) == (77, 77, 77)


def test_transparent_pixels_stay_transparent_in_frames_and_gif(hostile_run):
    root, _ = hostile_run
    summary = json.loads((root / "results/cutout/clusters/k_3.json").read_text())
    assert summary["transparent_pixels"] == 30 * 15 and summary["pixels"] == 30 * 25
    # Palette PNGs with a transparent index: imageio drops it unless asked for RGBA.
    frame = iio.imread(root / "results/cutout/frames/k_3.png", mode="RGBA")
    assert frame.shape == (30, 40, 4)
    assert np.all(frame[-5:, :15, 3] == 0) and np.all(frame[-5:, 15:, 3] == 255)
    with Image.open(root / "results/cutout/cutout.gif") as gif:
        for index in range(gif.n_frames):
            gif.seek(index)
            decoded = np.asarray(gif.convert("RGBA"))
            png = iio.imread(root / f"results/cutout/frames/k_{index + 1}.png", mode="RGBA")
            np.testing.assert_array_equal(decoded[..., 3], png[..., 3])
            opaque = png[..., 3] == 255
            np.testing.assert_array_equal(decoded[opaque], png[opaque])


# Interruptions: the documented resume gives the same bytes as an uninterrupted run.
def _photos(folder):
    for seed, name in enumerate(("one.png", "two.jpg", "three.png")):
        write_photo(folder / "images" / name, width=120, height=90, seed=seed)


def _outputs(root):
    return {
        p.relative_to(root): p.read_bytes()
        for p in sorted((root / "results").rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = copy_workflow(tmp_path_factory.mktemp("uninterrupted"))
    _photos(root)
    run_snakemake(root, "--config", "ks=[2,5,9,14]")
    return _outputs(root)


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_interrupted_run_resumes_to_identical_outputs(tmp_path, uninterrupted, how):
    root = copy_workflow(tmp_path / "project")
    _photos(root)
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--config", "ks=[2,5,9,14]"]
    process = subprocess.Popen(
        command,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(list((root / "results").glob("*/clusters/*.json"))) < 3:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    if how == "SIGKILL":  # like a power cut: Snakemake and every job die at once
        os.killpg(process.pid, signal.SIGKILL)
    else:  # Ctrl-C in the terminal: the whole foreground group gets SIGINT
        os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=60)
    assert len(list((root / "results").rglob("*.gif"))) < 3  # really interrupted

    # The README's resume: unlock (only needed after a kill), then run again.
    run_snakemake(root, "--unlock", profile=True)
    run_snakemake(root, "--config", "ks=[2,5,9,14]", profile=True)
    assert _outputs(root) == uninterrupted
    leftovers = [p for p in (root / "results").rglob(".*") if p.is_file()]
    assert leftovers == []


# Disks that refuse writes: a clear error naming the file (needs root to mount a tmpfs).
def _mount_tmpfs(folder, options):
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=False
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")


def test_full_disk_gives_a_clear_error(project):
    write_photo(project / "images" / "a.png", width=200, height=150)
    results = project / "results"
    _mount_tmpfs(results, "size=12k")
    try:
        result = run_snakemake(project, "--config", "ks=[1,2]", check=False, profile=True)
        files = [p for p in results.rglob("*") if p.is_file()]
    finally:
        subprocess.run(["umount", str(results)], check=True)
    assert result.returncode == 1
    assert "ERROR: cannot write results/a/" in output_of(result)
    assert "No space left on device" in output_of(result)
    # Whatever was written is whole: no temporary files, every PNG decodes.
    assert not [p for p in files if p.name.startswith(".")]
    assert all(
        cv2.imread(str(p), cv2.IMREAD_UNCHANGED) is not None for p in files if p.suffix == ".png"
    )


def test_read_only_results_folder_gives_a_clear_error(project):
    write_photo(project / "images" / "a.png")
    results = project / "results"
    _mount_tmpfs(results, "ro,size=64k")
    try:
        result = run_snakemake(project, "--config", "ks=[1]", check=False, profile=True)
    finally:
        subprocess.run(["umount", str(results)], check=True)
    assert result.returncode == 1
    assert "Failed to create output directory results/a" in output_of(result)
    assert "Read-only file system" in output_of(result)
