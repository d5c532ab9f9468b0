"""Step 3 (annotate): colour a label map with its clusters' colours and caption it "k=N".

Reads a label map and its cluster summary (from the cluster step) and the photo's
captions (from the captions step), and writes the frame,
``results/NAME/frames/k_K.png``: a palette PNG, transparent where the photo is.
It uses only Python's standard library, so the job starts in a fraction of the
time numpy and OpenCV would take to import.

Example:
  python scripts/annotate.py --output frame.png -- clusters/k_8.png clusters/k_8.json captions.bin
"""

from steplib import command
from steplib.atomic_write import write_bytes
from steplib.captions import read_caption
from steplib.frame import frame_of
from steplib.indexed_png import indexed_png, read_indexed_png
from steplib.label_map import NO_LABEL
from steplib.summaries import read_summaries


def annotate_photo(labels_path, summary_path, captions_path, frame_path) -> None:
    """Read a cluster result and its caption; write its frame."""
    label_map = read_indexed_png(labels_path)
    [summary] = read_summaries([summary_path])
    clusters = len(summary["clusters"])
    strays = set(label_map.indices) - set(range(clusters)) - {NO_LABEL}
    if strays:
        raise command.StepError(
            f"{labels_path}: cluster {min(strays)} in a label map of {clusters} clusters "
            f"({summary_path}); rerun the cluster step"
        )
    caption = read_caption(captions_path, summary["k"], label_map.width, label_map.height)
    write_bytes(frame_path, indexed_png(frame_of(label_map, summary, caption)))


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("labels", help="the label map (palette PNG) of the cluster step")
    parser.add_argument("summary", help="its cluster summary (JSON)")
    parser.add_argument("captions", help="the photo's captions, from the captions step")
    parser.add_argument("--output", required=True, help="the frame to write (PNG)")
    args = parser.parse_args(argv)
    command.run(annotate_photo, args.labels, args.summary, args.captions, args.output)


if __name__ == "__main__":
    main()
