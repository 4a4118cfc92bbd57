"""The report-link key, read from Secrets Manager and kept for a few minutes.

The key is the secret's string (the stack generates it: 64 letters and digits).
A warm function keeps it ``max_age`` seconds, so a flood of requests costs no
Secrets Manager calls, and a changed secret takes effect within that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

KEY_MAX_AGE_SECONDS = 300.0
MIN_KEY_LENGTH = 32


class SecretReader(Protocol):
    def get_secret_value(self, *, SecretId: str) -> dict[str, Any]: ...


def read_key(secrets: SecretReader, secret_id: str) -> bytes:
    """The secret's current value, as the HMAC key."""
    value = secrets.get_secret_value(SecretId=secret_id).get("SecretString") or ""
    if len(value) < MIN_KEY_LENGTH:
        raise ValueError(f"the report link secret holds {len(value)} characters; it needs at least {MIN_KEY_LENGTH}")
    return value.encode("utf-8")


@dataclass
class CachedKey:
    secrets: SecretReader
    secret_id: str
    max_age: float = KEY_MAX_AGE_SECONDS
    clock: Callable[[], float] = time.monotonic
    _key: bytes | None = field(default=None, repr=False)
    _read_at: float = 0.0

    def get(self) -> bytes:
        now = self.clock()
        if self._key is None or now - self._read_at >= self.max_age:
            self._key, self._read_at = read_key(self.secrets, self.secret_id), now
        return self._key
