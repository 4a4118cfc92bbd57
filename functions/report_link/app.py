"""ReportLink: behind the stack's Lambda function URL, turn a report link into the report.

GET /?run=<run id>&expires=<unix seconds>&sig=<HMAC> -> 302 to a presigned URL of
runs/<run id>/reports/index.html signed now for a few minutes; any bad, tampered
or expired link -> the same 403 page (amt_pipeline.report.link).

The query string is a bearer token: nothing here logs the event, the query or
the response (the Location header is a presigned URL), and the tracer does not
record the response.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import ObjectStore
from amt_pipeline.aws.clients import client
from amt_pipeline.aws.secrets import CachedKey
from amt_pipeline.logic.report_link import report_link
from amt_pipeline.observability import lambda_entry
from amt_pipeline.settings import ReportLinkSettings


@cache
def _link_key() -> CachedKey:
    """The signing key, kept by the warm function for a few minutes (CachedKey)."""
    return CachedKey(client("secretsmanager"), ReportLinkSettings.from_env().report_link_secret_arn)


@lambda_entry(log_event=False, capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = ReportLinkSettings.from_env()
    response = report_link(event, lambda: _link_key().get(), ObjectStore(client("s3"), settings.bucket_name))
    return response.for_function_url()
