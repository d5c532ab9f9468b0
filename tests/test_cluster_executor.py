"""The workflow on a cluster simulated on this machine (profiles/cluster-generic).

Every job runs as its own background process, started by the profile's submit.sh,
as a batch system would start it on a node. The results must be byte-identical to a
local run. The grouping of the SLURM example profile (profiles/slurm) is checked here
too, with the same simulated cluster: it must make one submission per photo.
"""

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import (
    KS,
    PHOTO_NAMES,
    REPO,
    copy_workflow,
    files_under,
    job_counts,
    project_with_two_photos,
    run_snakemake,
    two_photos_in,
)

# Where profiles/cluster-generic/submit.sh keeps a copy of each job script, its output
# (.out), its process id (.pid) and its exit status (.exit).
RECORDS = "logs/cluster-generic"
CLUSTER_GENERIC = ("--workflow-profile", "profiles/cluster-generic")


def submissions(root: Path) -> dict[str, dict]:
    """Return {job id: properties} of every job that submit.sh started.

    Snakemake writes the job's properties (rule, wildcards, outputs, group) as JSON
    on the second line of every job script: ``# properties = {...}``.
    """
    jobs = {}
    for script in sorted((root / RECORDS).glob("*.sh")):
        header = script.read_text().splitlines()[1]
        jobs[script.name.removesuffix(".sh")] = json.loads(header.split("=", 1)[1])
    return jobs


def cluster_jobs_of(result) -> Counter:
    """Return {rule: jobs} of a run, without the rules that run in Snakemake's own process."""
    counts = Counter(job_counts(result))
    del counts["total"], counts["all"]  # `all` is `localrule: True`
    return counts


def group_options(profile: Path) -> list[str]:
    """Return the command-line form of the `groups` and `group-components` of a profile."""
    settings = yaml.safe_load(profile.read_text())
    groups = [f"{rule}={group}" for rule, group in settings["groups"].items()]
    components = [f"{group}={n}" for group, n in settings["group-components"].items()]
    return ["--groups", *groups, "--group-components", *components]


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory):
    """A run through the cluster-generic profile; also returns the files there before it."""
    root = project_with_two_photos(tmp_path_factory.mktemp("cluster"))
    before = {path.relative_to(root) for path in root.rglob("*")}
    result = run_snakemake(root, *CLUSTER_GENERIC, "--config", KS, profile=True)
    return root, result, before


def test_cluster_results_are_byte_identical_to_local_ones(local_run, cluster_run):
    local, cluster = files_under(local_run[0] / "results"), files_under(cluster_run[0] / "results")
    for name in PHOTO_NAMES:
        assert f"{name}/{name}.gif" in local
        assert all(f"{name}/frames/k_{k}.png" in local for k in (1, 2, 3))
    assert sorted(cluster) == sorted(local)
    different = [path for path in local if cluster[path] != local[path]]
    assert different == []


def test_every_job_ran_in_a_process_of_its_own(local_run, cluster_run):
    root, result, _ = cluster_run
    expected = cluster_jobs_of(local_run[1])
    jobs = submissions(root)

    assert cluster_jobs_of(result) == expected
    assert all(job["type"] == "single" for job in jobs.values())
    assert Counter(job["rule"] for job in jobs.values()) == expected
    pids = {(root / RECORDS / f"{job}.pid").read_text() for job in jobs}
    assert len(pids) == len(jobs) == expected.total()
    for job in jobs:
        assert (root / RECORDS / f"{job}.exit").read_text().strip() == "0"
        # Each job's own Snakemake ran exactly that one job.
        assert "1 of 1 steps (100%) done" in (root / RECORDS / f"{job}.out").read_text()


def test_cluster_run_writes_only_into_git_ignored_folders(cluster_run):
    root, _, before = cluster_run
    created = {path.relative_to(root) for path in root.rglob("*")} - before
    top_folders = {path.parts[0] for path in created}
    assert top_folders <= {"results", "logs", ".snakemake"}
    ignored = set((REPO / ".gitignore").read_text().splitlines())
    assert {f"{folder}/" for folder in top_folders} <= ignored


def test_slurm_profile_groups_each_photo_into_one_submission(local_run, tmp_path):
    root = project_with_two_photos(tmp_path / "grouped")
    options = group_options(REPO / "profiles/slurm/config.yaml")
    run_snakemake(root, *CLUSTER_GENERIC, *options, "--config", KS, profile=True)

    jobs = submissions(root).values()
    assert [job["type"] for job in jobs] == ["group"] * len(PHOTO_NAMES)
    # The results a group job leaves (its outputs no job of the group reads) are all
    # of one photo, and each photo is in one group job.
    photos_per_job = sorted(sorted({Path(path).parts[1] for path in job["output"]}) for job in jobs)
    assert photos_per_job == [[name] for name in PHOTO_NAMES]
    assert files_under(root / "results") == files_under(local_run[0] / "results")


def test_cluster_run_with_the_data_in_another_folder(local_run, tmp_path):
    """`--directory` puts a run's data apart from the workflow's code, as on a cluster
    where one installed workflow serves many projects: the jobs (and submit.sh, which
    runs in the working directory) must write only there."""
    code = copy_workflow(tmp_path / "code")
    data = two_photos_in(tmp_path / "data")
    shutil.copy2(code / "config.yaml", data / "config.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code_before = set(code.rglob("*"))

    run_snakemake(
        elsewhere,
        *("--snakefile", str(code / "Snakefile"), "--directory", str(data)),
        *("--workflow-profile", str(code / "profiles/cluster-generic")),
        *("--config", KS),
        profile=True,
    )

    assert files_under(data / "results") == files_under(local_run[0] / "results")
    assert len(submissions(data)) == cluster_jobs_of(local_run[1]).total()
    assert list(elsewhere.iterdir()) == []
    # Python may cache the compiled step scripts next to them; nothing else appears.
    new_in_code = {path for path in set(code.rglob("*")) - code_before}
    assert all("__pycache__" in path.parts for path in new_in_code)


def test_one_job_per_photo_on_the_cluster_is_five_submissions_a_photo(local_run, tmp_path):
    root = project_with_two_photos(tmp_path / "sweep")
    config = ("--config", KS, "one_job_per_photo=true")
    run_snakemake(root, *CLUSTER_GENERIC, *config, profile=True)

    per_photo = Counter({"resize": 1, "sweep": 1, "gif": 1, "elbow": 1, "sheet": 1})
    rules = Counter(job["rule"] for job in submissions(root).values())
    assert rules == Counter({rule: n * len(PHOTO_NAMES) for rule, n in per_photo.items()})
    # The same files as the default shape's, less the captions: the sweep draws its own.
    expected = files_under(local_run[0] / "results")
    assert files_under(root / "results") == {
        name: data for name, data in expected.items() if not name.endswith("captions.bin")
    }
