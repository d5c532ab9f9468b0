"""Write files so that a reader never sees a half-written one.

Every output goes to a temporary name in the destination folder first and is
then renamed over the final name with ``os.replace``, which is atomic on one
file system. A job killed mid-write leaves at most a hidden ``.tmp`` file, never
a truncated PNG or GIF under a name that looks finished.
"""

import json
import os
import tempfile
from pathlib import Path

from steplib.command import StepError


def _umask() -> int:
    """Return the process's umask (reading it means setting it, so set it back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, creating the folder if needed.

    Raises ``StepError`` naming ``path`` when the disk is full or the folder
    is not writable; the temporary file never outlives a failure.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as error:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
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
