"""Step 4 (gif, webp): assemble one photo's frames, in the order of ``ks``, into an animation.

GIF: a frame holds at most 256 colours (see annotate.py), so each GIF frame gets
its own exact palette: decoding the GIF gives back the PNG frames pixel for
pixel, transparent pixels included. The frames are read and encoded with
Pillow, imageio's GIF back end, called directly: imageio's writer would
requantise frames with transparency, and the GIF must be exact.

WebP (optional): lossless animated WebP, full colour and usually smaller,
written with imageio (imported only then: it costs every GIF job 0.1 s to start).

Example:
  python scripts/animate.py --output photo.gif -- frames/k_2.png frames/k_8.png
"""

import io
from pathlib import Path

import numpy as np
from PIL import Image

from steplib import command
from steplib.atomic_write import write_bytes
from steplib.command import StepError


def paletted(frame: np.ndarray) -> Image.Image:
    """Return an RGB or RGBA ``frame`` as a Pillow "P" image with an exact palette.

    Fully transparent pixels share one extra palette entry, marked as the
    frame's transparent index; all other pixels must be opaque.
    """
    rgb = frame[..., :3].reshape(-1, 3)
    opaque = frame[..., 3].reshape(-1) == 255 if frame.shape[-1] == 4 else np.ones(len(rgb), bool)
    visible = rgb[opaque].astype(np.int32)
    # One integer per colour: np.unique on integers is far faster than on rows. Each
    # pixel's index is then looked up among the few colours (at most 256): a binary search
    # costs a fraction of the argsort of every pixel that return_inverse would do.
    packed = (visible[:, 0] << 16) | (visible[:, 1] << 8) | visible[:, 2]
    codes = np.unique(packed)
    indices = np.searchsorted(codes, packed)
    colours = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=1).astype(np.uint8)
    limit = 256 if opaque.all() else 255
    if len(colours) > limit:
        raise ValueError(f"a frame has {len(colours)} colours; a GIF frame holds at most {limit}")
    index_map = np.full(len(rgb), len(colours), np.uint8)
    index_map[opaque] = indices.reshape(-1)
    image = Image.fromarray(index_map.reshape(frame.shape[:2]), mode="P")
    palette = np.vstack([colours, np.zeros((1, 3), np.uint8)])[: max(len(colours), 1) + 1]
    image.putpalette(palette.astype(np.uint8).tobytes())
    if not opaque.all():
        image.info["transparency"] = len(colours)
    return image


def gif_bytes(frames: list[np.ndarray], duration_ms: int, loop: int = 0) -> bytes:
    """Return the GIF encoding of RGB(A) ``frames``, each shown ``duration_ms``; ``loop`` 0 loops forever."""
    images = [paletted(frame) for frame in frames]
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


def webp_bytes(frames: list[np.ndarray], duration_ms: int, loop: int = 0) -> bytes:
    """Return the lossless animated WebP encoding of RGB(A) ``frames``."""
    import imageio.v3 as iio

    return iio.imwrite(
        "<bytes>", frames, extension=".webp", duration=duration_ms, loop=loop, lossless=True
    )


ENCODERS = {".gif": gif_bytes, ".webp": webp_bytes}


def rgb_frame(path) -> np.ndarray:
    """Return the PNG frame at ``path`` as RGB or RGBA, or raise ``StepError`` naming it."""
    try:
        with Image.open(path) as image:
            # Frames are palette PNGs (steplib.frame): their colours, with alpha if transparent.
            mode = "RGBA" if "transparency" in image.info or image.mode == "RGBA" else "RGB"
            return np.asarray(image.convert(mode))
    except OSError as error:
        raise StepError(f"{path}: cannot read the frame ({error})") from None


def make_animation(frame_paths, path, *, duration_ms: int, loop: int) -> None:
    """Read the PNG frames and write the animation atomically, its format chosen by ``path``'s suffix."""
    frames = [rgb_frame(frame) for frame in frame_paths]
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
