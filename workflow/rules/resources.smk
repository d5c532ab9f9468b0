"""What each job declares: memory (mem_mb, in MB) and runtime (minutes).

On a cluster with memory limits (SLURM with cgroups, Kubernetes) a job that uses
more than it declares is killed, so every rule declares its memory from what
drives it, as an upper bound: the decoded size of the photo (read from its header)
for the resize, the resized pixel count and k for the per-k jobs, the number of
frames for the per-photo jobs. A retry (`--retries`) asks for `attempt` times as
much. tests/test_resources.py runs each rule on huge photos, at k = 240 and with 240
frames, and checks every job's measured peak against its declaration; the numbers
below come from there. Sites override a rule in their profile (`set-resources`).
"""

import functools

from PIL import Image

MB = 1_000_000
# A step's Python with numpy, OpenCV and Pillow loaded: 47 to 60 MB measured.
BASE_MB = 100
# A step in Python's standard library alone (the annotate step): 14 MB measured.
PURE_PYTHON_MB = 30
# Pillow modes that carry transparency, as scripts/steplib/read_image.py reads them:
# those photos are decoded with their alpha channel (4 samples a pixel, else 3).
ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}


@functools.cache
def photo_header(path):
    """Return (width, height, has_alpha, bytes_per_sample, is_jpeg) from the photo's header.

    Pillow reads only the header (no pixels), so thousands of photos cost well
    under a second. None when the file is not there: without a shared file system
    a job's inputs may be absent where the rules are evaluated.
    """
    Image.MAX_IMAGE_PIXELS = None  # the limit is max_pixels, checked by the resize
    try:
        with Image.open(path) as image:
            has_alpha = image.mode in ALPHA_MODES or "transparency" in image.info
            # 16-bit samples show in the mode ("I;16") or in the tile's raw mode ("RGB;16B").
            raw = f"{image.mode} {image.tile[0].args if image.tile else ''}"
            depth = 2 if "16" in raw else 1
            return image.width, image.height, has_alpha, depth, image.format == "JPEG"
    except FileNotFoundError:
        return None
    except Exception:
        # A damaged or foreign file: the resize refuses it at once, with its reason.
        return 0, 0, False, 1, False


def resized_size(header):
    """Return (width, height) of the resized photo, as scripts/resize.py makes it."""
    if header is None:
        return config["max_size"], config["max_size"]
    width, height = header[:2]
    longer = max(width, height, 1)
    if longer < config["max_size"] and not config["upscale"]:
        return width, height
    scale = config["max_size"] / longer
    return max(1, round(width * scale)), max(1, round(height * scale))


