"""AWS I/O behind small adapters, so the pipeline steps stay testable.

Each adapter takes a boto3 client; nothing here creates one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from amt_pipeline.errors import ReportInputMissing
from amt_pipeline.facts import condition_failed, is_not_found

EVENT_SOURCE = "amt-pipeline"
HTML_CONTENT_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True)
class ObjectStore:
    """Objects of one bucket."""

    s3: Any
    bucket: str

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def put_text(self, key: str, text: str, content_type: str) -> None:
        self.put_bytes(key, text.encode("utf-8"), content_type)

    def put_json(self, key: str, value: Any) -> None:
        self.put_text(key, json.dumps(value, indent=1, default=str), "application/json")

    def get_text(self, key: str) -> str:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as error:
            if is_not_found(error):
                raise ReportInputMissing(f"s3://{self.bucket}/{key} does not exist") from error
            raise
        return body.decode("utf-8")

    def get_json(self, key: str) -> Any:
        return json.loads(self.get_text(key))

    def head(self, key: str) -> dict[str, Any] | None:
        """The object's HeadObject answer (ETag, Metadata, ...), or None if there is none. Without
        s3:ListBucket, S3 answers a missing key with 403, not 404."""
        try:
            return dict(self.s3.head_object(Bucket=self.bucket, Key=key))
        except ClientError as error:
            if is_not_found(error, head=True):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def put_if_unchanged(self, key: str, body: bytes, content_type: str, *, etag: str | None,
                         metadata: dict[str, str], cache_control: str) -> bool:
        """Put only if the object is still the one ``etag`` names (If-Match), or, for None, if there is
        still none (If-None-Match: *). False, nothing written, when another write came first."""
        condition = {"IfMatch": etag} if etag is not None else {"IfNoneMatch": "*"}
        try:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type,
                               CacheControl=cache_control, Metadata=metadata, **condition)
        except ClientError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def presigned_get_url(self, key: str, expires_in: int) -> str:
        return self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_in
        )


@dataclass(frozen=True)
class EventPublisher:
    """The pipeline's own events on the default bus (they chain extract -> render -> notify)."""

    events: Any

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        response = self.events.put_events(
            Entries=[{"Source": EVENT_SOURCE, "DetailType": detail_type, "Detail": json.dumps(detail)}]
        )
        if response.get("FailedEntryCount"):
            entry = response["Entries"][0]
            raise RuntimeError(
                f"EventBridge refused {detail_type!r}: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
            )


@dataclass(frozen=True)
class Notifier:
    sns: Any
    topic_arn: str

    def publish(self, subject: str, message: str) -> str:
        return self.sns.publish(TopicArn=self.topic_arn, Subject=subject, Message=message)["MessageId"]
