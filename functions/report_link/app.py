"""ReportLink: behind the stack's Lambda function URL, turn a report link into the report.

GET /?run=<run id>&expires=<unix seconds>&sig=<HMAC> -> 302 to a presigned URL of
runs/<run id>/reports/index.html signed now for a few minutes; any bad, tampered
or expired link -> the same 403 page (amt_pipeline.report.link).

The query string is a bearer token: nothing here logs the event, the query or
the response (the Location header is a presigned URL), and the tracer does not
record the response.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import ObjectStore
from amt_pipeline.aws.clients import client
from amt_pipeline.aws.secrets import CachedKey
from amt_pipeline.report.link import NOT_FOUND, LinkResponse, check_link, open_report
from amt_pipeline.settings import ReportLinkSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@cache
def _link_key() -> CachedKey:
    return CachedKey(client("secretsmanager"), ReportLinkSettings.from_env().report_link_secret_arn)


def _request_time(event: dict[str, Any]) -> float:
    """Now: the later of this clock and the time Lambda received the request (set by AWS, not the client)."""
    received_ms = event.get("requestContext", {}).get("timeEpoch")
    return max(time.time(), received_ms / 1000 if isinstance(received_ms, (int, float)) else 0.0)


def answer(event: dict[str, Any]) -> LinkResponse:
    metrics.add_metric(name="ReportLinkRequests", unit=MetricUnit.Count, value=1)
    http = event.get("requestContext", {}).get("http", {})
    if http.get("method") not in ("GET", "HEAD") or event.get("rawPath", "/") != "/":
        return NOT_FOUND
    check = check_link(_link_key().get(), event.get("queryStringParameters") or {}, _request_time(event))
    if check.refusal is not None:
        logger.info("report link refused", reason=check.refusal.value)  # the reason, never the token
        metrics.add_metric(name="ReportLinksRefused", unit=MetricUnit.Count, value=1)
    response = open_report(check, ObjectStore(client("s3"), ReportLinkSettings.from_env().bucket_name))
    if check.run_id is not None:
        logger.info("report link opened", run_id=check.run_id, status=response.status)
        metrics.add_metric(name="ReportLinksOpened", unit=MetricUnit.Count, value=1)
    return response


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer(event).for_function_url()
