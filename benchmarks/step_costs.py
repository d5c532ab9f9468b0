"""What one photo's steps cost, job by job, in two versions of the code side by side.

Each step runs as its rule runs it (``python scripts/STEP.py ...``, one process a
job) on the sample photos (resized to 500 px by the version's own resize step, which
since the colour tables also does work the cluster jobs did), for the default ks, in two versions
of ``scripts/``: a git commit (``--before``, exported to a temporary folder) and the
working tree. The two versions alternate job by job, so that both see the same
machine load; each job's CPU time (user + system, of the process and its
children) is the median of ``--repeats`` runs.

Printed as Markdown and written, with the command and the date, to
benchmarks/step_costs.md: per photo, the cluster jobs (their sum over the ks, and
the median per k), the annotate jobs (with the captions job, in versions that have one),
the per-photo jobs (resize, elbow, sheet, palettes: in the sheet's job in versions
where it draws them) and the total.

    python benchmarks/step_costs.py                      # before = main before #14
    python benchmarks/step_costs.py --before HEAD~1 --repeats 3
"""

import argparse
import datetime
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PHOTOS = sorted((REPO / "images").glob("*.*"))
RESULTS_FILE = REPO / "benchmarks" / "step_costs.md"


def exported_scripts(commit: str, folder: Path) -> Path:
    """Write ``scripts/`` as it is at ``commit`` into ``folder`` and return its path."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "scripts"], cwd=REPO, capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "scripts"


# A job's environment as Snakemake makes it for `threads: 1` (numpy's BLAS otherwise starts
# a thread per core at import, which spin), with Python's default bytecode caching, as on a
# user's machine (PYTHONDONTWRITEBYTECODE, set on some, makes every job compile every module).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "GOTO_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")  # fmt: skip
ENVIRONMENT = {
    name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"
} | dict.fromkeys(THREAD_VARIABLES, "1")


def cpu_seconds(command: list[str]) -> float:
    """Run ``command`` and return the CPU seconds (user + system) it took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENVIRONMENT
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


# The steps of a photo, in the order they run (a step reads what the one before wrote).
STEPS = ("resize", "cluster", "annotate", "elbow", "sheet", "palettes")


def photo_jobs(scripts: Path, photo: Path, ks: list[int], out: Path) -> dict[str, list]:
    """Return {step: [command, ...]} of one photo's jobs with the code in ``scripts``.

    Each step takes the options of the version it runs: the sheet took ``--ks`` before
    it read the cluster summaries, palettes did not exist, and before the colour
    tables the cluster step read the resized photo.
    """
    name = photo.stem
    resized, table = out / "resized.png", out / "colours.npz"
    resize = [sys.executable, str(scripts / "resize.py"), "--max_size=500", f"--output={resized}"]
    if "--colours" in (scripts / "resize.py").read_text():
        resize.append(f"--colours={table}")
    cluster_source = (
        table if "read_photo_colours" in (scripts / "cluster.py").read_text() else resized
    )
    summaries = [str(out / f"k_{k}.json") for k in ks]
    frames = [str(out / f"frame_{k}.png") for k in ks]
    jobs = {"resize": [resize + ["--", str(photo)]], "cluster": [], "annotate": []}
    # A version with a captions step: its one job per photo counts with annotate, which it serves.
    captions = []
    if (scripts / "captions.py").exists():
        captions = [str(out / "captions.bin")]
        jobs["annotate"].append(
            [sys.executable, str(scripts / "captions.py"), f"--output={captions[0]}", "--",
             str(resized)]
        )  # fmt: skip
    for k, summary, frame in zip(ks, summaries, frames, strict=True):
        labels = str(out / f"k_{k}.png")
        jobs["cluster"].append(
            [sys.executable, str(scripts / "cluster.py"), f"--k={k}", f"--image={name}",
             f"--labels={labels}", f"--summary={summary}", "--", str(cluster_source)]
        )  # fmt: skip
        jobs["annotate"].append(
            [sys.executable, str(scripts / "annotate.py"), f"--output={frame}", "--", labels,
             summary, *captions]
        )  # fmt: skip
    elbow = [sys.executable, str(scripts / "elbow.py"), f"--plot={out / 'elbow.png'}"]
    elbow += [f"--summary={out / 'summary.json'}", "--", *summaries]
    sheet = [sys.executable, str(scripts / "contact_sheet.py"), f"--output={out / 'sheet.png'}"]
    if "--palettes" in (scripts / "contact_sheet.py").read_text():  # the sheet draws them too
        sheet += ["--summaries", *summaries, f"--palettes={out / 'palettes.png'}"]
    elif (scripts / "palettes.py").exists():
        sheet += ["--summaries", *summaries]
        jobs["palettes"] = [
            [sys.executable, str(scripts / "palettes.py"), f"--output={out / 'palettes.png'}",
             "--", *summaries]
        ]  # fmt: skip
    else:
        sheet += ["--ks", *map(str, ks)]
    jobs["elbow"] = [elbow]
    jobs["sheet"] = [sheet + ["--", str(resized), *frames]]
    return jobs


