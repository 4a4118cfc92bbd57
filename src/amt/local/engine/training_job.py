"""A training job, answering for itself: one trial of a tuning job, or a standalone job.

As moto's SageMaker models do, the job builds its own boto3 responses (``describe()``,
``summary()``) and its EventBridge detail (``event_detail()``). It is stored as one JSON record under
``state_dir`` whose keys are SageMaker's names (``KEYS``), so a job written by another process (or
an earlier run) reads back the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from amt.local.engine.records import StoredRecord, drop_none, now, tags_dict, to_datetime, to_millis
from amt_container.outcome import TrainingOutcome
from amt_pipeline.run.xgboost_algorithm import METRIC_DIRECTIONS


@dataclass(eq=False)
class TrainingJob(StoredRecord):
    """A training job: one trial of a tuning job, or a standalone job (the baseline)."""

    name: str
    arn: str
    definition: dict[str, Any]
    hyperparameters: dict[str, str]
    creation_time: float
    last_modified_time: float
    tuning_job_name: str | None = None
    tuning_job_arn: str | None = None
    index: int = 0
    tuned_hyperparameters: dict[str, str] | None = None
    status: str = "InProgress"
    secondary_status: str = "Starting"
    training_start_time: float | None = None
    training_end_time: float | None = None
    failure_reason: str | None = None
    final_metrics: dict[str, float] = field(default_factory=dict)
    objective: float | None = None
    objective_status: str | None = None
    objective_metric_name: str | None = None
    objective_type: str | None = None
    stop_reason: str | None = None
    model_artifact: str | None = None
    rounds: int | None = None
    best_iteration: int | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    # Not stored: how to stop the job while this process runs it.
    stopper: Callable[[], None] | None = field(default=None, repr=False)

    KEYS: ClassVar[dict[str, str]] = {
        "name": "TrainingJobName",
        "arn": "TrainingJobArn",
        "tuning_job_name": "TuningJobName",
        "tuning_job_arn": "TuningJobArn",
        "index": "Index",
        "definition": "Definition",
        "hyperparameters": "HyperParameters",
        "tuned_hyperparameters": "TunedHyperParameters",
        "status": "Status",
        "secondary_status": "SecondaryStatus",
        "creation_time": "CreationTime",
        "training_start_time": "TrainingStartTime",
        "training_end_time": "TrainingEndTime",
        "last_modified_time": "LastModifiedTime",
        "failure_reason": "FailureReason",
        "final_metrics": "FinalMetrics",
        "objective": "Objective",
        "objective_status": "ObjectiveStatus",
        "objective_metric_name": "ObjectiveMetricName",
        "objective_type": "ObjectiveType",
        "stop_reason": "StopReason",
        "model_artifact": "ModelArtifact",
        "rounds": "Rounds",
        "best_iteration": "BestIteration",
        "tags": "Tags",
    }

    @classmethod
    def trial(
        cls,
        *,
        name: str,
        arn: str,
        tuning: tuple[str, str],
        objective: Mapping[str, str],
        index: int,
        hps: dict,
        tuned: dict,
        definition: Mapping[str, Any],
        tags: list[dict[str, str]] | None = None,
    ) -> TrainingJob:
        """Trial ``index`` of the tuning job ``tuning`` (name, ARN) with that ``objective``, as it starts.
        ``tags``: the tuning job's, which SageMaker adds to every training job it launches."""
        t = now()
        return cls(
            name=name,
            arn=arn,
            tuning_job_name=tuning[0],
            tuning_job_arn=tuning[1],
            index=index,
            definition={k: v for k, v in definition.items() if k != "StaticHyperParameters"},
            hyperparameters=hps,
            tuned_hyperparameters=tuned,
            creation_time=t,
            training_start_time=t,
            last_modified_time=t,
            objective_status="Pending",
            objective_metric_name=objective["MetricName"],
            objective_type=objective["Type"],
            tags=list(tags or []),
        )

    def end(self, result: TrainingOutcome, *, objective: float | None, scored: bool, model_uri: str | None) -> None:
        """Record how the job ended (its outcome, as the worker or the engine made it); ``scored`` for trials."""
        t = now()
        self.status = result.status
        if result.status in ("Completed", "Failed"):
            self.secondary_status = result.status
        else:
            self.secondary_status = "MaxRuntimeExceeded" if result.stop_reason == "MaxRuntime" else "Stopped"
        self.training_start_time = result.start or self.training_start_time
        self.training_end_time = result.end or t
        self.last_modified_time = t
        self.failure_reason = result.failure_reason
        self.final_metrics = captured(result.final_metrics)
        self.objective = objective
        self.objective_status = ("Succeeded" if objective is not None else "Failed") if scored else None
        self.stop_reason = result.stop_reason
        self.model_artifact = model_uri
        self.rounds = result.rounds
        self.best_iteration = result.best_iteration

    def _transitions(self) -> list[dict[str, Any]]:
        start, end = self.training_start_time, self.training_end_time
        out = [
            {
                "Status": "Starting",
                "StartTime": to_datetime(self.creation_time),
                "EndTime": to_datetime(start),
                "StatusMessage": "Preparing the instances for training",
            }
        ]
        if start is not None:
            training = {
                "Status": "Training",
                "StartTime": to_datetime(start),
                "EndTime": to_datetime(end),
                "StatusMessage": "Training image download completed. Training in progress.",
            }
            out.append(drop_none(training))
        if end is not None:
            out.append(
                {
                    "Status": self.secondary_status,
                    "StartTime": to_datetime(end),
                    "EndTime": to_datetime(end),
                    "StatusMessage": self.failure_reason or f"Training job {self.status.lower()}",
                }
            )
        return out

    def describe(self) -> dict[str, Any]:
        """DescribeTrainingJob's response."""
        d = self.definition
        start, end = self.training_start_time, self.training_end_time
        out: dict[str, Any] = {
            "TrainingJobName": self.name,
            "TrainingJobArn": self.arn,
            "TuningJobArn": self.tuning_job_arn,
            "ModelArtifacts": {"S3ModelArtifacts": self.model_artifact} if self.model_artifact else None,
            "TrainingJobStatus": self.status,
            "SecondaryStatus": self.secondary_status,
            "FailureReason": self.failure_reason,
            "HyperParameters": dict(self.hyperparameters),
            **{k: d.get(k) for k in _DEFINITION_FIELDS},
            "CreationTime": to_datetime(self.creation_time),
            "TrainingStartTime": to_datetime(start),
            "TrainingEndTime": to_datetime(end),
            "LastModifiedTime": to_datetime(self.last_modified_time),
            "SecondaryStatusTransitions": self._transitions(),
            "FinalMetricDataList": [
                {"MetricName": k, "Value": v, "Timestamp": to_datetime(end)}
                for k, v in sorted((self.final_metrics or {}).items())
            ]
            if end is not None
            else None,
            **{k: d.get(k, False) for k in _DEFINITION_FLAGS},
        }
        if start is not None and end is not None:
            secs = max(1, int(round(end - start)))
            out["TrainingTimeInSeconds"] = secs
            out["BillableTimeInSeconds"] = secs
        return drop_none(out)

    def summary(self) -> dict[str, Any]:
        """HyperParameterTrainingJobSummary."""
        out: dict[str, Any] = {
            "TrainingJobName": self.name,
            "TrainingJobArn": self.arn,
            "TuningJobName": self.tuning_job_name,
            "CreationTime": to_datetime(self.creation_time),
            "TrainingStartTime": to_datetime(self.training_start_time),
            "TrainingEndTime": to_datetime(self.training_end_time),
            "TrainingJobStatus": self.status,
            "TunedHyperParameters": dict(self.tuned_hyperparameters or {}),
            "FailureReason": self.failure_reason,
            "ObjectiveStatus": self.objective_status,
        }
        if self.objective is not None:
            out["FinalHyperParameterTuningJobObjectiveMetric"] = {
                "Type": self.objective_type,
                "MetricName": self.objective_metric_name,
                "Value": self.objective,
            }
        return drop_none(out)

    def event_detail(self) -> dict[str, Any]:
        """The detail of SageMaker's "Training Job State Change" event (times in epoch ms)."""
        detail = {k: v for k, v in self.describe().items() if k not in _NOT_IN_TRAINING_EVENTS}
        for k in ("CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime"):
            if k in detail:
                detail[k] = to_millis(detail[k].timestamp())
        detail["SecondaryStatusTransitions"] = [
            {k: (to_millis(v.timestamp()) if hasattr(v, "timestamp") else v) for k, v in tr.items()}
            for tr in detail["SecondaryStatusTransitions"]
        ]
        detail.setdefault("VpcConfig", {})
        detail["Tags"] = tags_dict(self.tags)
        return detail


_DEFINITION_FIELDS = (
    "AlgorithmSpecification",
    "RoleArn",
    "InputDataConfig",
    "OutputDataConfig",
    "ResourceConfig",
    "VpcConfig",
    "StoppingCondition",
)
_DEFINITION_FLAGS = (
    "EnableNetworkIsolation",
    "EnableInterContainerTrafficEncryption",
    "EnableManagedSpotTraining",
)
_NOT_IN_TRAINING_EVENTS = ("FinalMetricDataList", "TrainingTimeInSeconds", "BillableTimeInSeconds")


def captured(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """What SageMaker's metric definitions for the built-in XGBoost capture from the log, and so what
    FinalMetricDataList and CloudWatch hold: the container's metrics on the train and validation
    channels (its regexes name ``validation-error:``, so ``error@0.3`` or ``ndcg@5`` are printed, not read)."""
    return {name: value for name, value in metrics.items() if _is_captured(name)}


def _is_captured(name: str) -> bool:
    channel, _, metric = name.partition(":")
    return channel in ("train", "validation") and metric in METRIC_DIRECTIONS
