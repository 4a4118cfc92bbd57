"""The engine's resources: a tuning job and a training job, each answering for itself.

As in moto's ``HyperParameterTuningJob``, each job builds its own boto3 responses (``describe()``,
``summary()``) and its EventBridge detail (``event_detail()``). A job is stored as one JSON record
under ``state_dir`` (``to_record()`` / ``from_record()``); the record's keys are SageMaker's names,
so a job written by another process (or an earlier run) reads back the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from amt.local.engine.records import drop_none, now, tags_dict, to_datetime, to_millis
from amt.local.engine.search import improves

TERMINAL = ("Completed", "Failed", "Stopped")


@dataclass
class TuningProgress:
    job_name: str
    total: int
    completed: int
    failed: int
    stopped: int
    running: int
    best_objective: float | None
    best_training_job: str | None


class _Record:
    """A dataclass stored as a JSON record whose keys are SageMaker's names (``KEYS``)."""

    KEYS: ClassVar[dict[str, str]]  # attribute -> record key

    def to_record(self) -> dict[str, Any]:
        return {key: getattr(self, attr) for attr, key in self.KEYS.items()}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Any:
        return cls(**{attr: record[key] for attr, key in cls.KEYS.items() if key in record})


@dataclass(eq=False)
class TrainingJob(_Record):
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
        cls, tuning: TuningJob, *, name: str, arn: str, index: int, hps: dict, tuned: dict, definition: dict
    ) -> TrainingJob:
        """The record of a tuning job's trial ``index``, as it starts."""
        t = now()
        return cls(
            name=name,
            arn=arn,
            tuning_job_name=tuning.name,
            tuning_job_arn=tuning.arn,
            index=index,
            definition={k: v for k, v in definition.items() if k != "StaticHyperParameters"},
            hyperparameters=hps,
            tuned_hyperparameters=tuned,
            creation_time=t,
            training_start_time=t,
            last_modified_time=t,
            objective_status="Pending",
            objective_metric_name=tuning.metric,
            objective_type=tuning.objective["Type"],
        )

    def end(
        self, result: dict[str, Any], *, status: str, objective: float | None, scored: bool, model_uri: str | None
    ) -> None:
        """Record how the job ended (``result`` as the worker returns it); ``scored`` for trials."""
        t = now()
        self.status = status
        if status in ("Completed", "Failed"):
            self.secondary_status = status
        else:
            self.secondary_status = "MaxRuntimeExceeded" if result.get("stop_reason") == "MaxRuntime" else "Stopped"
        self.training_start_time = result.get("start") or self.training_start_time
        self.training_end_time = result.get("end") or t
        self.last_modified_time = t
        self.failure_reason = result.get("failure_reason")
        self.final_metrics = result.get("final_metrics") or {}
        self.objective = objective
        self.objective_status = ("Succeeded" if objective is not None else "Failed") if scored else None
        self.stop_reason = result.get("stop_reason")
        self.model_artifact = model_uri
        self.rounds = result.get("rounds")
        self.best_iteration = result.get("best_iteration")

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


