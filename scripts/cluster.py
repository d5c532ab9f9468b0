"""Step 2 (cluster): k-means of one photo's pixel colours, for one k.

Reads the resized photo and writes
- the label map (``results/NAME/clusters/k_K.png``): a 16-bit greyscale PNG the
  size of the photo; value i means "cluster i", 65535 a transparent pixel;
- the cluster summary (``results/NAME/clusters/k_K.json``): the palette, clusters
  sorted by pixel count, largest first, the statistics of the fit, and how
  different the frame looks from the photo (CIEDE2000: mean, median, 95th
  percentile over the pixels).

Example:
  python scripts/cluster.py --k 8 --image=photo \\
      --labels k_8.png --summary k_8.json -- results/photo/resized.png
"""

from steplib import command
from steplib.clustering import add_fit_options, fit_options, write_clusters
from steplib.read_image import read_png


def cluster_photo(
    source, labels_path, summary_path, *, image_name: str, k: int, **fit_options
) -> None:
    """Cluster the resized photo ``source`` and write its label map and summary."""
    image = read_png(source)
    write_clusters(image, labels_path, summary_path, image_name=image_name, k=k, **fit_options)


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("source", help="the resized photo (PNG)")
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
