"""The reference tutorial's algorithm, re-implemented to time it against the workflow.

The tutorial this project grew out of (shared/seed/tutorial.txt) makes the same GIF
in one Python script. This module does what that script does, step for step and
with the same kind of code (numpy plus Python loops), so that its time is a fair
baseline; it is written anew, not copied. For each photo:

1. Resize so that the longer side is 500 pixels, with ``cv2.INTER_AREA`` (also when
   enlarging) and sizes truncated to whole pixels; the pixels become float32 rows.
2. For each k: k-means that starts from k pixels drawn at random (with replacement,
   so two centres can start equal), then Lloyd iterations that compute every
   pixel-to-centre distance with numpy, gather each cluster's pixels into a Python
   list one pixel at a time and take the mean of each list; it stops when no centre
   moved more than ``TOL`` or after ``MAX_ITER`` iterations.
3. Recolour pixel by pixel: a Python loop asks for each pixel's nearest centre
   (rebuilding the array of centres for every pixel, as the tutorial's ``predict``
   does) and stores it truncated to whole numbers.
4. Write "k=N" in white with OpenCV and encode the frame as a JPEG (in memory).
5. Assemble the GIF with Pillow from the decoded JPEGs; like the tutorial, the first
   frame is passed again in ``append_images``, so the GIF has len(ks) + 1 frames.

The tutorial uses Python's global ``random`` unseeded; here a ``random.Random(seed)``
takes its place so that runs can be repeated.
"""

import io
import random
import time

import cv2
import numpy as np
from PIL import Image

TUTORIAL_KS = (1, 2, 3, 4, 5, 6, 8, 10, 14, 16, 20, 25, 40, 50)
MAX_SIZE = 500
TOL = 0.001
MAX_ITER = 500
FRAME_MS = 750


def resized_like_tutorial(image_bgr: np.ndarray, max_size: int = MAX_SIZE) -> np.ndarray:
    """Scale the longer side to ``max_size`` with INTER_AREA, truncating the other side."""
    height, width = image_bgr.shape[:2]
    ratio = max_size / float(max(height, width))
    size = (int(width * ratio), int(height * ratio))
    return cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)


def lloyd_centres(pixels: np.ndarray, k: int, rng: random.Random) -> list[np.ndarray]:
    """Return the k centres that the tutorial's k-means reaches from a random start."""
    if len(pixels) < k:
        raise ValueError("Number of data points must be greater than k")
    centres = [pixels[rng.randint(0, len(pixels) - 1)] for _ in range(k)]
    for _ in range(MAX_ITER):
        distances = np.linalg.norm(pixels[:, np.newaxis] - np.array(centres), axis=2)
        nearest = np.argmin(distances, axis=1)
        # One Python append per pixel: this, not the numpy distance, is the slow part.
        members = [[] for _ in range(k)]
        for index, cluster in enumerate(nearest):
            members[cluster].append(pixels[index])
        previous = list(centres)
        for cluster, rows in enumerate(members):
            if rows:  # an empty cluster keeps its centre
                centres[cluster] = np.mean(rows, axis=0)
        moves = [np.linalg.norm(new - old) for new, old in zip(centres, previous, strict=True)]
        if all(move <= TOL for move in moves):
            break
    return centres


def nearest_centre(pixel: np.ndarray, centres: list[np.ndarray]) -> np.ndarray:
    """Return the centre closest to one pixel, the tutorial's ``predict``."""
    stacked = np.array(centres)  # rebuilt for every pixel, as in the tutorial
    return centres[int(np.argmin(np.linalg.norm(pixel - stacked, axis=1)))]


def recoloured_pixel_by_pixel(pixels: np.ndarray, centres: list[np.ndarray]) -> np.ndarray:
    """Return float64 rows: each pixel's nearest centre, truncated to whole numbers."""
    out = np.zeros(pixels.shape)
    for index, pixel in enumerate(pixels):
        out[index] = np.int64(nearest_centre(pixel, centres))
    return out


