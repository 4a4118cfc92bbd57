"""The facts every part of the pipeline shares about a run and about AWS, each written once.

- A job has ended (``ENDED_STATUSES``): a tuning or training job in one of these
  states never changes again.
- A run id (``is_run_id``): the run id is the tuning job's name, so it follows
  SageMaker's tuning-job name rule (``run.job_names``).
- An AWS error (``error_code``, ``is_not_found``, ``condition_failed``): read
  from the error's ``response`` as botocore builds it, without importing botocore.
- A duration (``format_duration``): "1h02m03s", "4m05s", one format everywhere
  (terminal lines, the live report, the report's cost table).
"""

from __future__ import annotations

import math
from datetime import timedelta

from amt_pipeline.run.job_names import TUNING_JOB_NAME_PATTERN

ENDED_STATUSES = ("Completed", "Failed", "Stopped")

RUN_ID_PATTERN = TUNING_JOB_NAME_PATTERN  # the run id is the tuning job's name

# S3 (GetObject, HeadObject: "404" is HEAD's code, it has no body) and SageMaker/DynamoDB (describe, get).
NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound", "ResourceNotFound", "ResourceNotFoundException"})
# HeadObject answers 403, not 404, for a missing key when the caller may not s3:ListBucket.
_HEAD_NOT_FOUND_CODES = NOT_FOUND_CODES | {"403"}
# A conditional write whose condition did not hold: S3 (If-None-Match / If-Match) and DynamoDB.
CONDITION_FAILED_CODES = frozenset(
    {"PreconditionFailed", "ConditionalRequestConflict", "412", "ConditionalCheckFailedException"}
)


def is_run_id(value: object) -> bool:
    """Whether ``value`` is a run id: a string that is one tuning job's name (so one run's prefix)."""
    return isinstance(value, str) and RUN_ID_PATTERN.fullmatch(value) is not None


def error_code(error: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` ("" for any other error)."""
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def is_not_found(error: BaseException, *, head: bool = False) -> bool:
    """Whether the error says the object or resource does not exist (``head``: a HeadObject's answer)."""
    return error_code(error) in (_HEAD_NOT_FOUND_CODES if head else NOT_FOUND_CODES)


def condition_failed(error: BaseException) -> bool:
    """Whether a conditional write was refused because its condition did not hold."""
    return error_code(error) in CONDITION_FAILED_CODES


def format_duration(duration: float | timedelta | None, unknown: str = "?") -> str:
    """Seconds (or a timedelta) as "1h02m03s" or "4m05s", rounded to the second; ``unknown`` for None."""
    if duration is None:
        return unknown
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
    if seconds != seconds:  # NaN
        return unknown
    hours, rest = divmod(int(round(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def format_dollars(amount: float) -> str:
    """A cost with the digits that make it non-zero: $1,234.57, $0.12, $0.0017 ($0.00 would read as free)."""
    if amount == 0:
        return "$0"
    if abs(amount) >= 1:
        return f"${amount:,.2f}"
    decimals = max(2, 1 - math.floor(math.log10(abs(amount))))
    return f"${amount:.{decimals}f}"
