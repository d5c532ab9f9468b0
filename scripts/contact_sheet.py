"""Step 6 (sheet): the resized photo and all its frames side by side, each captioned; and the palettes.

Output: ``results/NAME/sheet.png``, for comparing ks at a glance (the report
shows it inline, where a GIF is only a download). Under each frame, a strip of
its palette (each colour as wide as its share of the pixels) and its k with its
mean CIEDE2000 difference from the photo, from the frame's cluster summary.

With ``--palettes``, also the palettes picture (``results/NAME/palettes.png``,
see ``steplib.palette_picture``) from the same summaries: in the same job, as
a job of its own would cost more to start than to draw it.

Example:
  python scripts/contact_sheet.py --summaries k_2.json k_8.json --output sheet.png \\
      --palettes palettes.png -- resized.png k_2.png k_8.png
"""

import math

import cv2
import numpy as np

from steplib import command
from steplib.atomic_write import write_png
from steplib.drawing import TEXT_BGR, draw_text, segment_edges
from steplib.palette_picture import palettes_picture
from steplib.read_image import read_png
from steplib.summaries import read_summaries

TILE = 240  # longer side of each picture, pixels
STRIP = 12  # height of the palette strip under each frame, after a gap of STRIP_GAP
STRIP_GAP = 3
CAPTION = 24  # height of the caption under the strip
TEXT_SIZE = 15
BELOW = STRIP_GAP + STRIP + CAPTION  # everything under a picture
GAP = 8
BACKGROUND = 255
RULE = 200  # grey of the lines along a palette strip


def over_checkerboard(image: np.ndarray, square: int = 8) -> np.ndarray:
    """Return BGR ``image``, or BGRA composited over a light checkerboard that shows transparency."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 3:
        return image
    y, x = np.indices(image.shape[:2])
    board = np.where(((y // square + x // square) % 2)[..., None] == 0, 235, 200).astype(np.float32)
    alpha = image[..., 3:].astype(np.float32) / 255
    return np.rint(image[..., :3] * alpha + board * (1 - alpha)).astype(np.uint8)


def fitted(image: np.ndarray) -> np.ndarray:
    """Return BGR ``image`` scaled so that its longer side is TILE pixels."""
    picture = over_checkerboard(image)
    height, width = picture.shape[:2]
    scale = TILE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Tiny photos are enlarged without smoothing, so their pixels stay visible.
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST
    return cv2.resize(picture, size, interpolation=interpolation)


def palette_strip(palette, width: int) -> np.ndarray:
    """Return a STRIP-high BGR strip of ``(rgb, share)`` colours, each as wide as its share."""
    strip = np.full((STRIP, width, 3), BACKGROUND, np.uint8)
    edges = segment_edges([share for _, share in palette], width)
    for (rgb, _), start, end in zip(palette, edges[:-1], edges[1:], strict=True):
        strip[:, start:end] = rgb[::-1]
    return strip


def captioned(picture: np.ndarray, caption: str, palette) -> np.ndarray:
    """Return ``picture`` with its palette strip (none when ``palette`` is None) and ``caption`` below."""
    height, width = picture.shape[:2]
    cell = np.full((height + BELOW, width, 3), BACKGROUND, np.uint8)
    cell[:height] = picture
    if palette is not None:
        top = height + STRIP_GAP
        cell[top : top + STRIP] = palette_strip(palette, width)
        # Grey rules above and below, so that a near-white colour still shows its extent.
        cell[[top - 1, top + STRIP]] = RULE
    draw_text(cell, caption, (width // 2, height + BELOW - CAPTION // 2), TEXT_SIZE, TEXT_BGR)
    return cell


def contact_sheet(pictures, columns: int = 0) -> np.ndarray:
    """Return a grid of captioned tiles, in reading order, for ``(caption, image, palette)``.

    The images have one size; ``palette`` is a list of ``(rgb, share)``, or None.
    """
    cells = [captioned(fitted(image), caption, palette) for caption, image, palette in pictures]
    columns = columns or min(len(cells), max(3, math.ceil(math.sqrt(len(cells)))))
    rows = math.ceil(len(cells) / columns)
    cell_height, cell_width = cells[0].shape[:2]
    sheet = np.full(
        (GAP + rows * (cell_height + GAP), GAP + columns * (cell_width + GAP), 3),
        BACKGROUND,
        np.uint8,
    )
    for index, cell in enumerate(cells):
        row, column = divmod(index, columns)
        top, left = GAP + row * (cell_height + GAP), GAP + column * (cell_width + GAP)
        sheet[top : top + cell_height, left : left + cell_width] = cell
    return sheet


def frame_caption(summary: dict) -> str:
    """Return "k=N  ΔE₀₀ m", with m the mean colour difference of the frame from the photo."""
    mean = summary["delta_e2000"]["mean"]
    return f"k={summary['k']}" + ("" if mean is None else f"   ΔE₀₀ {mean:.2f}")


def sheet_pictures(resized_path, frame_paths, summaries) -> list:
    """Return the contact sheet's pictures: (caption, image, palette) of the photo and each frame."""
    pictures = [("original", read_png(resized_path), None)]
    for frame_path, summary in zip(frame_paths, summaries, strict=True):
        palette = [(c["rgb"], c["share"]) for c in summary["clusters"]]
        pictures.append((frame_caption(summary), read_png(frame_path), palette))
    return pictures


def sheet_photo(resized_path, frame_paths, summary_paths, sheet_path, palettes_path=None) -> None:
    """Read the resized photo, its frames and their summaries, and write the contact sheet
    (and the palettes picture, if ``palettes_path`` is given, once the frames are freed)."""
    summaries = read_summaries(summary_paths)
    write_png(sheet_path, contact_sheet(sheet_pictures(resized_path, frame_paths, summaries)))
    if palettes_path is not None:
        write_png(palettes_path, palettes_picture(summaries[0]["image"], summaries))


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("resized", help="the resized photo (PNG)")
    parser.add_argument("frames", nargs="+", help="its frames (PNG), one per k")
    parser.add_argument(
        "--summaries", nargs="+", required=True, help="the cluster summary (JSON) of each frame"
    )
    parser.add_argument("--output", required=True, help="the contact sheet to write (PNG)")
    parser.add_argument("--palettes", help="also the palettes picture to write (PNG)")
    args = parser.parse_args(argv)
    command.run(sheet_photo, args.resized, args.frames, args.summaries, args.output, args.palettes)


if __name__ == "__main__":
    main()
