"""Palette PNGs (8-bit indices into at most 256 colours), written and read with the standard library.

Label maps and frames are such images: each pixel an index, the colours in the
file's palette. The annotate step only edits indices and palettes, so it needs
neither numpy nor OpenCV, whose import is most of a short job's cost. Every row
is stored unfiltered (each index as is) and compressed with zlib: index images
compress well without PNG's prediction filters, and reading them back is one
decompression. Any PNG reader shows these files; ``read_indexed_png`` reads back
only the ones this module writes.
"""

import struct
import zlib
from typing import NamedTuple

from steplib.command import StepError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# zlib's fastest level: a 500-px frame takes a third of the bytes of OpenCV's RGB PNG
# of the same pixels, in a fifth of the time of zlib's default level (which would
# save another quarter of the bytes).
COMPRESSION_LEVEL = 1


class IndexedImage(NamedTuple):
    """A palette image: ``indices`` holds ``height`` rows of ``width`` bytes."""

    width: int
    height: int
    indices: bytes
    palette: list  # (r, g, b) tuples, one per index in use
    transparent: int | None  # the index drawn fully transparent, or None


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def indexed_png(image: IndexedImage) -> bytes:
    """Return the PNG encoding of ``image``; the palette is padded with black up to its largest index."""
    width, height, indices, palette, transparent = image
    if len(indices) != width * height:
        raise ValueError(f"{len(indices)} indices for a {width}x{height} image")
    entries = max(len(palette), 1 if transparent is None else transparent + 1)
    colours = list(palette) + [(0, 0, 0)] * (entries - len(palette))
    rows = b"".join(b"\0" + indices[row * width : (row + 1) * width] for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8-bit, palette, no interlace
    chunks = [_chunk(b"IHDR", header), _chunk(b"PLTE", bytes(v for rgb in colours for v in rgb))]
    if transparent is not None:
        chunks.append(_chunk(b"tRNS", b"\xff" * transparent + b"\0"))
    chunks += [_chunk(b"IDAT", zlib.compress(rows, COMPRESSION_LEVEL)), _chunk(b"IEND", b"")]
    return SIGNATURE + b"".join(chunks)


def png_size(path) -> tuple[int, int]:
    """Return the (width, height) of any PNG, from its header."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or not head.startswith(SIGNATURE) or head[12:16] != b"IHDR":
        raise StepError(f"{path}: not a PNG; rerun the step that writes it")
    return struct.unpack(">II", head[16:24])


def read_indexed_png(path) -> IndexedImage:
    """Return a palette PNG written by ``indexed_png``, or raise ``StepError`` naming it."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise StepError(
            f"{path}: cannot be read ({error.strerror}); rerun the step that writes it"
        ) from None
    try:
        return _decoded(data)
    except (ValueError, struct.error, zlib.error) as error:
        raise StepError(f"{path}: damaged ({error}); rerun the step that writes it") from None


def _decoded(data: bytes) -> IndexedImage:
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    chunks, position = {}, len(SIGNATURE)
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if len(body) != length:
            raise ValueError("truncated")
        chunks[kind] = chunks.get(kind, b"") + body  # IDAT may come in several chunks
        position += 12 + length
    if b"IHDR" not in chunks:
        raise ValueError("no IHDR chunk")
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    if (depth, colour_type, interlace) != (8, 3, 0):
        raise ValueError("not an 8-bit palette PNG of this workflow")
    if b"PLTE" not in chunks or b"IDAT" not in chunks:
        raise ValueError("no palette or no pixels")
    rows = zlib.decompress(chunks[b"IDAT"])
    stride = width + 1
    if len(rows) != stride * height or any(rows[row * stride] for row in range(height)):
        raise ValueError("rows not as this workflow writes them")
    indices = b"".join(rows[row * stride + 1 : (row + 1) * stride] for row in range(height))
    plte = chunks[b"PLTE"]
    palette = [tuple(plte[i : i + 3]) for i in range(0, len(plte), 3)]
    alphas = chunks.get(b"tRNS", b"")
    transparent = alphas.find(b"\0") if b"\0" in alphas else None
    return IndexedImage(width, height, indices, palette, transparent)
