"""What only DescribeTrainingJob says about a trial: every final metric, billable time, instance type.

``ListTrainingJobsForHyperParameterTuningJob`` carries the objective but not
the other final metrics (train and validation, sagemaker-python-sdk #1031,
Katib #1247) nor ``BillableTimeInSeconds``, so the extract step describes each
trial once (a few threads; boto3 retries throttling). A trial whose describe
fails keeps its row without these columns: the report says less, never
nothing. Columns added (table.py): ``FinalMetric:<metric name>`` per metric,
then ``BillableTimeInSeconds``, ``InstanceType``, ``InstanceCount``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from amt_pipeline.aws.ports import TuningJobReader
from amt_pipeline.trials.report_input import ReportInput
from amt_pipeline.trials.table import METRIC_PREFIX

WORKERS = 8
MAX_DESCRIBES = 20_000  # SageMaker's largest tuning job is 10,000 trials; parents may add more
BUDGET_SECONDS = 150.0  # of the extract step's 300 s: past it, the remaining trials go without details


def detail_columns(describe: Mapping[str, Any]) -> dict[str, Any]:
    """A DescribeTrainingJob response -> the columns this module adds to a trial row."""
    out: dict[str, Any] = {}
    for metric in describe.get("FinalMetricDataList") or []:
        name, value = metric.get("MetricName"), metric.get("Value")
        if name and isinstance(value, int | float) and math.isfinite(value):
            out[METRIC_PREFIX + str(name)] = float(value)
    if describe.get("BillableTimeInSeconds") is not None:
        out["BillableTimeInSeconds"] = int(describe["BillableTimeInSeconds"])
    resources = describe.get("ResourceConfig") or {}
    if resources.get("InstanceType"):
        out["InstanceType"] = str(resources["InstanceType"])
        out["InstanceCount"] = int(resources.get("InstanceCount") or 1)
    return out


def _describe(sagemaker: TuningJobReader, name: str, deadline: float) -> dict[str, Any] | None:
    if time.monotonic() > deadline:
        return None
    try:
        return sagemaker.describe_training_job(TrainingJobName=name)
    except (ClientError, BotoCoreError):
        return None


def add_training_details(report_input: ReportInput, sagemaker: TuningJobReader, *,
                         workers: int = WORKERS, budget_seconds: float = BUDGET_SECONDS) -> ReportInput:
    """Each trial's final metrics, billable seconds and instance type, from one describe per trial
    (this job's trials first; those not described within ``budget_seconds`` keep their rows as listed)."""
    rows = [r for r in report_input.all_trials if r.get("TrainingJobName")][:MAX_DESCRIBES]
    if not rows:
        return report_input
    deadline = time.monotonic() + budget_seconds
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(rows)))) as pool:
        describes = list(pool.map(lambda r: _describe(sagemaker, r["TrainingJobName"], deadline), rows))
    for row, describe in zip(rows, describes, strict=True):
        if describe:
            row.update(detail_columns(describe))
    return report_input
