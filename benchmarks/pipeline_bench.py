"""The workflow against the plain script a user would write, side by side, and what each job costs.

Everything runs in private temporary copies of the workflow (the repository is never
touched); the results are printed as Markdown and written, with the command and the
date, to benchmarks/pipeline_results.md:

1. Side by side, in one run, on the same photos (the samples of images/ and
   benchmarks/photos/, resized to 500 px by the workflow's own resize step first, so
   that everyone clusters the same pixels), the same ks and --cores 2, the repeats
   interleaved: the plain single-process script (benchmarks/plain_script.py:
   scikit-learn's KMeans on every pixel, putText, imageio), the workflow as a user runs
   it (profiles/default) in its default shape, and with one_job_per_photo: true; also
   the plain script on one thread, where scikit-learn's threads cannot spin; on
   request (--contenders per_frame) one job per frame, tried in a copy. Wall
   time, CPU of all processes (each contender and everything it started, as the
   operating system adds them up) and the SSE of the fits, ours from the summaries,
   the plain script's computed the same way on the same pixels.
2. Where the default shape's CPU goes: one more run in which every job's command is
   timed by /usr/bin/time (no `benchmark:` directive), per rule, against the same
   command's start-up alone (`--help`: Python, the imports, the options) and
   Snakemake's own CPU. Also each step's peak memory, for `resources: mem_mb`.
3. What Snakemake's `script:` preamble costs: the annotate step run as a `script:`
   job and as the `shell:` command the rule runs, the same jobs, side by side.
4. The reference tutorial (benchmarks/reference_tutorial.py) on the reference photo
   (--reference), and planning: a dry run for 100, 300 and 1,000 placeholder photos,
   what dominates it (cProfile) and changes tried in a copy (--planning).

    python benchmarks/pipeline_bench.py --photos 4 --repeats 3   # 1 to 3 (about 20 minutes)
    python benchmarks/pipeline_bench.py --reference --planning   # everything (about 45 minutes)
    python benchmarks/pipeline_bench.py --quick                  # 2 photos, once (about 3 minutes)
    python benchmarks/pipeline_bench.py --photos 4 --repeats 3 --contenders per_frame \
        --side-by-side-only --output benchmarks/one_job_per_frame_results.md

Every contender runs with Python's default bytecode caching (PYTHONDONTWRITEBYTECODE
removed from the environment), as on a user's machine. The machine is noisy: every
time is the median of --repeats runs, and the tables quote ratios rather than single
times.
"""

import argparse
import datetime
import json
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
from PIL import Image

from reference_tutorial import TUTORIAL_KS, sweep_seconds

