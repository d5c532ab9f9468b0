"""Configuration checks, photo discovery and target lists shared by every rule."""

import os
import re
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate
from snakemake_interface_executor_plugins.settings import SharedFSUsage

# A whole number as --config writes it ("+-5" is none: the schema refuses it, naming the key).
WHOLE_NUMBER = re.compile(r"\s*[+-]?\d+\s*")


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
                int(item) if isinstance(item, str) and WHOLE_NUMBER.fullmatch(item) else item
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


def schema_text(path):
    """Return the text of the config schema, or say how to ship it to a job that lacks it."""
    if not path.exists():
        raise WorkflowError(
            f"{path} is missing. Without a shared file system, Snakemake ships to each job "
            "only the Snakefiles, config files and the files git tracks: start Snakemake in a "
            "git clone of the workflow, with every file added to git."
        )
    return path.read_text(encoding="utf-8")


# Through source_path, which fetches it when the workflow is a module from GitHub.
CONFIG_SCHEMA = yaml.safe_load(
    schema_text(Path(workflow.source_path("../schemas/config.schema.yaml")))
)
command_line_types(config, CONFIG_SCHEMA)
check_config(config, CONFIG_SCHEMA)
# Fills in the schema's defaults for keys a custom config file leaves out.
validate(config, "../schemas/config.schema.yaml")

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def storage_query(path):
    """Return the storage query of ``path`` when inputs and outputs go through a storage
    provider (``--shared-fs-usage`` without input-output, as in the cloud), else None."""
    if SharedFSUsage.INPUT_OUTPUT in workflow.storage_settings.shared_fs_usage:
        return None
    prefix = workflow.storage_settings.default_storage_prefix
    if prefix is None:
        raise WorkflowError(
            "without a shared file system the photos and results live in a storage: "
            "give --default-storage-provider and --default-storage-prefix"
        )
    return f"{prefix.rstrip('/')}/{os.path.normpath(path)}"


def files_directly_in(folder):
    """Return the paths of the files directly inside ``folder``: on this machine's disk, or,
    without a shared file system, in the storage (where the jobs will read them)."""
    query = storage_query(folder)
    if query is None:
        if not Path(folder).is_dir():
            raise WorkflowError(
                f"input_dir '{folder}' is not a folder: set input_dir in config.yaml or with --config input_dir=PATH"
            )
        return [entry.path for entry in os.scandir(folder) if entry.is_file()]
    # A storage lists the objects below a prefix, at every depth (the fs provider also
    # lists folders, which no photo name matches unless a folder is named like one).
    below = f"{query}/"
    listing = workflow.storage_registry.default_storage_provider.object(below)
    inside = [str(match).removeprefix(below) for match in listing.list_candidate_matches()]
    return [os.path.join(folder, name) for name in inside if name and "/" not in name]


def discover_photos(folder):
    """Return ({name: path}, [refused paths]) for the photos directly inside ``folder``.

    A photo's name is its file name without the extension. Hidden files,
    subfolders and other extensions are ignored. Names with ``{`` or ``}``
    cannot be Snakemake wildcards: they are refused (and reported), the other
    photos go on. Two photos with the same name stop the run, since their
    outputs would collide.
    """
    photos, refused = {}, []
    for file in sorted(files_directly_in(folder), key=os.path.basename):
        path = Path(file)
        if path.name.startswith(".") or path.suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        if "{" in path.name or "}" in path.name:
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


def failed_job_logs(run_logs):
    """Return the logs of the jobs that failed in this run, from Snakemake's log of the run.

    Only this run's record tells which jobs failed now: outputs left by an earlier
    run (a GIF made before the photo was replaced) and logs of earlier failures
    say nothing about it. Snakemake ends each failure's listing with the job's
    ``log: PATH (check log file(s) for error details)``.
    """
    logs = []
    for run_log in run_logs:
        text = Path(run_log).read_text(errors="replace")
        logs += re.findall(r"^\s+log: (.+?) \(check log file", text, re.MULTILINE)
    return list(dict.fromkeys(logs))


