"""A synthetic tuning job that RUNS: SageMaker's read calls and its training-job events at any
moment of its life. For tests and bench/bench_live_report.py (no AWS, no training).

Built on tests.synthetic's trials (the post's ranges, some failed): trial i starts at its
CreationTime and ends at its TrainingEndTime; ``at(t)`` answers DescribeHyperParameterTuningJob
and ListTrainingJobsForHyperParameterTuningJob as SageMaker would at ``t``, and ``events()``
gives each trial's InProgress and final "Training Job State Change" events in time order.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from amt_pipeline.live.trial_event import TRAINING_JOB_STATE_CHANGE
from amt_pipeline.run.tuning_request import RUN_ID_TAG, STACK_TAG
from tests.synthetic import OBJECTIVE, START, training_job_summaries, tuning_job_describe

ARN = "arn:aws:sagemaker:us-east-1:123456789012"


def _millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)


class SimulatedTuningJob:
    def __init__(self, name: str, trials: int, *, bucket: str, stack: str = "amt-pipeline", seed: int = 0,
                 failed_every: int = 7):
        self.name, self.bucket, self.stack = name, bucket, stack
        self.trials = list(reversed(training_job_summaries(name, trials, seed=seed, failed_every=failed_every)))
        self.max_jobs = trials
        self.now: datetime = START
        self.calls: list[str] = []

    @property
    def end_time(self) -> datetime:
        return max(t["TrainingEndTime"] for t in self.trials)

    def at(self, when: datetime) -> SimulatedTuningJob:
        self.now = when
        return self

    # --- SageMaker's read calls, as at self.now ---------------------------------------------------
    def _visible(self) -> list[dict[str, Any]]:
        rows = []
        for trial in self.trials:
            if trial["CreationTime"] > self.now:
                continue
            row = copy.deepcopy(trial)
            if trial["TrainingEndTime"] > self.now:
                for key in ("TrainingEndTime", "FinalHyperParameterTuningJobObjectiveMetric", "FailureReason"):
                    row.pop(key, None)
                row.update(TrainingJobStatus="InProgress", ObjectiveStatus="Pending")
            rows.append(row)
        return rows

    def describe_hyper_parameter_tuning_job(self, *, HyperParameterTuningJobName: str) -> dict[str, Any]:
        self.calls.append("DescribeHyperParameterTuningJob")
        rows = self._visible()
        ended = self.now >= self.end_time
        count = {s: sum(r["TrainingJobStatus"] == s for r in rows) for s in ("Completed", "InProgress", "Stopped")}
        describe = tuning_job_describe(self.name, status="Completed" if ended else "InProgress",
                                       max_jobs=self.max_jobs, counters={
                                           "Completed": count["Completed"], "InProgress": count["InProgress"],
                                           "RetryableError": 0, "Stopped": count["Stopped"],
                                           "NonRetryableError": sum(r["TrainingJobStatus"] == "Failed" for r in rows)})
        if not ended:
            describe.pop("HyperParameterTuningEndTime", None)
        scored = [r for r in rows if "FinalHyperParameterTuningJobObjectiveMetric" in r]
        if scored:
            describe["BestTrainingJob"] = max(scored, key=lambda r: r["FinalHyperParameterTuningJobObjectiveMetric"]
                                              ["Value"])
        return describe

    def list_training_jobs_for_hyper_parameter_tuning_job(self, **request: Any) -> dict[str, Any]:
        self.calls.append("ListTrainingJobsForHyperParameterTuningJob")
        rows = list(reversed(self._visible()))  # newest first
        size = int(request.get("MaxResults", 10))
        start = int(request.get("NextToken") or 0)
        page: dict[str, Any] = {"TrainingJobSummaries": rows[start:start + size]}
        if start + size < len(rows):
            page["NextToken"] = str(start + size)
        return page

    def describe_training_job(self, *, TrainingJobName: str) -> dict[str, Any]:
        self.calls.append("DescribeTrainingJob")
        raise ClientError({"Error": {"Code": "ValidationException", "Message": "Requested resource not found"}},
                          "DescribeTrainingJob")

    # --- the events ------------------------------------------------------------------------------
    def event(self, trial: dict[str, Any], status: str) -> dict[str, Any]:
        ended = status != "InProgress"
        detail: dict[str, Any] = {
            "TrainingJobName": trial["TrainingJobName"],
            "TrainingJobArn": trial["TrainingJobArn"],
            "TuningJobArn": f"{ARN}:hyper-parameter-tuning-job/{self.name}",
            "TrainingJobStatus": status,
            "SecondaryStatus": status if ended else "Training",
            "HyperParameters": {**trial["TunedHyperParameters"], "_tuning_objective_metric": OBJECTIVE},
            "OutputDataConfig": {"S3OutputPath": f"s3://{self.bucket}/runs/{self.name}/output/"},
            "CreationTime": _millis(trial["CreationTime"]),
            "LastModifiedTime": _millis(trial["TrainingEndTime"] if ended else trial["TrainingStartTime"]),
            "Tags": {RUN_ID_TAG: self.name, STACK_TAG: self.stack},
        }
        if ended:
            detail["TrainingEndTime"] = _millis(trial["TrainingEndTime"])
            if trial.get("FailureReason"):
                detail["FailureReason"] = trial["FailureReason"]
        return {"version": "0", "id": f"{trial['TrainingJobName']}-{status}", "detail-type": TRAINING_JOB_STATE_CHANGE,
                "source": "aws.sagemaker", "account": "123456789012", "time": START.isoformat(),
                "region": "us-east-1", "resources": [trial["TrainingJobArn"]], "detail": detail}

    def events(self) -> list[tuple[datetime, dict[str, Any]]]:
        """(when, event) for every trial's start and end, in time order."""
        timeline = []
        for trial in self.trials:
            timeline.append((trial["CreationTime"], self.event(trial, "InProgress")))
            timeline.append((trial["TrainingEndTime"], self.event(trial, trial["TrainingJobStatus"])))
        return sorted(timeline, key=lambda pair: pair[0])


def span(job: SimulatedTuningJob) -> timedelta:
    return job.end_time - START
