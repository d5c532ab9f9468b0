"""What running the jobs costs Snakemake itself as the photos grow in number.

Snakemake's default scheduler, on every round (each time a job ends), checks the
inputs of every ready job and solves an ILP over them: the more photos, the more
ready jobs, so its cost per job grows with the number of photos and a run of
thousands of photos would spend most of its time choosing jobs. profiles/default
schedules greedily among a sample of the ready jobs instead. This benchmark runs
the workflow from clean on --cores 2 both ways, in one run:

1. On tiny photos (the sample photos shrunk to 32 pixels, repeated under new
   names, with max_size 32) at several photo counts: the jobs' work is nil, so
   the time is all orchestration and per-job start-up.
2. On the sample photos at the default 500 pixels, the everyday case.

Both ways must give byte-identical frames and GIFs; the benchmark checks it.

    python benchmarks/scale_bench.py           # about 25 minutes
    python benchmarks/scale_bench.py --quick   # about 4 minutes

Results, with the command and the date, go to benchmarks/scale_results.md.
"""

import argparse
import datetime
import platform
import re
import statistics
import sys
import tempfile
from pathlib import Path

import cv2

import pipeline_bench
from pipeline_bench import (
    CORES,
    REPO,
    SAMPLE_PHOTOS,
    copy_photos,
    photo_set,
    same_results,
    watched_snakemake,
    workflow_copy,
)

RESULTS_FILE = REPO / "benchmarks" / "scale_results.md"
TINY_SIZE = 32
# How Snakemake is run: its own defaults, or the workflow's default profile (what a
# user gets from `snakemake --cores N` in the project folder).
SETTINGS = {
    "Snakemake's defaults (ILP over every ready job)": "none",
    "profiles/default (greedy among 16 ready jobs)": "profiles/default",
}
# "123 of 123 steps (100%) done" ends a complete run's log.
DONE = re.compile(r"(\d+) of \1 steps \(100%\) done")


def tiny_photos(count: int, folder: Path) -> Path:
    """Write ``count`` PNGs: the sample photos, in turn, shrunk to TINY_SIZE pixels."""
    folder.mkdir(parents=True)
    for index, source in enumerate(photo_set(count)):
        image = cv2.imread(str(source), cv2.IMREAD_COLOR)
        scale = TINY_SIZE / max(image.shape[:2])
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / f"photo{index:05d}.png"), small)
    return folder


def timed_run(root: Path, photo_dir: Path, profile: str, *config: str) -> dict:
    """Run the workflow in ``root`` from clean; return its times and job count."""
    times = watched_snakemake(root, "--config", f"input_dir={photo_dir}", *config, profile=profile)
    logs = sorted((root / ".snakemake" / "log").glob("*.snakemake.log"))
    match = DONE.search(logs[-1].read_text())
    if not match:
        raise RuntimeError(f"the run in {root} did not finish all its jobs")
    # Rule all, run in the Snakemake process, is not a job that starts a process.
    return times | {"jobs": int(match.group(1)) - 1}


def measure(photo_dir: Path, photos: int, work: Path, repeats: int, *config: str) -> dict:
    """Run each setting ``repeats`` times from clean; return medians per setting."""
    rows, roots = {}, {}
    for name, profile in SETTINGS.items():
        runs = []
        for repeat in range(repeats):
            print(f"  {photos} photos, {name}, run {repeat + 1}", flush=True)
            root = workflow_copy(work / f"{profile.replace('/', '_')}-{repeat}")
            runs.append(timed_run(root, photo_dir, profile, *config))
            roots[name] = root
        rows[name] = {
            "photos": photos,
            "jobs": runs[0]["jobs"],
            "wall": statistics.median(run["wall"] for run in runs),
            "snakemake_cpu": statistics.median(run["snakemake_cpu"] for run in runs),
            "jobs_cpu": statistics.median(run["cpu"] - run["snakemake_cpu"] for run in runs),
        }
    first, *others = roots.values()
    same = all(same_results(first, other) for other in others)
    return {"rows": rows, "same_results": same}


def table(measurements: list[dict]) -> list[str]:
    lines = [
        (
            "| settings | photos | jobs | wall s | wall s per photo | CPU s: Snakemake itself | "
            "Snakemake ms per job | CPU s: jobs | jobs core-s per job | same frames and GIFs |"
        ),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for measurement in measurements:
        same = "yes" if measurement["same_results"] else "NO"
        for name, row in measurement["rows"].items():
            lines.append(
                f"| {name} | {row['photos']} | {row['jobs']} | {row['wall']:.1f} | "
                f"{row['wall'] / row['photos']:.2f} | {row['snakemake_cpu']:.1f} | "
                f"{1000 * row['snakemake_cpu'] / row['jobs']:.0f} | {row['jobs_cpu']:.1f} | "
                f"{row['jobs_cpu'] / row['jobs']:.3f} | {same} |"
            )
    return lines


def markdown(results: dict, command: str) -> str:
    import snakemake

    lines = [
        "# Scheduling cost as the photos grow in number",
        "",
        f"Command: `{command}`  ",
        f"Date: {results['date']}  ",
        (
            f"Machine: {CORES} cores used, Python {platform.python_version()}, "
            f"Snakemake {snakemake.__version__}, {platform.machine()}"
        ),
        "",
        (
            f"## Tiny photos ({TINY_SIZE} pixels, max_size {TINY_SIZE}): orchestration only, "
            f"one run each"
        ),
        "",
        *table(results["tiny"]),
        "",
        (
            f"## The {results['sample']['photos']} sample photos at 500 pixels: "
            f"median of {results['repeats']} runs"
        ),
        "",
        *table([results["sample"]["measurement"]]),
        "",
        (
            "CPU s from the operating system: the Snakemake process itself (DAG, scheduling, "
            "bookkeeping, its job threads) and every process it started (the jobs). A job is "
            "every rule but `all` (32 per photo with the default 14 ks)."
        ),
    ]
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="8,24,48", help="photo counts of the tiny runs")
    parser.add_argument("--photos", type=int, default=len(SAMPLE_PHOTOS))
    parser.add_argument("--repeats", type=int, default=3, help="runs of the sample photos")
    parser.add_argument("--quick", action="store_true", help="sizes 4,12; 3 photos, 1 run")
    parser.add_argument("--output", type=Path, default=RESULTS_FILE)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.photos, args.repeats = "4,12", 3, 1
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    command = "python benchmarks/scale_bench.py " + " ".join(sys.argv[1:])
    results = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "repeats": args.repeats,
        "tiny": [],
    }
    with tempfile.TemporaryDirectory(prefix="scale_bench_") as tmp:
        work = Path(tmp)
        # Every run copies this snapshot, so that edits made meanwhile do not mix versions.
        pipeline_bench.WORKFLOW_SOURCE = workflow_copy(work / "snapshot", source=REPO)
        for count in (int(n) for n in args.sizes.split(",")):
            print(f"Tiny photos: {count}", flush=True)
            photo_dir = tiny_photos(count, work / f"tiny{count}" / "photos")
            results["tiny"].append(
                measure(photo_dir, count, work / f"tiny{count}", 1, f"max_size={TINY_SIZE}")
            )
        print(f"Sample photos: {args.photos}", flush=True)
        photo_dir = copy_photos(photo_set(args.photos), work / "sample" / "photos")
        results["sample"] = {
            "photos": args.photos,
            "measurement": measure(photo_dir, args.photos, work / "sample", args.repeats),
        }
    text = markdown(results, command.strip())
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
