"""What SageMaker checks before it accepts a request, and the plan a valid tuning request becomes.

``check_request`` is botocore's own parameter validation against the SageMaker service model.
``plan_tuning_job`` then checks what SageMaker checks at create time (strategy, objective,
hyperparameters, channels, quotas, Hyperband, warm start: warm_start.py), in SageMaker's order, and returns the
``TuningPlan`` the coordinator runs. ``check_training_request`` does the same for CreateTrainingJob.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import amt.local.engine.search as search
from amt.local.engine.algorithm import unknown_hyperparameters
from amt.local.engine.errors import ResourceLimitExceeded, ValidationException
from amt.local.engine.ranges import Range, parse_ranges
from amt.local.engine.tuning_job import TuningJob
from amt.local.engine.warm_start import warm_start_parents
from amt.local.images import UnsupportedImage, image_for_uri
from amt_pipeline.run.job_names import TRAINING_JOB_NAME_PATTERN, TUNING_JOB_NAME_PATTERN
from amt_pipeline.run.xgboost_algorithm import OBJECTIVE_METRICS

STRATEGIES = ("Bayesian", "Random", "Grid", "Hyperband")
MAX_TRAINING_JOBS = 500  # default quota per tuning job
MAX_TRAINING_JOBS_RANDOM = 10_000
MAX_PARALLEL = 10  # default quota


@dataclass(frozen=True)
class Hyperband:
    min_resource: int
    max_resource: int
    rungs: tuple[int, ...]


@dataclass(frozen=True)
class TuningPlan:
    """What the coordinator needs to run a tuning job, all checked."""

    strategy: str
    metric: str
    maximize: bool
    ranges: tuple[Range, ...]
    static: Mapping[str, str]
    total: int
    parallel: int
    workers: int  # worker processes: min(parallel, the engine's workers)
    early_stopping: bool
    hyperband: Hyperband | None
    criteria: Mapping[str, Any]
    seed: int | None
    max_runtime: float | None
    parents: tuple[str, ...]
    definition: Mapping[str, Any]


class _ServiceModel:
    """The SageMaker service model, loaded once per process."""

    _model: Any = None
    _lock = threading.Lock()

    @classmethod
    def get(cls) -> Any:
        import botocore.session

        with cls._lock:
            if cls._model is None:
                cls._model = botocore.session.get_session().get_service_model("sagemaker")
        return cls._model


def check_request(operation: str, params: dict) -> None:
    """botocore's parameter validation, as a real client runs it before sending."""
    from botocore.validate import ParamValidator

    shape = _ServiceModel.get().operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise ValidationException(report.generate_report())


# --- CreateHyperParameterTuningJob --------------------------------------------------------------


def plan_tuning_job(
    request: Mapping[str, Any], *, workers: int, find_tuning_job: Callable[[str], TuningJob | None]
) -> TuningPlan:
    """Validate what SageMaker validates at create time; return what the coordinator needs."""
    name = request["HyperParameterTuningJobName"]
    if not TUNING_JOB_NAME_PATTERN.fullmatch(name):
        raise ValidationException(f"Tuning job name {name!r} must match {TUNING_JOB_NAME_PATTERN.pattern}")
    config = request["HyperParameterTuningJobConfig"]
    definition = request.get("TrainingJobDefinition")
    if request.get("TrainingJobDefinitions"):
        raise ValidationException("TrainingJobDefinitions (several algorithms) is not supported by the local engine")
    if not definition:
        raise ValidationException("TrainingJobDefinition is required")
    warm_start = request.get("WarmStartConfig")
    strategy, early = _strategy(config)
    metric, maximize = _objective(config)
    version = _check_image(definition.get("AlgorithmSpecification") or {})
    static = dict(definition.get("StaticHyperParameters") or {})
    ranges = parse_ranges(config.get("ParameterRanges") or {}, strategy)
    _check_hyperparameters(static, ranges, version)
    _check_channels(definition, metric)
    limits = config.get("ResourceLimits") or {}
    total, parallel = _budget(strategy, ranges, limits, warm_start)
    return TuningPlan(
        strategy=strategy,
        metric=metric,
        maximize=maximize,
        ranges=tuple(ranges),
        static=static,
        total=total,
        parallel=parallel,
        workers=max(1, min(parallel, workers)),
        early_stopping=early == "Auto",
        hyperband=_hyperband(strategy, config, early, ranges, static),
        criteria=config.get("TuningJobCompletionCriteria") or {},
        seed=config.get("RandomSeed"),
        max_runtime=limits.get("MaxRuntimeInSeconds"),
        parents=warm_start_parents(request, job_limit=_job_limit(strategy), find_tuning_job=find_tuning_job),
        definition=definition,
    )


