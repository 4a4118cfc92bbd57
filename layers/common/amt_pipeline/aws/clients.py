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


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=RETRY_CONFIG)

