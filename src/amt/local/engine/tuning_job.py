"""A hyperparameter tuning job, answering for itself, as moto's ``HyperParameterTuningJob`` does.

It builds its own boto3 responses (``describe()``, ``summary()``), its EventBridge detail and its
progress from its trials (training_job.py). It is stored as one JSON record under ``state_dir``
whose keys are SageMaker's names (``KEYS``); its trials are stored as records of their own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

from amt.local.engine.records import StoredRecord, drop_none, now, tags_dict, to_datetime, to_millis
from amt.local.engine.search import improves
from amt.local.engine.training_job import TrainingJob


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


@dataclass(eq=False)
class TuningJob(StoredRecord):
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
