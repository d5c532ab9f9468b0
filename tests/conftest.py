"""Shared helpers: synthetic photos, a private copy of the workflow, and a Snakemake runner."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
sys.path.insert(0, str(SCRIPTS))


def synthetic_photo(width: int = 48, height: int = 36, seed: int = 0) -> np.ndarray:
    """Return a BGR uint8 image with smooth gradients, discs and a little noise.

    It has a few thousand distinct colours with clear clusters, like a small
    photo, and is fully determined by ``seed``.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    image = np.zeros((height, width, 3), np.float64)
    image[..., 0] = 40 + 150 * x / max(1, width - 1)
    image[..., 1] = 60 + 120 * y / max(1, height - 1)
    image[..., 2] = 200 - 100 * x / max(1, width - 1)
    for _ in range(3):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        colour = tuple(float(c) for c in rng.integers(0, 256, 3))
        cv2.circle(image, centre, int(rng.integers(width // 8, width // 3) + 1), colour, -1)
    image += rng.normal(0, 4, image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def without_simd_kernels() -> dict[str, str] | None:
    """Return the environment of a process whose numpy runs only its baseline kernels.

    numpy picks SIMD kernels (AVX2, AVX-512, ...) at run time by CPU, and some of
    them round differently; disabling the ones this CPU has shows, on one machine,
    what another CPU would compute. None when this CPU has nothing above the baseline
    (numpy refuses to disable its baseline features).
    """
    dispatched = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    if not dispatched:
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPY_")}
    return env | {"NPY_DISABLE_CPU_FEATURES": " ".join(dispatched)}


def write_photo(path: Path, image: np.ndarray | None = None, **kwargs) -> Path:
    """Write ``image`` (default: a synthetic photo) to ``path``, format by extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = synthetic_photo(**kwargs) if image is None else image
    ok, data = cv2.imencode(path.suffix.lower() if path.suffix else ".png", image)
    assert ok, path
    path.write_bytes(data.tobytes())
    return path


def copy_workflow(target: Path) -> Path:
    """Copy the workflow (not its results) to ``target`` and return it.

    Each end-to-end test runs its own copy, so that it can edit scripts and
    config without touching the repository.
    """
    target.mkdir(parents=True, exist_ok=True)
    for name in ("Snakefile", "config.yaml"):
        shutil.copy2(REPO / name, target / name)
    for folder in ("workflow", "scripts", "profiles"):
        shutil.copytree(
            REPO / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return target


def files_under(folder: Path) -> dict[str, bytes]:
    """Return {relative path: content} of every file below ``folder``."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run_snakemake(
    workdir: Path,
    *args: str,
    check: bool = True,
    profile: bool = False,
    cores: str | None = "2",
    env: dict[str, str] | None = None,
    timeout: float = 900,
):
    """Run Snakemake in ``workdir`` and return the finished process (stdout and stderr as text).

    ``cores=None`` leaves the number of cores to the profile; ``env`` adds environment variables.
    """
    command = [sys.executable, "-m", "snakemake"]
    if cores is not None:
        command += ["--cores", cores]
    if not profile:
        command += ["--workflow-profile", "none"]
    command += args
    result = subprocess.run(
        command,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-4000:]}"
        )
    return result


def output_of(result) -> str:
    """Return everything Snakemake printed: a dry run prints on stdout, a real run on stderr."""
    return result.stdout + result.stderr


def job_counts(result) -> dict[str, int]:
    """Return {rule: jobs} from the "Job stats" table Snakemake prints (empty if nothing ran)."""
    table = output_of(result).split("Job stats:", 1)
    if len(table) == 1:
        return {}
    counts = {}
    for line in table[1].splitlines()[3:]:
        match = re.fullmatch(r"(\S+)\s+(\d+)", line.strip())
        if not match:
            break
        counts[match.group(1)] = int(match.group(2))
    return counts


@pytest.fixture
def project(tmp_path) -> Path:
    """A private copy of the workflow, with an empty ``images/`` folder."""
    root = copy_workflow(tmp_path / "project")
    (root / "images").mkdir()
    return root


# Two small photos and three ks: the end-to-end runs on executors compare their results
# with one local run of these (test_cluster_executor, test_no_shared_fs, test_slurm).
KS = "ks=[1,2,3]"
PHOTO_NAMES = ("beach", "forest")


def two_photos_in(root: Path) -> Path:
    write_photo(root / "images" / "beach.jpg", width=64, height=40, seed=1)
    write_photo(root / "images" / "forest.png", width=30, height=50, seed=2)
    return root


def project_with_two_photos(root: Path) -> Path:
    return two_photos_in(copy_workflow(root))


@pytest.fixture(scope="session")
def local_run(tmp_path_factory):
    """The two photos run locally: the reference the executors' results must equal."""
    root = project_with_two_photos(tmp_path_factory.mktemp("local"))
    return root, run_snakemake(root, "--config", KS)
