"""ReportLink: a report link (behind the stack's function URL) -> the report.

GET /?run=<run id>&expires=<unix seconds>&sig=<HMAC> -> 302 to a presigned URL of the run's
report signed now for a few minutes; any bad, tampered or expired link -> the same 403 page
(amt_pipeline.report.link). The query string is a bearer token: nothing here logs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from amt_pipeline.observability import count, logger
from amt_pipeline.report.link import NOT_FOUND, LinkResponse, ReportObjects, check_link, open_report


def request_time(event: dict[str, Any]) -> float:
    """Now: the later of this clock and the time Lambda received the request (set by AWS, not the client)."""
    received_ms = event.get("requestContext", {}).get("timeEpoch")
    return max(time.time(), received_ms / 1000 if isinstance(received_ms, (int, float)) else 0.0)


def report_link(event: dict[str, Any], link_key: Callable[[], bytes], objects: ReportObjects) -> LinkResponse:
    """The answer to one request; ``link_key()`` is read only for a request that carries a link."""
    count("ReportLinkRequests")
    http = event.get("requestContext", {}).get("http", {})
    if http.get("method") not in ("GET", "HEAD") or event.get("rawPath", "/") != "/":
        return NOT_FOUND
    check = check_link(link_key(), event.get("queryStringParameters") or {}, request_time(event))
    if check.refusal is not None:
        logger.info("report link refused", reason=check.refusal.value)  # the reason, never the token
        count("ReportLinksRefused")
    response = open_report(check, objects)
    if check.run_id is not None:
        logger.info("report link opened", run_id=check.run_id, status=response.status)
        count("ReportLinksOpened")
    return response