def decoded_size(header):
    """Return (width, height) in which OpenCV decodes the photo.

    A JPEG is decoded at 1/2, 1/4 or 1/8 of its size while its longer side stays
    at least max_size (libjpeg's reduced decoding, scripts/steplib/read_image.py).
    """
    width, height, has_alpha, _, is_jpeg = header
    factor = 1
    if is_jpeg and not has_alpha:
        while factor < 8 and max(width, height) // (factor * 2) >= config["max_size"]:
            factor *= 2
    return -(-width // factor), -(-height // factor)


def resized_pixels(wildcards):
    width, height = resized_size(photo_header(PHOTOS.get(wildcards.image)))
    return width * height


def resize_mem_mb(wildcards, input, attempt):
    """Decoding holds about twice the decoded image (OpenCV's decoders convert a
    copy); shrinking a photo with transparency adds its premultiplied float32
    copy, at the photo's height and the new width (scripts/resize.py). Then, the
    photo freed, the colour table of the resized photo: the sort that finds its
    distinct colours and their L*a*b*, under 120 bytes a pixel.

    Measured: an 8000x8000 RGBA PNG (256 MB decoded) peaked at 554 MB, a 16-bit
    RGBA TIFF of 5000x4000 (160 MB) at 367 MB, an 8000x6000 JPEG at 63 MB.
    """
    header = photo_header(input.photo)
    if header is None:  # not visible here: the worst photo max_pixels allows
        side = int(config["max_pixels"] ** 0.5)
        header = (side, side, True, 2, False)
    width, height = decoded_size(header)
    samples = 4 if header[2] else 3
    decoded = width * height * samples * header[3]
    new_width, new_height = resized_size(header)
    premultiplied = height * new_width * 16 if header[2] else 0
    resized = new_width * new_height * samples * 3  # the result and its PNG encoding
    table = new_width * new_height * 120
    return attempt * (BASE_MB + (max(2 * decoded + premultiplied, table) + resized) // MB)


def cluster_mem_mb(wildcards, attempt):
    """The k-means holds a few arrays per pixel (about 250 bytes a pixel measured at
    1000 px) and, at its largest, distances from up to about 65 000 colours or
    coarse bins to each of the k centres. Measured on noise photos (every pixel a
    new colour), at k = 240: 338 MB at 250 px, 272 MB at 500 px, 613 MB at 1000 px.
    """
    return attempt * kmeans_mem_mb(resized_pixels(wildcards), int(wildcards.k))


def sweep_mem_mb(wildcards, attempt):
    """One k at a time, so the largest k's k-means (a frame is far smaller)."""
    return attempt * kmeans_mem_mb(resized_pixels(wildcards), max(KS))


def kmeans_mem_mb(pixels, k):
    return BASE_MB + 20 + (pixels * 250 + k * min(pixels, 65_536) * 28) // MB


def captions_mem_mb(wildcards, attempt):
    """OpenCV draws each caption in its box only (a small part of the frame): 48 MB
    measured at 250 px."""
    return attempt * (BASE_MB + resized_pixels(wildcards) * 4 // MB)


def annotate_mem_mb(wildcards, attempt):
    """Python alone (no numpy, no OpenCV) and a few bytes a pixel: the label map,
    its decompressed rows and the frame's."""
    return attempt * (PURE_PYTHON_MB + resized_pixels(wildcards) * 8 // MB)


def animation_mem_mb(wildcards, attempt):
    """Every frame at once, its paletted copy and the encoded animation: with 240
    frames at 500x375 px, the WebP peaked at 554 MB, the GIF at 167 MB."""
    return attempt * (BASE_MB + len(KS) * resized_pixels(wildcards) * 14 // MB)


def sheet_mem_mb(wildcards, attempt):
    """The resized photo and every frame at once, and the sheet's 240-pixel tiles:
    295 MB measured with 240 frames at 500x375 px, with the palettes picture, drawn
    once they are freed."""
    return attempt * (BASE_MB + (len(KS) + 1) * (resized_pixels(wildcards) * 8 + 300_000) // MB)


def elbow_mem_mb(wildcards, attempt):
    """One 1100x400 picture (the summaries are a few kB each): 83 MB measured with
    240 ks."""
    return attempt * (BASE_MB + 20 + len(KS) // 10)


# Runtimes in minutes, the unit of `runtime`. At 500 px the longest job measured
# (benchmarks/pipeline_results.md) took under 1 s for a per-k rule and about 1 s for a
# per-photo one: a minute is ample there, and work grows with the pixels.
FRAME_PIXELS = config["max_size"] ** 2


def photo_runtime(wildcards, input):
    """Minutes to decode and resize one photo: a large file takes longer to decode."""
    return 1 + int(input.size_mb) // 100


def frame_runtime(wildcards):
    """Minutes for a per-k job (cluster, annotate)."""
    return 1 + FRAME_PIXELS // 1_000_000


def sweep_runtime(wildcards):
    """Minutes for every k of one photo in one job (one_job_per_photo: true)."""
    return 1 + len(KS) * FRAME_PIXELS // 1_000_000


def animation_runtime(wildcards):
    """Minutes for a per-photo job over all frames (gif, webp, elbow, sheet)."""
    return 1 + len(KS) * FRAME_PIXELS // 2_000_000
