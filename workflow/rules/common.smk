"""Configuration checks, photo discovery and target lists shared by every rule."""

import glob
import os
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate


def command_line_types(config, schema):
    """Give ``--config`` values the types they have in config.yaml.

    Snakemake reads ``--config ks=[2,4,8]`` with YAML's base loader, which
    leaves every list item a string, and ``upscale=true`` a string too.
    Whole-number strings in lists become integers and ``true`` or ``false``
    (any case) of a boolean key a boolean; anything else is left for the
    schema to reject with the key named.
    """
    for key, value in config.items():
        kind = schema["properties"].get(key, {}).get("type")
        if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
            config[key] = value.lower() == "true"
        elif isinstance(value, list):
            config[key] = [
                int(item) if isinstance(item, str) and item.strip().lstrip("+-").isdigit() else item
                for item in value
            ]


def check_config(config, schema):
    """Stop with one line per bad key (naming it) before any job runs."""
    import jsonschema

    problems = []
    for error in jsonschema.Draft202012Validator(schema).iter_errors(config):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        message = error.message
        if error.validator == "additionalProperties":
            unknown = sorted(set(error.instance) - set(schema["properties"]))
            message = f"unknown key {', '.join(unknown)} (the keys are listed in config.yaml)"
        problems.append(f"  {where.lstrip('.') or 'config'}: {message}")
    if problems:
        raise WorkflowError(
            "Invalid configuration (config.yaml or --config):\n" + "\n".join(sorted(problems))
        )


