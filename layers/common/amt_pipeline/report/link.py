"""The report link: a URL that opens a run's report for as long as it says, days not hours.

A presigned S3 URL dies with the credentials that signed it (a Lambda role's
session: hours), whatever its ``X-Amz-Expires``. So the link a notification
carries is not one: it is the report-link function's URL with a token,

    https://<function url>/?run=<run id>&expires=<unix seconds>&sig=<HMAC-SHA256, base64url>

where ``sig`` is an HMAC-SHA256 over (run id, expiry) with the stack's secret
(Secrets Manager). The function checks the token and answers with a redirect
to a presigned URL signed at that moment, for a few minutes
(``PRESIGNED_SECONDS``). Whoever holds the secret can mint links (the Notify
function, ``amt link``); changing the secret revokes every link.

Every refusal (malformed, tampered, another run's signature, expired) gets
the same 403 page: the page never says which check failed. The signature is
compared in constant time, and only ``runs/<run id>/reports/index.html`` of
a run id that is a single run (the tuning-job name rule, as cleanup checks it)
is ever presigned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlencode

from amt_pipeline.facts import is_run_id
from amt_pipeline.run.layout import RunKeys

PRESIGNED_SECONDS = 300  # the redirect's presigned URL: long enough to load one page
DAY_SECONDS = 24 * 3600
DEFAULT_LINK_DAYS, MIN_LINK_DAYS, MAX_LINK_DAYS = 7, 1, 365  # ReportLinkExpiryDays in template.yaml
_CONTEXT = b"amt-pipeline report link v1"  # domain separation: this key signs nothing else
_EXPIRES = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes, base64url without padding


def signature(key: bytes, run_id: str, expires: int) -> str:
    """HMAC-SHA256 over (run id, expiry), base64url without padding."""
    if not key:
        raise ValueError("the report link key is empty")
    message = b"\n".join((_CONTEXT, run_id.encode("utf-8"), str(expires).encode("ascii")))
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()).rstrip(b"=").decode("ascii")


def link_url(base_url: str, key: bytes, run_id: str, expires: int) -> str:
    """The link that opens ``run_id``'s report until ``expires`` (unix seconds)."""
    if not is_run_id(run_id):
        raise ValueError(f"not a run id (tuning job name): {run_id!r}")
    query = urlencode({"run": run_id, "expires": expires, "sig": signature(key, run_id, expires)})
    return f"{base_url.rstrip('/')}/?{query}"


def expiry(now: float, days: float) -> int:
    """Unix seconds ``days`` after ``now``, rounded up to the second."""
    return math.ceil(now + days * DAY_SECONDS)


@dataclass(frozen=True)
class ReportLinks:
    """Mints links for the Notify step: the function URL, the key, the configured lifetime."""

    base_url: str
    key: bytes = field(repr=False)
    days: int

    def url(self, run_id: str, now: float) -> str:
        return link_url(self.base_url, self.key, run_id, expiry(now, self.days))


class Refusal(StrEnum):
    """Why a link was refused: for the function's log and metrics, never for the page."""

    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad-signature"
    EXPIRED = "expired"


@dataclass(frozen=True)
class LinkCheck:
    run_id: str | None
    refusal: Refusal | None = None


def check_link(key: bytes, query: Mapping[str, Any], now: float) -> LinkCheck:
    """The run a link's query opens, or why it opens none. The signature is checked
    (in constant time) before the expiry, so an expired forgery reads as a forgery."""
    run_id, expires, sig = (query.get(name) for name in ("run", "expires", "sig"))
    if not (isinstance(run_id, str) and isinstance(expires, str) and isinstance(sig, str)):
        return LinkCheck(None, Refusal.MALFORMED)
    if not (is_run_id(run_id) and _EXPIRES.fullmatch(expires) and _SIGNATURE.fullmatch(sig)):
        return LinkCheck(None, Refusal.MALFORMED)
    if not hmac.compare_digest(signature(key, run_id, int(expires)), sig):
        return LinkCheck(None, Refusal.BAD_SIGNATURE)
    if int(expires) <= now:
        return LinkCheck(None, Refusal.EXPIRED)
    return LinkCheck(run_id)


# ------------------------------------------------------------------ the answers
_COMMON_HEADERS = {
    "Cache-Control": "no-store",  # neither the redirect (a bearer URL) nor a refusal is kept
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_PAGE_HEADERS = {
    **_COMMON_HEADERS,
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p></body></html>
"""
EXPIRED_TITLE = "This report link has expired"
EXPIRED_TEXT = (
    "The link is past its expiry date or is not a valid report link. Report links last a limited time "
    "(7 days unless the stack says otherwise). For a new link to the same report, run "
    "<code>amt link RUN_ID --stack STACK_NAME</code> with your AWS credentials, or ask whoever runs the pipeline."
)
GONE_TITLE = "This report is no longer stored"
GONE_TEXT = (
    "The link is valid, but the run's report is not in the bucket any more: runs expire after the stack's "
    "retention (RunRetentionDays) or are removed by a cleanup. Render it again with <code>amt report</code>."
)


@dataclass(frozen=True)
class LinkResponse:
    status: int
    headers: dict[str, str]
    body: str = ""

    def for_function_url(self) -> dict[str, Any]:
        """A Lambda function URL's response (payload format 2.0)."""
        return {"statusCode": self.status, "headers": dict(self.headers), "body": self.body,
                "isBase64Encoded": False}


def _page(status: int, title: str, text: str) -> LinkResponse:
    return LinkResponse(status, dict(_PAGE_HEADERS), _PAGE.format(title=title, text=text))


REFUSED = _page(403, EXPIRED_TITLE, EXPIRED_TEXT)
GONE = _page(404, GONE_TITLE, GONE_TEXT)
NOT_FOUND = _page(404, "Not found", "Nothing here.")


class ReportObjects(Protocol):
    """The two things the link asks of the bucket (``aws.adapters.ObjectStore`` does both)."""

    def exists(self, key: str) -> bool: ...

    def presigned_get_url(self, key: str, expires_in: int) -> str: ...


def open_report(check: LinkCheck, objects: ReportObjects) -> LinkResponse:
    """A checked link's answer: the refusal page, the gone page, or a redirect to a
    presigned URL of the run's report, signed now for ``PRESIGNED_SECONDS``."""
    if check.run_id is None:
        return REFUSED
    key = RunKeys(check.run_id).report_html_key  # the one object a link can reach
    if not objects.exists(key):
        return GONE
    return LinkResponse(302, {**_COMMON_HEADERS, "Location": objects.presigned_get_url(key, PRESIGNED_SECONDS)})
