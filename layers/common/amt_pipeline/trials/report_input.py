"""Everything a report needs, in one JSON document.

A report is rendered from a ``ReportInput`` alone, so it can be rendered again
from S3 (``trials.json``) without calling SageMaker: the describe responses of
the tuning job and of its warm-start parents, every trial row, the baseline's
objective and, when someone collected them, per-trial learning curves.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from amt_pipeline.aws.ports import TuningJobReader
from amt_pipeline.errors import TuningJobNotFound
from amt_pipeline.facts import error_code, is_not_found
from amt_pipeline.trials.csv_safety import neutralise_csv_text
from amt_pipeline.trials.table import (
    TIME_COLUMNS,
    Objective,
    ParameterRange,
    fetch_training_jobs,
    objective_of,
    parameter_ranges,
    trials_table,
)

SCHEMA_VERSION = 1
MAX_WARM_START_DEPTH = 20  # parents of parents...; SageMaker allows 5 parents per job


def json_safe(value: Any) -> Any:
    """A boto3 response made JSON-safe: datetimes as ISO 8601, non-finite floats as None."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def parse_time(value: Any) -> Any:
    """An ISO 8601 string as a datetime; anything else (a datetime, a bad string) as it is."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


class CurvePoint(BaseModel):
    """One point of a trial's learning curve: a metric's value at an iteration (or second)."""

    model_config = ConfigDict(frozen=True)

    metric: str
    x: float
    value: float


class Baseline(BaseModel):
    """The baseline training job (static hyperparameters only) and its objective, if it had one."""

    training_job_name: str
    status: str | None = None
    metric_name: str | None = None
    objective_value: float | None = None
    failure_reason: str | None = None
    hyperparameters: dict[str, str] = Field(default_factory=dict)
    # For the timeline and the cost (absent in reports extracted before they existed).
    training_start_time: datetime | None = None
    training_end_time: datetime | None = None
    billable_seconds: int | None = None
    instance_type: str | None = None
    instance_count: int | None = None


class ReportInput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = SCHEMA_VERSION
    tuning_job_name: str
    # Describe responses (JSON-safe): this job first, then warm-start ancestors.
    tuning_jobs: list[dict[str, Any]]
    trials: list[dict[str, Any]] = Field(default_factory=list)
    parent_trials: list[dict[str, Any]] = Field(default_factory=list)
    baseline: Baseline | None = None
    learning_curves: dict[str, list[CurvePoint]] = Field(default_factory=dict)
    collected_at: datetime | None = None
    # USD per instance-hour for the cost estimate, instead of report.prices (a stack parameter or --price-per-hour).
    price_per_hour: float | None = None

    @field_validator("trials", "parent_trials")
    @classmethod
    def _times_as_datetimes(cls, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        parsed = []
        for row in rows:
            row = dict(row)
            for column in TIME_COLUMNS:
                if column in row:
                    row[column] = parse_time(row[column])
            parsed.append(row)
        return parsed

    # --- convenience views ------------------------------------------------------------------

    @property
    def tuning_job(self) -> dict[str, Any]:
        return self.tuning_jobs[0]

    @property
    def status(self) -> str:
        """The tuning job's status: Completed, Failed, Stopped (or InProgress/Stopping when early)."""
        return str(self.tuning_job.get("HyperParameterTuningJobStatus") or "Unknown")

    @property
    def objective(self) -> Objective | None:
        return objective_of(self.tuning_job)

    @property
    def ranges(self) -> dict[str, ParameterRange]:
        return parameter_ranges(self.tuning_job)

    @property
    def all_trials(self) -> list[dict[str, Any]]:
        """This job's trials, then the warm-start parents'."""
        return [*self.trials, *self.parent_trials]

    # --- persistence ------------------------------------------------------------------------

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(json_safe(self.model_dump(mode="python")), indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> ReportInput:
        return cls.model_validate(json.loads(text))


def trial_columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every key of the rows, in first-seen order (the SDK's columns come first in each row)."""
    columns: dict[str, None] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, None)
    return list(columns)


def trials_csv(report_input: ReportInput) -> str:
    """All trials (this job's and its parents') as CSV, one row per training job, SDK columns first."""
    rows = report_input.all_trials
    columns = trial_columns(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(neutralise_csv_text(column) for column in columns)
    for row in rows:
        writer.writerow(_csv_cell(row.get(column)) for column in columns)
    return out.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return neutralise_csv_text(str(value))  # csv_safety: no cell a spreadsheet would run


# --- Collection (the only part that calls SageMaker) ---------------------------------------------


def _describe_tuning_job(sagemaker_client: TuningJobReader, name: str) -> dict[str, Any]:
    try:
        return sagemaker_client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    except ClientError as error:
        if is_not_found(error):
            raise TuningJobNotFound(name) from error
        raise


def parent_job_names(tuning_job: Mapping[str, Any]) -> list[str]:
    parents = (tuning_job.get("WarmStartConfig") or {}).get("ParentHyperParameterTuningJobs") or []
    return [p["HyperParameterTuningJobName"] for p in parents if p.get("HyperParameterTuningJobName")]


def baseline_from_describe(describe: Mapping[str, Any], objective: Objective | None) -> Baseline:
    """A DescribeTrainingJob response -> Baseline (its value of the tuning objective's metric)."""
    value = None
    metric_name = objective.metric_name if objective else None
    for metric in describe.get("FinalMetricDataList") or []:
        if metric_name is not None and metric.get("MetricName") == metric_name:
            value = metric.get("Value")
    if value is not None and not math.isfinite(value):
        value = None
    return Baseline(
        training_job_name=describe["TrainingJobName"],
        status=describe.get("TrainingJobStatus"),
        metric_name=metric_name,
        objective_value=value,
        failure_reason=describe.get("FailureReason"),
        hyperparameters=dict(describe.get("HyperParameters") or {}),
        training_start_time=describe.get("TrainingStartTime"),
        training_end_time=describe.get("TrainingEndTime"),
        billable_seconds=describe.get("BillableTimeInSeconds"),
        instance_type=(describe.get("ResourceConfig") or {}).get("InstanceType"),
        instance_count=(describe.get("ResourceConfig") or {}).get("InstanceCount"),
    )


def collect_report_input(
    sagemaker_client: TuningJobReader,
    tuning_job_name: str,
    *,
    include_parents: bool = True,
    baseline_job_name: str | None = None,
    collected_at: datetime | None = None,
) -> ReportInput:
    """Describe the job, list all its trials, resolve warm-start ancestors, read the baseline.

    Calls: 1 describe + ceil(trials/100) list calls per tuning job, and at most
    one describe_training_job (the baseline). A missing baseline is not an error.
    Raises ``TuningJobNotFound`` when the tuning job itself does not exist.
    """
    describe = _describe_tuning_job(sagemaker_client, tuning_job_name)
    tuning_jobs = [json_safe(describe)]
    trials = trials_table(describe, fetch_training_jobs(sagemaker_client, tuning_job_name))

    parent_trials: list[dict[str, Any]] = []
    if include_parents:
        seen = {tuning_job_name}
        frontier = parent_job_names(describe)
        depth = 0
        while frontier and depth < MAX_WARM_START_DEPTH:
            next_frontier: list[str] = []
            for name in frontier:
                if name in seen:
                    continue
                seen.add(name)
                try:
                    parent = _describe_tuning_job(sagemaker_client, name)
                except TuningJobNotFound:
                    continue  # a parent in another account or region: report without it
                tuning_jobs.append(json_safe(parent))
                parent_trials.extend(trials_table(parent, fetch_training_jobs(sagemaker_client, name)))
                next_frontier.extend(parent_job_names(parent))
            frontier = next_frontier
            depth += 1

    baseline = None
    if baseline_job_name:
        try:
            baseline_describe = sagemaker_client.describe_training_job(TrainingJobName=baseline_job_name)
        except ClientError as error:
            # SageMaker answers DescribeTrainingJob of an unknown name with a ValidationException
            if not (is_not_found(error) or error_code(error) == "ValidationException"):
                raise
        else:
            baseline = baseline_from_describe(baseline_describe, objective_of(describe))

    return ReportInput(
        tuning_job_name=tuning_job_name,
        tuning_jobs=tuning_jobs,
        trials=trials,
        parent_trials=parent_trials,
        baseline=baseline,
        collected_at=collected_at,
    )


def collect_compared_jobs(sagemaker_client: TuningJobReader, tuning_job_names: list[str]) -> ReportInput:
    """Several tuning jobs in one report: the first leads (objective, baseline, summary),
    the others' trials are shown beside it, told apart by their TuningJobName."""
    from amt_pipeline.run.layout import baseline_job_name

    # A job this stack started has a baseline named after it; for any other job, none is found.
    lead = collect_report_input(sagemaker_client, tuning_job_names[0],
                                baseline_job_name=baseline_job_name(tuning_job_names[0]))
    known = {job.get("HyperParameterTuningJobName") for job in lead.tuning_jobs}
    for name in tuning_job_names[1:]:
        other = collect_report_input(sagemaker_client, name)
        for job, rows in [(other.tuning_jobs[0], other.trials)] + [
            (parent, [r for r in other.parent_trials
                      if r.get("TuningJobName") == parent.get("HyperParameterTuningJobName")])
            for parent in other.tuning_jobs[1:]
        ]:
            if job.get("HyperParameterTuningJobName") in known:
                continue  # a shared warm-start parent appears once
            known.add(job.get("HyperParameterTuningJobName"))
            lead.tuning_jobs.append(job)
            lead.parent_trials.extend(rows)
    return lead

