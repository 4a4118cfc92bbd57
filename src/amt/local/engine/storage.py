"""The engine's only door to S3, by s3:// URI: a small port, its adapter over an S3 client (moto's, in the
local runtime) and an in-memory one for tests and benchmarks. (``amt_pipeline.aws.adapters.ObjectStore`` is
the functions' store: one bucket, by key.)"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from amt_pipeline.aws.s3_uri import split_s3_uri


class UriStore(Protocol):
    """What the engine needs of S3. The local runtime passes an adapter over moto's S3."""

    def get(self, uri: str) -> bytes: ...

    def put(self, uri: str, body: bytes) -> None: ...

    def list(self, prefix_uri: str) -> list[str]:
        """Object URIs under a prefix (for S3Prefix channels)."""
        ...


class S3UriStore:
    """The port over an S3 client (the local runtime's: moto's S3)."""

    def __init__(self, s3: Any):
        self.s3 = s3

    def get(self, uri: str) -> bytes:
        bucket, key = split_s3_uri(uri)
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def put(self, uri: str, body: bytes) -> None:
        bucket, key = split_s3_uri(uri)
        self.s3.put_object(Bucket=bucket, Key=key, Body=body)

    def list(self, prefix_uri: str) -> list[str]:
        bucket, prefix = split_s3_uri(prefix_uri)
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [f"s3://{bucket}/{o['Key']}" for page in pages for o in page.get("Contents", [])]


class InMemoryUriStore:
    """A dict of URI -> bytes that behaves like the UriStore port (KeyError when missing)."""

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


@dataclass(frozen=True)
class Channel:
    """One channel as SageMaker's File mode lays it out under /opt/ml/input/data/<channel>/:
    each object by its key below the S3Uri's last "/" (a folder's relative paths kept)."""

    content_type: str | None  # the channel's ContentType (None: the algorithm's default)
    files: tuple[tuple[str, bytes], ...]  # (relative path, body), in key order


def read_channels(storage: UriStore, definition: Mapping[str, Any]) -> dict[str, Channel]:
    """A job definition's InputDataConfig -> channel name -> its files (ValueError when SageMaker
    would fail the job before the algorithm starts: a source other than S3, an empty channel)."""
    out: dict[str, Channel] = {}
    for ch in definition.get("InputDataConfig") or []:
        src = ch["DataSource"].get("S3DataSource")
        if not src:
            raise ValueError(f"channel {ch['ChannelName']!r}: only S3DataSource is supported locally")
        uri = src["S3Uri"]
        split_s3_uri(uri)
        if src.get("S3DataType", "S3Prefix") == "S3Prefix":
            uris = [u for u in storage.list(uri) if not u.endswith("/")]
        else:
            uris = [uri]
        if not uris:
            raise ValueError(f"No data in channel {ch['ChannelName']!r} at {uri}")
        base = uri[: uri.rfind("/") + 1]
        out[ch["ChannelName"]] = Channel(ch.get("ContentType"), tuple((u[len(base):], storage.get(u)) for u in uris))
    return out
