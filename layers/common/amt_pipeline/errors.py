"""Domain errors.

Each class name is part of the public contract: Step Functions reports a
Lambda's unhandled exception by its class name (``errorType``), which an
execution's error and its failure notification show. The state machine itself
names none of them: it retries the Lambda service's own errors and catches
``States.ALL`` into one failure path (statemachine/tuning_pipeline.asl.json).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

ROOT_FIELD = "$"  # the field an error names when the input as a whole is wrong


class AmtPipelineError(Exception):
    """Base class of every error this project raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field of the execution input."""

    field: str  # dotted path, e.g. "hyperparameter_ranges.eta.min_value"
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def field_path(loc: Sequence[int | str]) -> str:
    """A pydantic error's location as a dotted field path ("parts.1"); ``ROOT_FIELD`` for the whole input."""
    return ".".join(str(part) for part in loc) or ROOT_FIELD


def field_errors(error: ValidationError) -> list[FieldError]:
    """One FieldError per pydantic error, in pydantic's words (never the values)."""
    return [FieldError(field_path(detail["loc"]), detail["msg"])
            for detail in error.errors(include_url=False, include_input=False)]


class InvalidExecutionInput(AmtPipelineError):
    """The execution input is malformed; the message names every bad field."""

    def __init__(self, errors: list[FieldError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors) or "invalid execution input")


class UnusableEvent(AmtPipelineError):
    """An event a handler can never use, however often it is delivered (a permanent refusal).

    The handler logs it once with ``reason`` (a short code) and the message, counts it
    (metric ``EventsRefused``) and returns normally, so that EventBridge neither retries
    it nor dead-letters it (amt_pipeline.refusals). Anything else a handler raises is
    retryable: the rule retries it, then keeps it in the dead-letter queue.
    """

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


class TuningJobNotFound(AmtPipelineError):
    """No tuning job of that name exists."""


class UnsafeCleanupRequest(AmtPipelineError):
    """A cleanup request would reach outside a single run's prefix."""


class ReportInputMissing(AmtPipelineError):
    """The stored trials a report is rendered from are not there (yet)."""


class ForeignBucket(AmtPipelineError):
    """A task asked to write to a bucket that is not its stack's: refused before anything is written
    (the state machine only ever names the stack's bucket; this guards a direct invocation)."""

    def __init__(self, bucket: str, stack_bucket: str):
        self.bucket, self.stack_bucket = bucket, stack_bucket
        super().__init__(f"bucket {bucket!r} is not this stack's bucket ({stack_bucket!r}): nothing written")


class FollowUpRefused(AmtPipelineError):
    """The next round of a chain would break one of AWS's warm-start restrictions: the chain stops."""
