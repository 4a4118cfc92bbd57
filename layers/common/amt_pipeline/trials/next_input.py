"""The next execution input: this job's, warm-started from it, with the ranges the boundary
analysis (``trials.boundaries``) widens."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from amt_pipeline.run.xgboost_algorithm import SUPPORTED_VERSIONS as XGBOOST_VERSIONS
from amt_pipeline.trials.analysis import _number
from amt_pipeline.trials.table import ParameterRange

MAX_WARM_START_PARENTS = 5


# --- Next execution ------------------------------------------------------------------------------


def _range_entry(spec: ParameterRange, finding: Mapping[str, Any] | None) -> dict[str, Any]:
    if not spec.is_numeric:
        return {"type": "Categorical", "values": list(spec.values)}
    low = finding.get("suggested_min_value", spec.min_value) if finding else spec.min_value
    high = finding.get("suggested_max_value", spec.max_value) if finding else spec.max_value
    assert low is not None and high is not None
    entry: dict[str, Any] = {
        "type": spec.kind,
        "min_value": _number(low, spec.kind),
        "max_value": _number(high, spec.kind),
    }
    if spec.scaling != "Auto":
        entry["scaling_type"] = spec.scaling
    return entry


def _static_hyperparameters(definition: Mapping[str, Any], tuned: Mapping[str, Any]) -> dict[str, str]:
    # SageMaker adds "_tuning_objective_metric" (and other "_" keys) itself: leave them out.
    static = definition.get("StaticHyperParameters") or {}
    return {k: str(v) for k, v in static.items() if not k.startswith("_") and k not in tuned}


def _channel_uris(definition: Mapping[str, Any]) -> dict[str, str]:
    uris, content_type = {}, "text/csv"
    for channel in definition.get("InputDataConfig") or []:
        uri = ((channel.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri")
        if channel.get("ChannelName") in {"train", "validation"} and uri:
            uris[f"{channel['ChannelName']}_uri"] = uri
            if channel["ChannelName"] == "train":
                content_type = channel.get("ContentType") or content_type
    if len(uris) != 2:
        return {}
    return uris if content_type == "text/csv" else {**uris, "content_type": content_type}


def next_execution_input(
    tuning_job: Mapping[str, Any],
    ranges: Mapping[str, ParameterRange],
    boundaries: Sequence[Mapping[str, Any]],
    *,
    scored_trial_count: int,
) -> dict[str, Any]:
    """The suggested next execution input: warm start from this job, ranges extended past crowded edges.

    Shaped as ``input_models.ExecutionInput`` (it validates as one). Warm
    start (IdenticalDataAndAlgorithm) needs the same data, algorithm and static
    hyperparameters, so those are carried over; only the tuned ranges change.
    SageMaker takes at most 5 parents: this job first, then its own parents.
    No baseline: the last run measured it.
    """
    name = str(tuning_job.get("HyperParameterTuningJobName", ""))
    by_name = {f["name"]: f for f in boundaries}
    config = tuning_job.get("HyperParameterTuningJobConfig", {})
    objective = config.get("HyperParameterTuningJobObjective") or {}
    definition = tuning_job.get("TrainingJobDefinition") or {}
    suggestion: dict[str, Any] = _estimator_fields(definition)
    static = _static_hyperparameters(definition, ranges)
    if static:
        suggestion["hyperparameters"] = static
    if objective.get("MetricName"):
        suggestion["objective_metric_name"] = objective["MetricName"]
    if objective.get("Type"):
        suggestion["objective_type"] = objective["Type"]
    suggestion["hyperparameter_ranges"] = {
        n: _range_entry(spec, by_name.get(n)) for n, spec in ranges.items()
    }
    suggestion.update(_tuner_fields(config))
    if scored_trial_count > 0 and name:
        suggestion["warm_start"] = {"parents": _warm_start_parents(tuning_job, name),
                                    "type": "IdenticalDataAndAlgorithm"}
    suggestion["baseline"] = False
    return suggestion


# (SageMaker's key, the execution input's field, conversion): copied where SageMaker's value is set.
_Copy = tuple[str, str, Callable[[Any], Any]]
_RESOURCE_FIELDS: tuple[_Copy, ...] = (
    ("InstanceType", "instance_type", str),
    ("InstanceCount", "instance_count", int),
    ("VolumeSizeInGB", "volume_size", int),
)
_LIMIT_FIELDS: tuple[_Copy, ...] = (
    ("MaxNumberOfTrainingJobs", "max_jobs", int),
    ("MaxParallelTrainingJobs", "max_parallel_jobs", int),
)


def _copied(source: Mapping[str, Any], fields: Sequence[_Copy]) -> dict[str, Any]:
    return {field: convert(source[key]) for key, field, convert in fields if source.get(key)}


def _estimator_fields(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The data, algorithm version and resources of the job's training definition."""
    fields: dict[str, Any] = {}
    dataset = _channel_uris(definition)
    if dataset:
        fields["dataset"] = dataset
    image = (definition.get("AlgorithmSpecification") or {}).get("TrainingImage") or ""
    version = image.rsplit(":", 1)[-1] if ":" in image else ""
    if version in XGBOOST_VERSIONS:
        fields["algorithm_version"] = version
    fields.update(_copied(definition.get("ResourceConfig") or {}, _RESOURCE_FIELDS))
    fields.update(_copied(definition.get("StoppingCondition") or {}, (("MaxRuntimeInSeconds", "max_run", int),)))
    return fields


def _tuner_fields(config: Mapping[str, Any]) -> dict[str, Any]:
    """The strategy, job counts and early stopping of the job's tuning config."""
    fields = _copied(config, (("Strategy", "strategy", str),))
    fields.update(_copied(config.get("ResourceLimits", {}), _LIMIT_FIELDS))
    if config.get("TrainingJobEarlyStoppingType") in {"Off", "Auto"}:
        fields["early_stopping_type"] = config["TrainingJobEarlyStoppingType"]
    return fields


def _warm_start_parents(tuning_job: Mapping[str, Any], name: str) -> list[str]:
    """This job first, then its own parents, at most MAX_WARM_START_PARENTS."""
    parents = [name]
    for parent in (tuning_job.get("WarmStartConfig") or {}).get("ParentHyperParameterTuningJobs") or []:
        parent_name = parent.get("HyperParameterTuningJobName")
        if parent_name and parent_name not in parents and len(parents) < MAX_WARM_START_PARENTS:
            parents.append(parent_name)
    return parents


def next_input_notes(boundaries: Sequence[Mapping[str, Any]], *, scored_trial_count: int) -> list[str]:
    """Why the suggested next input differs from this job's, in words."""
    notes = [f["warning"] for f in boundaries if f.get("edge") and not f.get("at_limit")]
    if scored_trial_count == 0:
        notes.append("No warm start: this job has no trial with an objective to learn from.")
    if not notes:
        notes.append("No range needs to move: rerun with warm start to refine the search.")
    return notes
