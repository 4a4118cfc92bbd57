"""Every handler's logger, tracer and metrics, made once (Powertools reads POWERTOOLS_SERVICE_NAME
and the metrics namespace from the function's environment), and the one decorator stack each
handler wears (``lambda_entry``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import IO, Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from amt_pipeline.aws.idempotency import lambda_context_of


class _Stdout:
    """sys.stdout as it is when a line is written. Powertools' Logger keeps the stream it is given,
    and this logger is made once, maybe before a local run redirects its handlers' output to its log
    (amt.local.functions); in Lambda, sys.stdout never changes."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


logger = Logger(stream=cast(IO[str], _Stdout()))  # it writes and flushes: all a log handler asks
tracer = Tracer()
metrics = Metrics()

H = TypeVar("H", bound=Callable[..., Any])


def count(name: str, value: int = 1) -> None:
    """One count metric of this invocation (flushed by ``lambda_entry``)."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def lambda_entry(*, log_event: bool | None = None, capture_response: bool | None = None) -> Callable[[H], H]:
    """The handler's decorators, in one order: the context in every log line, the X-Ray segment, the
    metrics flushed at the end, and the context kept for the idempotent steps (aws.idempotency).
    ``capture_response=False`` where the response must not reach a trace (a presigned URL)."""

    def decorate(handler: H) -> H:
        @wraps(handler)
        def remembered(event: Any, context: Any) -> Any:
            with lambda_context_of(context):
                return handler(event, context)

        measured = metrics.log_metrics(remembered)
        traced = tracer.capture_lambda_handler(measured, capture_response=capture_response)
        return logger.inject_lambda_context(traced, log_event=log_event)  # type: ignore[return-value]

    return decorate
