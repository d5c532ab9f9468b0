"""Compare our GIF with one made the reference tutorial's way, for the same photos and ks.

The tutorial saved each frame as a default-quality JPEG, then assembled the
JPEGs into a GIF with Pillow. Ours keeps each frame's exact colours (k + at
most 8 label colours, one palette per frame). For each photo this prints the
sizes, how many pixels each GIF gets wrong against the PNG frames, and the
size of the optional lossless WebP.

Usage: python benchmarks/gif_size.py [--ks 1 2 3 ...] [photos ...]
"""

import argparse
import datetime
import io
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from animate import gif_bytes, webp_bytes
from resize import resized
from steplib.clustering import clustered
from steplib.drawn_frame import frame_of_labels
from steplib.indexed_png import indexed_png
from steplib.read_image import read_image

DEFAULT_KS = [1, 2, 3, 4, 5, 6, 8, 10, 14, 16, 20, 25, 40, 50]


def our_frames(photo: Path, ks: list[int]) -> list[Image.Image]:
    """Return the workflow's palette frames for ``photo``, made by the steps' own functions."""
    image = resized(read_image(photo, min_size=500), 500)
    frames = []
    for k in ks:
        labels, summary = clustered(image, k)
        frames.append(Image.open(io.BytesIO(indexed_png(frame_of_labels(labels, summary)))))
    return frames


def tutorial_way_gif(frames: list[np.ndarray], duration_ms: int = 750) -> bytes:
    """Return a GIF made as the tutorial did: default-quality JPEG frames, then Pillow's GIF writer."""
    with tempfile.TemporaryDirectory() as folder:
        images = []
        for index, frame in enumerate(frames):
            path = Path(folder) / f"k_{index}.jpg"
            cv2.imwrite(str(path), frame[..., ::-1])  # OpenCV's default JPEG quality
            images.append(Image.open(path))
        buffer = io.BytesIO()
        images[0].save(
            buffer,
            format="GIF",
            append_images=images[1:],
            save_all=True,
            duration=duration_ms,
            loop=0,
        )
    return buffer.getvalue()


def wrong_pixels(gif: bytes, frames: list[np.ndarray]) -> int:
    """Return how many pixels, over all frames, the decoded GIF gets wrong."""
    wrong = 0
    with Image.open(io.BytesIO(gif)) as im:
        assert im.n_frames == len(frames), (im.n_frames, len(frames))
        for index, frame in enumerate(frames):
            im.seek(index)
            decoded = np.asarray(im.convert("RGB"))
            wrong += int(np.any(decoded != frame, axis=2).sum())
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", nargs="*", type=Path, default=sorted((ROOT / "images").iterdir()))
    parser.add_argument("--ks", nargs="+", type=int, default=DEFAULT_KS)
    args = parser.parse_args()

    print(f"# GIF size: ours against the tutorial's way ({datetime.date.today()})\n")
    print(f"Command: `python benchmarks/gif_size.py` (ks {args.ks})\n")
    print(
        "| photo | size | ours | tutorial's way | ours / tutorial | wrong pixels, ours | wrong pixels, tutorial | lossless WebP |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for photo in args.photos:
        images = our_frames(photo, args.ks)
        frames = [np.asarray(image.convert("RGB")) for image in images]
        ours, theirs = gif_bytes(images, 750), tutorial_way_gif(frames)
        webp = webp_bytes(images, 750)
        total = len(frames) * frames[0].shape[0] * frames[0].shape[1]
        height, width = frames[0].shape[:2]
        print(
            f"| {photo.name} | {width}×{height} | {len(ours) / 1e3:,.0f} kB | {len(theirs) / 1e3:,.0f} kB "
            f"| {len(ours) / len(theirs):.2f} | {wrong_pixels(ours, frames) / total:.1%} "
            f"| {wrong_pixels(theirs, frames) / total:.1%} | {len(webp) / 1e3:,.0f} kB |"
        )


if __name__ == "__main__":
    main()
