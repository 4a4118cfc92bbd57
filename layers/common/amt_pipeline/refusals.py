"""Permanent or retryable: what an event-driven handler does with an event it cannot use.

A handler that raises is retried by its EventBridge rule (the template's RetryPolicy: 8
retries), then its event is dead-lettered, which fires the stack's alarm. That is right for
what may pass: throttling, a fault, an access denied during a deployment, a report input
not stored yet. It is wrong for an event that no retry can make usable: a malformed event
(a missing field, a status sent as a list), an output path that is not one of this stack's
runs (``runs/../output/``, ``runs/<job>/x/output/``), another bucket, a tuning job SageMaker
does not know. Those raise ``errors.UnusableEvent``; ``refuse_unusable_events`` logs each
once with its reason, counts it (metric ``EventsRefused``, reason in the metadata) and
returns ``{"skipped": reason, "reason": message}``, so EventBridge neither retries nor
dead-letters it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from amt_pipeline.errors import UnusableEvent, field_errors
from amt_pipeline.observability import count, logger, metrics

REFUSED_METRIC = "EventsRefused"
M = TypeVar("M", bound=BaseModel)


def parse_event(model: type[M], event: Any) -> M:
    """The event as ``model``; ``UnusableEvent`` naming every bad field (never the values)."""
    try:
        return model.model_validate(event)
    except ValidationError as error:
        raise UnusableEvent("malformed-event", "; ".join(str(e) for e in field_errors(error))) from None


def refuse_unusable_events(model: type[M]) -> Callable[[Callable[[M, Any], dict]], Callable[[Any, Any], dict]]:
    """Parse the event as ``model`` for the handler; turn ``UnusableEvent`` into a counted skip."""

    def decorate(handler: Callable[[M, Any], dict]) -> Callable[[Any, Any], dict]:
        @wraps(handler)
        def handle(event: Any, context: Any) -> dict:
            try:
                return handler(parse_event(model, event), context)
            except UnusableEvent as refusal:
                logger.warning("Event refused, not retried", reason=refusal.reason, detail=str(refusal))
                count(REFUSED_METRIC)
                metrics.add_metadata(key="refusal_reason", value=refusal.reason)
                return {"skipped": refusal.reason, "reason": str(refusal)}

        return handle

    return decorate