def _strategy(config: Mapping[str, Any]) -> tuple[str, str]:
    strategy = config.get("Strategy", "Bayesian")
    if strategy not in STRATEGIES:
        raise ValidationException(f"Strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    early = config.get("TrainingJobEarlyStoppingType", "Off")
    if early not in ("Off", "Auto"):
        raise ValidationException("TrainingJobEarlyStoppingType must be Off or Auto")
    return strategy, early


def _objective(config: Mapping[str, Any]) -> tuple[str, bool]:
    objective = config.get("HyperParameterTuningJobObjective")
    if not objective:
        raise ValidationException("HyperParameterTuningJobObjective is required for a built-in algorithm")
    metric = objective["MetricName"]
    if metric not in OBJECTIVE_METRICS:
        raise ValidationException(
            f"The objective metric {metric!r} is not a metric the algorithm emits; "
            f"valid metrics: {', '.join(sorted(OBJECTIVE_METRICS))}"
        )
    return metric, objective["Type"] == "Maximize"


def _check_image(algorithm: Mapping[str, Any]) -> str:
    """The image version, of a built-in XGBoost image the engine has an environment for (amt.local.images)."""
    try:
        return image_for_uri(algorithm.get("TrainingImage", "")).version
    except UnsupportedImage as e:
        raise ValidationException(str(e)) from None


def _check_known(hyperparameters: list[str], version: str) -> None:
    bad = unknown_hyperparameters(hyperparameters, version)
    if bad:
        raise ValidationException(f"Hyperparameters {bad} are not valid hyperparameters for the algorithm")


def _check_hyperparameters(static: Mapping[str, str], ranges: list[Range], version: str) -> None:
    _check_known(list(static) + [r.name for r in ranges], version)
    both = sorted(set(static) & {r.name for r in ranges})
    if both:
        raise ValidationException(f"Hyperparameters {both} are both static and tunable")


def _channel_names(definition: Mapping[str, Any]) -> set[str]:
    return {c["ChannelName"] for c in definition.get("InputDataConfig") or []}


def _check_channels(definition: Mapping[str, Any], metric: str) -> None:
    channels = _channel_names(definition)
    if "train" not in channels:
        raise ValidationException("InputDataConfig needs a 'train' channel")
    channel, _ = metric.split(":", 1)
    if channel not in channels:
        raise ValidationException(f"The objective metric {metric!r} needs a {channel!r} channel")


def _budget(
    strategy: str, ranges: list[Range], limits: Mapping[str, Any], warm_start: Mapping | None
) -> tuple[int, int]:
    """(training jobs in all, in parallel), within SageMaker's default quotas."""
    if strategy == "Grid":
        total = search.grid_size(ranges)
        if limits.get("MaxNumberOfTrainingJobs"):
            total = min(total, limits["MaxNumberOfTrainingJobs"])
        if warm_start:
            raise ValidationException("The Grid strategy does not support warm start")
    else:
        if "MaxNumberOfTrainingJobs" not in limits:
            raise ValidationException("ResourceLimits.MaxNumberOfTrainingJobs is required for this strategy")
        total = int(limits["MaxNumberOfTrainingJobs"])
    cap = _job_limit(strategy)
    if total > cap:
        raise ResourceLimitExceeded(
            f"MaxNumberOfTrainingJobs {total} exceeds the limit of {cap} training jobs per tuning job"
        )
    parallel = int(limits.get("MaxParallelTrainingJobs", 1))
    if parallel > MAX_PARALLEL:
        raise ResourceLimitExceeded(f"MaxParallelTrainingJobs {parallel} exceeds the limit of {MAX_PARALLEL}")
    return total, parallel


def _job_limit(strategy: str) -> int:
    return MAX_TRAINING_JOBS_RANDOM if strategy == "Random" else MAX_TRAINING_JOBS


def _hyperband(
    strategy: str, config: Mapping[str, Any], early: str, ranges: list[Range], static: Mapping[str, str]
) -> Hyperband | None:
    hb = (config.get("StrategyConfig") or {}).get("HyperbandStrategyConfig")
    if strategy != "Hyperband":
        if hb:
            raise ValidationException("HyperbandStrategyConfig applies to the Hyperband strategy only")
        return None
    if early == "Auto":
        raise ValidationException("TrainingJobEarlyStoppingType must be Off with the Hyperband strategy")
    if any(r.name == "num_round" for r in ranges):
        raise ValidationException("Hyperband uses num_round as its resource: do not tune it")
    hb = hb or {}
    max_res = int(hb.get("MaxResource") or static.get("num_round") or 0)
    if max_res < 1:
        raise ValidationException("Hyperband needs HyperbandStrategyConfig.MaxResource or a static num_round")
    min_res = int(hb.get("MinResource") or 1)
    if min_res > max_res:
        raise ValidationException("HyperbandStrategyConfig.MinResource must not exceed MaxResource")
    return Hyperband(min_res, max_res, tuple(search.hyperband_rungs(min_res, max_res)))


# --- CreateTrainingJob ----------------------------------------------------------------------------


def check_training_request(request: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Validate a CreateTrainingJob request; return its hyperparameters and job definition."""
    name = request["TrainingJobName"]
    if not TRAINING_JOB_NAME_PATTERN.fullmatch(name):
        raise ValidationException(f"Training job name {name!r} must match {TRAINING_JOB_NAME_PATTERN.pattern}")
    version = _check_image(request["AlgorithmSpecification"])
    hps = dict(request.get("HyperParameters") or {})
    _check_known(list(hps), version)
    if "train" not in _channel_names(request):
        raise ValidationException("InputDataConfig needs a 'train' channel")
    definition = {k: v for k, v in request.items() if k not in ("TrainingJobName", "HyperParameters", "Tags")}
    return hps, definition
