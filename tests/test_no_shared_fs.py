"""The workflow with no shared file system, as on a cloud executor (Kubernetes, Google Batch).

A folder stands in for the bucket (snakemake-storage-plugin-fs, in place of S3 or GCS):
the photos are only there, and every result must land there. Jobs run through
profiles/cluster-generic as separate processes, each started in an empty folder of its
own (tests/services/submit_to_own_folder.sh), where it fetches the workflow's sources and
its own inputs from the storage, as on a cloud node. The results must be byte-identical
to a local run's.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import KS, PHOTO_NAMES, REPO, files_under, project_with_two_photos, run_snakemake
from test_cluster_executor import CLUSTER_GENERIC, submissions

SUBMIT_TO_OWN_FOLDER = REPO / "tests/services/submit_to_own_folder.sh"

pytestmark = pytest.mark.skipif(
    shutil.which("rsync") is None or shutil.which("git") is None,
    reason="the fs storage plugin needs rsync, and shipping the sources needs git "
    "(apt-get install rsync git)",
)


def storage_options(bucket: Path) -> tuple[str, ...]:
    return (
        *("--shared-fs-usage", "none"),
        *("--default-storage-provider", "fs", "--default-storage-prefix", str(bucket)),
    )


def as_a_git_clone(root: Path) -> Path:
    """Without a shared file system Snakemake ships the git-tracked files to the jobs."""
    for command in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *command], cwd=root, check=True)
    return root


@pytest.fixture(scope="module")
def cloud_run(tmp_path_factory):
    """A run whose photos are in the bucket only, each job in an empty folder of its own."""
    base = tmp_path_factory.mktemp("cloud")
    # Photos made exactly as for the local run, then moved into the bucket.
    code = as_a_git_clone(project_with_two_photos(base / "code"))
    bucket, nodes = base / "bucket", base / "nodes"
    nodes.mkdir()
    shutil.move(code / "images", bucket / "images")
    subprocess.run(["git", "add", "-A"], cwd=code, check=True)
    result = run_snakemake(
        code,
        *CLUSTER_GENERIC,
        *("--cluster-generic-submit-cmd", str(SUBMIT_TO_OWN_FOLDER), "--job-deploy-sources"),
        *storage_options(bucket),
        *("--config", KS),
        profile=True,
        env={
            "NODES_DIR": str(nodes),
            # The jobs start `python -m snakemake` (no shared software either).
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        },
    )
    return code, bucket, nodes, result


def test_results_land_in_the_bucket_byte_identical_to_a_local_run(local_run, cloud_run):
    code, bucket, _, _ = cloud_run
    local = files_under(local_run[0] / "results")
    assert all(f"{name}/{name}.gif" in local for name in PHOTO_NAMES)
    assert files_under(bucket / "results") == local
    # Nothing was read from or written to the project folder.
    assert not (code / "images").exists()
    assert not (code / "results").exists()


def test_each_job_ran_in_its_own_folder_with_only_the_sources(cloud_run):
    """Each job started in an empty folder: whatever it read came through the storage."""
    code, bucket, nodes, _ = cloud_run
    jobs = submissions(code)
    folders = sorted(nodes.glob("node.*"))
    assert len(jobs) == len(folders) > 2 * len(PHOTO_NAMES)
    tracked = set(
        subprocess.run(
            ["git", "ls-files"], cwd=code, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for folder in folders:
        script = next(folder.glob("snakejob.*.sh"))
        job = json.loads(script.read_text().splitlines()[1].split("=", 1)[1])
        # Its data (inputs, outputs, log) are copies of objects in the bucket; its code
        # inputs (the step's script and modules) are files of the sources.
        code_inputs = [path for path in job["input"] if "/source-cache/" in path]
        data = [*set(job["input"]) - set(code_inputs), *job["output"], *job["log"]]
        assert all(path.startswith(f".snakemake/storage/fs{bucket}/") for path in data)
        assert code_inputs
        assert all("scripts/" + path.split("/scripts/")[-1] in tracked for path in code_inputs)
        # Beside Snakemake's own folder, it holds only the workflow's sources, fetched from
        # the archive Snakemake put in the storage (no photo, no result).
        work = folder / "work"
        files = {
            str(path.relative_to(work))
            for path in work.rglob("*")
            if path.is_file() and ".snakemake" not in path.relative_to(work).parts
        }
        assert "Snakefile" in files and "workflow/schemas/config.schema.yaml" in files
        assert files <= tracked
        assert list((work / ".snakemake/storage").rglob("snakemake-workflow-sources.*.tar.xz"))
