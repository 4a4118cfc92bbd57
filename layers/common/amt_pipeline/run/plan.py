"""The plan of a run: everything the state machine needs, computed once from the execution input.

``make_plan`` is pure (no I/O, no clock): the same input, execution name and
start time always give the same plan, so a retried Lambda plans the same run.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from amt_pipeline.run.execution_input import parse_execution_input
from amt_pipeline.run.input_models import BuiltinDataset, ExecutionInput
from amt_pipeline.run.layout import RunLayout, baseline_job_name
from amt_pipeline.run.tuning_request import baseline_training_request, tuning_job_request

DEFAULT_RUN_ID_PREFIX = "amt-"


def default_run_id(execution_name: str, started_at: datetime) -> str:
    """amt-<UTC start, %Y%m%d-%H%M%S>-<first 4 hex of sha1(execution name)>: 24 characters."""
    stamp = _utc(started_at).strftime("%Y%m%d-%H%M%S")
    digest = hashlib.sha1(execution_name.encode()).hexdigest()[:4]
    return f"{DEFAULT_RUN_ID_PREFIX}{stamp}-{digest}"


def console_url(region: str, tuning_job_name: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}"
        f"#/hyper-tuning-jobs/{tuning_job_name}"
    )


def describe_command(tuning_job_name: str) -> str:
    return (
        "aws sagemaker describe-hyper-parameter-tuning-job "
        f"--hyper-parameter-tuning-job-name {tuning_job_name}"
    )


class _PlanPart(BaseModel):
    # The state machine reads these by name (tests/unit/test_step_contracts.py checks its paths).
    model_config = ConfigDict(frozen=True)


class BuiltinDatasetPlan(_PlanPart):
    kind: Literal["builtin"] = "builtin"
    name: str
    split: str
    seed: int = 0
    validation_fraction: float
    train_key: str
    validation_key: str


class S3DatasetPlan(_PlanPart):
    kind: Literal["s3"] = "s3"
    train_uri: str
    validation_uri: str
    content_type: str = "text/csv"


DatasetPlan = Annotated[BuiltinDatasetPlan | S3DatasetPlan, Field(discriminator="kind")]


class BaselinePlan(_PlanPart):
    enabled: bool
    training_job_name: str | None
    request: dict[str, Any] | None  # CreateTrainingJob's arguments


class TuningPlan(_PlanPart):
    job_name: str
    warm_start: bool
    request: dict[str, Any]  # CreateHyperParameterTuningJob's arguments


class ReportPlan(_PlanPart):
    html_uri: str
    reports_prefix_uri: str


class FollowPlan(_PlanPart):
    console_url: str
    describe_command: str


class ChainPlan(_PlanPart):
    """A run with follow_up is a round of a chain (amt_pipeline.chain): the state machine records it
    (its chain, number and execution input) in the table once its tuning job started."""

    enabled: bool
    chain_id: str | None = None
    round: int = 1
    round_key: str | None = None  # the round's record in the table
    expiration: int | None = None  # when the round's record expires (the table's TTL; epoch seconds)


class RunPlan(_PlanPart):
    """What ValidateInput returns and the state machine carries from state to state."""

    run_id: str
    bucket: str
    run_prefix: str
    input: dict[str, Any]  # the execution input with every default filled
    dataset: DatasetPlan
    baseline: BaselinePlan
    tuning: TuningPlan
    report: ReportPlan
    follow: FollowPlan
    # What the input-data check saw that SageMaker trains on anyway (a header row...): the execution's output.
    data_warnings: list[str] = Field(default_factory=list)
    chain: ChainPlan


def make_plan(
    raw: Any,
    *,
    bucket: str,
    role_arn: str,
    region: str,
    execution_name: str,
    started_at: datetime,
    stack_name: str,
    run_retention_days: int | None = None,
) -> RunPlan:
    """Validate the execution input and plan its run (raises InvalidExecutionInput). ``run_retention_days``
    (the stack's RunRetentionDays) dates a chain round's record's expiration; the stack always gives it."""
    ei = raw if isinstance(raw, ExecutionInput) else parse_execution_input(raw)
    run_id = ei.job_name or default_run_id(execution_name, started_at)
    layout = RunLayout(bucket=bucket, run_id=run_id)
    where: dict[str, Any] = {"layout": layout, "region": region, "role_arn": role_arn, "stack_name": stack_name}
    return RunPlan(
        run_id=run_id,
        bucket=bucket,
        run_prefix=layout.prefix,
        input=ei.model_dump(mode="json"),
        dataset=dataset_plan(ei, layout),
        baseline=BaselinePlan(
            enabled=ei.baseline,
            training_job_name=baseline_job_name(run_id) if ei.baseline else None,
            request=baseline_training_request(ei, **where) if ei.baseline else None,
        ),
        tuning=TuningPlan(job_name=run_id, warm_start=ei.warm_start is not None,
                          request=tuning_job_request(ei, **where)),
        report=ReportPlan(html_uri=layout.uri(layout.report_html_key),
                          reports_prefix_uri=layout.uri(layout.reports_prefix)),
        follow=FollowPlan(console_url=console_url(region, run_id), describe_command=describe_command(run_id)),
        chain=chain_plan(ei, run_id, started_at=started_at, retention_days=run_retention_days),
    )


def chain_plan(ei: ExecutionInput, run_id: str, *, started_at: datetime,
               retention_days: int | None) -> ChainPlan:
    from amt_pipeline.chain.state import record_expiration, round_key

    if ei.follow_up is None:
        return ChainPlan(enabled=False)
    expiration = None if retention_days is None else record_expiration(_utc(started_at).timestamp(), retention_days)
    return ChainPlan(enabled=True, chain_id=ei.follow_up.chain_id or run_id, round=ei.follow_up.round,
                     round_key=round_key(run_id), expiration=expiration)


def dataset_plan(ei: ExecutionInput, layout: RunLayout) -> BuiltinDatasetPlan | S3DatasetPlan:
    ds = ei.dataset
    if isinstance(ds, BuiltinDataset):
        return BuiltinDatasetPlan(
            name=ds.name,
            split=ds.split,
            seed=ds.seed,
            validation_fraction=ds.validation_fraction,
            train_key=layout.train_key,
            validation_key=layout.validation_key,
        )
    return S3DatasetPlan(train_uri=ds.train_uri, validation_uri=ds.validation_uri, content_type=ds.content_type)


def _utc(moment: datetime) -> datetime:
    """A naive datetime is taken as UTC (Step Functions' $$.Execution.StartTime is UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
