"""Step 2b (captions): draw the caption "k=N" of every k a frame of this photo may have.

A caption depends only on k and the frame's size, and drawing it takes OpenCV; so
this step draws all of them (k = 1 .. 240, the most the config allows) once per
photo, and the annotate jobs, one per k, only paint theirs on. Changing ``ks``
does not rerun it. Reads the resized photo's size from its header and writes
``results/NAME/captions.bin`` (its format: ``steplib.captions``).

Example:
  python scripts/captions.py --output captions.bin -- results/photo/resized.png
"""

from steplib import command
from steplib.atomic_write import write_bytes
from steplib.caption_drawing import caption
from steplib.captions import captions_bytes
from steplib.indexed_png import png_size
from steplib.label_map import MAX_CLUSTERS


def draw_captions(resized_path, captions_path) -> None:
    """Write the caption of every k from 1 to ``MAX_CLUSTERS`` for frames the size of the photo."""
    width, height = png_size(resized_path)
    captions = {k: caption(k, width, height) for k in range(1, MAX_CLUSTERS + 1)}
    write_bytes(captions_path, captions_bytes(width, height, captions))


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("resized", help="the resized photo (PNG), for its size")
    parser.add_argument("--output", required=True, help="the captions file to write")
    args = parser.parse_args(argv)
    command.run(draw_captions, args.resized, args.output)


if __name__ == "__main__":
    main()