def measure(versions: dict[str, Path], photos: list[Path], ks, repeats, work: Path) -> dict:
    """Return {(photo, version, step): [median CPU seconds of each job]}."""
    times = {}
    for photo in photos:
        jobs = {}
        for version, scripts in versions.items():
            out = work / version / photo.stem
            out.mkdir(parents=True)
            jobs[version] = photo_jobs(scripts, photo, ks, out)
        samples = {}
        for repeat in range(repeats):
            # Steps in their workflow order (a step reads what the one before wrote);
            # within each job the versions alternate, in turn going first.
            order = list(versions) if repeat % 2 == 0 else list(reversed(versions))
            for step in STEPS:
                count = max(len(jobs[v].get(step, [])) for v in versions)
                for index in range(count):
                    for version in order:
                        commands = jobs[version].get(step, [])
                        if index < len(commands):
                            key = (photo.stem, version, step, index)
                            samples.setdefault(key, []).append(cpu_seconds(commands[index]))
        for (name, version, step, _), values in samples.items():
            times.setdefault((name, version, step), []).append(statistics.median(values))
    return times


def markdown(times, versions, photos, ks, repeats, command) -> str:
    before, after = versions
    lines = [
        "# What one photo's steps cost, before and after",
        "",
        (
            f"`{command}` on {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC: "
            f"{platform.machine()}, Python {platform.python_version()}; the sample photos at "
            f"500 px, ks {ks}; CPU seconds of each job (user + system), median of {repeats} "
            f"runs, the two versions alternating job by job. before = `{before}`, "
            f"after = `{after}`."
        ),
        "",
        (
            "| photo | resize: before | after | cluster, sum over ks: before | after "
            "| after / before "
            "| median per k: before | after | annotate, sum: before | after "
            "| elbow + sheet + palettes: before | after | photo total: before | after "
            "| after / before |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    totals = {before: 0.0, after: 0.0}
    for photo in photos:

        def cost(version, *steps, name=photo.stem):
            return sum(sum(times.get((name, version, step), [])) for step in steps)

        def per_k(version, name=photo.stem):
            return statistics.median(times[(name, version, "cluster")])

        row = [photo.stem]
        row += [f"{cost(v, 'resize'):.3f}" for v in versions]
        row += [f"{cost(v, 'cluster'):.2f}" for v in versions]
        row.append(f"{cost(after, 'cluster') / cost(before, 'cluster'):.3f}")
        row += [f"{per_k(v):.3f}" for v in versions]
        row += [f"{cost(v, 'annotate'):.2f}" for v in versions]
        row += [f"{cost(v, 'elbow', 'sheet', 'palettes'):.2f}" for v in versions]
        row += [f"{cost(v, *STEPS):.2f}" for v in versions]
        row.append(f"{cost(after, *STEPS) / cost(before, *STEPS):.3f}")
        for version in versions:
            totals[version] += cost(version, *STEPS)
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        (
            f"All photos: {totals[before]:.2f} s before, {totals[after]:.2f} s after "
            f"({totals[after] / totals[before]:.3f}x)."
        ),
        "",
        "Per photo and step, each job's median (s):",
        "",
        "| photo | step | before | after |",
        "|---|---|---|---|",
    ]
    for photo in photos:
        for step in STEPS:
            cells = [
                " ".join(f"{t:.3f}" for t in times.get((photo.stem, v, step), [])) or "-"
                for v in versions
            ]
            lines.append(f"| {photo.stem} | {step} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="e666719", help="the commit to compare with")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ks = yaml.safe_load((REPO / "config.yaml").read_text())["ks"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        versions = {
            args.before: exported_scripts(args.before, work / "before"),
            "working tree": REPO / "scripts",
        }
        times = measure(versions, PHOTOS, ks, args.repeats, work / "out")
    command = "python benchmarks/step_costs.py " + " ".join(sys.argv[1:])
    text = markdown(times, list(versions), PHOTOS, ks, args.repeats, command.strip())
    print(text)
    RESULTS_FILE.write_text(text)


if __name__ == "__main__":
    main()