def labelled_like_tutorial(frame: np.ndarray, k: int) -> np.ndarray:
    """Write "k=N" in white, centred, its baseline 50 pixels from the top."""
    text = f"k={k}"
    (text_width, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_COMPLEX, 2, 2)
    x = (frame.shape[1] - text_width) // 2
    return cv2.putText(frame, text, (x, 50), cv2.FONT_HERSHEY_COMPLEX, 2, (255, 255, 255), 2)


def as_jpeg(frame: np.ndarray) -> bytes:
    """Encode an 8-bit frame as JPEG, with OpenCV's default quality as ``cv2.imwrite``."""
    ok, data = cv2.imencode(".jpg", frame)
    if not ok:
        raise OSError("OpenCV could not encode the frame as JPEG")
    return data.tobytes()


def tutorial_pixels(image_bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the resized photo and its pixels as float32 rows, as the tutorial clusters them."""
    resized = resized_like_tutorial(image_bgr)
    return resized, np.float32(resized.reshape((-1, 3)))


def frame_jpeg(pixels: np.ndarray, centres: list[np.ndarray], shape, k: int) -> bytes:
    """Return the labelled frame of one k as the JPEG the tutorial writes."""
    frame = recoloured_pixel_by_pixel(pixels, centres).reshape(shape)
    # The tutorial draws on the float frame, which OpenCV 5 refuses; its values are
    # whole numbers from 0 to 255, so the 8-bit frame is the same picture.
    return as_jpeg(labelled_like_tutorial(frame.astype(np.uint8), k))


def segment_like_tutorial(image_bgr: np.ndarray, ks=TUTORIAL_KS, seed: int = 0) -> list[bytes]:
    """Return the tutorial's frames of a photo, one JPEG (as bytes) per k, in the order of ``ks``.

    The k-means of each k draws its start from the random stream where the previous
    k left it, as in the tutorial.
    """
    rng = random.Random(seed)
    resized, pixels = tutorial_pixels(image_bgr)
    return [frame_jpeg(pixels, lloyd_centres(pixels, k, rng), resized.shape, k) for k in ks]


def gif_like_tutorial(jpeg_frames: list[bytes]) -> bytes:
    """Return the GIF Pillow makes from the JPEG frames, the first one shown twice."""
    frames = [Image.open(io.BytesIO(data)) for data in jpeg_frames]
    out = io.BytesIO()
    frames[0].save(
        out, format="GIF", append_images=frames, save_all=True, duration=FRAME_MS, loop=0
    )
    return out.getvalue()


def sweep_seconds(image_bgr: np.ndarray, ks=TUTORIAL_KS, seed: int = 0) -> dict:
    """Time the tutorial on one photo: the resize, every k, then the GIF.

    Returns seconds as ``{"total", "resize", "gif", "fit": {k: s}, "recolour": {k: s}}``
    (``recolour`` includes the label and the JPEG) and ``"pixels"``, the resized
    photo's pixel count. A subset of ``ks`` draws other random starts than the full
    sweep, since each k continues the previous k's random stream.
    """
    rng = random.Random(seed)
    start = time.perf_counter()
    resized, pixels = tutorial_pixels(image_bgr)
    resize_end = time.perf_counter()
    fit, recolour, frames = {}, {}, []
    for k in ks:
        fit_start = time.perf_counter()
        centres = lloyd_centres(pixels, k, rng)
        fit_end = time.perf_counter()
        frames.append(frame_jpeg(pixels, centres, resized.shape, k))
        fit[k], recolour[k] = fit_end - fit_start, time.perf_counter() - fit_end
    gif_start = time.perf_counter()
    gif_like_tutorial(frames)
    end = time.perf_counter()
    return {
        "total": end - start,
        "resize": resize_end - start,
        "gif": end - gif_start,
        "fit": fit,
        "recolour": recolour,
        "pixels": len(pixels),
    }
