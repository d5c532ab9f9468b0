"""End-to-end: run Snakemake on small photos and check outputs, caching and targets."""

import io
import json
import re

import cv2
import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from conftest import files_under, job_counts, output_of, run_snakemake, write_photo

KS = "ks=[1,2,3]"


def frame_colours(frame: np.ndarray) -> set[tuple[int, ...]]:
    return {tuple(c) for c in frame.reshape(-1, frame.shape[-1])}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One complete run on two photos (one JPEG, one upper-case PNG) with ks 3, 1, 2."""
    from conftest import copy_workflow

    root = copy_workflow(tmp_path_factory.mktemp("finished"))
    write_photo(root / "images" / "beach.jpg", width=64, height=40, seed=1)
    write_photo(root / "images" / "Forest.PNG", width=30, height=50, seed=2)
    result = run_snakemake(root, "--config", "ks=[3,1,2]")
    return root, result


def test_complete_run_makes_every_output(finished):
    root, result = finished
    per_photo = {"resize": 2, "captions": 2, "cluster": 6, "annotate": 6, "elbow": 2, "gif": 2}
    per_photo["sheet"] = 2
    assert job_counts(result) == per_photo | {"all": 1, "total": 23}
    for name in ("beach", "Forest"):
        folder = root / "results" / name
        assert (folder / "resized.png").is_file()
        assert (folder / f"{name}.gif").is_file()
        for k in (1, 2, 3):
            assert (folder / "frames" / f"k_{k}.png").is_file()
            assert (folder / "clusters" / f"k_{k}.png").is_file()
            summary = json.loads((folder / "clusters" / f"k_{k}.json").read_text())
            assert summary["k"] == k and len(summary["clusters"]) == k
            assert summary["seed"] == 0 and summary["iterations"] >= 1
            assert sum(c["pixels"] for c in summary["clusters"]) == summary["pixels"]
        assert (root / "logs" / "cluster" / name / "k_2.log").is_file()


def test_small_photos_are_not_enlarged(finished):
    root, _ = finished
    assert cv2.imread(str(root / "results/beach/resized.png")).shape == (40, 64, 3)
    assert cv2.imread(str(root / "results/Forest/resized.png")).shape == (50, 30, 3)


def test_gif_frames_follow_ks_exactly(finished):
    root, _ = finished
    gif = (root / "results/beach/beach.gif").read_bytes()
    frames = iio.imread(gif, index=None, extension=".gif")
    assert len(frames) == 3
    for frame, k in zip(frames, (3, 1, 2), strict=True):
        png = iio.imread(root / f"results/beach/frames/k_{k}.png")
        np.testing.assert_array_equal(frame[..., :3], png)
    with Image.open(io.BytesIO(gif)) as im:
        durations = []
        for index in range(im.n_frames):
            im.seek(index)
            durations.append(im.info["duration"])
        assert durations == [750, 750, 750]
        assert im.info["loop"] == 0


def rgb_of(summary: dict) -> np.ndarray:
    """Return the clusters' colours of a cluster summary, as a (k, 3) array."""
    return np.array([c["rgb"] for c in summary["clusters"]], np.uint8)


