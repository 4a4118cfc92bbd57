"""A fast SageMaker fake with the local engine's constructor and boto3-shaped
methods: it answers at once with canned trials, so state-machine and event-chain
tests run in seconds. The real engine has its own tests (tests/engine)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 11, 28, 10, 15, tzinfo=UTC)


class FakeSageMakerError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def code_is_transient(code: str) -> bool:
    """A transient fault is answered once; any other stays (it outlasts every retry)."""
    return code in {"ThrottlingException", "InternalFailure", "ServiceUnavailable"}


class FakeSageMaker:
    """Tuning jobs complete at once with `trials` (accuracy per trial; None = failed)."""

    def __init__(self, *, emit_event: Callable[[dict], None], region: str = "us-east-1",
                 account_id: str = "123456789012", trials: list[float | None] | None = None,
                 create_error: tuple[str, str] | None = None, final_status: str = "Completed",
                 event_deliveries: int = 1, late_in_progress_event: bool = False,
                 faults: dict[str, list[str]] | None = None,
                 extra_events: Callable[[dict], list[dict]] | None = None,
                 trial_maker: Callable[[dict], list[tuple[float | None, dict[str, str]]]] | None = None,
                 status_of: Callable[[dict], str] | None = None, on_create: Callable[[dict], None] | None = None,
                 **_ignored: Any):
        self.emit_event = emit_event
        self.region, self.account_id = region, account_id
        self.trials = [0.85, 0.87, None, 0.89] if trials is None else trials
        self.create_error = create_error
        self.final_status = final_status
        self.event_deliveries = event_deliveries
        self.late_in_progress_event = late_in_progress_event
        # operation -> error codes to answer with, one per call, before answering normally
        self.faults = {k: list(v) for k, v in (faults or {}).items()}
        # given the job's own end event, more events to send after it (forged or malformed ones)
        self.extra_events = extra_events
        # given a CreateHyperParameterTuningJob request: its trials as (objective or None, hyperparameters),
        # its final status, and what happens as it is created (tests of chains: each round its own)
        self.trial_maker, self.status_of, self.on_create = trial_maker, status_of, on_create
        self.calls: list[tuple[str, dict]] = []
        self.tuning_jobs: dict[str, dict] = {}
        self.training_jobs: dict[str, dict] = {}

    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account_id}:{kind}/{name.lower()}"

    # ---------------------------------------------------------------- create
    def create_hyper_parameter_tuning_job(self, **request: Any) -> dict:
        self.calls.append(("CreateHyperParameterTuningJob", request))
        if self.create_error:
            raise FakeSageMakerError(*self.create_error)
        name = request["HyperParameterTuningJobName"]
        if self.on_create:
            self.on_create(request)
        made = self.trial_maker(request) if self.trial_maker else [(value, None) for value in self.trials]
        summaries = [self._trial(name, i, value, hps) for i, (value, hps) in enumerate(made, start=1)]
        final_status = self.status_of(request) if self.status_of else self.final_status
        completed = [s for s in summaries if s["TrainingJobStatus"] == "Completed"]
        best = max(completed, key=lambda s: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"], default=None)
        job = {
            "HyperParameterTuningJobName": name,
            "HyperParameterTuningJobArn": self._arn("hyper-parameter-tuning-job", name),
            "HyperParameterTuningJobConfig": request["HyperParameterTuningJobConfig"],
            "TrainingJobDefinition": request["TrainingJobDefinition"],
            "HyperParameterTuningJobStatus": final_status,
            "CreationTime": T0,
            "HyperParameterTuningEndTime": T0 + timedelta(minutes=5),
            "LastModifiedTime": T0 + timedelta(minutes=5),
            "TrainingJobStatusCounters": {
                "Completed": len(completed),
                "InProgress": 0,
                "RetryableError": 0,
                "NonRetryableError": len(summaries) - len(completed),
                "Stopped": 0,
            },
            "ObjectiveStatusCounters": {"Succeeded": len(completed), "Pending": 0,
                                        "Failed": len(summaries) - len(completed)},
            "_summaries": summaries,
        }
        if best:
            job["BestTrainingJob"] = best
        if request.get("WarmStartConfig"):
            job["WarmStartConfig"] = request["WarmStartConfig"]
        if final_status == "Failed":
            job["FailureReason"] = "All training jobs failed."
        self.tuning_jobs[name] = job
        for _ in range(self.event_deliveries):  # SageMaker may send a state change more than once
            self.emit_event(self._tuning_event(job))
        if self.late_in_progress_event:
            late = self._tuning_event(job)
            late["detail"]["HyperParameterTuningJobStatus"] = "InProgress"
            self.emit_event(late)
        for extra in self.extra_events(self._tuning_event(job)) if self.extra_events else []:
            self.emit_event(extra)
        return {"HyperParameterTuningJobArn": job["HyperParameterTuningJobArn"]}

    def _trial(self, job: str, index: int, value: float | None, hyperparameters: dict[str, str] | None = None) -> dict:
        start = T0 + timedelta(seconds=30 * index)
        summary = {
            "TrainingJobName": f"{job}-{index:03d}-{index:08x}",
            "TrainingJobArn": self._arn("training-job", f"{job}-{index:03d}-{index:08x}"),
            "TuningJobName": job,
            "CreationTime": start,
            "TrainingStartTime": start,
            "TrainingEndTime": start + timedelta(seconds=20),
            "TrainingJobStatus": "Completed" if value is not None else "Failed",
            "TunedHyperParameters": hyperparameters or {"eta": str(0.1 + 0.05 * index), "max_depth": str(index + 2),
                                                        "alpha": "0.1", "min_child_weight": "1.0"},
        }
        if value is None:
            summary["FailureReason"] = "AlgorithmError: max_depth out of range"
            summary["ObjectiveStatus"] = "Failed"
        else:
            summary["FinalHyperParameterTuningJobObjectiveMetric"] = {"MetricName": "validation:accuracy",
                                                                      "Value": value}
            summary["ObjectiveStatus"] = "Succeeded"
        return summary

    def _tuning_event(self, job: dict) -> dict:
        detail = {k: v for k, v in job.items() if not k.startswith("_") and k != "BestTrainingJob"}
        detail["Tags"] = {}
        return {
            "source": "aws.sagemaker",
            "detail-type": "SageMaker HyperParameter Tuning Job State Change",
            "resources": [job["HyperParameterTuningJobArn"]],
            "detail": detail,
        }

    def create_training_job(self, **request: Any) -> dict:
        self.calls.append(("CreateTrainingJob", request))
        name = request["TrainingJobName"]
        self.training_jobs[name] = {
            **request,
            "TrainingJobArn": self._arn("training-job", name),
            "TrainingJobStatus": "Completed",
            "CreationTime": T0,
            "TrainingStartTime": T0,
            "TrainingEndTime": T0 + timedelta(seconds=40),
            "FinalMetricDataList": [{"MetricName": "validation:accuracy", "Value": 0.848, "Timestamp": T0}],
        }
        return {"TrainingJobArn": self.training_jobs[name]["TrainingJobArn"]}

    # ------------------------------------------------------------------ read
    def _maybe_fail(self, operation: str) -> None:
        pending = self.faults.get(operation)
        if pending:
            code = pending.pop(0) if len(pending) > 1 or code_is_transient(pending[0]) else pending[0]
            raise FakeSageMakerError(code, f"injected {code}")

    def describe_hyper_parameter_tuning_job(self, HyperParameterTuningJobName: str) -> dict:
        self.calls.append(("DescribeHyperParameterTuningJob", {"name": HyperParameterTuningJobName}))
        self._maybe_fail("DescribeHyperParameterTuningJob")
        job = self.tuning_jobs.get(HyperParameterTuningJobName)
        if job is None:
            raise FakeSageMakerError("ResourceNotFound", f"Amazon SageMaker can't find a tuning job named "
                                                         f"{HyperParameterTuningJobName}")
        return {k: v for k, v in job.items() if not k.startswith("_")}

    def list_training_jobs_for_hyper_parameter_tuning_job(self, HyperParameterTuningJobName: str,
                                                          MaxResults: int = 10, NextToken: str | None = None,
                                                          **_: Any) -> dict:
        self.calls.append(("ListTrainingJobsForHyperParameterTuningJob", {"NextToken": NextToken}))
        self._maybe_fail("ListTrainingJobsForHyperParameterTuningJob")
        summaries = self.tuning_jobs[HyperParameterTuningJobName]["_summaries"]
        start = int(NextToken or 0)
        page = {"TrainingJobSummaries": summaries[start:start + MaxResults]}
        if start + MaxResults < len(summaries):
            page["NextToken"] = str(start + MaxResults)
        return page

    def describe_training_job(self, TrainingJobName: str) -> dict:
        self.calls.append(("DescribeTrainingJob", {"name": TrainingJobName}))
        if TrainingJobName not in self.training_jobs:
            raise FakeSageMakerError("ValidationException", f"Requested resource not found: {TrainingJobName}")
        return self.training_jobs[TrainingJobName]

    def close(self) -> None:
        pass

    def called(self, operation: str) -> list[dict]:
        return [request for name, request in self.calls if name == operation]