CONFIG_SCHEMA = yaml.safe_load(
    (Path(workflow.basedir) / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8")
)
command_line_types(config, CONFIG_SCHEMA)
check_config(config, CONFIG_SCHEMA)
# Fills in the schema's defaults for keys a custom config file leaves out.
validate(config, "../schemas/config.schema.yaml")

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def discover_photos(folder):
    """Return ({name: path}, [refused paths]) for the photos directly inside ``folder``.

    A photo's name is its file name without the extension. Hidden files,
    subfolders and other extensions are ignored. Names with ``{`` or ``}``
    cannot be Snakemake wildcards: they are refused (and reported), the other
    photos go on. Two photos with the same name stop the run, since their
    outputs would collide.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise WorkflowError(
            f"input_dir '{folder}' is not a folder: set input_dir in config.yaml or with --config input_dir=PATH"
        )
    photos, refused = {}, []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.name.startswith(".") or path.suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        if not entry.is_file():
            continue
        if "{" in entry.name or "}" in entry.name:
            refused.append(str(path))
            continue
        name = path.stem
        if name in photos:
            raise WorkflowError(
                f"two photos are both named '{name}': '{photos[name]}' and '{path}'; rename one of them"
            )
        photos[name] = str(path)
    return photos, refused


def warn_about_refused(refused):
    for path in refused:
        logger.warning(f"Skipped '{path}': '{{' and '}}' cannot be in a photo's name; rename it.")


def first_error(name):
    """Return the first one-line error in the logs of photo ``name``, or None."""
    escaped = glob.escape(name)
    logs = sorted(glob.glob(f"logs/*/{escaped}.log") + glob.glob(f"logs/*/{escaped}/*.log"))
    for log in logs:
        for text in Path(log).read_text(errors="replace").splitlines():
            if text.startswith("ERROR: "):
                return text.removeprefix("ERROR: ")
    return None


def report_failed_photos():
    """Name, after a failed run, each photo without its GIF and the first error in its logs."""
    failed = [name for name in PHOTOS if not Path(f"results/{name}/{name}.gif").exists()]
    if not failed:
        return
    lines = []
    for name in failed:
        lines.append(f"  {first_error(name) or PHOTOS[name] + ': see its logs under logs/'}")
    logger.error(f"{len(failed)} of {len(PHOTOS)} photos have no GIF:\n" + "\n".join(lines))
    warn_about_refused(REFUSED)


PHOTOS, REFUSED = discover_photos(config["input_dir"])
warn_about_refused(REFUSED)
KS = config["ks"]
# The k-means options of every fit, as command-line options of the cluster and sweep
# scripts (a list: `{params.fit:q}` quotes each item).
FIT_ARGUMENTS = [f"--{key}={config[key]}" for key in ("seed", "tol", "max_iter", "color_space")]


# The code each step runs, under scripts/: its script, then the modules it imports (a
# test checks these lists against the imports). Listed as the rule's inputs, so that
# editing the code reruns exactly the jobs that run it.
STEP_LIBRARIES = {
    "resize": ["steplib/command.py", "steplib/atomic_write.py", "steplib/read_image.py"],
    "cluster": [
        "steplib/command.py",
        "steplib/atomic_write.py",
        "steplib/read_image.py",
        "steplib/label_map.py",
        "steplib/exact_math.py",
        "steplib/colour.py",
        "steplib/colour_error.py",
        "steplib/clustering.py",
        "kmeans.py",
    ],
    "annotate": [
        "steplib/command.py",
        "steplib/atomic_write.py",
        "steplib/read_image.py",
        "steplib/label_map.py",
        "steplib/frame.py",
    ],
    "animate": ["steplib/command.py", "steplib/atomic_write.py"],
    "elbow": ["steplib/command.py", "steplib/atomic_write.py", "steplib/summaries.py"],
    "contact_sheet": [
        "steplib/command.py",
        "steplib/atomic_write.py",
        "steplib/read_image.py",
        "steplib/summaries.py",
        "steplib/drawing.py",
    ],
    "palettes": [
        "steplib/command.py",
        "steplib/atomic_write.py",
        "steplib/summaries.py",
        "steplib/drawing.py",
    ],
}
STEP_LIBRARIES["sweep"] = list(
    dict.fromkeys(STEP_LIBRARIES["cluster"] + STEP_LIBRARIES["annotate"])
)


def step_script(step):
    """Return scripts/STEP.py, the program a rule's shell command runs."""
    return workflow.source_path(f"../../scripts/{step}.py")


def step_library(step):
    """Return the modules under scripts/ that scripts/STEP.py imports."""
    return [workflow.source_path(f"../../scripts/{name}") for name in STEP_LIBRARIES[step]]


if not PHOTOS:
    logger.warning(
        f"No photos found in '{config['input_dir']}' (looking for {', '.join(sorted(IMAGE_EXTENSIONS))}); "
        "nothing to do."
    )


wildcard_constraints:
    image="[^/]+",
    k="[0-9]+",


def photo_path(wildcards):
    """Return the source photo of ``wildcards.image``."""
    try:
        return PHOTOS[wildcards.image]
    except KeyError:
        raise WorkflowError(
            f"no photo named '{wildcards.image}' in '{config['input_dir']}'"
        ) from None


def frames_of(wildcards):
    """Return the frame PNGs of one photo, in the order of ``ks``."""
    return expand("results/{image}/frames/k_{k}.png", image=wildcards.image, k=KS)


# Resources: defaults measured on 500-pixel photos with room to spare, scaled with
# what drives them. Cluster sites override them in their profile if they must.
FRAME_PIXELS = config["max_size"] ** 2


def photo_mem_mb(wildcards, input):
    """Memory to decode one photo: a compressed file grows a few times when decoded."""
    return 300 + 10 * int(input.size_mb)


def frame_mem_mb(wildcards):
    """Memory of a per-k job, with room: 200 MB at 500 px, where 88 MB was measured."""
    return 100 + FRAME_PIXELS // 2500


def animation_mem_mb(wildcards):
    """Memory of a per-photo job: every frame of the photo at once, as RGBA."""
    return 200 + len(KS) * FRAME_PIXELS * 4 * 3 // 1_000_000


# Runtimes in minutes, the unit of `runtime`. At 500 px the longest job measured
# (benchmarks/pipeline_results.md) took under 1 s for a per-k rule and about 1 s for a
# per-photo one: a minute is ample there, and work grows with the pixels.


def photo_runtime(wildcards, input):
    """Minutes to decode and resize one photo: a large file takes longer to decode."""
    return 1 + int(input.size_mb) // 100


def frame_runtime(wildcards):
    """Minutes for a per-k job (cluster, annotate)."""
    return 1 + FRAME_PIXELS // 1_000_000


def sweep_runtime(wildcards):
    """Minutes for every k of one photo in one job (one_job_per_photo: true)."""
    return 1 + len(KS) * FRAME_PIXELS // 1_000_000


def animation_runtime(wildcards):
    """Minutes for a per-photo job over all frames (gif, webp, elbow, sheet)."""
    return 1 + len(KS) * FRAME_PIXELS // 2_000_000


def summaries_of(wildcards):
    """Return the cluster summaries of one photo, in the order of ``ks``."""
    return expand("results/{image}/clusters/k_{k}.json", image=wildcards.image, k=KS)


def all_targets():
    """Return every final output: per photo its animations, elbow plot, summary, contact sheet
    and palettes."""
    per_photo = [f"results/{{image}}/{{image}}.{fmt}" for fmt in config["animation_formats"]]
    per_photo += [
        "results/{image}/elbow.png",
        "results/{image}/summary.json",
        "results/{image}/sheet.png",
        "results/{image}/palettes.png",
    ]
    return expand(per_photo, image=list(PHOTOS))
