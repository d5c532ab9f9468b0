"""Step 4 (gif): assemble one photo's frames, in the order of ``ks``, into a looping GIF.

Each frame holds at most 256 colours (see annotate.py), so the GIF palette
keeps them exactly: decoding the GIF gives back the PNG frames pixel for pixel.
"""

import sys

import imageio.v3 as iio
import numpy as np

from atomic_write import write_bytes


def gif_bytes(frames: list[np.ndarray], duration_ms: int, loop: int = 0) -> bytes:
    """Return the GIF encoding of RGB ``frames``, each shown ``duration_ms``; ``loop`` 0 loops forever."""
    return iio.imwrite("<bytes>", frames, extension=".gif", duration=duration_ms, loop=loop)


def make_gif(frame_paths, gif_path, *, duration_ms: int, loop: int) -> None:
    """Read the PNG frames and write the GIF atomically."""
    frames = [iio.imread(path) for path in frame_paths]
    write_bytes(gif_path, gif_bytes(frames, duration_ms, loop))


if "snakemake" in globals():
    snakemake = globals()["snakemake"]
    sys.stderr = open(snakemake.log[0], "w", buffering=1)
    make_gif(
        snakemake.input,
        snakemake.output[0],
        duration_ms=snakemake.params.duration_ms,
        loop=snakemake.params.loop,
    )
