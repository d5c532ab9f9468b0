"""Step 6 (sheet): the resized photo and all its frames side by side, each captioned.

Output: ``results/NAME/sheet.png``, for comparing ks at a glance (the report
shows it inline, where a GIF is only a download).

Example:
  python scripts/contact_sheet.py --ks 2 8 --output sheet.png -- resized.png k_2.png k_8.png
"""

import math

import cv2
import numpy as np

from steplib import command
from steplib.atomic_write import write_png
from steplib.read_image import read_png

TILE = 240  # longer side of each picture, pixels
CAPTION = 26  # height of the caption strip under each picture
GAP = 8
BACKGROUND = 255
FONT = cv2.FONT_HERSHEY_SIMPLEX


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


def captioned(picture: np.ndarray, caption: str) -> np.ndarray:
    """Return ``picture`` with ``caption`` centred in a strip below it."""
    height, width = picture.shape[:2]
    cell = np.full((height + CAPTION, width, 3), BACKGROUND, np.uint8)
    cell[:height] = picture
    (text_width, text_height), _ = cv2.getTextSize(caption, FONT, 0.55, 1)
    origin = ((width - text_width) // 2, height + (CAPTION + text_height) // 2)
    cv2.putText(cell, caption, origin, FONT, 0.55, (40, 40, 40), 1, cv2.LINE_AA)
    return cell


def contact_sheet(pictures: list[tuple[str, np.ndarray]], columns: int = 0) -> np.ndarray:
    """Return a grid of captioned tiles for ``(caption, image)`` pairs of one size, in reading order."""
    cells = [captioned(fitted(image), caption) for caption, image in pictures]
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


def sheet_photo(resized_path, frame_paths, ks, sheet_path) -> None:
    """Read the resized photo and its frames and write the contact sheet."""
    pictures = [("original", read_png(resized_path))]
    for k, path in zip(ks, frame_paths, strict=True):
        pictures.append((f"k={k}", read_png(path)))
    write_png(sheet_path, contact_sheet(pictures))


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("resized", help="the resized photo (PNG)")
    parser.add_argument("frames", nargs="+", help="its frames (PNG), one per k")
    parser.add_argument("--ks", type=int, nargs="+", required=True, help="the k of each frame")
    parser.add_argument("--output", required=True, help="the contact sheet to write (PNG)")
    args = parser.parse_args(argv)
    command.run(sheet_photo, args.resized, args.frames, args.ks, args.output)


if __name__ == "__main__":
    main()
