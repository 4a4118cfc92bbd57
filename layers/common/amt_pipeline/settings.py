"""Handler configuration: one pydantic model per handler, all of them here, read from the
environment on first use (never at import time), with no silent defaults for resource
names: a resource's name or ARN must be set and non-empty (``Resource``).
"""

from __future__ import annotations

import os
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from amt_pipeline.report.link import DEFAULT_LINK_DAYS, MAX_LINK_DAYS, MIN_LINK_DAYS


class Settings(BaseModel):
    """Subclass with the fields a handler needs; field ``bucket_name`` reads ``BUCKET_NAME``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        values = {name: env[name.upper()] for name in cls.model_fields if name.upper() in env}
        return cls.model_validate(values)


# A resource's name or ARN, as the template passes it: never empty (an unset stack output would be).
Resource = Annotated[str, StringConstraints(min_length=1)]


class BucketSettings(Settings):
    bucket_name: Resource


class IdempotencySettings(Settings):
    """The table in which the report steps record what they have done (aws.idempotency)."""

    idempotency_table_name: Resource


class PipelineStepSettings(BucketSettings, IdempotencySettings):
    """The report steps: the bucket of runs, and the idempotency table."""


class ValidateSettings(BucketSettings):
    """ValidateInput: what the plan names (the SageMaker role, the stack, its region)."""

    sagemaker_role_arn: Resource
    stack_name: Resource
    aws_region: Resource
    run_retention_days: int = Field(ge=1)  # a chain round's record expires as the run does (RunRetentionDays)


class ExtractSettings(PipelineStepSettings):
    """ExtractTrials: a price per instance-hour for the cost estimate (the TrainingPricePerHour stack
    parameter; empty: the report's table of on-demand prices)."""

    training_price_per_hour: float | None = Field(default=None, gt=0)

    @field_validator("training_price_per_hour", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value


class ReportLinkSettings(BucketSettings):
    """The report-link function: the secret its tokens are signed with."""

    report_link_secret_arn: Resource


class NotifySettings(PipelineStepSettings):
    """Notify: the topic, and what it mints a report link with (report.link)."""

    topic_arn: Resource
    report_link_secret_arn: Resource
    report_link_base_url: Resource
    report_link_expiry_days: int = Field(default=DEFAULT_LINK_DAYS, ge=MIN_LINK_DAYS, le=MAX_LINK_DAYS)


class TrackProgressSettings(PipelineStepSettings):
    """TrackProgress: the progress records (in the idempotency table), the render interval, and
    the topic of the optional first-failed-trial message (empty: off)."""

    render_interval_seconds: float = Field(default=60, ge=0)
    first_failure_topic_arn: str = ""


class FollowUpSettings(PipelineStepSettings):
    """DecideFollowUp: the chain records (in the idempotency table) and the state machine that runs a round."""

    state_machine_arn: Resource
    run_retention_days: int = Field(ge=1)  # the chain's records expire as its runs do (RunRetentionDays)
