"""What every step script does around its work when Snakemake runs it."""

import sys


class StepError(Exception):
    """An expected failure (bad input, a full disk): reported as one line, no traceback."""


def run_step(snakemake, work, *args, **kwargs) -> None:
    """Run ``work(*args, **kwargs)`` with stderr sent to the job's log.

    Expected failures end the job with one line, ``ERROR: <file>: <reason>``,
    which Snakemake shows with the job's log; anything else keeps its traceback.
    """
    sys.stderr = open(snakemake.log[0], "w", buffering=1)
    try:
        work(*args, **kwargs)
    except (StepError, OSError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
