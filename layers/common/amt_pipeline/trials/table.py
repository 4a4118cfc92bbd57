"""Every trial of a tuning job, as rows: boto3 only (no pandas), so the extract step stays light.

``trials_table`` reproduces the rows of the SageMaker Python SDK's
``HyperparameterTuningJobAnalytics(name).dataframe()`` exactly (same keys, same
order, same conversions), so ``pandas.DataFrame(rows)[sdk_columns(rows)]``
equals the SDK's frame. The SDK's conversions, replicated here on purpose:

* each tuned hyperparameter value goes through ``float(v)``; a value that
  ``float`` rejects (a categorical such as ``"gbtree"``) stays a string;
* ``FinalObjectiveValue`` is ``None`` for a trial without an objective;
* ``TrainingElapsedTimeSeconds`` is present only when both start and end
  times are, and ``TrainingJobDefinitionName`` only where the summary has it.

Our own columns (``EXTRA_COLUMNS``) come after the SDK's, never in between.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from amt_pipeline.aws.ports import TuningJobReader
from amt_pipeline.errors import TuningJobNotFound
from amt_pipeline.facts import is_not_found

PAGE_SIZE = 100  # the API's maximum

SDK_FIXED_COLUMNS = (
    "TrainingJobName",
    "TrainingJobStatus",
    "FinalObjectiveValue",
    "TrainingStartTime",
    "TrainingEndTime",
    "TrainingElapsedTimeSeconds",
    "TrainingJobDefinitionName",
)
EXTRA_COLUMNS = (
    "TuningJobName",
    "TrainingJobArn",
    "CreationTime",
    "ObjectiveStatus",
    "FailureReason",
)
# Added by trials.training_details from DescribeTrainingJob (one describe per trial), after EXTRA_COLUMNS.
DETAIL_COLUMNS = ("BillableTimeInSeconds", "InstanceType", "InstanceCount")
# Every final metric of a trial (FinalMetricDataList), one column each: "FinalMetric:train:accuracy".
METRIC_PREFIX = "FinalMetric:"
# Every column of a trial row that is not a tuned hyperparameter (and not a FinalMetric: column).
NON_HYPERPARAMETER_COLUMNS = frozenset(SDK_FIXED_COLUMNS + EXTRA_COLUMNS + DETAIL_COLUMNS)


def is_hyperparameter_column(key: str) -> bool:
    return key not in NON_HYPERPARAMETER_COLUMNS and not key.startswith(METRIC_PREFIX)


def metric_columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The rows' FinalMetric: columns, first-seen order."""
    return list(dict.fromkeys(k for row in rows for k in row if k.startswith(METRIC_PREFIX)))
TIME_COLUMNS = ("TrainingStartTime", "TrainingEndTime", "CreationTime")


def fetch_training_jobs(sagemaker_client: TuningJobReader, tuning_job_name: str) -> list[dict[str, Any]]:
    """Every training job summary of a tuning job, one paginated list call per 100 trials.

    Not sorted by FinalObjectiveMetricValue (that drops trials without an
    objective) and never one describe per trial. The one knowing departure
    from the SDK: a page with no summaries but a NextToken ends the SDK's
    listing (it loses the trials after it); we follow the token (pinned by
    tests/sdk/test_trials_match_the_sdk.py, which checks every other case
    against the SDK itself).
    """
    request: dict[str, Any] = {"HyperParameterTuningJobName": tuning_job_name, "MaxResults": PAGE_SIZE}
    summaries: list[dict[str, Any]] = []
    seen_tokens: set[str] = set()
    while True:
        try:
            page = sagemaker_client.list_training_jobs_for_hyper_parameter_tuning_job(**request)
        except ClientError as error:
            if is_not_found(error):
                raise TuningJobNotFound(tuning_job_name) from error
            raise
        summaries.extend(page.get("TrainingJobSummaries", []))
        token = page.get("NextToken")
        if not token or token in seen_tokens:
            return summaries
        seen_tokens.add(token)
        request["NextToken"] = token


