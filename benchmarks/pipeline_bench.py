"""How the workflow scales, from one photo to thousands, on this machine.

Everything runs in private temporary copies of the workflow (the repository is never
touched); the results are printed as Markdown and written, with the command and the
date, to benchmarks/pipeline_results.md:

1. Runs from clean on --cores 2, with the default profile as a user runs them: the
   reference photo alone, then the sample photos (images/ and benchmarks/photos/) x
   the default ks, as the workflow is, with one job per frame (annotate merged into
   cluster, tried in the copy) and with one job per photo (one_job_per_photo: true). Wall time,
   frames per second, CPU time, and the orchestration overhead: the wall time
   against the per-job times of Snakemake's `benchmark:` files (the copy gets a
   `benchmark:` line in every rule that has none). Also each step's peak memory,
   and the cost of jobs that do nothing: the floor under every job.
2. The reference tutorial (benchmarks/reference_tutorial.py) on the reference photo
   over the same ks, against the workflow's time per photo.
3. Planning: a dry run for 100, 300 and 1,000 placeholder photos (a dry run never
   decodes them), what dominates it (cProfile), and the measured effect of changes
   tried in a copy.

    python benchmarks/pipeline_bench.py            # everything (about 40 minutes)
    python benchmarks/pipeline_bench.py --quick    # smaller and noisier (about 4 minutes)

The machine is noisy: every time is the median of --repeats runs, and the tables
quote ratios rather than single times.
"""

import argparse
import csv
import datetime
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import psutil
import yaml

from reference_tutorial import TUTORIAL_KS, sweep_seconds

REPO = Path(__file__).resolve().parents[1]
SAMPLE_PHOTOS = sorted((REPO / "images").glob("*.*")) + sorted(
    (REPO / "benchmarks" / "photos").glob("*.*")
)
REFERENCE_PHOTO = REPO / "images" / "rocket.jpg"
# The tutorial's own run: a 313 x 500 photo, 351 s for its 14 ks.
TUTORIAL_PUBLISHED = {"pixels": 313 * 500, "seconds": 351.0}
CORES = 2
RESULTS_FILE = REPO / "benchmarks" / "pipeline_results.md"


# ---------------------------------------------------------------------------
# A private copy of the workflow
# ---------------------------------------------------------------------------


# Where the copies come from: the repository, or during a benchmark a snapshot of it
# taken at the start (see main), so that edits made meanwhile do not mix versions.
WORKFLOW_SOURCE = REPO