@dataclass(eq=False)
class TuningJob(_Record):
    """A hyperparameter tuning job and, once loaded, its trials in launch order."""

    name: str
    arn: str
    request: dict[str, Any]
    creation_time: float
    last_modified_time: float
    status: str = "InProgress"
    end_time: float | None = None
    failure_reason: str | None = None
    completion_details: dict[str, Any] = field(default_factory=dict)
    total: int = 0
    warm_start_trials: int = 0
    # Not stored: the trials, and the stop request of a job this process runs.
    trials: list[TrainingJob] = field(default_factory=list, repr=False)
    stop_event: threading.Event | None = field(default=None, repr=False)

    KEYS: ClassVar[dict[str, str]] = {
        "name": "HyperParameterTuningJobName",
        "arn": "HyperParameterTuningJobArn",
        "request": "Request",
        "status": "Status",
        "creation_time": "CreationTime",
        "last_modified_time": "LastModifiedTime",
        "end_time": "EndTime",
        "failure_reason": "FailureReason",
        "completion_details": "CompletionDetails",
        "total": "Total",
        "warm_start_trials": "WarmStartTrials",
    }

    @property
    def owned(self) -> bool:
        """Whether this process runs the job (jobs of other processes are read from state_dir)."""
        return self.stop_event is not None

    @property
    def config(self) -> dict[str, Any]:
        return self.request["HyperParameterTuningJobConfig"]

    @property
    def objective(self) -> dict[str, str]:
        return self.config["HyperParameterTuningJobObjective"]

    @property
    def metric(self) -> str:
        return self.objective["MetricName"]

    @property
    def maximize(self) -> bool:
        return self.objective["Type"] == "Maximize"

    def complete_because(self, reason: str, **details: Any) -> None:
        """Record why the job stops launching trials (TuningJobCompletionDetails)."""
        self.completion_details = {**(self.completion_details or {}), **details, "_Reason": reason}

    def end(self, status: str, reason: str | None) -> None:
        t = now()
        self.status, self.failure_reason, self.end_time, self.last_modified_time = status, reason, t, t

    def counters(self) -> tuple[dict[str, int], dict[str, int], TrainingJob | None]:
        """TrainingJobStatusCounters, ObjectiveStatusCounters and the best trial."""
        status = {"Completed": 0, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0}
        objective = {"Succeeded": 0, "Pending": 0, "Failed": 0}
        best: TrainingJob | None = None
        for r in self.trials:
            key = {"Failed": "NonRetryableError", "Stopping": "InProgress"}.get(r.status, r.status)
            status[key] += 1
            objective[r.objective_status or "Pending"] += 1
            if r.objective is not None and (best is None or improves(r.objective, best.objective, self.maximize)):
                best = r
        return status, objective, best

    def describe(self) -> dict[str, Any]:
        """DescribeHyperParameterTuningJob's response."""
        status, objective, best = self.counters()
        out: dict[str, Any] = {
            "HyperParameterTuningJobName": self.name,
            "HyperParameterTuningJobArn": self.arn,
            "HyperParameterTuningJobConfig": self.config,
            "TrainingJobDefinition": self.request["TrainingJobDefinition"],
            "HyperParameterTuningJobStatus": self.status,
            "CreationTime": to_datetime(self.creation_time),
            "HyperParameterTuningEndTime": to_datetime(self.end_time),
            "LastModifiedTime": to_datetime(self.last_modified_time),
            "TrainingJobStatusCounters": status,
            "ObjectiveStatusCounters": objective,
            "BestTrainingJob": best.summary() if best else None,
            "WarmStartConfig": self.request.get("WarmStartConfig"),
            "FailureReason": self.failure_reason,
        }
        details = {k: v for k, v in (self.completion_details or {}).items() if not k.startswith("_")}
        if "ConvergenceDetectedTime" in details:
            details["ConvergenceDetectedTime"] = to_datetime(details["ConvergenceDetectedTime"])
        if details:
            out["TuningJobCompletionDetails"] = details
        end = self.end_time or now()
        out["ConsumedResources"] = {"RuntimeInSeconds": int(end - self.creation_time)}
        return drop_none(out)

    def summary(self) -> dict[str, Any]:
        """HyperParameterTuningJobSummary."""
        status, objective, _ = self.counters()
        return drop_none(
            {
                "HyperParameterTuningJobName": self.name,
                "HyperParameterTuningJobArn": self.arn,
                "HyperParameterTuningJobStatus": self.status,
                "Strategy": self.config.get("Strategy", "Bayesian"),
                "CreationTime": to_datetime(self.creation_time),
                "HyperParameterTuningEndTime": to_datetime(self.end_time),
                "LastModifiedTime": to_datetime(self.last_modified_time),
                "TrainingJobStatusCounters": status,
                "ObjectiveStatusCounters": objective,
                "ResourceLimits": self.config.get("ResourceLimits"),
            }
        )

    def event_detail(self) -> dict[str, Any]:
        """The detail of SageMaker's "HyperParameter Tuning Job State Change" event."""
        status, objective, _ = self.counters()
        return {
            "HyperParameterTuningJobName": self.name,
            "HyperParameterTuningJobArn": self.arn,
            "TrainingJobDefinition": self.request["TrainingJobDefinition"],
            "HyperParameterTuningJobStatus": self.status,
            "CreationTime": to_millis(self.creation_time),
            "LastModifiedTime": to_millis(self.last_modified_time),
            "TrainingJobStatusCounters": status,
            "ObjectiveStatusCounters": objective,
            "Tags": tags_dict(self.request.get("Tags")),
        }

    def progress(self) -> TuningProgress:
        status, _, best = self.counters()
        return TuningProgress(
            job_name=self.name,
            total=self.total,
            completed=status["Completed"],
            failed=status["NonRetryableError"],
            stopped=status["Stopped"],
            running=status["InProgress"],
            best_objective=best.objective if best else None,
            best_training_job=best.name if best else None,
        )