REPO = Path(__file__).resolve().parents[1]
PLAIN_SCRIPT = Path(__file__).resolve().parent / "plain_script.py"
SAMPLE_PHOTOS = sorted((REPO / "images").glob("*.*")) + sorted(
    (REPO / "benchmarks" / "photos").glob("*.*")
)
REFERENCE_PHOTO = REPO / "images" / "rocket.jpg"
# The tutorial's own run: a 313 x 500 photo, 351 s for its 14 ks.
TUTORIAL_PUBLISHED = {"pixels": 313 * 500, "seconds": 351.0}
CORES = 2
MAX_SIZE = 500
RESULTS_FILE = REPO / "benchmarks" / "pipeline_results.md"
# What Snakemake sets for a job of `threads: 1` (snakemake/shell.py): commands timed
# outside Snakemake get the same, so that numpy starts no thread pool there either.
ONE_THREAD = {
    name: "1"
    for name in (
        "OMP_NUM_THREADS",
        "GOTO_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    )
}


# ---------------------------------------------------------------------------
# A private copy of the workflow, and measured runs
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


def measured_run(
    command: list, cwd: Path, log: Path, env: dict | None = None, every: float = 0.05, look=None
) -> dict:
    """Run ``command`` in ``cwd`` (output to ``log``) and return its times.

    ``wall``: seconds from start to end. ``cpu``: CPU seconds of the process and of
    every process it started, as the operating system adds them up when they end
    (os.wait4: children that were waited for count, however deep). ``own_cpu``: the
    process's own CPU seconds, without its children. ``look(process)``, if given, is
    called every ``every`` seconds with the psutil.Process, e.g. to sample its jobs.
    """
    start = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(part) for part in command], cwd=cwd, stdout=out, stderr=out, env=env
        )
    watched, own_cpu = psutil.Process(process.pid), 0.0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        try:
            # Until it is collected, an ended process still shows its final CPU time.
            times = watched.cpu_times()
            own_cpu = times.user + times.system
            if look:
                look(watched)
        except psutil.Error:
            pass
        time.sleep(every)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command[:4]} failed:\n{log.read_text()[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "own_cpu": own_cpu}


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
    """Run Snakemake in ``root`` with ``profile``; return ``measured_run``'s times, with
    ``snakemake_cpu``: the Snakemake process's own CPU seconds, without its jobs."""
    log = root.parent / f"{root.name}.log"
    command = snakemake_command(*args, profile=profile)
    times = measured_run(command, root, log, every=every, look=look)
    return times | {"snakemake_cpu": times["own_cpu"]}


def default_ks() -> list[int]:
    return yaml.safe_load((WORKFLOW_SOURCE / "config.yaml").read_text())["ks"]


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


def resized_photos(photos: list[Path], folder: Path) -> Path:
    """Write each photo resized to MAX_SIZE by the workflow's resize step, as folder/NAME.png.

    Every contender then reads the same pixels: the workflow's resize leaves a photo of
    MAX_SIZE alone, and so does the plain script's.
    """
    originals = copy_photos(photos, folder.parent / f"{folder.name}-originals")
    folder.mkdir(parents=True)
    for photo in sorted(originals.iterdir()):
        output = folder / f"{photo.stem}.png"
        command = [sys.executable, WORKFLOW_SOURCE / "scripts" / "resize.py"]
        command += [f"--max_size={MAX_SIZE}", f"--output={output}", "--", photo]
        subprocess.run([str(part) for part in command], check=True)
    return folder


def same_results(root: Path, other: Path) -> bool:
    """Are the frames and animations of two runs byte-identical?"""
    patterns = ["*/frames/*.png", "*/*.gif", "*/*.webp"]

    def files(folder: Path) -> dict:
        found = (path for pattern in patterns for path in (folder / "results").glob(pattern))
        return {path.relative_to(folder): path.read_bytes() for path in found}

    return files(root) == files(other)


def gif_frames(path: Path) -> int:
    with Image.open(path) as image:
        return image.n_frames


# ---------------------------------------------------------------------------
# 1. Side by side: the plain script and the workflow's two shapes
# ---------------------------------------------------------------------------

CONTENDERS = {
    "plain": "the plain script: scikit-learn `KMeans` defaults on every pixel, `putText`, imageio GIF",
    # Not a target: scikit-learn's threads spin while they wait for each other, which
    # costs CPU on a busy machine; on one thread that cost is gone.
    "plain_one_thread": "the plain script on one thread (`OMP_NUM_THREADS=1`)",
    "default": "the workflow, default shape (a cluster and an annotate job per frame)",
    "per_photo": "the workflow, `one_job_per_photo: true` (a sweep job per photo)",
    "per_frame": "one job per frame, tried in a copy: the cluster job also draws its frame",
}


def one_job_per_frame(root: Path) -> None:
    """Merge annotate into cluster in the copy: each (photo, k) job runs the sweep step for
    its one k, which writes the label map, the summary and the frame (the same files)."""
    replace_in(
        root / "workflow/rules/cluster.smk",
        '        summary="results/{image}/clusters/k_{k}.json",\n',
        '        summary="results/{image}/clusters/k_{k}.json",\n'
        '        frame="results/{image}/frames/k_{k}.png",\n',
    )
    replace_in(
        root / "workflow/rules/cluster.smk", 'step_script("cluster")', 'step_script("sweep")'
    )
    replace_in(
        root / "workflow/rules/cluster.smk", 'step_library("cluster")', 'step_library("sweep")'
    )
    replace_in(
        root / "workflow/rules/cluster.smk",
        '"python {input.script:q} --k={wildcards.k:q} --image={wildcards.image:q} {params.fit:q}"\n'
        '        " --labels={output.labels:q} --summary={output.summary:q} -- {input.colours:q} 2> {log:q}"',
        '"python {input.script:q} --ks={wildcards.k:q} --image={wildcards.image:q} {params.fit:q}"\n'
        '        " --labels={output.labels:q} --summaries={output.summary:q} --frames={output.frame:q}"\n'
        '        " -- {input.colours:q} 2> {log:q}"',
    )
    replace_in(root / "Snakefile", '    include: "workflow/rules/annotate.smk"\n', "")


def run_contender(name: str, photo_dir: Path, workdir: Path) -> dict:
    """Run one contender from clean on the photos; return its times, SSEs and outputs.

    ``sse``: {photo: [SSE of each k]}, ours from the photos' summaries, the plain
    script's from its own --sse file (the same sum over the same pixels).
    """
    workdir.mkdir(parents=True)
    ks = default_ks()
    photos = sorted(photo_dir.iterdir())
    if name.startswith("plain"):
        output = workdir / "gifs"
        command = [sys.executable, PLAIN_SCRIPT, "--output", output, "--sse", workdir / "sse.json"]
        command += ["--ks", *ks, "--", *photos]
        env = os.environ | ONE_THREAD if name == "plain_one_thread" else None
        times = measured_run(command, workdir, workdir / "run.log", env=env)
        sse = json.loads((workdir / "sse.json").read_text())
        gifs = {photo.stem: output / f"{photo.stem}.gif" for photo in photos}
    else:
        root = workflow_copy(workdir / "workflow")
        if name == "per_frame":
            one_job_per_frame(root)
        config = ["--config", f"input_dir={photo_dir}"]
        if name == "per_photo":
            config.append("one_job_per_photo=true")
        times = watched_snakemake(root, *config)
        results = root / "results"
        sse = {
            p.stem: json.loads((results / p.stem / "summary.json").read_text())["sse"]
            for p in photos
        }
        gifs = {photo.stem: results / photo.stem / f"{photo.stem}.gif" for photo in photos}
    wrong = {stem: gif_frames(gif) for stem, gif in gifs.items() if gif_frames(gif) != len(ks)}
    if wrong:
        raise RuntimeError(f"{name}: GIFs without {len(ks)} frames: {wrong}")
    return times | {"sse": sse, "workdir": workdir}


def side_by_side(photo_dir: Path, work: Path, repeats: int, names: list[str]) -> dict:
    """Run the contenders ``names`` ``repeats`` times, interleaved (the order turns each round)."""
    runs = {name: [] for name in names}
    for repeat in range(repeats):
        order = names[repeat % len(names) :] + names[: repeat % len(names)]
        for name in order:
            print(f"Side by side, round {repeat + 1}: {name}", flush=True)
            runs[name].append(run_contender(name, photo_dir, work / f"{name}-{repeat}"))
    photos = len(list(photo_dir.iterdir()))
    ours = runs["default"][0]["sse"]
    rows = {}
    for name in names:
        wall = [run["wall"] for run in runs[name]]
        cpu = [run["cpu"] for run in runs[name]]
        ratios = [
            mine / base
            for stem, sses in runs[name][0]["sse"].items()
            for mine, base in zip(sses, ours[stem], strict=True)
        ]
        rows[name] = {
            "wall": statistics.median(wall),
            "walls": wall,
            "cpu_per_photo": statistics.median(cpu) / photos,
            "cpus_per_photo": [value / photos for value in cpu],
            "own_cpu_per_photo": statistics.median(run["own_cpu"] for run in runs[name]) / photos,
            "sse_mean": statistics.mean(ratios),
            "sse_max": max(ratios),
        }
    default = runs["default"][0]["workdir"] / "workflow"
    shapes = [name for name in names if name not in ("plain", "plain_one_thread", "default")]
    same = all(same_results(default, runs[name][0]["workdir"] / "workflow") for name in shapes)
    return {
        "photos": photos,
        "photo_names": [photo.stem for photo in sorted(photo_dir.iterdir())],
        "rows": rows,
        "same_results": same,
        "default_root": runs["default"][0]["workdir"] / "workflow",
    }


# ---------------------------------------------------------------------------
# 2. Where the default shape's CPU goes
# ---------------------------------------------------------------------------

# Every job's command becomes `/usr/bin/time ... python scripts/STEP.py ...`: one line
# per job with its wall, CPU and peak memory, and the command (which names the step).
JOB_TIMES_FORMAT = "%e\t%U\t%S\t%M\t%C"
STEP_OF_SCRIPT = re.compile(r"scripts/(?P<step>\w+)\.py ")
RULE_OF_STEP = {
    "resize": "resize",
    "cluster": "cluster",
    "captions": "captions",
    "annotate": "annotate",
    "sweep": "sweep",
    "animate": "gif",
    "elbow": "elbow",
    "contact_sheet": "sheet",
}


def timed_jobs(root: Path, times_file: Path) -> None:
    """Prefix every `shell:` command of the copy with /usr/bin/time, appending to ``times_file``."""
    snakefile = root / "Snakefile"
    prefix = f"set -euo pipefail; /usr/bin/time -a -o {times_file} -f '{JOB_TIMES_FORMAT}' "
    text = snakefile.read_text()
    snakefile.write_text(f"shell.prefix({prefix!r})\n\n{text}")


def job_times(times_file: Path) -> list[dict]:
    """Return one record per job from ``times_file``: its step, wall, CPU and peak MB."""
    jobs = []
    for line in times_file.read_text().splitlines():
        wall, user, system, kilobytes, command = line.split("\t", 4)
        step = STEP_OF_SCRIPT.search(command)["step"]
        jobs.append(
            {
                "step": step,
                "wall": float(wall),
                "cpu": float(user) + float(system),
                "mb": int(kilobytes) / 1024,
            }
        )
    return jobs


def start_up_seconds(step: str, repeats: int) -> float:
    """Return the median CPU seconds of ``scripts/STEP.py --help`` run as a job runs it.

    Python, the step's imports and its option parser: what a job pays before its work.
    """
    script = WORKFLOW_SOURCE / "scripts" / f"{step}.py"
    env = os.environ | ONE_THREAD
    seconds = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            command = ["bash", "-c", 'set -euo pipefail; python "$0" --help > /dev/null', script]
            log = Path(tmp) / "help.log"
            seconds.append(measured_run(command, Path(tmp), log, env=env)["cpu"])
    return statistics.median(seconds)


def where_the_cpu_goes(photo_dir: Path, work: Path, repeats: int) -> dict:
    """One run of the default shape with every job timed; CPU per rule and per photo."""
    print("Where the CPU goes: the default shape, every job timed", flush=True)
    root = workflow_copy(work / "workflow")
    times_file = work / "job_times.tsv"
    timed_jobs(root, times_file)
    run = watched_snakemake(root, "--config", f"input_dir={photo_dir}")
    jobs = job_times(times_file)
    photos = len(list(photo_dir.iterdir()))
    rules = {}
    for step in dict.fromkeys(job["step"] for job in jobs):
        mine = [job for job in jobs if job["step"] == step]
        rules[RULE_OF_STEP[step]] = {
            "jobs": len(mine),
            "cpu": sum(job["cpu"] for job in mine) / len(mine),
            "start_up": start_up_seconds(step, repeats),
            "max_wall": max(job["wall"] for job in mine),
            "mb": max(job["mb"] for job in mine),
        }
    jobs_cpu = sum(job["cpu"] for job in jobs)
    return {
        "photos": photos,
        "rules": rules,
        "cpu": run["cpu"],
        "jobs_cpu": jobs_cpu,
        "snakemake_cpu": run["snakemake_cpu"],
        "jobs": len(jobs),
    }


# ---------------------------------------------------------------------------
# 3. `script:` against `shell:`: the annotate step both ways
# ---------------------------------------------------------------------------

ANNOTATE_WORKFLOW = """\
NAMES = glob_wildcards("in/{name}.json").name


rule all:
    input:
        expand("out/{name}.png", name=NAMES),


rule annotate:
    input:
        labels="in/{name}.png",
        summary="in/{name}.json",
        captions="in/{name}.bin",
    output:
        "out/{name}.png",
    DIRECTIVE
"""
ANNOTATE_JOBS = {
    "`shell:` (the rule's command)": (
        'shell:\n        "python SCRIPTS/annotate.py --output={output:q}'
        ' -- {input.labels:q} {input.summary:q} {input.captions:q}"'
    ),
    "`script:` (Snakemake's preamble, then the same function)": 'script:\n        "annotate_job.py"',
}
# The `script:` job: what the rules ran before they became commands.
ANNOTATE_SCRIPT = """\
import sys

sys.path.insert(0, "SCRIPTS")
from annotate import annotate_photo

annotate_photo(*snakemake.input, snakemake.output[0])
"""


def script_against_shell(results: Path, work: Path, repeats: int) -> dict:
    """Run the annotate jobs of every (photo, k) of ``results`` as `shell:` and as `script:`
    jobs, interleaved; return the CPU of all processes per job, and whether the frames match.
    """
    scripts = WORKFLOW_SOURCE / "scripts"
    inputs = work / "inputs"
    inputs.mkdir(parents=True)
    for summary in sorted(results.glob("*/clusters/k_*.json")):
        name = f"{summary.parent.parent.name}_{summary.stem}"
        shutil.copy2(summary, inputs / f"{name}.json")
        shutil.copy2(summary.with_suffix(".png"), inputs / f"{name}.png")
        shutil.copy2(summary.parent.parent / "captions.bin", inputs / f"{name}.bin")
    jobs = len(list(inputs.glob("*.json")))
    per_job = {name: [] for name in ANNOTATE_JOBS}
    frames = {}
    for repeat in range(repeats):
        for index, (name, directive) in enumerate(ANNOTATE_JOBS.items()):
            print(f"script: against shell:, round {repeat + 1}: {name}", flush=True)
            folder = work / f"annotate{index}-{repeat}"
            folder.mkdir()
            shutil.copytree(inputs, folder / "in")
            snakefile = ANNOTATE_WORKFLOW.replace("DIRECTIVE", directive)
            (folder / "Snakefile").write_text(snakefile.replace("SCRIPTS", str(scripts)))
            (folder / "annotate_job.py").write_text(
                ANNOTATE_SCRIPT.replace("SCRIPTS", str(scripts))
            )
            run = watched_snakemake(folder, profile="none")
            per_job[name].append(run["cpu"] / jobs)
            frames[name] = {p.name: p.read_bytes() for p in (folder / "out").iterdir()}
    same = len({tuple(sorted(found.items())) for found in frames.values()}) == 1
    return {
        "jobs": jobs,
        "per_job": {name: statistics.median(values) for name, values in per_job.items()},
        "same_frames": same,
    }


# ---------------------------------------------------------------------------
# 4. The reference tutorial
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
# 5. Planning
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
        ("code inputs as plain paths, not workflow.source_path", plain_code_paths, [], quiet),
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
# Changes tried in a copy for the planning measurements (the rules are the team's to
# change). Each raises LookupError when the text it changes is gone: the change is
# then not measured.
# ---------------------------------------------------------------------------


def plain_code_paths(root: Path) -> None:
    """List the scripts and their modules as plain paths instead of workflow.source_path(...)."""
    common = root / "workflow/rules/common.smk"
    replace_in(common, 'workflow.source_path(f"../../scripts/{step}.py")', 'f"scripts/{step}.py"')
    replace_in(common, 'workflow.source_path(f"../../scripts/{name}")', 'f"scripts/{name}"')


def one_job_per_photo(root: Path) -> None:
    """The workflow's own one_job_per_photo mode: one sweep job per photo for all its ks."""
    replace_in(root / "config.yaml", "one_job_per_photo: false", "one_job_per_photo: true")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if old not in text:
        raise LookupError(f"{path.name} no longer contains {old!r}")
    path.write_text(text.replace(old, new, 1))


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def seconds_list(values) -> str:
    return ", ".join(f"{value:.1f}" for value in values)


def markdown(results: dict, command: str) -> str:
    """Return the results as Markdown tables, with the command and the machine."""
    ks, side = results["ks"], results["side_by_side"]
    photos = side["photos"]
    lines = [
        "# Workflow benchmark: the workflow against a plain script, and what each job costs",
        "",
        f"Command: `{command}`  ",
        f"Date: {results['date']}  ",
        (
            f"Machine: {CORES} cores used, Python {platform.python_version()}, "
            f"Snakemake {results['snakemake']}, {platform.machine()}; load average "
            f"{results['load_before']:.1f} before the run, {results['load_after']:.1f} after  "
        ),
        f"Every time is a median of {results['repeats']} runs unless marked; ks = {ks}.",
        "",
        f"## Side by side: {photos} photos at {MAX_SIZE} px, `--cores {CORES}`",
        "",
        (
            f"Photos: {', '.join(side['photo_names'])}, resized to {MAX_SIZE} px by the "
            "workflow's resize step beforehand, so that every contender clusters the same "
            "pixels. CPU: every process of the contender (Snakemake and all its jobs), as the "
            "operating system counts them. SSE: the plain script's fits against ours, per "
            "photo and k (mean and worst), computed the same way on the same pixels."
        ),
        "",
        "| what | CPU per photo | vs plain script | wall | vs plain script | SSE vs ours, mean | worst |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    plain = side["rows"]["plain"]
    for name, row in side["rows"].items():
        what = CONTENDERS[name]
        lines.append(
            f"| {what} | {row['cpu_per_photo']:.2f} s | "
            f"{row['cpu_per_photo'] / plain['cpu_per_photo']:.2f} | {row['wall']:.1f} s | "
            f"{row['wall'] / plain['wall']:.2f} | {row['sse_mean']:.4f} | {row['sse_max']:.4f} |"
        )
    identical = "byte-identical" if side["same_results"] else "DIFFERENT"
    lines += [
        "",
        (
            f"The frames and GIFs of the workflow's shapes are {identical}. Every run, "
            "in the order run (the spread is the machine's noise):"
        ),
        "",
        "| what | CPU per photo, each run (s) | wall, each run (s) |",
        "| --- | --- | --- |",
    ]
    for name, row in side["rows"].items():
        what = CONTENDERS[name]
        lines.append(
            f"| {what} | {seconds_list(row['cpus_per_photo'])} | {seconds_list(row['walls'])} |"
        )
    if "cpu" in results:
        lines += cpu_lines(results["cpu"])
        lines += script_lines(results["script_against_shell"])
    lines += reference_lines(results)
    lines += planning_lines(results)
    return "\n".join(lines) + "\n"


def cpu_lines(cpu: dict) -> list[str]:
    photos = cpu["photos"]
    lines = [
        "",
        "## Where the default shape's CPU goes",
        "",
        (
            f"One more run of the default shape on the same {photos} photos, every job's "
            "command timed by `/usr/bin/time` (CPU of the step's Python process, its peak "
            "memory). Start-up: the same command with `--help` (Python, the step's imports, "
            "its options), median of the repeats: what a job pays before its work."
        ),
        "",
        "| rule | jobs per photo | CPU per job | of which start-up | CPU per photo | longest job | peak MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for rule, entry in cpu["rules"].items():
        per_photo = entry["jobs"] / photos
        lines.append(
            f"| {rule} | {per_photo:g} | {entry['cpu']:.3f} s | {entry['start_up']:.3f} s | "
            f"{entry['cpu'] * per_photo:.2f} s | {entry['max_wall']:.2f} s | {entry['mb']:.0f} |"
        )
    shells = cpu["cpu"] - cpu["jobs_cpu"] - cpu["snakemake_cpu"]
    rows = [
        ("Snakemake itself (planning, scheduling, bookkeeping)", cpu["snakemake_cpu"]),
        ("the jobs' shells (`bash -c`) and `/usr/bin/time`", shells),
    ]
    lines += [f"| {name} | | | | {seconds / photos:.2f} s | | |" for name, seconds in rows]
    lines.append(
        f"| **all processes** | {cpu['jobs'] / photos:g} | | | **{cpu['cpu'] / photos:.2f} s** | | |"
    )
    return lines


def script_lines(comparison: dict) -> list[str]:
    per_job = comparison["per_job"]
    shell, script = per_job.values()
    identical = "byte-identical" if comparison["same_frames"] else "DIFFERENT"
    return [
        "",
        "## What Snakemake's `script:` preamble costs",
        "",
        (
            f"The annotate step on the {comparison['jobs']} (photo, k) label maps of the run "
            f"above, once as a `shell:` job running the command, once as a `script:` job "
            f"calling the same function, `--cores {CORES}`, Snakemake's own defaults; CPU of "
            f"all processes (Snakemake and its jobs) per job. The frames are {identical}."
        ),
        "",
        "| annotate job as | CPU per job |",
        "| --- | ---: |",
        *(f"| {name} | {seconds:.3f} s |" for name, seconds in per_job.items()),
        f"| the preamble: `script:` minus `shell:` | {script - shell:.3f} s ({script / shell:.2f}x) |",
    ]


def reference_lines(results: dict) -> list[str]:
    reference = results.get("reference")
    if reference is None:
        return ["", "## Reference tutorial", "", "Not run (without --reference)."]
    tutorial = reference["full_sweep"]
    which = (
        "all 14 ks, measured"
        if reference["exact"]
        else f"ks {reference['ks']} measured ({reference['measured']:.0f} s), the others "
        "extrapolated as a lower bound (recolouring only)"
    )
    bound = "" if reference["exact"] else "at least "
    per_pixel = TUTORIAL_PUBLISHED["seconds"] / TUTORIAL_PUBLISHED["pixels"]
    side = results["side_by_side"]
    count = side["photos"]
    rows = []
    for name, label in (("default", "default shape"), ("per_photo", "one_job_per_photo")):
        row = side["rows"][name]
        rows += [
            (f"{label}, {count} photos: wall time / photos", row["wall"] / count),
            (f"{label}, {count} photos: CPU of all processes / photos", row["cpu_per_photo"]),
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
    sizes = results.get("planning")
    if sizes is None:
        return ["", "## Planning", "", "Not run (without --planning)."]
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--photos",
        type=int,
        default=len(SAMPLE_PHOTOS),
        help=f"photos side by side (default {len(SAMPLE_PHOTOS)}: all samples; more repeat them)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per time, of which the median")
    parser.add_argument(
        "--contenders",
        default="plain,plain_one_thread,default,per_photo",
        help=f"side by side, of {','.join(CONTENDERS)} (default and plain are always run)",
    )
    parser.add_argument(
        "--side-by-side-only", action="store_true", help="skip where the CPU goes and script:"
    )
    parser.add_argument("--reference", action="store_true", help="also time the reference tutorial")
    parser.add_argument(
        "--reference-ks",
        default=",".join(map(str, TUTORIAL_KS)),
        help="ks of the reference tutorial run (default: all 14; the others are extrapolated)",
    )
    parser.add_argument("--planning", action="store_true", help="also time planning (dry runs)")
    parser.add_argument("--plan-sizes", default="100,300,1000", help="photos per dry run")
    parser.add_argument("--skip-variants", action="store_true", help="try no planning changes")
    parser.add_argument("--quick", action="store_true", help="2 photos, 1 run of each")
    parser.add_argument("--output", type=Path, default=RESULTS_FILE)
    args = parser.parse_args(argv)
    if args.quick:
        args.photos, args.repeats = 2, 1
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    command = "python benchmarks/pipeline_bench.py " + " ".join(sys.argv[1:])
    # Python's default, as on a user's machine: the first job of a step caches its
    # modules' bytecode and the others load it. With PYTHONDONTWRITEBYTECODE set, every
    # job compiles scripts/ again (a cluster job 15% more instructions to start).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    import snakemake

    results = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "snakemake": snakemake.__version__,
        "repeats": args.repeats,
        "load_before": os.getloadavg()[0],
    }
    with tempfile.TemporaryDirectory(prefix="pipeline_bench_") as tmp:
        work = Path(tmp)
        global WORKFLOW_SOURCE
        WORKFLOW_SOURCE = workflow_copy(work / "snapshot", source=REPO)
        results["ks"] = default_ks()
        photo_dir = resized_photos(photo_set(args.photos), work / "photos")
        names = list(dict.fromkeys(["plain", "default", *args.contenders.split(",")]))
        side = side_by_side(photo_dir, work / "side", args.repeats, names)
        results["side_by_side"] = side
        if not args.side_by_side_only:
            results["cpu"] = where_the_cpu_goes(photo_dir, work / "cpu", args.repeats)
            results["script_against_shell"] = script_against_shell(
                side["default_root"] / "results", work / "script", args.repeats
            )
        if args.reference:
            ks = [int(k) for k in args.reference_ks.split(",")]
            print(f"Reference tutorial on {REFERENCE_PHOTO.name}, ks {ks} ...", flush=True)
            results["reference"] = reference_seconds(ks)
        if args.planning:
            results.update(measure_planning(args, work / "planning"))
    results["load_after"] = os.getloadavg()[0]
    text = markdown(results, command.strip())
    args.output.write_text(text)
    print(text)


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
