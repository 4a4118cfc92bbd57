"""boto3 clients, made on first use (never at import time) with one retry policy.

Standard retry mode retries throttling (SageMaker ThrottlingException, S3
SlowDown) and transient errors with exponential backoff and jitter.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8})
# Presigned URLs signed with SigV4: botocore presigns with the deprecated SigV2 in us-east-1 otherwise.
S3_CONFIG = RETRY_CONFIG.merge(Config(signature_version="s3v4"))


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=S3_CONFIG if service == "s3" else RETRY_CONFIG)

