"""Step 3 (annotate): recolour each pixel with its cluster's colour and write "k=N" on top.

Reads a label map and its cluster summary (from the cluster step) and writes the
frame, ``results/NAME/frames/k_K.png``: RGB (BGR on disk, as OpenCV writes), or
with an alpha channel when the photo has transparent pixels.

Example:
  python scripts/annotate.py --output frame.png -- clusters/k_8.png clusters/k_8.json
"""

import json

from steplib import command
from steplib.atomic_write import write_png
from steplib.frame import annotated_frame
from steplib.read_image import read_png


def annotate_photo(labels_path, summary_path, frame_path) -> None:
    """Read a cluster result and write its labelled frame."""
    labels = read_png(labels_path)
    with open(summary_path, encoding="utf-8") as f:
        summary = json.load(f)
    write_png(frame_path, annotated_frame(labels, summary))


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("labels", help="the label map (16-bit PNG) of the cluster step")
    parser.add_argument("summary", help="its cluster summary (JSON)")
    parser.add_argument("--output", required=True, help="the frame to write (PNG)")
    args = parser.parse_args(argv)
    command.run(annotate_photo, args.labels, args.summary, args.output)


if __name__ == "__main__":
    main()
