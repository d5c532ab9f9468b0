"""Step 2 (cluster): k-means of one photo's pixel colours, for one k.

Outputs, under ``results/NAME/clusters/``:
- ``k_K.png``: the label map, a 16-bit greyscale PNG the size of the resized
  photo; value i means "cluster i", ``NO_LABEL`` (65535) a transparent pixel.
- ``k_K.json``: the palette (clusters sorted by pixel count, largest first)
  and the statistics of the fit.
"""

import cv2
import numpy as np

from atomic_write import write_json, write_png
from kmeans import KMeans, distinct_rows
from step import run_step

NO_LABEL = 65535
# Pixels at least half opaque are clustered and drawn; the rest stay transparent
# (a GIF has only fully transparent or fully opaque pixels).
OPAQUE_FROM = 128


def opaque_mask(image: np.ndarray) -> np.ndarray:
    """Return a boolean (height, width) mask of the pixels that take part in clustering."""
    if image.ndim == 3 and image.shape[2] == 4:
        return image[..., 3] >= OPAQUE_FROM
    return np.ones(image.shape[:2], dtype=bool)


# sRGB (D65) to CIE XYZ, and the D65 white point: the standard sRGB definitions.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE = np.array([0.95047, 1.0, 1.08883])
_DELTA = 6 / 29


def bgr_to_lab(colours: np.ndarray) -> np.ndarray:
    """Return CIE L*a*b* (L in 0..100, D65) of (n, 3) BGR ``colours`` on the 8-bit scale, as float64."""
    c = colours[:, ::-1].astype(np.float64) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    t = linear @ _RGB_TO_XYZ.T / _WHITE
    f = np.where(t > _DELTA**3, np.cbrt(t), t / (3 * _DELTA**2) + 4 / 29)
    return np.stack(
        [116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1
    )


def lab_to_bgr(lab: np.ndarray) -> np.ndarray:
    """Return BGR on the 8-bit scale (float64, clipped to 0..255) of (n, 3) CIE L*a*b* colours."""
    fy = (lab[:, 0] + 16) / 116
    f = np.stack([fy + lab[:, 1] / 500, fy, fy - lab[:, 2] / 200], axis=1)
    t = np.where(f > _DELTA, f**3, 3 * _DELTA**2 * (f - 4 / 29))
    linear = np.clip((t * _WHITE) @ _XYZ_TO_RGB.T, 0, 1)
    c = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.clip(c, 0, 1)[:, ::-1] * 255


def clustered(
    image: np.ndarray,
    k: int,
    *,
    seed: int = 0,
    tol: float = 1e-3,
    max_iter: int = 500,
    color_space: str = "rgb",
):
    """Cluster the colours of a BGR(A) ``image`` into at most ``k`` groups.

    With ``color_space="lab"`` the distinct colours are clustered in CIE
    L*a*b*, weighted by their pixel counts, and the centres are converted back
    to RGB for display; ``sse`` is then measured in L*a*b* units.

    Returns
    -------
    labels : (height, width) uint16 array
        Cluster index of each pixel, ``NO_LABEL`` for transparent pixels.
    summary : dict
        The palette and fit statistics, ready to be written as JSON.
    """
    mask = opaque_mask(image)
    pixels = image[..., :3][mask]
    labels = np.full(mask.shape, NO_LABEL, dtype=np.uint16)
    summary = {
        "k": k,
        "color_space": color_space,
        "seed": seed,
        "tol": tol,
        "max_iter": max_iter,
        "pixels": int(mask.sum()),
        "transparent_pixels": int(mask.size - mask.sum()),
    }
    if len(pixels) == 0:
        empty = {"clusters_found": 0, "distinct_colours": 0, "iterations": 0, "sse": 0.0}
        return labels, summary | empty | {"clusters": []}

    kmeans = KMeans(k, seed=seed, tol=tol, max_iter=max_iter)
    if color_space == "lab":
        colours, inverse, counts = distinct_rows(pixels)
        lab = bgr_to_lab(colours)
        model = kmeans.fit(lab, sample_weight=counts)
        points, raw_labels = lab[inverse], model.labels_[inverse]
    else:
        model = kmeans.fit(pixels)
        points, raw_labels = pixels.astype(np.float64), model.labels_

    # Largest cluster first, so palettes read the same way whatever the start.
    sizes = np.bincount(raw_labels, minlength=model.n_clusters_)
    order = np.lexsort((np.arange(len(sizes)), -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    pixel_labels = rank[raw_labels]
    centres = model.cluster_centers_[order]
    labels[mask] = pixel_labels

    errors = ((points - centres[pixel_labels]) ** 2).sum(axis=1)
    sse_per_cluster = np.bincount(pixel_labels, weights=errors, minlength=len(centres))
    summary |= {
        "clusters_found": int(model.n_clusters_),
        "distinct_colours": int(model.n_distinct_),
        "iterations": int(model.n_iter_),
        "converged": bool(model.n_iter_ < max_iter),
        "sse": float(sse_per_cluster.sum()),
    }
    if model.n_clusters_ < k:
        summary["note"] = (
            f"k = {k} exceeds the {model.n_distinct_} distinct colour(s) of the photo: "
            "each colour is its own cluster"
        )
    centres_bgr = lab_to_bgr(centres) if color_space == "lab" else centres
    summary["clusters"] = [
        _cluster_entry(centre_bgr, int(count), float(sse), len(pixels))
        for centre_bgr, count, sse in zip(centres_bgr, sizes[order], sse_per_cluster, strict=True)
    ]
    return labels, summary


def _cluster_entry(centre_bgr: np.ndarray, count: int, sse: float, total: int) -> dict:
    rgb = [int(v) for v in np.clip(np.rint(centre_bgr[::-1]), 0, 255)]
    return {
        "rgb": rgb,
        "hex": "#{:02x}{:02x}{:02x}".format(*rgb),
        "centre": [float(v) for v in centre_bgr[::-1]],
        "pixels": count,
        "share": count / total,
        "sse": sse,
    }


def write_clusters(
    image: np.ndarray, labels_path, summary_path, *, image_name: str, k: int, **fit_options
):
    """Cluster ``image`` for one k, write its label map and summary, and return both."""
    labels, summary = clustered(image, k, **fit_options)
    write_png(labels_path, labels)
    write_json(summary_path, {"image": image_name} | summary)
    return labels, summary


def cluster_photo(
    source, labels_path, summary_path, *, image_name: str, k: int, **fit_options
) -> None:
    """Cluster the resized photo ``source`` and write its label map and summary."""
    image = cv2.imread(str(source), cv2.IMREAD_UNCHANGED)
    write_clusters(image, labels_path, summary_path, image_name=image_name, k=k, **fit_options)


if "snakemake" in globals():
    snakemake = globals()["snakemake"]
    run_step(
        snakemake,
        cluster_photo,
        snakemake.input.image,
        snakemake.output.labels,
        snakemake.output.summary,
        image_name=snakemake.wildcards.image,
        k=int(snakemake.wildcards.k),
        **snakemake.params.fit,
    )
