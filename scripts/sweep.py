"""Steps 2 and 3 for every k of one photo in one job (``one_job_per_photo: true``).

For thousands of photos: each job costs a process start (Python, numpy, OpenCV)
and Snakemake plans each job, so one job per photo instead of two per frame makes
the run and its planning several times faster. The files are the cluster and
annotate steps' own, byte for byte (the same library functions make them; it
draws the captions it needs itself, as the captions step does); what
is lost is per-frame caching: a frame is no longer built, or rebuilt, alone.

Example:
  python scripts/sweep.py --image=photo --ks 2 8 --labels k_2.png k_8.png \\
      --summaries k_2.json k_8.json --frames f_2.png f_8.png -- colours.npz
"""

from steplib import command
from steplib.atomic_write import write_bytes
from steplib.clustering import add_fit_options, fit_options, write_clusters
from steplib.drawn_frame import captioned_frame
from steplib.indexed_png import indexed_png
from steplib.photo_colours import read_photo_colours


def sweep_photo(
    source, ks, labels_paths, summary_paths, frame_paths, *, image_name: str, **fit_options
) -> None:
    """Cluster the photo whose colour table is ``source`` for every k in ``ks``; draw each frame."""
    photo = read_photo_colours(source)
    outputs = zip(ks, labels_paths, summary_paths, frame_paths, strict=True)
    for k, labels_path, summary_path, frame_path in outputs:
        label_map, summary = write_clusters(
            photo, labels_path, summary_path, image_name=image_name, k=k, **fit_options
        )
        write_bytes(frame_path, indexed_png(captioned_frame(label_map, summary)))


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("source", help="the photo's colour table, from the resize step")
    parser.add_argument("--image", required=True, help="the photo's name, for the summaries")
    parser.add_argument("--ks", type=int, nargs="+", required=True, help="the numbers of clusters")
    parser.add_argument("--labels", nargs="+", required=True, help="a label map per k (PNG)")
    parser.add_argument("--summaries", nargs="+", required=True, help="a summary per k (JSON)")
    parser.add_argument("--frames", nargs="+", required=True, help="a frame per k (PNG)")
    add_fit_options(parser)
    args = parser.parse_args(argv)
    command.run(
        sweep_photo,
        args.source,
        args.ks,
        args.labels,
        args.summaries,
        args.frames,
        image_name=args.image,
        **fit_options(args),
    )


if __name__ == "__main__":
    main()
