"""Rules that SageMaker and the XGBoost container enforce, checked before anything is spent.

- SageMaker's API limits, from botocore's service model (``service_model``): each input field
  is checked against the request member it becomes (32-bit integers, 256-character range
  values, 2,500-character hyperparameter values, the instance-type enum, the tag pattern).
- SageMaker's service rules the model does not hold: Hyperband's MaxResource (XGBoost has no
  epochs hyperparameter to infer it from) of at most 20,000; a search space with fewer distinct
  combinations than max_jobs.
- The container's own hyperparameter validation (``xgboost_rules``), for the image version.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from amt_pipeline.run import service_model as sm
from amt_pipeline.run import xgboost_rules as rules
from amt_pipeline.run.input_models import (
    CategoricalRange,
    ContinuousRange,
    ExecutionInput,
    IntegerRange,
    S3Dataset,
    hyperparameter_string,
)
from amt_pipeline.run.input_rules import RuleError

HYPERBAND_MAX_RESOURCE = 20_000  # API reference, HyperbandStrategyConfig.MaxResource

# Input field -> the request member (shape) it becomes.
_SCALAR_SHAPES = {
    "instance_type": "TrainingInstanceType",
    "instance_count": "TrainingInstanceCount",
    "volume_size": "VolumeSizeInGB",
    "max_run": "MaxRuntimeInSeconds",
    "max_jobs": "MaxNumberOfTrainingJobs",
    "max_parallel_jobs": "MaxParallelTrainingJobs",
    "max_runtime_in_seconds": "HyperParameterTuningMaxRuntimeInSeconds",
    "random_seed": "RandomSeed",
}


def _checked(field: str, shape: str, value: Any, deps: tuple[tuple[str, ...], ...]) -> Iterator[RuleError]:
    message = sm.first_violation(shape, value)
    if message:
        yield RuleError(field, message, deps)


def service_model_errors(m: ExecutionInput) -> Iterator[RuleError]:
    """Each field against the SageMaker request member it becomes."""
    for field, shape in _SCALAR_SHAPES.items():
        value = getattr(m, field)
        if value is not None:
            yield from _checked(field, shape, value, ((field,),))
    if isinstance(m.dataset, S3Dataset):
        for name in ("train_uri", "validation_uri"):
            yield from _checked(f"dataset.{name}", "S3Uri", getattr(m.dataset, name), (("dataset",),))
    for name, value in m.hyperparameters.items():
        dep = (("hyperparameters", name),)
        yield from _checked(f"hyperparameters.{name}", "HyperParameterKey", name, dep)
        yield from _checked(f"hyperparameters.{name}", "HyperParameterValue", hyperparameter_string(value), dep)
    for name, rng in m.hyperparameter_ranges.items():
        yield from _range_service_errors(name, rng)
    for key, value in m.tags.items():
        yield from _checked(f"tags.{key}", "TagKey", key, (("tags", key),))
        yield from _checked(f"tags.{key}", "TagValue", value, (("tags", key),))
    if m.hyperband is not None:
        for name, shape in (("min_resource", "HyperbandStrategyMinResource"),
                            ("max_resource", "HyperbandStrategyMaxResource")):
            value = getattr(m.hyperband, name)
            if value is not None:
                yield from _checked(f"hyperband.{name}", shape, value, (("hyperband",),))
    cc = m.completion_criteria
    if cc is not None and cc.max_number_of_training_jobs_not_improving is not None:
        yield from _checked("completion_criteria.max_number_of_training_jobs_not_improving",
                            "MaxNumberOfTrainingJobsNotImproving", cc.max_number_of_training_jobs_not_improving,
                            (("completion_criteria",),))


def _range_service_errors(name: str, rng: ContinuousRange | IntegerRange | CategoricalRange) -> Iterator[RuleError]:
    path, dep = f"hyperparameter_ranges.{name}", (("hyperparameter_ranges", name),)
    yield from _checked(path, "ParameterKey", name, dep)
    if isinstance(rng, CategoricalRange):
        for value in rng.values:
            yield from _checked(f"{path}.values", "ParameterValue", hyperparameter_string(value), dep)
        return
    for bound in ("min_value", "max_value"):
        value = getattr(rng, bound)
        yield from _checked(f"{path}.{bound}", "ParameterValue", hyperparameter_string(value), dep)
        if isinstance(rng, IntegerRange) and not sm.INT32[0] <= value <= sm.INT32[1]:
            message = f"{value} is not a 32-bit integer, as SageMaker's Integer ranges are"
            yield RuleError(f"{path}.{bound}", message, dep)


# ------------------------------------------------------------------ service rules
def search_space_size(m: ExecutionInput) -> float | None:
    """Distinct combinations of the ranges (math.inf with a continuous range wider than a point).
    A range whose min is above its max is an error of its own, left out of the count; None when no
    range is left to count."""
    size: float = 1
    counted = [rng for rng in m.hyperparameter_ranges.values()
               if isinstance(rng, CategoricalRange) or rng.min_value <= rng.max_value]
    if not counted and m.hyperparameter_ranges:
        return None
    for rng in counted:
        if isinstance(rng, CategoricalRange):
            size *= len(rng.values)
        elif isinstance(rng, IntegerRange):
            size *= max(rng.max_value - rng.min_value + 1, 1)
        elif rng.max_value > rng.min_value:
            return math.inf
    return size


def service_rule_errors(m: ExecutionInput) -> Iterator[RuleError]:
    if m.strategy == "Hyperband" and (m.hyperband is None or m.hyperband.max_resource is None):
        yield RuleError(
            "hyperband.max_resource",
            "strategy Hyperband needs hyperband.max_resource: SageMaker infers it only from an epochs "
            "hyperparameter, which XGBoost does not have",
            (("strategy",), ("hyperband",)),
        )
    if m.hyperband is not None and (m.hyperband.max_resource or 0) > HYPERBAND_MAX_RESOURCE:
        yield RuleError("hyperband.max_resource",
                        f"{m.hyperband.max_resource} is more than SageMaker's {HYPERBAND_MAX_RESOURCE:,}",
                        (("hyperband",),))
    size = search_space_size(m)
    if m.strategy != "Grid" and size is not None and size < m.max_jobs:
        yield RuleError(
            "max_jobs",
            f"{m.max_jobs} training jobs, but the ranges have only {int(size)} distinct combinations "
            "(SageMaker refuses: \"You don't have enough combinations\"); lower max_jobs or widen the ranges",
            (("max_jobs",), ("hyperparameter_ranges",), ("strategy",)),
        )


# ------------------------------------------------------------------ the container
def _container(m: ExecutionInput, error: rules.ContainerUserError) -> str:
    return f"{error} (the XGBoost {m.algorithm_version} container refuses it)"


def _range_container_errors(m: ExecutionInput, name: str, rng: Any) -> Iterator[RuleError]:
    path, dep = f"hyperparameter_ranges.{name}", (("hyperparameter_ranges", name),)
    spec = rules.spec_of(name, m.algorithm_version)
    if spec is None:
        return
    if isinstance(rng, CategoricalRange):
        for value in rng.values:
            try:
                rules.check_value(name, hyperparameter_string(value), m.algorithm_version)
            except rules.ContainerUserError as error:
                yield RuleError(f"{path}.values", _container(m, error), dep)
        return
    if spec.kind not in ("int", "float") or (spec.kind == "int" and isinstance(rng, ContinuousRange)):
        wanted = "an Integer range" if spec.kind == "int" else "a Categorical range"
        yield RuleError(f"{path}.type", f"{name} is a{'n' * (spec.kind == 'int')} {spec.kind} hyperparameter "
                        f"of the container: use {wanted}", dep)
        return
    domain = spec.domain if isinstance(spec.domain, rules.Interval) else rules.Interval()
    # SageMaker's range specification of an open bound is the bound itself (format_as_continuous):
    # a continuous range may touch it, as a sample never lands exactly on it.
    closure = rules.Interval(min_closed=domain.lower, max_closed=domain.upper)
    for bound in ("min_value", "max_value"):
        value = getattr(rng, bound)
        if value not in (closure if isinstance(rng, ContinuousRange) else domain):
            yield RuleError(f"{path}.{bound}", f"{value} is outside {name}'s domain {domain} "
                            f"(the XGBoost {m.algorithm_version} container refuses it)", dep)


def container_errors(m: ExecutionInput) -> Iterator[RuleError]:
    """The container's validation of the static values, the ranges, and the two together."""
    parsed: dict[str, Any] = {}
    names = rules.user_hyperparameter_names(m.algorithm_version)
    for name, value in m.hyperparameters.items():
        if name in m.hyperparameter_ranges or name not in names:
            continue
        try:
            parsed[rules.canonical(name)] = rules.check_value(name, hyperparameter_string(value), m.algorithm_version)
        except rules.ContainerUserError as error:
            yield RuleError(f"hyperparameters.{name}", _container(m, error), (("hyperparameters", name),))
    for name, rng in m.hyperparameter_ranges.items():
        yield from _range_container_errors(m, name, rng)
    tuned = {rules.canonical(n) for n in m.hyperparameter_ranges}
    try:
        rules.check_together({**parsed, "num_round": parsed.get("num_round", 1)}, tuned)
    except rules.ContainerUserError as error:
        yield RuleError("hyperparameters", _container(m, error), (("hyperparameters",), ("hyperparameter_ranges",)))