def _sdk_value(value: Any) -> Any:
    # The SDK: "Something (bokeh?) gets confused with ints so convert to float".
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def trial_row(summary: Mapping[str, Any], tuning_job_name: str | None = None) -> dict[str, Any]:
    """One training-job summary -> one row: the SDK's keys first, then ours."""
    row: dict[str, Any] = {}
    for name, value in summary.get("TunedHyperParameters", {}).items():
        row[name] = _sdk_value(value)
    row["TrainingJobName"] = summary["TrainingJobName"]
    row["TrainingJobStatus"] = summary["TrainingJobStatus"]
    row["FinalObjectiveValue"] = summary.get("FinalHyperParameterTuningJobObjectiveMetric", {}).get("Value")
    start, end = summary.get("TrainingStartTime"), summary.get("TrainingEndTime")
    row["TrainingStartTime"] = start
    row["TrainingEndTime"] = end
    if start and end:
        row["TrainingElapsedTimeSeconds"] = (end - start).total_seconds()
    if "TrainingJobDefinitionName" in summary:
        row["TrainingJobDefinitionName"] = summary["TrainingJobDefinitionName"]
    row["TuningJobName"] = summary.get("TuningJobName") or tuning_job_name
    row["TrainingJobArn"] = summary.get("TrainingJobArn")
    row["CreationTime"] = summary.get("CreationTime")
    row["ObjectiveStatus"] = summary.get("ObjectiveStatus")
    row["FailureReason"] = summary.get("FailureReason")
    return row


def trials_table(
    tuning_job: Mapping[str, Any], training_jobs: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Rows equal to the SDK's ``HyperparameterTuningJobAnalytics.dataframe()`` plus ``EXTRA_COLUMNS``."""
    name = tuning_job.get("HyperParameterTuningJobName")
    return [trial_row(summary, name) for summary in training_jobs]


def sdk_columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The columns the SDK's dataframe would have for these rows, in its order."""
    columns: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key not in EXTRA_COLUMNS and key not in DETAIL_COLUMNS and not key.startswith(METRIC_PREFIX):
                columns.setdefault(key, None)
    return list(columns)


# --- What the describe response says about the search -------------------------------------------


@dataclass(frozen=True)
class ParameterRange:
    """One tuned hyperparameter's range, as in the tuning job's ParameterRanges."""

    name: str
    kind: Literal["Continuous", "Integer", "Categorical"]
    min_value: float | None = None
    max_value: float | None = None
    values: tuple[str, ...] = ()
    scaling: str = "Auto"

    @property
    def is_numeric(self) -> bool:
        return self.kind != "Categorical"

    @property
    def is_log(self) -> bool:
        return self.scaling == "Logarithmic"


_RANGE_KINDS: dict[str, Literal["Continuous", "Integer", "Categorical"]] = {
    "ContinuousParameterRanges": "Continuous",
    "IntegerParameterRanges": "Integer",
    "CategoricalParameterRanges": "Categorical",
}


def _ranges_from(parameter_ranges: Mapping[str, Any]) -> dict[str, ParameterRange]:
    out: dict[str, ParameterRange] = {}
    for key, kind in _RANGE_KINDS.items():
        for spec in parameter_ranges.get(key) or []:
            if kind == "Categorical":
                out[spec["Name"]] = ParameterRange(spec["Name"], kind, values=tuple(spec.get("Values", [])))
            else:
                out[spec["Name"]] = ParameterRange(
                    spec["Name"],
                    kind,
                    min_value=float(spec["MinValue"]),
                    max_value=float(spec["MaxValue"]),
                    scaling=spec.get("ScalingType", "Auto"),
                )
    return out


def parameter_ranges(tuning_job: Mapping[str, Any]) -> dict[str, ParameterRange]:
    """Tuned hyperparameters by name (single definition, or the union over TrainingJobDefinitions)."""
    config = tuning_job.get("HyperParameterTuningJobConfig", {})
    ranges = _ranges_from(config.get("ParameterRanges") or {})
    for definition in tuning_job.get("TrainingJobDefinitions") or []:
        for name, spec in _ranges_from(definition.get("HyperParameterRanges") or {}).items():
            ranges.setdefault(name, spec)
    return ranges


@dataclass(frozen=True)
class Objective:
    metric_name: str
    direction: Literal["Maximize", "Minimize"]

    @property
    def maximize(self) -> bool:
        return self.direction == "Maximize"

    def better(self, a: float, b: float) -> bool:
        return a > b if self.maximize else a < b


def objective_of(tuning_job: Mapping[str, Any]) -> Objective | None:
    """The tuning objective (from the job config, else the first training job definition)."""
    spec = tuning_job.get("HyperParameterTuningJobConfig", {}).get("HyperParameterTuningJobObjective")
    if not spec:
        for definition in tuning_job.get("TrainingJobDefinitions") or []:
            if definition.get("TuningObjective"):
                spec = definition["TuningObjective"]
                break
    if not spec:
        return None
    return Objective(metric_name=spec["MetricName"], direction=spec.get("Type", "Maximize"))
