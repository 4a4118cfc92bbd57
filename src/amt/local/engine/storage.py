"""The engine's only door to S3: a small port, and an in-memory adapter for tests and benchmarks."""

from __future__ import annotations

import threading
from typing import Protocol

from amt_pipeline.aws.s3_uri import split_s3_uri


class ObjectStore(Protocol):
    """What the engine needs of S3. The local runtime passes an adapter over moto's S3."""

    def get(self, uri: str) -> bytes: ...

    def put(self, uri: str, body: bytes) -> None: ...

    def list(self, prefix_uri: str) -> list[str]:
        """Object URIs under a prefix (for S3Prefix channels)."""
        ...


class InMemoryObjectStore:
    """A dict of URI -> bytes that behaves like the ObjectStore port (KeyError when missing)."""

    def __init__(self, objects: dict[str, bytes] | None = None):
        self._objects: dict[str, bytes] = dict(objects or {})
        self._lock = threading.Lock()

    def get(self, uri: str) -> bytes:
        with self._lock:
            return self._objects[uri]

    def put(self, uri: str, body: bytes) -> None:
        split_s3_uri(uri)
        with self._lock:
            self._objects[uri] = bytes(body)

    def list(self, prefix_uri: str) -> list[str]:
        with self._lock:
            return sorted(u for u in self._objects if u.startswith(prefix_uri))

    def __contains__(self, uri: object) -> bool:
        return uri in self._objects

    def __len__(self) -> int:
        return len(self._objects)
