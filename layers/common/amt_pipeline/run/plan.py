"""The plan of a run: everything the state machine needs, computed once from the execution input.

``plan_run`` is pure (no I/O, no clock): the same input, execution name and
start time always give the same plan, so a retried Lambda plans the same run.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

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


def plan_run(
    raw: Any,
    *,
    bucket: str,
    role_arn: str,
    region: str,
    execution_name: str,
    started_at: datetime,
    stack_name: str,
) -> dict[str, Any]:
    """Validate the execution input and plan its run (raises InvalidExecutionInput)."""
    ei = raw if isinstance(raw, ExecutionInput) else parse_execution_input(raw)
    run_id = ei.job_name or default_run_id(execution_name, started_at)
    layout = RunLayout(bucket=bucket, run_id=run_id)

    return {
        "run_id": run_id,
        "bucket": bucket,
        "run_prefix": layout.prefix,
        "input": ei.model_dump(mode="json"),
        "dataset": dataset_plan(ei, layout),
        "baseline": {
            "enabled": ei.baseline,
            "training_job_name": baseline_job_name(run_id) if ei.baseline else None,
            "request": (
                baseline_training_request(
                    ei, layout=layout, region=region, role_arn=role_arn, stack_name=stack_name
                )
                if ei.baseline
                else None
            ),
        },
        "tuning": {
            "job_name": run_id,
            "warm_start": ei.warm_start is not None,
            "request": tuning_job_request(
                ei, layout=layout, region=region, role_arn=role_arn, stack_name=stack_name
            ),
        },
        "report": {
            "html_uri": layout.uri(layout.report_html_key),
            "reports_prefix_uri": layout.uri(layout.reports_prefix),
        },
        "follow": {
            "console_url": console_url(region, run_id),
            "describe_command": describe_command(run_id),
        },
    }


def dataset_plan(ei: ExecutionInput, layout: RunLayout) -> dict[str, Any]:
    ds = ei.dataset
    if isinstance(ds, BuiltinDataset):
        return {
            "kind": "builtin",
            "name": ds.name,
            "split": ds.split,
            "seed": ds.seed,
            "validation_fraction": ds.validation_fraction,
            "train_key": layout.train_key,
            "validation_key": layout.validation_key,
        }
    return {"kind": "s3", "train_uri": ds.train_uri, "validation_uri": ds.validation_uri}


def _utc(moment: datetime) -> datetime:
    """A naive datetime is taken as UTC (Step Functions' $$.Execution.StartTime is UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
