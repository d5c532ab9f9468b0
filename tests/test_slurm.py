"""The workflow on a real SLURM, through profiles/slurm as shipped.

tools/slurm.sh starts a single-node SLURM on this machine (as root; it installs Debian's
packages when missing), first without accounting, then with it (slurmdbd and MariaDB).
The tests run `snakemake --workflow-profile profiles/slurm` as a user would, and count
the submissions SLURM itself saw. They are skipped, saying why, only where SLURM cannot
start (with KMEANS_GIF_REQUIRE_SLURM=1, set by .ci/run, that is a failure instead), or
where it starts but cannot run even tools/slurm.sh's test job on this machine (the reason
then quoted is SLURM's own: its node, its queue and its logs).
"""

import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from conftest import KS, PHOTO_NAMES, REPO, files_under, project_with_two_photos, run_snakemake

SLURM_SH = REPO / "tools/slurm.sh"
PROFILE = REPO / "profiles/slurm/config.yaml"
SLURM_PROFILE = ("--workflow-profile", "profiles/slurm")
# The most a run may take to end after its last submission ended. The profile checks 5 s
# after a submission ended, 10 s later at each check that finds none ended (5, 15, 25, 35
# s): a submission of about 40 s, as here, is noticed within 35 s (seen: 13 to 31 s).
# With the plugin's defaults and no accounting the run never ended.
NOTICE_WITHIN_SECONDS = 45
# tools/slurm.sh start's exit status when SLURM is up but cannot run a job here.
CANNOT_RUN_JOBS = 3
# Two photos, three ks: about 2 minutes here. Far longer means a job that never ran.
RUN_TIMEOUT = 600


def start_slurm(*options: str):
    """Start (or restart) the single-node SLURM of tools/slurm.sh, or skip saying why not."""

    def cannot_start(reason: str):
        if os.environ.get("KMEANS_GIF_REQUIRE_SLURM") == "1":
            pytest.fail(f"SLURM is required here but {reason}")
        pytest.skip(reason)

    if sys.platform != "linux" or os.geteuid() != 0:
        cannot_start("starting SLURM needs root on Linux (tools/slurm.sh starts its daemons)")
    if not Path("/usr/bin/dpkg-query").exists():
        cannot_start("tools/slurm.sh needs Debian's packages (dpkg and apt-get)")
    subprocess.run([SLURM_SH, "stop"], check=False)
    started = subprocess.run(
        [SLURM_SH, "start", *options], capture_output=True, text=True, timeout=900, check=False
    )
    if started.returncode == CANNOT_RUN_JOBS:
        # The daemons run but a job cannot (a sandbox that slurmstepd cannot work in): no
        # test of ours can change that, so even CI skips, printing SLURM's own reasons.
        pytest.skip(f"SLURM cannot run a job on this machine: {started.stderr[-6000:]}")
    if started.returncode != 0:
        cannot_start(f"tools/slurm.sh start {' '.join(options)} failed: {started.stderr[-6000:]}")


def slurm_status() -> str:
    """What SLURM says of its node and jobs, and the ends of its logs (for failure messages)."""
    status = subprocess.run([SLURM_SH, "status"], capture_output=True, text=True, check=False)
    return status.stdout + status.stderr


@pytest.fixture(scope="module")
def slurm():
    """A SLURM without accounting: `sacct` is installed but answers nothing."""
    start_slurm()
    yield
    subprocess.run([SLURM_SH, "stop"], check=False)


@pytest.fixture(scope="module")
def slurm_with_accounting():
    """A SLURM with accounting (slurmdbd), as on most production clusters."""
    start_slurm("--accounting")
    yield
    subprocess.run([SLURM_SH, "stop"], check=False)


def slurm_jobs(after: int) -> list[dict]:
    """Return the submissions SLURM holds with a job id above ``after``, oldest first.

    SLURM keeps a finished job visible to squeue for MinJobAge (300 s) after it ends.
    """
    listing = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%i|%C|%T|%S|%e|%k"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    jobs = []
    for line in listing.splitlines():
        job_id, cpus, state, start, end, comment = line.strip().split("|", 5)
        if int(job_id) > after:
            jobs.append(
                {"id": int(job_id), "cpus": int(cpus), "state": state, "start": start}
                | {"end": end, "comment": comment}
            )
    return sorted(jobs, key=lambda job: job["id"])


def last_job_id() -> int:
    return max((job["id"] for job in slurm_jobs(after=0)), default=0)


def seconds_since(slurm_time: str) -> float:
    return time.time() - datetime.fromisoformat(slurm_time).timestamp()


def profile_cores() -> int:
    return yaml.safe_load(PROFILE.read_text())["cores"]


def submission_cores() -> int:
    """The CPUs a submission may ask for here: the profile's, or the node's if it has fewer.

    A request above the node's CPUs pends forever; the README tells users of small nodes
    to pass ``--cores N``, and so do the tests on a one-CPU machine.
    """
    node_cpus = subprocess.run(
        ["sinfo", "--noheader", "--format=%c"], capture_output=True, text=True, check=True
    ).stdout.split()
    return min([profile_cores(), *map(int, node_cpus)])


