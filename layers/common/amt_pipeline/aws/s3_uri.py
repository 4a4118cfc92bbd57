"""The one place that takes an ``s3://bucket/key`` URI apart."""

from __future__ import annotations

S3_SCHEME = "s3://"


def split_s3_uri(uri: str) -> tuple[str, str]:
    """'s3://bucket/a/b.csv' -> ('bucket', 'a/b.csv')."""
    if not uri.startswith(S3_SCHEME):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {uri!r}")
    return bucket, key
