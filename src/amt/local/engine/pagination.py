"""The one pagination model the engine's List* calls share: MaxResults and an opaque NextToken.

A token carries the offset of the next page and the listing it belongs to, so a token from one
listing is refused by another (ValidationException), as SageMaker does.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from amt.local.engine.errors import ValidationException

T = TypeVar("T")
MAX_RESULTS = 100
DEFAULT_MAX_RESULTS = 10


def max_results(request: dict[str, Any]) -> int:
    value = request.get("MaxResults", DEFAULT_MAX_RESULTS)
    if not 1 <= value <= MAX_RESULTS:
        raise ValidationException(f"MaxResults must be between 1 and {MAX_RESULTS}")
    return value


def paginate(items: Sequence[T], token: str | None, size: int, context: str) -> tuple[Sequence[T], str | None]:
    """The page that ``token`` points to (the first without one), and the next page's token."""
    offset = 0
    if token:
        try:
            payload = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
            offset = int(payload["o"])
            if payload.get("c") != context or offset < 0:
                raise ValueError
        except (ValueError, KeyError, json.JSONDecodeError):
            raise ValidationException("The NextToken is not valid for this request") from None
    page = items[offset : offset + size]
    nxt = offset + size
    if nxt < len(items):
        return page, base64.urlsafe_b64encode(json.dumps({"o": nxt, "c": context}).encode()).decode()
    return page, None
