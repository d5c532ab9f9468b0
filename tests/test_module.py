"""The workflow as a module of another workflow, fetched the way a GitHub source is.

``module ...: snakefile: github("owner/kmeans-gif", path="Snakefile", tag=...)`` makes
Snakemake clone the repository and cache each file it needs (the .smk files, the
schema, every step's script and the modules it imports) by its path in the
repository. Here git's ``insteadOf`` points the GitHub address at a local
repository, so the test takes exactly that code path without the network.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import copy_workflow, files_under, run_snakemake, write_photo

USER_SNAKEFILE = """\
configfile: "config/config.yaml"


module kmeans_gif:
    snakefile:
        github("example/kmeans-gif", path="Snakefile", tag="v1")
    config:
        config


use rule * from kmeans_gif as kmeans_gif_*
"""


def git(folder: Path, *args: str) -> None:
    identity = ("-c", "user.name=test", "-c", "user.email=test@example.org")
    subprocess.run(["git", *identity, *args], cwd=folder, check=True, capture_output=True)


def test_the_workflow_runs_as_a_module_from_a_git_repository(tmp_path):
    source = copy_workflow(tmp_path / "kmeans-gif")
    git(source, "init", "-q", "-b", "main")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "v1")
    git(source, "tag", "v1")
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(
        f'[url "file://{source}"]\n    insteadOf = https://github.com/example/kmeans-gif\n'
    )

    # The user's project: photos, their config and a Snakefile of three statements.
    user = tmp_path / "project"
    write_photo(user / "images/photo.png", seed=5)
    (user / "config").mkdir()
    shutil.copy2(source / "config.yaml", user / "config/config.yaml")
    (user / "Snakefile").write_text(USER_SNAKEFILE)
    env = os.environ | {"GIT_CONFIG_GLOBAL": str(gitconfig), "XDG_CACHE_HOME": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            "2",
            "--printshellcmds",
            "--config",
            "ks=[2,3]",
        ],
        cwd=user,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # The steps ran from Snakemake's copy of the repository, helpers beside them.
    cached = tmp_path / "snakemake/snakemake/source-cache/hosted-git/githubfile"
    assert f"python {cached}/github.com/example/kmeans-gif/v1/scripts/resize.py" in result.stderr
    assert "rule kmeans_gif_cluster:" in result.stderr

    # The same files as the workflow run on its own.
    alone = copy_workflow(tmp_path / "alone")
    write_photo(alone / "images/photo.png", seed=5)
    run_snakemake(alone, "--config", "ks=[2,3]")
    assert files_under(user / "results") == files_under(alone / "results")
