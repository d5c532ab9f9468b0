"""Every job keeps the memory and threads its rule declares, on the photos that strain them.

Each rule runs under Snakemake as usual, except that ``python`` on PATH is
tests/tools/measured_python.py, which records each job's peak resident memory
and its most threads. The declarations come from Snakemake's own job listing.
The matrix: a huge JPEG, a huge PNG with transparency, a 16-bit TIFF with
transparency (resize); a noise photo, every pixel a new colour, at k = 240
(captions, cluster, annotate); the longest ks list allowed, 240 ks (sweep, gif, webp,
elbow, sheet). It takes about two minutes.
"""

import itertools
import json
import os
import re
import sys

import cv2
import numpy as np
import pytest

from conftest import REPO, output_of, run_snakemake

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="counts threads in /proc (Linux only)"
)


def smooth_photo(width: int, height: int, channels: int, dtype=np.uint8) -> np.ndarray:
    """A smooth photo (fast to encode), with a transparent border when it has 4 channels."""
    top = np.iinfo(dtype).max
    y, x = np.mgrid[0:64, 0:64] / 63
    small = np.dstack([x, y, (x + y) / 2, ((x - 0.5) ** 2 + (y - 0.5) ** 2 < 0.2) * 1.0])
    small = np.rint(small[..., :channels] * top).astype(dtype)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def declared_jobs(result) -> list[dict]:
    """Return Snakemake's job listing: per job its rule, outputs and resources."""
    jobs = []
    for block in re.split(r"\n(?=\S*rule \w+:)", output_of(result)):
        rule = re.match(r"\S*rule (\w+):", block)
        resources = re.search(r"^\s+resources: (.*)$", block, re.MULTILINE)
        outputs = re.search(r"^\s+output: (.*)$", block, re.MULTILINE)
        threads = re.search(r"^\s+threads: (\d+)$", block, re.MULTILINE)
        if rule and resources and outputs:
            jobs.append(
                {
                    "rule": rule.group(1),
                    "outputs": outputs.group(1).split(", "),
                    "mem_mb": int(re.search(r"\bmem_mb=(\d+)", resources.group(1)).group(1)),
                    "threads": int(threads.group(1)) if threads else 1,
                }
            )
    return jobs


def writes(argv: list[str], path: str) -> bool:
    """Whether a step's command line names ``path`` as an output (an option's value)."""
    after_option = [
        a for before, a in itertools.pairwise(argv) if before.startswith("--") and before != "--"
    ]
    return any(a.startswith("--") and a.endswith(f"={path}") for a in argv) or path in after_option


def measured_run(project, tmp_path, *args) -> list[tuple[dict, dict]]:
    """Run Snakemake with the measuring ``python``; return (declared, measured) per job."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "python"
    wrapper.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" "{REPO / "tests/tools/measured_python.py"}" "$@"\n'
    )
    wrapper.chmod(0o755)
    log = tmp_path / f"measured-{len(list(tmp_path.glob('measured-*')))}.jsonl"
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "MEASURED_JOBS": str(log)}
    old = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        result = run_snakemake(project, "--cores", "1", *args)
    finally:
        for name, value in old.items():
            os.environ.pop(name) if value is None else os.environ.update({name: value})
    measured = [json.loads(line) for line in log.read_text().splitlines()]
    pairs = []
    for job in declared_jobs(result):
        runs = [m for m in measured if writes(m["argv"], job["outputs"][0])]
        assert len(runs) == 1, (job, measured)
        pairs.append((job, runs[0]))
    assert len(pairs) == len(measured)
    return pairs


def assert_within_declared(pairs, expected_rules):
    assert sorted(job["rule"] for job, _ in pairs) == sorted(expected_rules)
    for job, run in pairs:
        assert run["returncode"] == 0, job
        # Snakemake sets the BLAS and OpenMP thread counts for shell jobs; the steps
        # hold OpenCV's pool to the same number.
        assert set(run["env_threads"].values()) == {str(job["threads"])}, run
        assert run["threads"] <= job["threads"], (job, run)
        assert run["peak_mb"] <= job["mem_mb"], (job, run)
        print(f"{job['rule']} {job['outputs'][0]}: {run['peak_mb']:.0f} of {job['mem_mb']} MB")


def test_resizing_huge_photos_stays_within_its_declared_memory(project, tmp_path):
    images = project / "images"
    jpeg = smooth_photo(8000, 6000, 3)
    jpeg += np.random.default_rng(0).integers(0, 16, jpeg.shape, dtype=np.uint8)
    cv2.imwrite(str(images / "huge.jpg"), jpeg)
    cv2.imwrite(str(images / "huge_alpha.png"), smooth_photo(8000, 8000, 4))
    cv2.imwrite(str(images / "deep.tif"), smooth_photo(5000, 4000, 4, np.uint16))
    targets = [f"results/{name}/resized.png" for name in ("huge", "huge_alpha", "deep")]
    pairs = measured_run(project, tmp_path, *targets)
    assert_within_declared(pairs, ["resize"] * 3)
    peaks = {job["outputs"][0]: run["peak_mb"] for job, run in pairs}

    # Lean: at most twice the decoded photo, or the resized photo's colour table (made once
    # the photo is freed: 120 bytes a pixel, as resize_mem_mb declares), and a fixed
    # allowance (100 MB). Decoded: 8000x6000 JPEG at 1/8 size, 8000x8000 8-bit RGBA,
    # 5000x4000 16-bit RGBA; resized to 500x375, 500x500 and 500x400.
    def lean(decoded_bytes, resized_pixels):
        return 100 + max(2 * decoded_bytes, resized_pixels * 120) / 1e6

    assert peaks["results/huge/resized.png"] <= lean(1000 * 750 * 3, 500 * 375)
    assert peaks["results/huge_alpha/resized.png"] <= lean(8000 * 8000 * 4, 500 * 500)
    assert peaks["results/deep/resized.png"] <= lean(5000 * 4000 * 8, 500 * 400)


def test_k_240_on_a_photo_of_all_different_colours_stays_within_its_memory(project, tmp_path):
    # 250 px noise: the k-means's largest arrays (every colour against every centre).
    noise = np.random.default_rng(1).integers(0, 256, (188, 250, 3), dtype=np.uint8)
    cv2.imwrite(str(project / "images/noise.png"), noise)
    pairs = measured_run(
        project, tmp_path, "results/noise/frames/k_240.png", "--config", "ks=[240]"
    )
    assert_within_declared(pairs, ["resize", "captions", "cluster", "annotate"])


def test_the_longest_ks_list_stays_within_its_memory(project, tmp_path):
    # 240 ks, every frame at 500 px; 300 colours keep the 240 fits quick.
    rng = np.random.default_rng(2)
    palette = rng.integers(0, 256, (300, 3), dtype=np.uint8)
    photo = palette[np.arange(500 * 375).reshape(375, 500) * 7 // 1000 % 300]
    cv2.imwrite(str(project / "images/many.png"), photo)
    ks = "[" + ",".join(str(k) for k in range(1, 241)) + "]"
    pairs = measured_run(
        project,
        tmp_path,
        "--config",
        f"ks={ks}",
        "one_job_per_photo=true",
        "animation_formats=[gif,webp]",
    )
    assert_within_declared(pairs, ["resize", "sweep", "gif", "webp", "elbow", "sheet"])
