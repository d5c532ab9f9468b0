"""The peer of the workflow: the plain single-process script a user would write instead.

For each photo: read it, scale its longer side to 500 pixels, then for each k run
scikit-learn's ``KMeans`` with its defaults (seeded) on every pixel, recolour every
pixel with its centre, write "k=N" with ``cv2.putText`` and append the frame; imageio
writes the GIF. Written the obvious way on purpose: pipeline_bench.py measures the
workflow against it, on the same photos and ks.

    python benchmarks/plain_script.py --output out/ images/*.png

``--sse FILE`` also writes, per photo and k, the SSE of the fit computed as the
workflow's summaries compute theirs (the sum of the squared distances of the pixels
to their centres, in 8-bit units), so that the benchmark compares the two on the
same pixels; it adds a few milliseconds per k.
"""

import argparse
import json
from pathlib import Path

import cv2
import imageio.v2 as imageio
import numpy as np
from sklearn.cluster import KMeans

KS = [1, 2, 3, 4, 5, 6, 8, 10, 14, 16, 20, 25, 40, 50]


def resized(image: np.ndarray, max_size: int) -> np.ndarray:
    """Return ``image`` with its longer side scaled to ``max_size`` (kept when already smaller)."""
    height, width = image.shape[:2]
    scale = max_size / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def sse(pixels: np.ndarray, centres: np.ndarray, labels: np.ndarray) -> float:
    """Return the sum of squared distances of ``pixels`` to their centres."""
    difference = pixels.astype(np.float64) - centres.astype(np.float64)[labels]
    return float((difference**2).sum())


def gif_of(path: Path, output: Path, ks: list[int], max_size: int) -> list[float]:
    """Write the GIF of the photo at ``path`` to ``output``; return the SSE of each k."""
    image = resized(cv2.imread(str(path)), max_size)
    pixels = image.reshape(-1, 3)
    frames, sses = [], []
    for k in ks:
        kmeans = KMeans(n_clusters=k, random_state=0).fit(pixels)
        sses.append(sse(pixels, kmeans.cluster_centers_, kmeans.labels_))
        frame = kmeans.cluster_centers_[kmeans.labels_].astype(np.uint8).reshape(image.shape)
        cv2.putText(frame, f"k={k}", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 2)
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    imageio.mimsave(output, frames, duration=750, loop=0)
    return sses


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photos", nargs="+", type=Path)
    parser.add_argument("--output", type=Path, required=True, help="folder for NAME.gif")
    parser.add_argument("--ks", type=int, nargs="+", default=KS)
    parser.add_argument("--max_size", type=int, default=500)
    parser.add_argument("--sse", type=Path, help="write {photo: [SSE of each k]} as JSON here")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    sses = {}
    for path in args.photos:
        sses[path.stem] = gif_of(path, args.output / f"{path.stem}.gif", args.ks, args.max_size)
    if args.sse:
        args.sse.write_text(json.dumps(sses, indent=1) + "\n")


if __name__ == "__main__":
    main()
