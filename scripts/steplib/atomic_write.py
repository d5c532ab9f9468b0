"""Write files so that a reader never sees a half-written one.

Every output goes to a temporary name in the destination folder first and is
then renamed over the final name with ``os.replace``, which is atomic on one
file system. A job killed mid-write leaves at most a hidden ``.tmp`` file, never
a truncated PNG or GIF under a name that looks finished. (Only ``os``: ``tempfile``
and ``pathlib`` would add a tenth of the start of an annotate job.)
"""

import json
import os

from steplib.command import StepError


def write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, creating the folder if needed.

    Raises ``StepError`` naming ``path`` when the disk is full or the folder
    is not writable; the temporary file never outlives a failure.
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    # Named after this process: one job writes an output (Snakemake sees to it), and a
    # leftover of a killed one is overwritten. Created as open() would (0666 less the umask).
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    created = False
    try:
        if folder:
            os.makedirs(folder, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        created = True
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        if created and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(error, OSError):
            raise StepError(f"cannot write {path}: {error.strerror or error}") from None
        raise


def write_png(path, image) -> None:
    """Encode ``image`` (OpenCV channel order) as a lossless PNG and write it atomically."""
    import cv2  # here, not above: steps that write no such PNG start without OpenCV

    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise StepError(f"{path}: OpenCV could not encode the image as PNG")
    write_bytes(path, encoded.tobytes())


def write_json(path, obj) -> None:
    """Write ``obj`` as indented JSON (UTF-8, trailing newline) atomically."""
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    write_bytes(path, text.encode("utf-8"))
