"""The same photo and options give the same bytes on every CPU, in both colour spaces.

numpy chooses its SIMD kernels at run time by CPU, and a kernel may round the last
bit differently from another (pow, cbrt, exp, sums in another order). Running the steps
with numpy's dispatched kernels disabled shows, on this machine, what a CPU without
them would make.
"""

import os
import subprocess
import sys

import pytest

from conftest import REPO, SCRIPTS, files_under, without_simd_kernels


def frames_made(out, env, color_space: str) -> dict[str, bytes]:
    """Run resize, captions, cluster and annotate for two ks of the cat photo; return every output."""

    def step(name, *args):
        command = [sys.executable, str(SCRIPTS / f"{name}.py"), *args]
        subprocess.run(command, env=env, check=True, timeout=300)

    step(
        "resize",
        f"--output={out / 'resized.png'}",
        f"--colours={out / 'colours.npz'}",
        "--",
        str(REPO / "images/chelsea.png"),
    )
    step("captions", f"--output={out / 'captions.bin'}", "--", str(out / "resized.png"))
    for k in (5, 25):
        labels, summary = out / f"k_{k}.png", out / f"k_{k}.json"
        step(
            "cluster",
            f"--k={k}",
            "--image=chelsea",
            f"--color_space={color_space}",
            f"--labels={labels}",
            f"--summary={summary}",
            "--",
            str(out / "colours.npz"),
        )
        captions = str(out / "captions.bin")
        step("annotate", f"--output={out / f'frame_{k}.png'}", "--", labels, summary, captions)
    return files_under(out)


@pytest.mark.parametrize("color_space", ["rgb", "lab"])
def test_frames_are_the_same_bytes_whatever_simd_kernels_numpy_uses(tmp_path, color_space):
    reduced = without_simd_kernels()
    if reduced is None:
        pytest.skip("this CPU has no SIMD features above numpy's baseline: one set of kernels")
    everything = frames_made(tmp_path / "all kernels", dict(os.environ), color_space)
    baseline = frames_made(tmp_path / "baseline", reduced, color_space)
    assert len(everything) == 9  # resized.png, colours.npz, captions.bin, and 3 files for each k
    assert everything == baseline, [
        name for name in everything if everything[name] != baseline[name]
    ]
