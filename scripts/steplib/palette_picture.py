"""The palettes picture: every k's palette as a row of swatches, with the colours' hex codes.

``results/NAME/palettes.png``, for someone who wants to copy the colours: one row
per k, in the order of ``ks``, its clusters' colours from the largest cluster to
the smallest, each swatch labelled with its ``#rrggbb`` where the code fits
(across, or upwards in a narrow swatch). Every palette is also listed in
``summary.json``. The sheet step draws it, with the contact sheet.
"""

import numpy as np

from steplib.drawing import TEXT_BGR, draw_text, readable_on, segment_edges, text_size

MARGIN = 12
TITLE = 34  # height of the title line
LABEL = 64  # width of the "k=N" column
SWATCHES = 1120  # width of a row of swatches
ROW = 64  # height of a row
ROW_GAP = 6
TEXT_SIZE = 15
HEX_SIZE = 12
HEX_PADDING = 3  # at least this much swatch on each side of a hex code
BACKGROUND = 255
RULE = 200  # grey of the frame around each row


def row_top(index: int) -> int:
    return MARGIN + TITLE + index * (ROW + ROW_GAP)


def swatch_edges(k: int) -> np.ndarray:
    """Return the k + 1 x positions that bound a row's k swatches, all as wide (to a pixel)."""
    return MARGIN + LABEL + segment_edges(np.ones(k), SWATCHES)


def picture_size(rows: int) -> tuple[int, int]:
    """Return the (height, width) of the picture of ``rows`` palettes."""
    return row_top(rows) - ROW_GAP + MARGIN, MARGIN + LABEL + SWATCHES + MARGIN


def _hex_code(image, code: str, rgb, left: int, right: int, top: int) -> None:
    """Write ``code`` in the swatch from ``left`` to ``right`` if it fits, across or upwards."""
    width, height = text_size(code, HEX_SIZE)
    room = right - left - 2 * HEX_PADDING
    centre = ((left + right) // 2, top + ROW // 2)
    if width <= room:
        draw_text(image, code, centre, HEX_SIZE, readable_on(rgb))
    elif height <= room and width <= ROW - 2 * HEX_PADDING:
        draw_text(image, code, centre, HEX_SIZE, readable_on(rgb), vertical=True)


def palettes_picture(name: str, summaries: list[dict]) -> np.ndarray:
    """Return the BGR picture of the palettes of ``summaries`` (cluster summaries, one per k)."""
    height, width = picture_size(len(summaries))
    image = np.full((height, width, 3), BACKGROUND, np.uint8)
    title = f"{name}: the colours of each k, largest cluster first"
    draw_text(image, title, (width // 2, MARGIN + TITLE // 2 - 4), TEXT_SIZE, TEXT_BGR)
    for index, summary in enumerate(summaries):
        top = row_top(index)
        draw_text(
            image, f"k={summary['k']}", (MARGIN + LABEL // 2, top + ROW // 2), TEXT_SIZE, TEXT_BGR
        )
        edges = swatch_edges(len(summary["clusters"]))
        # A grey frame just outside the row, so that a near-white colour still shows its extent.
        image[top - 1 : top + ROW + 1, edges[0] - 1 : edges[-1] + 1] = RULE
        for cluster, left, right in zip(summary["clusters"], edges[:-1], edges[1:], strict=True):
            image[top : top + ROW, left:right] = cluster["rgb"][::-1]
            _hex_code(image, cluster["hex"], cluster["rgb"], left, right, top)
    return image
