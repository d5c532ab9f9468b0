"""A frame's caption, "k=N", as indices to paint over its label map, and the file that holds them.

The caption is a dark outline with white letters whose anti-aliased edges are
rounded to ``CAPTION_LEVELS`` grey levels, so that a frame keeps within a GIF's 256
colours: the frame's palette gives the outline and each grey an index above the
clusters' (``steplib.label_map.MAX_CLUSTERS``).

A caption depends only on k and the frame's size, so the captions step draws the
caption of every k a config may name, once per photo, with OpenCV
(``steplib.caption_drawing``); each annotate job then reads its own one here,
without numpy or OpenCV. The file:

- ``MAGIC``, then the frame's width and height and the number of captions (3 x uint16);
- an index: per caption its k, the box it covers (x, y, width, height) and where its
  bytes are in the file (offset, length): 5 x uint16, 2 x uint32;
- each caption's bytes, zlib-compressed: one per pixel of its box, row by row, 0 where
  the frame shows its own pixel, else the frame's palette index to paint there.
All numbers are big-endian.
"""

import struct
import zlib
from typing import NamedTuple

from steplib.command import StepError
from steplib.indexed_png import COMPRESSION_LEVEL
from steplib.label_map import MAX_CLUSTERS

CAPTION_LEVELS = 8  # grey levels of the letters, black (the outline) to white
OUTLINE_INDEX = MAX_CLUSTERS  # then OUTLINE_INDEX + g for grey level g = 1 .. CAPTION_LEVELS - 1
MAGIC = b"k-means GIF captions 1\n"
_HEADER = struct.Struct(">HHH")
_ENTRY = struct.Struct(">HHHHHII")


class Caption(NamedTuple):
    """What a caption paints over a frame: ``overlay`` holds ``height`` rows of ``width`` bytes."""

    x: int
    y: int
    width: int
    height: int
    overlay: bytes


def grey(level: int) -> int:
    """Return the 8-bit grey of a letter's coverage ``level`` (0 .. CAPTION_LEVELS - 1)."""
    return round(level * 255 / (CAPTION_LEVELS - 1))


def caption_palette() -> list:
    """Return the colours of the indices from ``OUTLINE_INDEX`` on: black, then the greys."""
    return [(grey(level),) * 3 for level in range(CAPTION_LEVELS)]


def captions_bytes(width: int, height: int, captions: dict) -> bytes:
    """Return the file holding ``captions`` ({k: Caption}) for a width x height frame."""
    start = len(MAGIC) + _HEADER.size + _ENTRY.size * len(captions)
    entries, blobs = [], []
    for k, caption in sorted(captions.items()):
        blob = zlib.compress(caption.overlay, COMPRESSION_LEVEL)
        entries.append(_ENTRY.pack(k, *caption[:4], start, len(blob)))
        blobs.append(blob)
        start += len(blob)
    return MAGIC + _HEADER.pack(width, height, len(captions)) + b"".join(entries + blobs)


def read_caption(path, k: int, width: int, height: int) -> Caption:
    """Return the caption of ``k`` for a width x height frame from the file at ``path``.

    Raises ``StepError`` naming the file when it cannot be read, is damaged, or was
    drawn for another frame size or without this k.
    """
    rerun = "rerun the captions step"
    try:
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise StepError(f"{path}: not a captions file; {rerun}")
            made_for = _HEADER.unpack(f.read(_HEADER.size))
            if made_for[:2] != (width, height):
                raise StepError(
                    f"{path}: drawn for {made_for[0]}x{made_for[1]} frames, not {width}x{height}; "
                    f"{rerun}"
                )
            index = f.read(_ENTRY.size * made_for[2])
            for entry in _ENTRY.iter_unpack(index):
                if entry[0] == k:
                    f.seek(entry[5])
                    overlay = zlib.decompress(f.read(entry[6]))
                    caption = Caption(*entry[1:5], overlay)
                    if len(overlay) != caption.width * caption.height:
                        raise zlib.error("wrong size")
                    return caption
    except OSError as error:
        raise StepError(f"{path}: cannot be read ({error.strerror}); {rerun}") from None
    except (struct.error, zlib.error) as error:
        raise StepError(f"{path}: damaged ({error}); {rerun}") from None
    raise StepError(f"{path}: holds no caption for k = {k}; {rerun}")
