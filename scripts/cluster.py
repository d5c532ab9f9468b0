"""Step 2 (cluster): k-means of one photo's pixel colours, for one k.

Reads the photo's colour table (``results/NAME/colours.npz``, written by the
resize step: every distinct colour of the photo, its pixel count and its
L*a*b*) and writes
- the label map (``results/NAME/clusters/k_K.png``): an 8-bit palette PNG the
  size of the photo; index i means "cluster i", 255 a transparent pixel, and the
  palette holds the clusters' colours (``steplib.label_map``);
- the cluster summary (``results/NAME/clusters/k_K.json``): the palette, clusters
  sorted by pixel count, largest first, the statistics of the fit, and how
  different the frame looks from the photo (CIEDE2000: mean, median, 95th
  percentile over the pixels).

Example:
  python scripts/cluster.py --k 8 --image=photo \\
      --labels k_8.png --summary k_8.json -- results/photo/colours.npz
"""

from steplib import command
from steplib.clustering import add_fit_options, fit_options, write_clusters
from steplib.photo_colours import read_photo_colours


def cluster_photo(
    source, labels_path, summary_path, *, image_name: str, k: int, **fit_options
) -> None:
    """Cluster the photo whose colour table is ``source``; write its label map and summary."""
    photo = read_photo_colours(source)
    write_clusters(photo, labels_path, summary_path, image_name=image_name, k=k, **fit_options)


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("source", help="the photo's colour table, from the resize step")
    parser.add_argument("--k", type=int, required=True, help="the number of clusters")
    parser.add_argument("--image", required=True, help="the photo's name, for the summary")
    parser.add_argument("--labels", required=True, help="the label map to write (PNG)")
    parser.add_argument("--summary", required=True, help="the cluster summary to write (JSON)")
    add_fit_options(parser)
    args = parser.parse_args(argv)
    command.run(
        cluster_photo,
        args.source,
        args.labels,
        args.summary,
        image_name=args.image,
        k=args.k,
        **fit_options(args),
    )


if __name__ == "__main__":
    main()
