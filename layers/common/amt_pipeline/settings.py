"""Handler configuration: one pydantic model per handler, read from the
environment on first use (never at import time), with no silent defaults for
resource names.
"""

from __future__ import annotations

import os
from typing import Self

from pydantic import BaseModel, ConfigDict


class Settings(BaseModel):
    """Subclass with the fields a handler needs; field ``bucket_name`` reads ``BUCKET_NAME``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        values = {name: env[name.upper()] for name in cls.model_fields if name.upper() in env}
        return cls.model_validate(values)


class BucketSettings(Settings):
    bucket_name: str


class NotifySettings(BucketSettings):
    topic_arn: str
    report_link_expiry_seconds: int = 7 * 24 * 3600
