"""Steps 2 and 3 for every k of one photo in one job (``one_job_per_photo: true``).

For thousands of photos: a job costs about 0.2 core-seconds to start (Python,
Snakemake's script preamble, numpy) and Snakemake plans each job, so one job per
photo instead of two per frame makes the run and its planning several times
faster. The files are the cluster and annotate steps' own, byte for byte; what is
lost is per-frame caching: a frame is no longer built, or rebuilt, alone.
"""

import cv2

from annotate import annotated_frame
from atomic_write import write_png
from cluster import write_clusters
from step import run_step


def sweep_photo(
    source, ks, labels_paths, summary_paths, frame_paths, *, image_name: str, **fit_options
) -> None:
    """Cluster the resized photo ``source`` for every k in ``ks`` and draw each frame."""
    image = cv2.imread(str(source), cv2.IMREAD_UNCHANGED)
    outputs = zip(ks, labels_paths, summary_paths, frame_paths, strict=True)
    for k, labels_path, summary_path, frame_path in outputs:
        labels, summary = write_clusters(
            image, labels_path, summary_path, image_name=image_name, k=k, **fit_options
        )
        write_png(frame_path, annotated_frame(labels, summary))


if "snakemake" in globals():
    snakemake = globals()["snakemake"]
    run_step(
        snakemake,
        sweep_photo,
        snakemake.input.image,
        snakemake.params.ks,
        snakemake.output.labels,
        snakemake.output.summaries,
        snakemake.output.frames,
        image_name=snakemake.wildcards.image,
        **snakemake.params.fit,
    )
