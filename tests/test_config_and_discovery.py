"""Configuration checks and photo discovery, seen through Snakemake's dry run."""

import re

import cv2
import pytest

from conftest import job_counts, output_of, run_snakemake, write_photo


def planned_photos(result) -> list[str]:
    """Return the photos whose resize job the dry run plans, sorted."""
    return sorted(set(re.findall(r"results/([^/\n]+)/resized\.png", output_of(result))))


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("ks=[0,2]", "ks[0]: 0 is less than the minimum of 1"),
        ("ks=[-3]", "ks[0]: -3 is less than the minimum of 1"),
        ("ks=[2,4,2]", "ks: [2, 4, 2] has non-unique elements"),
        ("ks=[2.5]", "ks[0]: '2.5' is not of type 'integer'"),
        ("ks=[+-5]", "ks[0]: '+-5' is not of type 'integer'"),
        ("ks=[+4,-+2]", "ks[1]: '-+2' is not of type 'integer'"),
        ("ks=[]", "ks: [] should be non-empty"),
        ("max_size=0", "max_size: 0 is less than the minimum of 1"),
        ("max_size=big", "max_size: 'big' is not of type 'integer'"),
        ("colour=lab", "unknown key colour"),
        ("duration_ms=-5", "duration_ms: -5 is less than the minimum of 10"),
        ("upscale=maybe", "upscale: 'maybe' is not of type 'boolean'"),
    ],
)
def test_bad_config_stops_before_any_job_naming_the_key(project, override, expected):
    write_photo(project / "images" / "a.png")
    result = run_snakemake(project, "--config", override, check=False)
    assert result.returncode == 1
    assert "Invalid configuration" in output_of(result)
    assert "Traceback" not in output_of(result) and "ValueError" not in output_of(result)
    assert expected in output_of(result)
    assert job_counts(result) == {}
    assert not (project / "results").exists()


@pytest.mark.parametrize(
    ("spelling", "shape"),
    [("true", (72, 96, 3)), ("TRUE", (72, 96, 3)), ("True", (72, 96, 3)), ("false", (36, 48, 3))],
)
def test_boolean_keys_accept_true_and_false_in_any_case(project, spelling, shape):
    write_photo(project / "images" / "a.png", width=48, height=36)
    target = "results/a/resized.png"
    run_snakemake(project, "--config", f"upscale={spelling}", "max_size=96", "--", target)
    assert cv2.imread(str(project / target)).shape == shape


def test_missing_input_dir_is_named(project):
    result = run_snakemake(project, "-n", "--config", "input_dir=no/such/folder", check=False)
    assert result.returncode == 1
    assert "input_dir 'no/such/folder' is not a folder" in output_of(result)


def test_empty_input_dir_is_a_friendly_no_op(project):
    result = run_snakemake(project, check=False)
    assert result.returncode == 0
    assert "No photos found in 'images'" in output_of(result)
    assert "Traceback" not in output_of(result)


def test_discovery_takes_only_photos_directly_inside(project):
    images = project / "images"
    for name in ("a.jpg", "b.JPEG", "c.Png", "d.bmp", "e.tif", "f.TIFF", "g.webp"):
        write_photo(images / name)
    write_photo(images / ".hidden.png")
    write_photo(images / "sub" / "nested.png")
    (images / "notes.txt").write_text("not a photo")
    (images / "folder.png").mkdir()
    result = run_snakemake(project, "-n", "--config", "ks=[2]")
    assert planned_photos(result) == ["a", "b", "c", "d", "e", "f", "g"]
    assert job_counts(result)["resize"] == 7


def test_input_dir_can_be_anywhere(project, tmp_path):
    elsewhere = tmp_path / "my photos"
    write_photo(elsewhere / "holiday.jpg")
    result = run_snakemake(project, "-n", "--config", f"input_dir={elsewhere}")
    assert planned_photos(result) == ["holiday"]


def test_two_photos_with_the_same_name_stop_the_run(project):
    write_photo(project / "images" / "same.jpg")
    write_photo(project / "images" / "same.png")
    result = run_snakemake(project, "-n", check=False)
    assert result.returncode == 1
    assert "two photos are both named 'same'" in output_of(result)
    assert "images/same.jpg" in output_of(result) and "images/same.png" in output_of(result)
