"""k-means of one photo's pixel colours: its label map and its palette, for one k.

The cluster step writes them for one k, the sweep step for every k of a photo, both
from the photo's colour table (``steplib.photo_colours``), which the resize step writes.
"""

import numpy as np

from kmeans import KMeans
from steplib.atomic_write import write_bytes, write_json
from steplib.colour import lab_to_bgr
from steplib.colour_error import NO_PIXELS, colour_error
from steplib.indexed_png import indexed_png
from steplib.label_map import NO_LABEL, label_map_image
from steplib.photo_colours import PhotoColours, photo_colours


def add_fit_options(parser) -> None:
    """Add the k-means options, named like their config keys, to a step's argument parser."""
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    parser.add_argument(
        "--tol", type=float, default=1e-3, help="stop when no centre moves this much (8-bit units)"
    )
    parser.add_argument("--max_iter", type=int, default=500, help="... or after this many rounds")
    parser.add_argument("--color_space", choices=("rgb", "lab"), default="rgb")


def fit_options(args) -> dict:
    """Return the k-means options of parsed arguments, as ``clustered`` takes them."""
    return {
        "seed": args.seed,
        "tol": args.tol,
        "max_iter": args.max_iter,
        "color_space": args.color_space,
    }


def clustered(image: np.ndarray, k: int, **fit_options):
    """Cluster the colours of a BGR(A) ``image``: ``clustered_colours`` of its colour table."""
    return clustered_colours(photo_colours(image), k, **fit_options)


def clustered_colours(
    photo: PhotoColours,
    k: int,
    *,
    seed: int = 0,
    tol: float = 1e-3,
    max_iter: int = 500,
    color_space: str = "rgb",
):
    """Cluster the colours of a photo, given as its colour table, into at most ``k`` groups.

    The distinct colours are clustered, weighted by their pixel counts (a photo
    has several times fewer colours than pixels), and only the label map goes
    back to the pixels. With ``color_space="lab"`` they are clustered in CIE
    L*a*b* and the centres are converted back to RGB for display; ``sse`` is
    then measured in L*a*b* units. ``delta_e2000`` tells how different the frame
    (every pixel in its cluster's 8-bit colour) looks from the photo: see
    ``steplib.colour_error``.

    Returns
    -------
    labels : (height, width) uint8 array
        Cluster index of each pixel, ``NO_LABEL`` for transparent pixels.
    summary : dict
        The palette and fit statistics, ready to be written as JSON.
    """
    mask, colours, inverse, counts, colours_lab = photo
    labels = np.full(mask.shape, NO_LABEL, dtype=np.uint8)
    pixels = int(counts.sum())
    summary = {
        "k": k,
        "color_space": color_space,
        "seed": seed,
        "tol": tol,
        "max_iter": max_iter,
        "pixels": pixels,
        "transparent_pixels": mask.size - pixels,
    }
    if pixels == 0:
        empty = {"clusters_found": 0, "distinct_colours": 0, "iterations": 0, "sse": 0.0}
        return labels, summary | empty | {"delta_e2000": NO_PIXELS, "clusters": []}

    points = colours_lab if color_space == "lab" else colours
    model = KMeans(k, seed=seed, tol=tol, max_iter=max_iter).fit(points, sample_weight=counts)

    # Largest cluster first, so palettes read the same way whatever the start.
    sizes = np.bincount(model.labels_, weights=counts, minlength=model.n_clusters_).astype(np.int64)
    order = np.lexsort((np.arange(len(sizes)), -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    colour_labels = rank[model.labels_]
    centres = model.cluster_centers_[order]
    labels[mask] = colour_labels[inverse]

    errors = counts * ((points - centres[colour_labels]) ** 2).sum(axis=1)
    sse_per_cluster = np.bincount(colour_labels, weights=errors, minlength=len(centres))
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
    shown_bgr = np.clip(np.rint(centres_bgr), 0, 255).astype(np.uint8)
    summary["delta_e2000"] = colour_error(colours_lab, counts, colour_labels, shown_bgr)
    summary["clusters"] = [
        _cluster_entry(centre_bgr, shown, int(count), float(sse), pixels)
        for centre_bgr, shown, count, sse in zip(
            centres_bgr, shown_bgr, sizes[order], sse_per_cluster, strict=True
        )
    ]
    return labels, summary


def _cluster_entry(
    centre_bgr: np.ndarray, shown_bgr: np.ndarray, count: int, sse: float, total: int
) -> dict:
    rgb = [int(v) for v in shown_bgr[::-1]]
    return {
        "rgb": rgb,
        "hex": "#{:02x}{:02x}{:02x}".format(*rgb),
        "centre": [float(v) for v in centre_bgr[::-1]],
        "pixels": count,
        "share": count / total,
        "sse": sse,
    }


def write_clusters(
    photo: PhotoColours, labels_path, summary_path, *, image_name: str, k: int, **fit_options
):
    """Cluster a photo's colour table for one k, write its label map and summary, return both.

    The label map is returned as written (``steplib.indexed_png.IndexedImage``).
    """
    labels, summary = clustered_colours(photo, k, **fit_options)
    label_map = label_map_image(labels, summary)
    write_bytes(labels_path, indexed_png(label_map))
    write_json(summary_path, {"image": image_name} | summary)
    return label_map, summary
