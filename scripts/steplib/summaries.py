"""The cluster summaries (``results/NAME/clusters/k_K.json``) that the per-photo steps read."""

import json

from steplib.command import StepError


def read_summaries(paths) -> list[dict]:
    """Return the cluster summaries at ``paths``, in their order.

    Raises ``StepError`` naming a file that is missing or is not JSON.
    """
    summaries = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                summaries.append(json.load(f))
        except OSError as error:
            raise StepError(
                f"{path}: cannot be read ({error.strerror}); rerun the cluster step"
            ) from None
        except json.JSONDecodeError as error:
            raise StepError(f"{path}: damaged JSON ({error}); rerun the cluster step") from None
    return summaries
