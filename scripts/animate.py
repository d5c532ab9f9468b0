"""Step 4 (gif, webp): assemble one photo's frames, in the order of ``ks``, into an animation.

GIF: a frame holds at most 248 colours (see annotate.py), so each GIF frame gets
its own exact palette: decoding the GIF gives back the PNG frames pixel for
pixel, transparent pixels included. The frames are read and encoded with
Pillow, imageio's GIF back end, called directly: imageio's writer would
requantise frames with transparency, and the GIF must be exact. The frames are
palette PNGs already, so Pillow alone reorders their palettes (no numpy).

WebP (optional): lossless animated WebP, full colour and usually smaller,
written with imageio (imported only then, with numpy: they cost a GIF job 0.1 s to start).

Example:
  python scripts/animate.py --output photo.gif -- frames/k_2.png frames/k_8.png
"""

import io
from pathlib import Path

from PIL import Image

from steplib import command
from steplib.atomic_write import write_bytes
from steplib.command import StepError


def gif_frame(frame: Image.Image) -> Image.Image:
    """Return a palette frame with the exact palette its GIF frame holds.

    The colours its pixels show, in (red, green, blue) order, then one entry that
    the frame's fully transparent pixels share, marked as its transparent index.
    Pillow's own operations only: the job starts without numpy.
    """
    transparent = frame.info.get("transparency")
    palette = frame.getpalette()
    used = [index for _, index in frame.getcolors(256)]
    colour_of = {index: tuple(palette[3 * index : 3 * index + 3]) for index in used}
    visible = sorted({colour for index, colour in colour_of.items() if index != transparent})
    limit = 255 if transparent in used else 256
    if len(visible) > limit:
        raise ValueError(f"a frame has {len(visible)} colours; a GIF frame holds at most {limit}")
    position = {colour: n for n, colour in enumerate(visible)}
    table = [len(visible)] * 256  # every index not shown, or transparent: the extra entry
    for index, colour in colour_of.items():
        if index != transparent:
            table[index] = position[colour]
    indices = Image.frombytes("L", frame.size, frame.tobytes()).point(table)
    image = Image.frombytes("P", frame.size, indices.tobytes())
    image.putpalette(bytes(v for colour in [*visible, (0, 0, 0)] for v in colour))
    if transparent in used:
        image.info["transparency"] = len(visible)
    return image


def gif_bytes(frames: list[Image.Image], duration_ms: int, loop: int = 0) -> bytes:
    """Return the GIF encoding of palette ``frames``, each shown ``duration_ms``; ``loop`` 0 loops forever."""
    images = [gif_frame(frame) for frame in frames]
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=duration_ms,
        loop=loop,
        # Clear each frame before the next, so transparent pixels never show the previous frame.
        disposal=2,
        optimize=False,
    )
    return buffer.getvalue()


def webp_bytes(frames: list[Image.Image], duration_ms: int, loop: int = 0) -> bytes:
    """Return the lossless animated WebP encoding of palette ``frames``, in full colour."""
    import imageio.v3 as iio
    import numpy as np

    colours = [np.asarray(frame.convert(colour_mode(frame))) for frame in frames]
    return iio.imwrite(
        "<bytes>", colours, extension=".webp", duration=duration_ms, loop=loop, lossless=True
    )


def colour_mode(frame: Image.Image) -> str:
    """Return "RGBA" for a frame with transparent pixels, else "RGB"."""
    return "RGBA" if "transparency" in frame.info else "RGB"


ENCODERS = {".gif": gif_bytes, ".webp": webp_bytes}


def read_frame(path) -> Image.Image:
    """Return the frame at ``path`` (a palette PNG, as annotate writes it), or raise
    ``StepError`` naming it."""
    try:
        with Image.open(path) as image:
            image.load()
    except OSError as error:
        raise StepError(f"{path}: cannot read the frame ({error})") from None
    if image.mode != "P":
        raise StepError(f"{path}: not a frame of this workflow (a palette PNG), but {image.mode}")
    return image


def make_animation(frame_paths, path, *, duration_ms: int, loop: int) -> None:
    """Read the PNG frames and write the animation atomically, its format chosen by ``path``'s suffix."""
    frames = [read_frame(frame) for frame in frame_paths]
    encode = ENCODERS[Path(path).suffix.lower()]
    write_bytes(path, encode(frames, duration_ms, loop))


def main(argv=None) -> None:
    parser = command.parser(__doc__)
    parser.add_argument("frames", nargs="+", help="the frames (PNG), in the order to show them")
    parser.add_argument("--output", required=True, help="the animation to write (.gif or .webp)")
    parser.add_argument("--duration_ms", type=int, default=750, help="how long each frame shows")
    parser.add_argument("--loop", type=int, default=0, help="times to loop; 0 loops forever")
    args = parser.parse_args(argv)
    command.run(
        make_animation, args.frames, args.output, duration_ms=args.duration_ms, loop=args.loop
    )


if __name__ == "__main__":
    main()
