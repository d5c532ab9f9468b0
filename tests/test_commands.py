"""The steps as command-line programs: by hand, as the rules run them, and pinned bytes."""

import ast
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import (
    REPO,
    SCRIPTS,
    copy_workflow,
    files_under,
    job_counts,
    run_snakemake,
    write_photo,
)

STEPS = (
    "resize",
    "cluster",
    "captions",
    "annotate",
    "sweep",
    "animate",
    "elbow",
    "contact_sheet",
)


def step(name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run scripts/NAME.py as a rule runs it: a plain command, stderr captured."""
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("name", STEPS)
def test_every_step_has_help_naming_its_options(name):
    text = step(name, "--help").stdout
    assert (
        text.startswith("usage:") and "--output" in text or "--labels" in text or "--plot" in text
    )
    # The module docstring is the help's description, with a runnable example.
    assert "Example:" in text and f"scripts/{name}.py" in text


def readme_by_hand_commands() -> list[list[str]]:
    """Return the commands of the README's "The steps by hand" block, each as argv."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### The steps by hand") :]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL).group(1)
    return [shlex.split(line) for line in block.splitlines() if line.strip()]


def test_one_frame_by_hand_is_the_workflows_frame(project):
    """The README's recipe, run as written (resize, cluster, captions, annotate on the cat
    photo): the same bytes as Snakemake's."""
    shutil.copy2(REPO / "images" / "chelsea.png", project / "images")
    commands = readme_by_hand_commands()
    assert [argv[1] for argv in commands] == [
        "scripts/resize.py", "scripts/cluster.py", "scripts/captions.py", "scripts/annotate.py",
    ]  # fmt: skip
    for argv in commands:
        assert argv[0] == "python"
        subprocess.run([sys.executable, *argv[1:]], cwd=project, check=True, timeout=120)
    run_snakemake(project, "--config", "ks=[8]")
    out, results = project / "out", project / "results" / "chelsea"
    pairs = {
        "resized.png": "resized.png",
        "colours.npz": "colours.npz",
        "k_8.png": "clusters/k_8.png",
        "k_8.json": "clusters/k_8.json",
        "captions.bin": "captions.bin",
        "frame_8.png": "frames/k_8.png",
    }
    assert sorted(path.name for path in out.iterdir()) == sorted(pairs)
    for by_hand, workflows in pairs.items():
        assert (out / by_hand).read_bytes() == (results / workflows).read_bytes(), by_hand


def test_bad_input_ends_with_one_line_and_status_1(tmp_path):
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a photo")
    result = step("resize", f"--output={tmp_path / 'out.png'}", "--", str(notes), check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"ERROR: {notes}: not an image in a known format, or its header is damaged"
    ]
    assert not (tmp_path / "out.png").exists()
    missing = tmp_path / "gone.png"
    result = step("annotate", "--output=f.png", "--", str(missing), "x.json", "c.bin", check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"ERROR: {missing}: cannot be read (No such file or directory); rerun the step that writes it"
    ]
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    result = step("annotate", "--output=f.png", "--", str(damaged), "x.json", "c.bin", check=False)
    assert result.stderr.splitlines() == [
        f"ERROR: {damaged}: damaged (no IHDR chunk); rerun the step that writes it"
    ]


def test_a_bad_option_is_refused_with_its_name(tmp_path):
    result = step("resize", "--upscale=maybe", "--output=o.png", "--", "x.png", check=False)
    assert result.returncode == 2
    assert "--upscale: expected true or false, not 'maybe'" in result.stderr


def imported_files(script: Path) -> set[str]:
    """Return our modules (paths under scripts/) that ``script`` imports, all the way down."""
    found, todo = set(), [script]
    while todo:
        path = todo.pop()
        package = path.parent.relative_to(SCRIPTS).parts
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                # `from .x import y` is relative to the importing module's package.
                base = list(package[: len(package) - node.level + 1]) if node.level else []
                module = base + (node.module.split(".") if node.module else [])
                names = [module + [alias.name] for alias in node.names] + [module]
            elif isinstance(node, ast.Import):
                names = [alias.name.split(".") for alias in node.names]
            else:
                continue
            for name in names:
                for candidate in module_files(name):
                    relative = str(candidate.relative_to(SCRIPTS))
                    if relative not in found:
                        found.add(relative)
                        todo.append(candidate)
    return found


def module_files(name: list[str]) -> list[Path]:
    """Return the file of module ``name`` under scripts/, if it is ours.

    A package's ``__init__.py`` that holds only its docstring is no code to rerun for.
    """
    if not name:
        return []
    base = SCRIPTS.joinpath(*name)
    if base.with_suffix(".py").is_file():
        return [base.with_suffix(".py")]
    init = base / "__init__.py"
    if init.is_file() and len(ast.parse(init.read_text()).body) > 1:
        return [init]
    return []


def step_libraries() -> dict[str, list[str]]:
    """Return STEP_LIBRARIES as workflow/rules/common.smk writes it (lists of literals, and
    the COLOUR_TABLE_LIBRARY list spliced into some)."""
    text = (REPO / "workflow/rules/common.smk").read_text()

    def literal(name: str, brackets: str) -> str:
        pattern = rf"^{name} = (\{brackets[0]}.*?^\{brackets[1]})"
        return re.search(pattern, text, re.DOTALL | re.MULTILINE).group(1)

    table = ast.literal_eval(literal("COLOUR_TABLE_LIBRARY", "[]"))
    spliced = literal("STEP_LIBRARIES", "{}").replace(
        "*COLOUR_TABLE_LIBRARY,", repr(table)[1:-1] + ","
    )
    return ast.literal_eval(spliced)


@pytest.mark.parametrize("name", [s for s in STEPS if s != "sweep"])
def test_rules_list_exactly_the_code_their_step_imports(name):
    """Editing a module must rerun the steps that run it, and no other."""
    assert sorted(step_libraries()[name]) == sorted(imported_files(SCRIPTS / f"{name}.py"))


def test_the_sweep_runs_the_code_of_cluster_captions_and_annotate():
    """It clusters, draws the captions it needs and paints the frames, all in one process
    (less annotate's reading of a summary: the sweep holds the ones it made)."""
    libraries = step_libraries()
    expected = set(libraries["cluster"]) | set(libraries["captions"]) | set(libraries["annotate"])
    expected = expected - {"steplib/summaries.py"} | {"steplib/drawn_frame.py"}
    assert imported_files(SCRIPTS / "sweep.py") == expected


def sha256_lines(folder: Path) -> list[str]:
    return [
        f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in files_under(folder).items()
    ]


def test_sample_photos_give_the_pinned_bytes(tmp_path):
    """Every output of the sample photos, byte for byte as pinned in tests/data."""
    root = copy_workflow(tmp_path / "samples")
    shutil.copytree(REPO / "images", root / "images")
    run_snakemake(root, "--config", "ks=[1,3,8,50]")
    pinned = (REPO / "tests/data/sample_outputs.sha256").read_text().splitlines()
    assert sha256_lines(root / "results") == pinned


def test_outputs_follow_the_umask(tmp_path):
    """Group-shared project folders (umask 002) get group-writable results."""
    photo = write_photo(tmp_path / "photo.png")
    output = tmp_path / "out" / "resized.png"
    subprocess.run(
        [sys.executable, str(SCRIPTS / "resize.py"), f"--output={output}", "--", str(photo)],
        check=True,
        preexec_fn=lambda: os.umask(0o002),
    )
    assert output.stat().st_mode & 0o777 == 0o664


def test_the_readmes_command_for_data_apart_from_the_code(tmp_path):
    """The README's `--snakefile ... --directory ...` names files that exist, and runs."""
    readme = (REPO / "README.md").read_text()
    command = re.search(r"`snakemake (--snakefile \S+ --directory \S+)`", readme).group(1)
    code = copy_workflow(tmp_path / "kmeans-gif")
    data = tmp_path / "project"
    write_photo(data / "images/photo.png")
    shutil.copy2(code / "config.yaml", data / "config.yaml")
    arguments = command.replace("/path/to/kmeans-gif", str(code))
    arguments = arguments.replace("/path/to/project", str(data)).split()
    result = run_snakemake(tmp_path, *arguments, "--dry-run")
    assert job_counts(result)["resize"] == 1