def slurm_command() -> tuple[str, ...]:
    """The options of a run on this SLURM, as a user of the profile would give them."""
    cores = submission_cores()
    fitted = () if cores == profile_cores() else ("--cores", str(cores))
    return (*SLURM_PROFILE, *fitted, "--config", KS)


def run_on_slurm(root: Path, check: bool = True):
    """Run the profile as shipped; return (the process, SLURM's record of its submissions,
    the seconds between the end of its last submission and the end of the run)."""
    before = last_job_id()
    try:
        result = run_snakemake(
            root, *slurm_command(), profile=True, cores=None, check=check, timeout=RUN_TIMEOUT
        )
    except subprocess.TimeoutExpired as timeout:
        printed = timeout.stderr or b""  # bytes, even for a text-mode run
        printed = printed.decode(errors="replace") if isinstance(printed, bytes) else printed
        pytest.fail(
            f"the run did not end within {RUN_TIMEOUT} s; Snakemake printed:\n"
            f"{printed[-3000:]}\n{slurm_status()}"
        )
    jobs = slurm_jobs(after=before)
    lag = seconds_since(max(job["end"] for job in jobs)) if jobs else None
    return result, jobs, lag


def check_submissions(jobs: list[dict], photos: int):
    """One submission per photo, each a group of the profile, within its CPUs, completed."""
    assert len(jobs) == photos, jobs
    assert all(job["comment"].startswith("rule_per_image") for job in jobs)
    assert all(job["cpus"] <= submission_cores() for job in jobs)
    assert all(job["state"] == "COMPLETED" for job in jobs)


def test_profile_as_shipped_runs_on_slurm_one_submission_per_photo(slurm, local_run, tmp_path):
    root = project_with_two_photos(tmp_path / "slurm")
    result, jobs, lag = run_on_slurm(root)

    check_submissions(jobs, photos=len(PHOTO_NAMES))
    # Three ks of a photo could run side by side: the group is capped at the profile's CPUs.
    assert profile_cores() < 3
    assert files_under(root / "results") == files_under(local_run[0] / "results")
    assert lag < NOTICE_WITHIN_SECONDS, f"the run ended {lag:.0f} s after its last job"
    # Without accounting `sacct` fails; the profile's status command does not use it.
    assert "Slurm accounting storage is disabled" not in result.stderr


def test_a_cancelled_submission_fails_its_photo_only_and_the_next_run_completes_it(
    slurm, local_run, tmp_path
):
    root = project_with_two_photos(tmp_path / "cancelled")
    before = last_job_id()
    command = [sys.executable, "-m", "snakemake", *slurm_command()]
    run = subprocess.Popen(command, cwd=root, stderr=subprocess.PIPE, text=True)
    # A photo's group asks for all the node's CPUs (2, the profile's cores): the photos run
    # one after the other. Cancel the first once it has made its first output.
    deadline = time.time() + 300
    while not list(root.glob("results/*/resized.png")):
        if time.time() > deadline or run.poll() is not None:
            run.kill()
            pytest.fail(f"no submission started:\n{run.communicate()[1][-3000:]}\n{slurm_status()}")
        time.sleep(0.2)
    cancelled = next(job for job in slurm_jobs(after=before) if job["state"] == "RUNNING")
    subprocess.run(["scancel", str(cancelled["id"])], check=True)
    stderr = run.communicate(timeout=600)[1]

    assert run.returncode == 1
    assert "Error in group per_image" in stderr
    assert f"*** JOB {cancelled['id']} ON" in stderr and "CANCELLED" in stderr
    assert re.search(r"1 of 2 photos failed in this run", stderr), stderr[-3000:]
    local = files_under(local_run[0] / "results")
    gifs = {name: (root / f"results/{name}/{name}.gif").exists() for name in PHOTO_NAMES}
    assert sorted(gifs.values()) == [False, True]
    finished = next(name for name, made in gifs.items() if made)
    mine = files_under(root / "results" / finished)
    assert mine == {
        path.removeprefix(f"{finished}/"): data
        for path, data in local.items()
        if path.startswith(f"{finished}/")
    }

    _, jobs, _ = run_on_slurm(root)
    check_submissions(jobs, photos=1)
    assert files_under(root / "results") == local


def test_profile_as_shipped_runs_on_slurm_with_accounting(
    slurm_with_accounting, local_run, tmp_path
):
    root = project_with_two_photos(tmp_path / "accounting")
    _, jobs, lag = run_on_slurm(root)

    check_submissions(jobs, photos=len(PHOTO_NAMES))
    # The accounting database saw the same submissions.
    recorded = subprocess.run(
        ["sacct", "--noheader", "--allocations", "--parsable2", "--format=JobIDRaw,State"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert {f"{job['id']}|COMPLETED" for job in jobs} <= set(recorded)
    assert files_under(root / "results") == files_under(local_run[0] / "results")
    assert lag < NOTICE_WITHIN_SECONDS, f"the run ended {lag:.0f} s after its last job"
