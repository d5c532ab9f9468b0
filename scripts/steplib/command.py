"""A step script as a command-line program.

Every step is run by Snakemake as a plain command (``python scripts/STEP.py ...``,
stderr sent to the job's log), and can be run the same way by hand. Expected
failures (a damaged photo, a full disk) raise ``StepError`` and end the program
with one line, ``ERROR: <file>: <reason>``, and exit status 1; anything else is
a bug and keeps its traceback.
"""

import argparse
import os
import sys


class StepError(Exception):
    """An expected failure: reported as one line naming the file and the reason."""


def parser(doc: str) -> argparse.ArgumentParser:
    """Return an argument parser whose ``--help`` shows the step's module docstring."""
    return argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def boolean(text: str) -> bool:
    """Read ``true`` or ``false`` (any letter case), as config.yaml and Snakemake write them."""
    if text.lower() not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")
    return text.lower() == "true"


def run(work, *args, **kwargs) -> None:
    """Run ``work(*args, **kwargs)``; a ``StepError`` ends the program with its one line."""
    # OpenCV's own thread pool is sized to the machine and ignores OMP_NUM_THREADS:
    # hold it to the job's threads, which Snakemake passes there (as it does to BLAS).
    # Only where the step uses OpenCV: importing it would cost the others' start.
    cv2 = sys.modules.get("cv2")
    if cv2 is not None and os.environ.get("OMP_NUM_THREADS", "").isdigit():
        cv2.setNumThreads(int(os.environ["OMP_NUM_THREADS"]))
    try:
        work(*args, **kwargs)
    except StepError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