def photo_of_log(path):
    """Return the photo whose job writes the log at ``path`` (logs/STEP/NAME[.log|/k_K.log])."""
    parts = Path(path).parts
    if len(parts) == 3 and parts[2].endswith(".log"):
        return parts[2].removesuffix(".log")
    return parts[2] if len(parts) == 4 else None


def first_error(logs):
    """Return the first one-line error (``ERROR: <file>: <reason>``) in ``logs``, or None."""
    for log in logs:
        if Path(log).is_file():
            for text in Path(log).read_text(errors="replace").splitlines():
                if text.startswith("ERROR: "):
                    return text.removeprefix("ERROR: ")
    return None


def where(log):
    """Return where a job's log is: here, or in the storage (no shared file system)."""
    return storage_query(log) or log


def report_failed_photos(run_logs):
    """Name, after a failed run, each photo a job of which failed in it, with its first error."""
    failed = {}
    for log in failed_job_logs(run_logs):
        if photo_of_log(log) in PHOTOS:
            failed.setdefault(photo_of_log(log), []).append(log)
    if failed:
        lines = [
            f"  {first_error(logs) or PHOTOS[name] + ': failed, see ' + ', '.join(map(where, logs))}"
            for name, logs in sorted(failed.items())
        ]
        logger.error(
            f"{len(failed)} of {len(PHOTOS)} photos failed in this run:\n" + "\n".join(lines)
        )
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
# The colour table (steplib/photo_colours.py), which resize writes and cluster reads, and
# what it needs: L*a*b*, and the k-means package, whose data module finds the distinct colours.
COLOUR_TABLE_LIBRARY = [
    "steplib/exact_math.py",
    "steplib/colour.py",
    "steplib/photo_colours.py",
    "kmeans/__init__.py",
    "kmeans/estimator.py",
    "kmeans/data.py",
    "kmeans/seeding.py",
    "kmeans/starts.py",
    "kmeans/polish.py",
    "kmeans/distances.py",
]
STEP_LIBRARIES = {
    "resize": [
        "steplib/command.py",
        "steplib/atomic_write.py",
        "steplib/read_image.py",
        *COLOUR_TABLE_LIBRARY,
    ],
    "cluster": [
        "steplib/command.py",
        "steplib/atomic_write.py",
        *COLOUR_TABLE_LIBRARY,
        "steplib/colour_error.py",
        "steplib/indexed_png.py",
        "steplib/label_map.py",
        "steplib/clustering.py",
    ],
    "captions": [
        "steplib/command.py",
        "steplib/atomic_write.py",
        "steplib/indexed_png.py",
        "steplib/label_map.py",
        "steplib/captions.py",
        "steplib/caption_drawing.py",
    ],
    "annotate": [
        "steplib/command.py",
        "steplib/atomic_write.py",
        "steplib/indexed_png.py",
        "steplib/label_map.py",
        "steplib/captions.py",
        "steplib/frame.py",
        "steplib/summaries.py",
    ],
    "animate": ["steplib/command.py", "steplib/atomic_write.py"],
    "elbow": [
        "steplib/command.py",
        "steplib/atomic_write.py",
        "steplib/summaries.py",
        "steplib/drawing.py",
        "steplib/plot.py",
    ],
    "contact_sheet": [
        "steplib/command.py",
        "steplib/atomic_write.py",
        "steplib/read_image.py",
        "steplib/summaries.py",
        "steplib/drawing.py",
        "steplib/palette_picture.py",
    ],
}
# The sweep clusters as cluster does, draws the captions it needs as the captions step
# does, and paints frames as annotate does, from the label maps it holds (it reads no PNG).
STEP_LIBRARIES["sweep"] = [
    *STEP_LIBRARIES["cluster"],
    "steplib/captions.py",
    "steplib/caption_drawing.py",
    "steplib/frame.py",
    "steplib/drawn_frame.py",
]


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