def workflow_copy(target: Path, source: Path | None = None) -> Path:
    """Copy what Snakemake needs to run the workflow (not results or logs) to ``target``."""
    source = source or WORKFLOW_SOURCE
    target.mkdir(parents=True)
    for name in ("Snakefile", "config.yaml"):
        shutil.copy2(source / name, target / name)
    for folder in ("workflow", "scripts", "profiles"):
        shutil.copytree(
            source / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return target


# A rule's log line, e.g. `        "logs/cluster/{image}/k_{k}.log",`; its benchmark goes
# to the same place under benchmarks/logs/ (git-ignored), as a .tsv.
LOG_DIRECTIVE = re.compile(r'^(    log:\n        "logs/(?P<path>[^"]+)\.log",?\n)', re.MULTILINE)


def add_benchmark_directives(root: Path) -> list[str]:
    """Give every rule with a `log:` and no `benchmark:` one; return the benchmark paths added.

    Rules that already have a `benchmark:` keep it, so this works before and after
    the repository's rules get their own.
    """
    added = []
    for rules_file in sorted((root / "workflow" / "rules").glob("*.smk")):
        blocks = re.split(r"(?m)^(?=rule |use rule )", rules_file.read_text())
        for index, block in enumerate(blocks):
            match = LOG_DIRECTIVE.search(block)
            if match and "    benchmark:" not in block:
                path = f"benchmarks/logs/{match['path']}.tsv"
                line = f'    benchmark:\n        "{path}"\n'
                blocks[index] = block[: match.start()] + line + block[match.start() :]
                added.append(path)
        rules_file.write_text("".join(blocks))
    return added


# The workflow profile of every run: the one `snakemake --cores N` loads in the project
# folder, so that the times are a user's. "none" runs with Snakemake's own defaults.
DEFAULT_PROFILE = "profiles/default"


def snakemake_command(*args: str, profile: str = DEFAULT_PROFILE) -> list[str]:
    """Return the Snakemake command line: ``CORES`` cores, ``profile``, then ``args``."""
    command = [sys.executable, "-m", "snakemake", "--cores", str(CORES)]
    return [*command, "--workflow-profile", profile, *args]


def snakemake_seconds(
    root: Path, *args: str, timeout: int = 3600, profile: str = DEFAULT_PROFILE
) -> float:
    """Run Snakemake in ``root`` with ``profile`` and return its wall time."""
    command = snakemake_command(*args, profile=profile)
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=root, capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return seconds


def watched_snakemake(
    root: Path, *args: str, every: float = 0.05, look=None, profile: str = DEFAULT_PROFILE
) -> dict:
    """Run Snakemake in ``root`` with ``profile``, looking at it every ``every`` seconds;
    return its times.

    ``wall``: seconds from start to end. ``cpu``: CPU seconds of Snakemake and of
    every process it started, as the operating system adds them up when they end.
    ``snakemake_cpu``: the Snakemake process's own CPU seconds, without its jobs.
    ``look(process)``, if given, is called at every look with Snakemake's
    psutil.Process, e.g. to sample its jobs.
    """
    log = root.parent / f"{root.name}.log"
    start = time.perf_counter()
    with open(log, "w") as out:
        command = snakemake_command(*args, profile=profile)
        process = subprocess.Popen(command, cwd=root, stdout=out, stderr=out)
    snakemake, own_cpu = psutil.Process(process.pid), 0.0
    while True:
        # os.wait4 (not process.poll) returns the CPU time of the whole process tree.
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        try:
            # Until it is collected, an ended process still shows its final CPU time.
            times = snakemake.cpu_times()
            own_cpu = times.user + times.system
            if look:
                look(snakemake)
        except psutil.Error:
            pass
        time.sleep(every)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed:\n{log.read_text()[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "snakemake_cpu": own_cpu}


def default_ks() -> list[int]:
    return yaml.safe_load((WORKFLOW_SOURCE / "config.yaml").read_text())["ks"]


# ---------------------------------------------------------------------------
# Changes tried in a copy (the rules are the team's to change). Each raises
# LookupError when the text it changes is gone: the change is then not measured.
# ---------------------------------------------------------------------------


def one_job_per_frame(root: Path) -> None:
    """cluster also writes the frame; the annotate rule goes (half the per-k jobs)."""
    replace_in(
        root / "workflow/rules/cluster.smk",
        'summary="results/{image}/clusters/k_{k}.json",\n',
        'summary="results/{image}/clusters/k_{k}.json",\n'
        '        frame="results/{image}/frames/k_{k}.png",\n',
    )
    replace_in(root / "Snakefile", 'include: "workflow/rules/annotate.smk"\n', "")


def shell_instead_of_script(root: Path) -> None:
    """Run the step scripts with `shell:` (the dry run never runs them)."""
    for rules_file in (root / "workflow/rules").glob("*.smk"):
        text = rules_file.read_text()
        new = re.sub(
            r'    script:\n        "\.\./\.\./scripts/(\w+\.py)"',
            r'    shell:\n        "python scripts/\1"',
            text,
        )
        rules_file.write_text(new)
    if "script:" in "".join(p.read_text() for p in (root / "workflow/rules").glob("*.smk")):
        raise LookupError("some script: directives were not replaced")


def plain_code_path(root: Path) -> None:
    """List the scripts as plain paths instead of workflow.source_path(...)."""
    replace_in(
        root / "workflow/rules/common.smk",
        'workflow.source_path(f"../../scripts/{name}.py")',
        'f"scripts/{name}.py"',
    )


def one_job_per_frame_with_shell(root: Path) -> None:
    one_job_per_frame(root)
    shell_instead_of_script(root)


def one_job_per_frame_that_runs(root: Path) -> None:
    """One job per frame, for real: the cluster job also draws its frame, as annotate did."""
    one_job_per_frame(root)
    script = root / "scripts/cluster.py"
    text = script.read_text()
    # The lines go at the end of the script's `if "snakemake" in globals():` block.
    if 'if "snakemake" in globals():' not in text or not text.splitlines()[-1].startswith(" "):
        raise LookupError("cluster.py no longer ends with its Snakemake block")
    script.write_text(
        text + "    from annotate import annotate_photo\n\n"
        "    run_step(snakemake, annotate_photo, snakemake.output.labels,"
        " snakemake.output.summary, snakemake.output.frame)\n"
    )


def one_job_per_photo(root: Path) -> None:
    """The workflow's own one_job_per_photo mode: one sweep job per photo for all its ks."""
    replace_in(root / "config.yaml", "one_job_per_photo: false", "one_job_per_photo: true")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if old not in text:
        raise LookupError(f"{path.name} no longer contains {old!r}")
    path.write_text(text.replace(old, new, 1))


# ---------------------------------------------------------------------------
# 1. Runs from clean
# ---------------------------------------------------------------------------


def photo_set(count: int) -> list[Path]:
    """Return ``count`` sample photos: the samples in order, starting over when they run out."""
    return [SAMPLE_PHOTOS[i % len(SAMPLE_PHOTOS)] for i in range(count)]


def copy_photos(photos: list[Path], folder: Path) -> Path:
    """Copy the photos into ``folder``, renaming repeats (rocket.jpg, rocket-2.jpg, ...)."""
    folder.mkdir(parents=True)
    seen = {}
    for photo in photos:
        seen[photo.stem] = seen.get(photo.stem, 0) + 1
        suffix = "" if seen[photo.stem] == 1 else f"-{seen[photo.stem]}"
        shutil.copy2(photo, folder / f"{photo.stem}{suffix}{photo.suffix}")
    return folder


def job_records(root: Path) -> list[dict]:
    """Return one record per job from the benchmark files: its rule and seconds.

    ``seconds`` is the job's wall time as Snakemake measured it (for a `script:` job:
    the Python process, its imports and the work). The files' CPU and memory columns
    are left out: Snakemake samples them when a job starts and then every 0.5 s, so
    most of these short jobs show next to nothing.
    """
    records = []
    for tsv in sorted((root / "benchmarks" / "logs").rglob("*.tsv")):
        # benchmarks/logs/RULE/PHOTO.tsv or benchmarks/logs/RULE/PHOTO/k_K.tsv
        rule = tsv.relative_to(root / "benchmarks" / "logs").parts[0]
        with open(tsv, newline="") as f:
            row = next(csv.DictReader(f, delimiter="\t"))
        records.append({"rule": rule, "seconds": number(row.get("s"))})
    return records


def number(text) -> float:
    """Snakemake writes NA when a job was too short to measure: count that as 0."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


def clean_run(photos: list[Path], workdir: Path, change=None) -> dict:
    """Run the workflow (with ``change`` made to it) from clean on ``photos``; return its times."""
    root = workflow_copy(workdir / "workflow")
    if change:
        change(root)
    add_benchmark_directives(root)
    photo_dir = copy_photos(photos, workdir / "photos")
    times = watched_snakemake(root, "--config", f"input_dir={photo_dir}")
    frames = len(list((root / "results").glob("*/frames/k_*.png")))
    if frames != len(photos) * len(default_ks()):
        raise RuntimeError(f"expected {len(photos) * len(default_ks())} frames, found {frames}")
    jobs = job_records(root)
    return times | {"jobs": jobs, "frames": frames, "photos": len(photos), "root": root}


def summary_of_runs(runs: list[dict]) -> dict:
    """Return the medians over repeated runs of the same photos."""

    def median(values) -> float:
        return statistics.median(list(values))

    wall = median(run["wall"] for run in runs)
    job_seconds = median(sum(job["seconds"] for job in run["jobs"]) for run in runs)
    jobs = len(runs[0]["jobs"])
    return {
        "photos": runs[0]["photos"],
        "frames": runs[0]["frames"],
        "jobs": jobs,
        "wall": wall,
        "frames_per_second": runs[0]["frames"] / wall,
        "job_seconds": job_seconds,
        "cpu": median(run["cpu"] for run in runs),
        "snakemake_cpu": median(run["snakemake_cpu"] for run in runs),
        "jobs_cpu": median(run["cpu"] - run["snakemake_cpu"] for run in runs),
        # The wall time not explained by the jobs running side by side on all cores.
        "overhead": wall - job_seconds / CORES,
        "overhead_per_job": (wall * CORES - job_seconds) / jobs,
        "by_rule": per_rule(runs[len(runs) // 2]["jobs"]),
        "root": runs[0]["root"],
    }


def per_rule(jobs: list[dict]) -> dict:
    """Return {rule: jobs, total and longest seconds}, for runtime advice."""
    rules = {}
    for job in jobs:
        entry = rules.setdefault(job["rule"], {"jobs": 0, "seconds": 0.0, "max_s": 0.0})
        entry["jobs"] += 1
        entry["seconds"] += job["seconds"]
        entry["max_s"] = max(entry["max_s"], job["seconds"])
    return rules


# Snakemake runs a `script:` job as `python .snakemake/scripts/tmpXXXX.NAME.py`.
JOB_SCRIPT = re.compile(r"\.snakemake/scripts/tmp[^/]*?\.(?P<name>[^/]+)\.py$")


def peak_memory_by_script(root: Path, *args: str) -> dict[str, float]:
    """Run Snakemake and return {step script: peak resident memory in MB} over its jobs.

    Every job process is sampled every 20 ms (this run is not timed): the
    `benchmark:` files cannot tell, see ``job_records``.
    """
    peaks = {}

    def sample_jobs(snakemake: psutil.Process) -> None:
        for job in snakemake.children(recursive=True):
            try:
                match = next(filter(None, map(JOB_SCRIPT.search, job.cmdline())), None)
                if match:
                    megabytes = job.memory_info().rss / 2**20
                    peaks[match["name"]] = max(peaks.get(match["name"], 0.0), megabytes)
            except psutil.Error:  # the job ended while we looked
                continue

    watched_snakemake(root, *args, every=0.02, look=sample_jobs)
    return peaks


# ---------------------------------------------------------------------------
# 2. The reference tutorial
# ---------------------------------------------------------------------------


def reference_seconds(ks: list[int]) -> dict:
    """Time the tutorial re-implementation on REFERENCE_PHOTO; extrapolate missing ks.

    With a subset of the 14 ks, the missing ks are counted honestly as a lower
    bound: their recolouring (a per-pixel loop, 1 to 2 s per k, a little slower for
    larger k) at the fastest measured k, and their k-means fit, which depends on k
    and on the random start (0.2 s to a minute), at zero.
    """
    image = cv2.imread(str(REFERENCE_PHOTO))
    sweep = sweep_seconds(image, ks, seed=0)
    missing = [k for k in TUTORIAL_KS if k not in ks]
    fastest_recolour = min(sweep["recolour"].values())
    return {
        "ks": ks,
        "measured": sweep["total"],
        "full_sweep": sweep["total"] + fastest_recolour * len(missing),
        "exact": not missing,
        "pixels": sweep["pixels"],
        "fit": sum(sweep["fit"].values()),
        "recolour": sum(sweep["recolour"].values()),
    }


# ---------------------------------------------------------------------------
# 3. Planning
# ---------------------------------------------------------------------------


def placeholder_photos(folder: Path, count: int) -> Path:
    """Write ``count`` one-byte .jpg files: a dry run lists photos but never decodes them."""
    folder.mkdir(parents=True)
    for index in range(count):
        (folder / f"photo{index:05d}.jpg").write_bytes(b"x")
    return folder


def dry_run_args(photo_dir: Path, quiet: bool = True) -> list[str]:
    return ["-n", *(["--quiet"] if quiet else []), "--config", f"input_dir={photo_dir}"]


def planning_seconds(root: Path, photo_dir: Path, repeats: int, *extra, quiet=True) -> float:
    """Return the median wall time of a dry run (the whole `snakemake -n` command)."""
    args = [*dry_run_args(photo_dir, quiet), *extra]
    return statistics.median(snakemake_seconds(root, *args) for _ in range(repeats))


def planning_variants(photo_dir: Path, workdir: Path, repeats: int) -> list[dict]:
    """Measure the dry run at one size with each change; return rows for the table."""
    quiet, printed = True, False
    variants = [
        ("as is (baseline)", None, [], quiet),
        ("without --quiet (every job printed)", None, [], printed),
        ("--rerun-triggers mtime", None, ["--rerun-triggers", "mtime"], quiet),
        ("kmeans.py input as a plain path, not workflow.source_path", plain_code_path, [], quiet),
        ("one job per frame (annotate merged into cluster)", one_job_per_frame, [], quiet),
        ("shell: instead of script:", shell_instead_of_script, [], quiet),
        ("one job per frame + shell:", one_job_per_frame_with_shell, [], quiet),
        ("one job per photo for all ks (one_job_per_photo: true)", one_job_per_photo, [], quiet),
        ("--batch all=1/10 (a tenth of the photos per run)", None, ["--batch", "all=1/10"], quiet),
    ]
    rows = []
    for index, (name, change, extra, is_quiet) in enumerate(variants):
        root = workflow_copy(workdir / f"variant{index}")
        try:
            if change:
                change(root)
        except LookupError as error:
            rows.append({"name": name, "seconds": None, "note": str(error)})
            continue
        seconds = planning_seconds(root, photo_dir, repeats, *extra, quiet=is_quiet)
        jobs = planned_jobs(root, photo_dir, *extra)
        rows.append({"name": name, "seconds": seconds, "jobs": jobs})
        print(f"  {name}: {seconds:.1f} s", flush=True)
    return rows


def planned_jobs(root: Path, photo_dir: Path, *extra: str) -> int:
    """Return the number of jobs a dry run plans (from its "Job stats" table)."""
    # "--quiet rules" keeps the table that bare --quiet leaves out.
    command = snakemake_command("-n", "--quiet", "rules", "--config", f"input_dir={photo_dir}")
    result = subprocess.run(
        [*command, *extra], cwd=root, capture_output=True, text=True, check=False
    )
    match = re.search(r"^total\s+(\d+)", result.stdout, re.MULTILINE)
    return int(match.group(1)) if match else 0


# Where planning time goes: inclusive time of a few functions in the profile.
PROFILE_AREAS = [
    (
        (
            "Snakemake's check, for every `script:` job, that its script exists "
            "(read through the source cache; smart_open parses the path each time)"
        ),
        "snakemake/script/__init__.py",
        {"get_source"},
    ),
    (
        "Creating job objects: wildcards into input/output/log/params lists",
        "snakemake/jobs.py",
        {"__init__"},
    ),
    ("Finding which rule makes each input file", "snakemake/output_index.py", {"match_producers"}),
    (
        "Deciding which jobs must run (outputs missing or older)",
        "snakemake/dag.py",
        {"update_needrun"},
    ),
    ("Checking outputs against directories", "snakemake/dag.py", {"check_directory_outputs"}),
    (
        "Conda environments per job (unused without --sdm conda)",
        "snakemake/dag.py",
        {"update_conda_envs"},
    ),
    (
        "Reading the workflow: Snakefile, config checks, photo discovery",
        "snakemake/workflow.py",
        {"include"},
    ),
    (
        "Our input functions (photo_path, frames_of, summaries_of)",
        ".smk",
        {"photo_path", "frames_of", "summaries_of"},
    ),
]


def planning_profile(root: Path, photo_dir: Path, workdir: Path) -> dict:
    """Profile one dry run with cProfile; return each area's share of the profiled time."""
    profile_file = workdir / "planning.prof"
    snakemake = snakemake_command(*dry_run_args(photo_dir))
    # The same command, under the profiler: python -m cProfile -o FILE -m snakemake ...
    command = [sys.executable, "-m", "cProfile", "-o", str(profile_file), *snakemake[1:]]
    subprocess.run(command, cwd=root, capture_output=True, check=True)
    stats = pstats.Stats(str(profile_file)).stats
    total = sum(entry[2] for entry in stats.values())  # own time of every function
    shares = {}
    for name, file_end, functions in PROFILE_AREAS:
        inclusive = sum(
            entry[3]
            for (file, _, function), entry in stats.items()
            if file.endswith(file_end) and function in functions
        )
        shares[name] = inclusive / total
    return {"total": total, "shares": shares}


# ---------------------------------------------------------------------------
# 1 (continued). The floor under every job
# ---------------------------------------------------------------------------

EMPTY_WORKFLOW = """\
rule all:
    input:
        expand("out/{i}.txt", i=range(JOBS)),


rule empty:
    output:
        "out/{i}.txt",
    DIRECTIVE
"""
# Jobs that do nothing but create their output: what Snakemake and the job's process
# cost before any work. A `script:` job starts Python, which imports Snakemake to
# receive its `snakemake` object; a `shell:` job starts a shell, and here Python.
EMPTY_JOBS = {
    "`script:` (Python + Snakemake's script preamble)": 'script:\n        "empty.py"',
    "`shell:` running `touch`": 'shell:\n        "touch {output}"',
    "`shell:` running Python that imports numpy and cv2": (
        'shell:\n        "python empty_cli.py {output}"'
    ),
}
EMPTY_SCRIPTS = {
    "empty.py": 'open(snakemake.output[0], "w").close()\n',
    "empty_cli.py": 'import sys\n\nimport cv2\nimport numpy\n\nopen(sys.argv[1], "w").close()\n',
}


def empty_job_seconds(workdir: Path, directive: str, jobs: int = 56) -> float:
    """Return the core-seconds per job of ``jobs`` jobs that only create their output."""
    workdir.mkdir(parents=True)
    snakefile = EMPTY_WORKFLOW.replace("JOBS", str(jobs)).replace("DIRECTIVE", directive)
    (workdir / "Snakefile").write_text(snakefile)
    for name, text in EMPTY_SCRIPTS.items():
        (workdir / name).write_text(text)
    return snakemake_seconds(workdir, profile="none") * CORES / jobs


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def markdown(results: dict, command: str) -> str:
    """Return the results as Markdown tables, with the command and the machine."""
    ks = results["ks"]
    lines = [
        "# Workflow benchmark: from one photo to thousands",
        "",
        f"Command: `{command}`  ",
        f"Date: {results['date']}  ",
        (
            f"Machine: {CORES} cores used, Python {platform.python_version()}, "
            f"Snakemake {results['snakemake']}, {platform.machine()}  "
        ),
        f"Every time is a median of {results['repeats']} runs unless marked; ks = {ks}.",
        "",
        "## Runs from clean (`--cores 2`)",
        "",
        (
            "| workflow | photos | jobs | wall s | frames/s | sum of job s | orchestration "
            "overhead s | per job, core-s outside jobs | CPU s: Snakemake itself | CPU s: jobs |"
        ),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    labels = {
        "single": "as is",
        "all": "as is",
        "per_frame": "one job per frame (tried in a copy)",
        "per_photo": "one job per photo for all ks (one_job_per_photo: true)",
    }
    for name, run in results["runs"].items():
        if run is None:
            lines.append(f"| {labels[name]} | not measured: the rules changed | | | | | | | | |")
            continue
        lines.append(
            f"| {labels[name]} | {run['photos']} | {run['jobs']} | {run['wall']:.1f} | "
            f"{run['frames_per_second']:.2f} | {run['job_seconds']:.1f} | "
            f"{run['overhead']:.1f} ({run['overhead'] / run['wall']:.0%}) | "
            f"{run['overhead_per_job']:.3f} | {run['snakemake_cpu']:.1f} | {run['jobs_cpu']:.1f} |"
        )
    changes = {
        "per_frame": "One job per frame: the cluster job also draws its frame (annotate "
        "merged into cluster)",
        "per_photo": "One job per photo (one_job_per_photo: true): a sweep job makes every "
        "k's label map, summary and frame in one process, in place of cluster and annotate",
    }
    for name, what in changes.items():
        run = results["runs"][name]
        if run:
            identical = "byte-identical to" if run["same_results"] else "DIFFERENT from"
            lines += ["", f"{what}; frames and animations {identical} the workflow's as is."]
    lines += [
        "",
        (
            "Sum of job s: the jobs' wall times from Snakemake's `benchmark:` files; for a "
            "`script:` job they include its own Python start and imports. Orchestration "
            "overhead = wall - (sum of job s) / cores: the time not explained by jobs "
            "running side by side. CPU s from the operating system: the Snakemake process "
            "itself (DAG, scheduling, bookkeeping) and everything it started (the jobs)."
        ),
        "",
        "The floor under every job: core-seconds per job of 56 jobs that only create their output.",
        "",
        "| empty job | core-s per job |",
        "| --- | ---: |",
        *(f"| {name} | {seconds:.3f} |" for name, seconds in results["empty_jobs"].items()),
        "",
        "Per rule, in the run of all photos as is (for `resources: runtime`):",
        "",
        "| rule | jobs | mean s | longest s |",
        "| --- | ---: | ---: | ---: |",
    ]
    for rule, entry in sorted(results["runs"]["all"]["by_rule"].items()):
        mean = entry["seconds"] / entry["jobs"]
        lines.append(f"| {rule} | {entry['jobs']} | {mean:.2f} | {entry['max_s']:.2f} |")
    lines += [
        "",
        (
            "Peak memory per step script over the jobs of all photos, sampled every 20 ms "
            "(for `resources: mem_mb`):"
        ),
        "",
        "| script | peak MB |",
        "| --- | ---: |",
    ]
    for script, megabytes in sorted(results["memory"].items()):
        lines.append(f"| {script}.py | {megabytes:.0f} |")
    lines += reference_lines(results)
    lines += planning_lines(results)
    return "\n".join(lines) + "\n"


def reference_lines(results: dict) -> list[str]:
    reference = results.get("reference")
    if reference is None:
        return ["", "## Reference tutorial", "", "Not run (--skip-reference).", ""]
    tutorial = reference["full_sweep"]
    which = (
        "all 14 ks, measured"
        if reference["exact"]
        else f"ks {reference['ks']} measured ({reference['measured']:.0f} s), the others "
        "extrapolated as a lower bound (recolouring only)"
    )
    bound = "" if reference["exact"] else "at least "
    per_pixel = TUTORIAL_PUBLISHED["seconds"] / TUTORIAL_PUBLISHED["pixels"]
    rows = []
    for name, label in (
        ("all", "as is"),
        ("per_frame", "one job per frame"),
        ("per_photo", "one job per photo"),
    ):
        run = results["runs"][name]
        if run:
            count = run["photos"]
            rows += [
                (f"{label}, {count} photos: wall time / photos", run["wall"] / count),
                (f"{label}, {count} photos: CPU of all processes / photos", run["cpu"] / count),
                (f"{label}, {count} photos: CPU of the jobs / photos", run["jobs_cpu"] / count),
            ]
    single = results["runs"]["single"]
    rows += [
        (f"as is, {REFERENCE_PHOTO.name} alone from clean: wall time", single["wall"]),
        (f"as is, {REFERENCE_PHOTO.name} alone from clean: CPU of all processes", single["cpu"]),
    ]
    lines = [
        "",
        (
            f"## Reference tutorial on {REFERENCE_PHOTO.name} ({reference['pixels']:,} pixels "
            "after its resize)"
        ),
        "",
        (
            f"Re-implementation (benchmarks/reference_tutorial.py): {bound}{tutorial:.0f} s "
            f"({which}; k-means fit {reference['fit']:.0f} s, per-pixel recolouring "
            f"{reference['recolour']:.0f} s). The tutorial's published run: "
            f"{TUTORIAL_PUBLISHED['seconds']:.0f} s on 313 x 500 pixels, i.e. "
            f"{per_pixel * reference['pixels']:.0f} s at this photo's pixel count."
        ),
        "",
        "| our time per photo | s | tutorial / ours | target 100x |",
        "| --- | ---: | ---: | :---: |",
    ]
    for name, seconds in rows:
        ratio = tutorial / seconds
        shown = f"{ratio:.0f}" if ratio >= 10 else f"{ratio:.1f}"
        met = "yes" if ratio >= 100 else "no"
        lines.append(f"| {name} | {seconds:.2f} | {bound}{shown}x | {met} |")
    return lines


def planning_lines(results: dict) -> list[str]:
    sizes = results["planning"]
    lines = [
        "",
        "## Planning: `snakemake -n --quiet` on placeholder photos",
        "",
        "| photos | jobs | s (median) | ms per job |",
        "| ---: | ---: | ---: | ---: |",
    ]
    # The row for 0 photos is the fixed cost: starting Python and Snakemake, reading the workflow.
    for row in sizes:
        per_job = f"{1000 * row['seconds'] / row['jobs']:.2f}" if row["photos"] else "fixed cost"
        lines.append(f"| {row['photos']} | {row['jobs']} | {row['seconds']:.1f} | {per_job} |")
    measured = [row for row in sizes if row["photos"]]
    if len(measured) >= 2:
        first, last = measured[0], measured[-1]
        growth = (last["seconds"] / first["seconds"]) / (last["photos"] / first["photos"])
        lines += [
            "",
            (
                f"From {first['photos']} to {last['photos']} photos the time grows "
                f"{last['seconds'] / first['seconds']:.1f}x for {last['photos'] / first['photos']:.0f}x "
                f"the photos ({growth:.2f} of linear)."
            ),
        ]
    profile = results.get("profile")
    if profile:
        lines += [
            "",
            (
                f"Where the time goes at {results['profile_photos']} photos (cProfile, "
                f"{profile['total']:.0f} s profiled; areas overlap a little):"
            ),
            "",
            "| area | share |",
            "| --- | ---: |",
        ]
        for name, share in sorted(profile["shares"].items(), key=lambda item: -item[1]):
            lines.append(f"| {name} | {share:.0%} |")
    variants = results.get("variants")
    if variants:
        baseline = variants[0]["seconds"]
        lines += [
            "",
            f"Changes tried in a copy, at {results['profile_photos']} photos:",
            "",
            "| change | jobs | s (median) | vs as is |",
            "| --- | ---: | ---: | ---: |",
        ]
        for row in variants:
            if row["seconds"] is None:
                lines.append(f"| {row['name']} | | not measured: {row['note']} | |")
                continue
            lines.append(
                f"| {row['name']} | {row['jobs']} | {row['seconds']:.1f} | "
                f"{row['seconds'] / baseline:.2f}x |"
            )
    return lines


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


# Defaults of the full run, and of --quick (options given explicitly win over both).
FULL = {
    "photos": len(SAMPLE_PHOTOS),
    "repeats": 3,
    "reference_ks": ",".join(map(str, TUTORIAL_KS)),
    "plan_sizes": "100,300,1000",
}
QUICK = {"photos": 3, "repeats": 1, "reference_ks": "1,2,3", "plan_sizes": "100,300"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--photos",
        type=int,
        help=f"photos in the runs from clean (default {FULL['photos']}: all samples; "
        "more repeat them)",
    )
    parser.add_argument("--repeats", type=int, help="runs per time, of which the median")
    parser.add_argument(
        "--reference-ks",
        help="ks of the reference tutorial run (default: all 14; the others are extrapolated)",
    )
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--plan-sizes", help="photos per dry run (default 100,300,1000)")
    parser.add_argument("--skip-variants", action="store_true", help="try no changes")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 photos, 1 run each, reference on ks 1,2,3, planning at 100 and 300 photos",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_FILE)
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    command = "python benchmarks/pipeline_bench.py " + " ".join(sys.argv[1:])
    import snakemake

    results = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "snakemake": snakemake.__version__,
        "repeats": args.repeats,
    }
    with tempfile.TemporaryDirectory(prefix="pipeline_bench_") as tmp:
        work = Path(tmp)
        global WORKFLOW_SOURCE
        WORKFLOW_SOURCE = workflow_copy(work / "snapshot", source=REPO)
        results["ks"] = default_ks()
        results.update(measure_runs(args, work / "runs"))
        results["empty_jobs"] = {
            name: empty_job_seconds(work / f"empty{index}", directive)
            for index, (name, directive) in enumerate(EMPTY_JOBS.items())
        }
        if not args.skip_reference:
            ks = [int(k) for k in args.reference_ks.split(",")]
            print(f"Reference tutorial on {REFERENCE_PHOTO.name}, ks {ks} ...", flush=True)
            results["reference"] = reference_seconds(ks)
        results.update(measure_planning(args, work / "planning"))
    text = markdown(results, command.strip())
    args.output.write_text(text)
    print(text)


def measure_runs(args, work: Path) -> dict:
    """Runs from clean: the reference photo alone, then ``args.photos`` photos as they are
    and with one job per frame."""
    photos = photo_set(args.photos)
    sets = {
        "single": ([REFERENCE_PHOTO], None),
        "all": (photos, None),
        "per_frame": (photos, one_job_per_frame_that_runs),
        "per_photo": (photos, one_job_per_photo),
    }
    summaries = {}
    for name, (chosen, change) in sets.items():
        runs = []
        for repeat in range(args.repeats):
            print(
                f"Run from clean ({name}): {len(chosen)} photo(s), repeat {repeat + 1}", flush=True
            )
            try:
                runs.append(clean_run(chosen, work / f"{name}-{repeat}", change))
            except (LookupError, RuntimeError) as error:
                if change is None:
                    raise
                # A change that no longer fits the workflow is reported, not fatal.
                print(f"  not measured: {str(error)[-500:]}", flush=True)
                break
        summaries[name] = summary_of_runs(runs) if runs else None
    for name in ("per_frame", "per_photo"):
        if summaries[name]:
            same = same_results(summaries["all"]["root"], summaries[name]["root"])
            summaries[name]["same_results"] = same
    print(f"Memory of every job: {args.photos} photos, sampled", flush=True)
    root = workflow_copy(work / "memory" / "workflow")
    photo_dir = copy_photos(photos, work / "memory" / "photos")
    return {
        "runs": summaries,
        "memory": peak_memory_by_script(root, "--config", f"input_dir={photo_dir}"),
    }


def same_results(root: Path, other: Path) -> bool:
    """Are the frames and animations of two runs byte-identical?"""
    patterns = ["*/frames/*.png", "*/*.gif", "*/*.webp"]

    def files(folder: Path) -> dict:
        found = (path for pattern in patterns for path in (folder / "results").glob(pattern))
        return {path.relative_to(folder): path.read_bytes() for path in found}

    return files(root) == files(other)


def measure_planning(args, work: Path) -> dict:
    """Dry runs at every size, then the profile and the changes at the largest size."""
    root = workflow_copy(work / "workflow")
    rows = []
    for photos in [0] + [int(n) for n in args.plan_sizes.split(",")]:
        photo_dir = placeholder_photos(work / f"photos{photos}", photos)
        seconds = planning_seconds(root, photo_dir, args.repeats)
        rows.append({"photos": photos, "seconds": seconds, "jobs": planned_jobs(root, photo_dir)})
        print(f"Planning {photos} photos: {seconds:.1f} s", flush=True)
    largest = work / f"photos{rows[-1]['photos']}"
    results = {"planning": rows, "profile_photos": rows[-1]["photos"]}
    print("Profiling the largest dry run ...", flush=True)
    results["profile"] = planning_profile(root, largest, work)
    if not args.skip_variants:
        print("Changes tried:", flush=True)
        results["variants"] = planning_variants(largest, work, args.repeats)
    return results


if __name__ == "__main__":
    main()
