"""What CreateHyperParameterTuningJob refuses in a WarmStartConfig, as the AWS developer guide lists it.

"Run a Warm Start Hyperparameter Tuning Job", Warm Start Tuning Restrictions, and the API
reference (HyperParameterTuningJobWarmStartConfig):

1. 1 to 5 parent jobs, each existing and in a terminal state (Completed, Stopped or Failed);
2. the objective metric of every parent;
3. the same total number of static plus tunable hyperparameters as every parent;
4. the type (continuous, integer, categorical) of each hyperparameter tunable in both unchanged;
5. at most 10 changes from tunable (in a parent) to static plus changes of static values (each
   value of a categorical range made static counts; a static value changed counts as 2, the
   guide's red -> blue example);
6. the parents' training jobs count against the limit of training jobs of the new job;
7. ``IdenticalDataAndAlgorithm``: the same input data and the same training image as the parents
   ("You cannot use a new version of the training algorithm"); ``TransferLearning`` may change both;
8. the Grid strategy takes no warm start (checked with the budget, in plan.py).

Warm start is not recursive (only the named parents' trials are read): the engine reads exactly those.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from amt.local.engine.errors import ResourceLimitExceeded, ResourceNotFound, ValidationException
from amt.local.engine.ranges import RANGE_KINDS
from amt.local.engine.tuning_job import TuningJob
from amt_pipeline.facts import ENDED_STATUSES

MAX_PARENTS = 5
MAX_STATIC_CHANGES = 10
WARM_START_TYPES = ("IdenticalDataAndAlgorithm", "TransferLearning")


def warm_start_parents(request: Mapping[str, Any], *, job_limit: int,
                       find_tuning_job: Callable[[str], TuningJob | None]) -> tuple[str, ...]:
    """The parents' names, once the request passes every restriction above (else SageMaker's error)."""
    warm_start = request.get("WarmStartConfig")
    if not warm_start:
        return ()
    kind = warm_start.get("WarmStartType")
    if kind not in WARM_START_TYPES:
        raise ValidationException(f"WarmStartType {kind!r} is not one of {', '.join(WARM_START_TYPES)}")
    listed = warm_start.get("ParentHyperParameterTuningJobs") or []
    if not 1 <= len(listed) <= MAX_PARENTS:
        raise ValidationException(f"WarmStartConfig needs 1 to {MAX_PARENTS} parent tuning jobs")
    parents = []
    for entry in listed:
        name = entry["HyperParameterTuningJobName"]
        parent = find_tuning_job(name)
        if parent is None:
            raise ResourceNotFound(f"Parent tuning job {name} does not exist")
        if parent.status not in ENDED_STATUSES:
            raise ValidationException(f"Parent tuning job {name} has not ended (status {parent.status})")
        parents.append(parent)
    for parent in parents:
        _check_parent(request, parent.request, parent.name, kind)
    _check_job_limit(request, parents, job_limit)
    return tuple(p.name for p in parents)


def _check_parent(request: Mapping[str, Any], parent: Mapping[str, Any], name: str, kind: str) -> None:
    metric, parent_metric = _metric(request), _metric(parent)
    if metric != parent_metric:
        raise ValidationException(f"The objective metric {metric} differs from parent tuning job {name}'s "
                                  f"{parent_metric}: a warm start job keeps its parents' objective metric")
    before, after = _hyperparameters(parent), _hyperparameters(request)
    if len(before) != len(after):
        raise ValidationException(
            f"The total number of static plus tunable hyperparameters ({len(after)}) differs from parent tuning "
            f"job {name}'s ({len(before)}): it must remain the same")
    for hp, hp_kind in after.items():
        if hp_kind != "Static" and before.get(hp, "Static") not in ("Static", hp_kind):
            raise ValidationException(f"The type of hyperparameter {hp} changed from {before[hp]} in parent "
                                      f"tuning job {name} to {hp_kind}: it must not change")
    changes = _static_changes(parent, request)
    if changes > MAX_STATIC_CHANGES:
        raise ValidationException(
            f"{changes} changes from parent tuning job {name} (tunable to static, plus changed static values): "
            f"at most {MAX_STATIC_CHANGES} are allowed")
    if kind == "IdenticalDataAndAlgorithm":
        if _image(request) != _image(parent):
            raise ValidationException(f"IdenticalDataAndAlgorithm needs the training image of parent tuning job "
                                      f"{name} ({_image(parent)}), not {_image(request)}: use TransferLearning")
        if _data(request) != _data(parent):
            raise ValidationException(f"IdenticalDataAndAlgorithm needs the input data of parent tuning job "
                                      f"{name}: use TransferLearning for new data")


def _check_job_limit(request: Mapping[str, Any], parents: Sequence[TuningJob], job_limit: int) -> None:
    limits = request["HyperParameterTuningJobConfig"].get("ResourceLimits") or {}
    own = int(limits.get("MaxNumberOfTrainingJobs") or 0)
    inherited = sum(_training_jobs(p) for p in parents)
    if own + inherited > job_limit:
        raise ResourceLimitExceeded(
            f"The parents' {inherited} training jobs plus MaxNumberOfTrainingJobs {own} exceed the limit of "
            f"{job_limit} training jobs per tuning job (a warm start job counts its parents' training jobs)")


def _training_jobs(parent: TuningJob) -> int:
    return len(parent.trials) if parent.trials else parent.total


def _metric(request: Mapping[str, Any]) -> str:
    return str(request["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"])


def _definition(request: Mapping[str, Any]) -> Mapping[str, Any]:
    return request.get("TrainingJobDefinition") or {}


def _static(request: Mapping[str, Any]) -> dict[str, str]:
    # SageMaker adds "_tuning_objective_metric" (and other "_" keys) itself: not the user's.
    return {k: str(v) for k, v in (_definition(request).get("StaticHyperParameters") or {}).items()
            if not k.startswith("_")}


def _tunable(request: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """Tunable hyperparameters: name -> (type, number of values a categorical range holds)."""
    ranges = request["HyperParameterTuningJobConfig"].get("ParameterRanges") or {}
    return {r["Name"]: (kind, len(r.get("Values") or ())) for key, kind in RANGE_KINDS for r in ranges.get(key) or []}


def _hyperparameters(request: Mapping[str, Any]) -> dict[str, str]:
    kinds = dict.fromkeys(_static(request), "Static")
    kinds.update({name: kind for name, (kind, _) in _tunable(request).items()})
    return kinds


def _static_changes(parent: Mapping[str, Any], request: Mapping[str, Any]) -> int:
    before_tunable, after_tunable = _tunable(parent), _tunable(request)
    before_static, after_static = _static(parent), _static(request)
    count = 0
    for name, (_, values) in before_tunable.items():
        if name not in after_tunable and name in after_static:
            count += values or 1
    for name, value in after_static.items():
        if name in before_static and before_static[name] != value:
            count += 2
    return count


def _image(request: Mapping[str, Any]) -> str:
    return str((_definition(request).get("AlgorithmSpecification") or {}).get("TrainingImage", ""))


def _data(request: Mapping[str, Any]) -> dict[str, str]:
    return {c["ChannelName"]: ((c.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri", "")
            for c in _definition(request).get("InputDataConfig") or []}