def test_frame_is_recoloured_with_cluster_centres(finished):
    root, _ = finished
    summary = json.loads((root / "results/beach/clusters/k_3.json").read_text())
    palette = {tuple(c["rgb"]) for c in summary["clusters"]}
    frame = iio.imread(root / "results/beach/frames/k_3.png")
    # A label map's pixels are indices (its palette shows them in the clusters' colours).
    with Image.open(root / "results/beach/clusters/k_3.png") as label_map:
        labels = np.asarray(label_map)
        assert np.array_equal(np.asarray(label_map.convert("RGB")), rgb_of(summary)[labels])
    # Below the caption every pixel has exactly its cluster's colour.
    lower = slice(frame.shape[0] // 2, None)
    np.testing.assert_array_equal(frame[lower], rgb_of(summary)[labels[lower]])
    # The caption adds white, a black outline and a few greys: nothing else.
    extra = frame_colours(frame) - palette
    assert (255, 255, 255) in extra and (0, 0, 0) in extra
    assert all(len(set(c)) == 1 for c in extra), extra


def test_k1_frame_is_the_mean_colour(finished):
    root, _ = finished
    resized = cv2.imread(str(root / "results/Forest/resized.png"))[..., ::-1]
    mean = resized.reshape(-1, 3).mean(axis=0)
    summary = json.loads((root / "results/Forest/clusters/k_1.json").read_text())
    np.testing.assert_allclose(summary["clusters"][0]["centre"], mean, atol=1e-9)
    frame = iio.imread(root / "results/Forest/frames/k_1.png")
    assert tuple(frame[-1, -1]) == tuple(int(v) for v in np.rint(mean))


def test_second_run_does_nothing(finished):
    root, _ = finished
    result = run_snakemake(root, "--config", "ks=[3,1,2]")
    assert "Nothing to be done" in output_of(result)
    assert job_counts(result) == {}


def fresh_copy_with_photos_of(root, target):
    """A new copy of the workflow, with the same photos as ``root`` and no results."""
    from conftest import copy_workflow

    copy = copy_workflow(target)
    (copy / "images").mkdir()
    for photo in (root / "images").iterdir():
        (copy / "images" / photo.name).write_bytes(photo.read_bytes())
    return copy


def test_same_inputs_give_byte_identical_outputs(finished, tmp_path):
    root, _ = finished
    again = fresh_copy_with_photos_of(root, tmp_path / "again")
    run_snakemake(again, "--config", "ks=[3,1,2]")
    outputs = files_under(root / "results")
    assert len(outputs) == 2 * (8 + 3 * 3)  # per photo: 8 files, and 3 for each k
    assert files_under(again / "results") == outputs


def test_default_profile_schedules_a_sample_yet_runs_every_job_once(finished, tmp_path):
    """profiles/default picks among 16 ready jobs at a time: with 18 ready cluster
    jobs, every job must still run exactly once and give the same bytes."""
    root, _ = finished
    many_ks = "ks=[3,1,2,4,5,6,7,8,9]"
    results = {}
    for profile in (False, True):
        copy = fresh_copy_with_photos_of(root, tmp_path / f"profile_{profile}")
        result = run_snakemake(copy, "--config", many_ks, profile=profile)
        used = "Using workflow specific profile profiles/default" in output_of(result)
        assert used == profile
        assert job_counts(result) == {
            "resize": 2,
            "captions": 2,
            "cluster": 18,
            "annotate": 18,
            "elbow": 2,
            "gif": 2,
            "sheet": 2,
            "all": 1,
            "total": 47,
        }
        assert output_of(result).count("Finished jobid") == 47
        results[profile] = files_under(copy / "results")
    assert len(results[True]) == 2 * (8 + 3 * 9)
    assert results[True] == results[False]


def test_one_job_per_photo_makes_the_same_files_in_one_job_a_photo(finished, tmp_path):
    root, _ = finished
    copy = fresh_copy_with_photos_of(root, tmp_path / "sweep")
    options = ("--config", "ks=[3,1,2]", "one_job_per_photo=true")
    per_photo = {"elbow": 2, "gif": 2, "sheet": 2, "all": 1}
    result = run_snakemake(copy, *options)
    assert job_counts(result) == {"resize": 2, "sweep": 2} | per_photo | {"total": 11}
    # The same files, less the captions the sweep draws for itself.
    expected = files_under(root / "results")
    expected = {name: data for name, data in expected.items() if "captions" not in name}
    assert files_under(copy / "results") == expected
    assert "Nothing to be done" in output_of(run_snakemake(copy, *options))

    # Back to a job per frame: another rule makes the frames, so they are made again.
    back = job_counts(run_snakemake(copy, "-n", "--config", "ks=[3,1,2]"))
    assert back == {"captions": 2, "cluster": 6, "annotate": 6} | per_photo | {"total": 21}

    # The sweep paints frames with the library's frame.py, not the annotate script: editing
    # the script leaves the sweeps alone, editing the library reruns every sweep.
    annotate = copy / "scripts" / "annotate.py"
    annotate.write_text(annotate.read_text() + "\n# edited\n")
    assert "Nothing to be done" in output_of(run_snakemake(copy, "-n", *options))
    frame = copy / "scripts" / "steplib" / "frame.py"
    frame.write_text(frame.read_text() + "\n# edited\n")
    counts = job_counts(run_snakemake(copy, "-n", *options))
    assert counts == {"sweep": 2} | per_photo | {"total": 9}


def test_one_frame_target_builds_only_what_it_needs(project):
    write_photo(project / "images" / "a.png", seed=3)
    write_photo(project / "images" / "b.png", seed=4)
    result = run_snakemake(project, "--config", KS, "--", "results/a/frames/k_2.png")
    assert job_counts(result) == {
        "resize": 1,
        "captions": 1,
        "cluster": 1,
        "annotate": 1,
        "total": 4,
    }
    assert not (project / "results/b").exists()
    frame = (project / "results/a/frames/k_2.png").read_bytes()

    forced = run_snakemake(project, "--config", KS, "--force", "--", "results/a/frames/k_2.png")
    assert job_counts(forced) == {"annotate": 1, "total": 1}
    assert (project / "results/a/frames/k_2.png").read_bytes() == frame


def per_photo(photos: int) -> dict[str, int]:
    """Jobs that run once per photo whenever any of its frames changes, and the final target."""
    return {"elbow": photos, "gif": photos, "sheet": photos, "all": 1}


def test_incremental_runs_redo_only_what_changed(project):
    images = project / "images"
    write_photo(images / "a.png", seed=5)
    write_photo(images / "b.jpg", seed=6)
    full = {"resize": 2, "captions": 2, "cluster": 4, "annotate": 4} | per_photo(2) | {"total": 19}
    assert job_counts(run_snakemake(project, "--config", "ks=[1,2]")) == full

    # A new photo: only its own jobs (and the top-level target).
    write_photo(images / "c.webp", seed=7)
    counts = job_counts(run_snakemake(project, "--config", "ks=[1,2]"))
    assert counts == {"resize": 1, "captions": 1, "cluster": 2, "annotate": 2} | per_photo(1) | {
        "total": 10
    }

    # A new k: its cluster and annotate jobs for each photo, and every per-photo output (not
    # the captions: they hold every k already).
    counts = job_counts(run_snakemake(project, "--config", "ks=[1,2,4]"))
    assert counts == {"cluster": 3, "annotate": 3} | per_photo(3) | {"total": 16}

    # Another GIF timing: only the GIFs.
    counts = job_counts(run_snakemake(project, "--config", "ks=[1,2,4]", "duration_ms=500"))
    assert counts == {"gif": 3, "all": 1, "total": 4}
    with Image.open(project / "results/a/a.gif") as im:
        assert im.info["duration"] == 500

    # Edited k-means code (any module of the package): every job that runs it (resize, for
    # the colour table's distinct colours, and cluster) and what follows.
    kmeans = project / "scripts" / "kmeans" / "polish.py"
    kmeans.write_text(kmeans.read_text() + "\n# edited\n")
    counts = job_counts(run_snakemake(project, "--config", "ks=[1,2,4]", "duration_ms=500"))
    everything = {"resize": 3, "captions": 3, "cluster": 9, "annotate": 9} | per_photo(3)
    assert counts == everything | {"total": 34}

    # Edited captions: the captions and the frames, not the k-means.
    drawing = project / "scripts" / "steplib" / "caption_drawing.py"
    drawing.write_text(drawing.read_text() + "\n# edited\n")
    counts = job_counts(run_snakemake(project, "--config", "ks=[1,2,4]", "duration_ms=500"))
    assert counts == {"captions": 3, "annotate": 9, "gif": 3, "sheet": 3, "all": 1, "total": 19}

    # Another max_size: everything from resize on.
    counts = job_counts(
        run_snakemake(project, "--config", "ks=[1,2,4]", "duration_ms=500", "max_size=20")
    )
    assert counts == everything | {"total": 34}
    assert max(cv2.imread(str(project / "results/a/resized.png")).shape[:2]) == 20


def planned_resources(result, resource="mem_mb") -> dict[str, set[int]]:
    """Return {rule: {value of ``resource``, ...}} from a dry run's job listing."""
    plan: dict[str, set[int]] = {}
    for block in re.split(r"\n(?=rule |localrule )", output_of(result)):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        value = re.search(rf"\b{resource}=(\d+)", block)
        if rule and value:
            plan.setdefault(rule.group(1), set()).add(int(value.group(1)))
    return plan


def test_memory_requests_grow_with_the_decoded_photo_k_and_frames(project):
    """The formulas are in workflow/rules/resources.smk; tests/test_resources.py measures them."""
    write_photo(project / "images" / "small.png", width=40, height=30)
    noise = np.random.default_rng(0).integers(0, 256, (1500, 1500, 3), dtype=np.uint8)
    write_photo(project / "images" / "large.png", noise)  # 6.75 MB decoded
    plan = planned_resources(run_snakemake(project, "-n", "--config", "ks=[2]"))
    # Twice the decoded photo or the resized one's colour table, whichever is larger, and the
    # resized photo with its PNG encoding. The small photo's needs are within the 100 MB base.
    large = max(2 * 1500**2 * 3, 500**2 * 120) + 500**2 * 3 * 3
    assert sorted(plan["resize"]) == [100, 100 + large // 1_000_000]
    assert len(plan["cluster"]) == 2  # the small photo stays 40x30, the large one 500x500
    more_k = planned_resources(run_snakemake(project, "-n", "--config", "ks=[2,240]"))
    assert max(more_k["cluster"]) > max(plan["cluster"]) + 400
    assert max(more_k["gif"]) > max(plan["gif"]) and more_k["annotate"] == plan["annotate"]
    bigger = planned_resources(run_snakemake(project, "-n", "--config", "ks=[2]", "max_size=2000"))
    assert max(bigger["cluster"]) > max(plan["cluster"]) and max(bigger["gif"]) > max(plan["gif"])


def test_runtime_requests_are_tight_at_500_px_and_grow_with_max_size(project):
    write_photo(project / "images" / "small.png", width=40, height=30)
    ks = "ks=[1,2,3,4,5,6,8,10,14,16,20,25,40,50]"
    minutes = planned_resources(run_snakemake(project, "-n", "--config", ks), "runtime")
    assert minutes == {rule: {1} for rule in ("resize", "cluster", "annotate")} | {
        rule: {2} for rule in ("gif", "elbow", "sheet")
    }
    bigger = run_snakemake(project, "-n", "--config", ks, "max_size=2000")
    bigger_minutes = planned_resources(bigger, "runtime")
    assert bigger_minutes["cluster"] == bigger_minutes["annotate"] == {5}
    assert bigger_minutes["gif"] == {1 + 14 * 2000**2 // 2_000_000}


def test_the_scheduler_runs_about_one_round_per_job(project):
    """workflow/rules/scheduling.smk: without it, Snakemake 9's re-evaluation timers chain
    into about a round per second per finished job (110 rounds for these 43 jobs)."""
    write_photo(project / "images" / "a.png", seed=8)
    write_photo(project / "images" / "b.png", seed=9)
    output = output_of(run_snakemake(project, "--verbose", "--config", "ks=[1,2,3,4,5,6,7,8]"))
    jobs = output.count("Finished jobid")
    rounds = len(re.findall(r"Ready (?:subsampled )?jobs", output))
    assert jobs == 2 * (2 + 2 * 8 + 3) + 1  # resize, captions, 8 ks, 3 per-photo jobs; all
    assert rounds <= 1.5 * jobs, (rounds, jobs)
