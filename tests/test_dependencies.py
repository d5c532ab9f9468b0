"""One source of truth for what the steps need: their imports, in both install routes.

pip users install requirements.txt, ``--sdm conda`` users get workflow/envs/segment.yaml;
both must hold every third-party package that a script imports, and the conda env
nothing else (it is the jobs' environment, not the developers').
"""

import ast
import re
import sys

import yaml

from conftest import REPO, SCRIPTS

# Import name -> (pip package, conda-forge package). A new third-party import fails
# test_every_import_is_known until it is added here and to both files.
PACKAGES = {
    "cv2": ("opencv-python-headless", "py-opencv"),
    "imageio": ("imageio", "imageio"),
    # Not imported: steplib/drawing.py finds its DejaVu Sans font (find_spec). conda-forge's
    # build without a GUI toolkit.
    "matplotlib": ("matplotlib", "matplotlib-base"),
    "numpy": ("numpy", "numpy"),
    "PIL": ("pillow", "pillow"),
}


def imported_packages() -> set[str]:
    """Return the top-level names of the modules scripts/**/*.py import or look up (with
    ``importlib.util.find_spec``, for their files), ours and stdlib left out."""
    ours = {path.stem for path in SCRIPTS.iterdir()}
    names = set()
    for script in SCRIPTS.rglob("*.py"):
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "find_spec"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value.split(".")[0])
    return names - ours - set(sys.stdlib_module_names)


def requirement_names(lines) -> set[str]:
    """Return the package names of requirement lines ("numpy >=2,<3" -> "numpy")."""
    return {re.match(r"[A-Za-z0-9_.-]+", line.strip()).group(0).lower() for line in lines}


def test_every_import_is_known():
    assert imported_packages() == set(PACKAGES)


def test_requirements_txt_holds_every_import():
    lines = (REPO / "requirements.txt").read_text().splitlines()
    pip = requirement_names(line for line in lines if line.strip() and not line.startswith("#"))
    assert {pip_name for pip_name, _ in PACKAGES.values()} <= pip


def test_conda_env_holds_exactly_the_imports():
    env = yaml.safe_load((REPO / "workflow/envs/segment.yaml").read_text())
    conda = requirement_names(env["dependencies"]) - {"python"}
    assert conda == {conda_name for _, conda_name in PACKAGES.values()}
