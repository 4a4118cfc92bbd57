"""SageMaker's "Training Job State Change" event, for the trials of this stack's tuning jobs.

What the real event holds (SageMaker developer guide, "Training job state change"): the
DescribeTrainingJob shape without FinalMetricDataList, times as epoch milliseconds, and
``Tags`` as an object. A training job that a tuning job launched also carries
``TuningJobArn`` (DescribeTrainingJob) and the tuning job's tags (CreateHyperParameterTuningJob:
"Tags that you specify for the tuning job are also added to all training jobs that the
tuning job launches"), and its HyperParameters hold ``_tuning_objective_metric``. The rule
(template.yaml, TrackProgressFunction) matches on the stack tag and that hyperparameter; this
model reads the run from the output path, as the tuning-job rule does.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import Field

from amt_pipeline.events import OutputDataConfig, _Lenient
from amt_pipeline.facts import ENDED_STATUSES
from amt_pipeline.live.progress import as_datetime
from amt_pipeline.run.layout import RunLayout

TRAINING_JOB_STATE_CHANGE = "SageMaker Training Job State Change"
TUNING_OBJECTIVE_HYPERPARAMETER = "_tuning_objective_metric"
# A trial's states in the order they happen: an event never moves a trial back.
STATUS_RANK = {"InProgress": 1, "Stopping": 2, "Completed": 3, "Failed": 3, "Stopped": 3}
_TRIAL_NAME = re.compile(r"(.+)-[0-9]{3}-[0-9a-z]{8}")  # SageMaker names a tuning job's trials so


class TrainingJobStateChange(_Lenient):
    TrainingJobName: str
    TrainingJobStatus: str
    TuningJobArn: str | None = None
    OutputDataConfig: OutputDataConfig
    HyperParameters: dict[str, str] = Field(default_factory=dict)
    FailureReason: str | None = None
    CreationTime: Any = None
    TrainingEndTime: Any = None
    LastModifiedTime: Any = None
    Tags: dict[str, str] = Field(default_factory=dict)

    @property
    def layout(self) -> RunLayout:
        return RunLayout.from_output_uri(self.OutputDataConfig.S3OutputPath)

    @property
    def tuning_job_name(self) -> str:
        """The tuning job's name, as it was given. SageMaker's ARNs hold names lowercased
        (``Digits-Mixed-A`` -> ``.../digits-mixed-a``), so the name comes from the event's own name
        field: a trial is named ``<tuning job>-NNN-xxxxxxxx``. The ARN checks it; without an ARN,
        the run id (the same name)."""
        from_arn = self.TuningJobArn.rsplit("/", 1)[-1] if self.TuningJobArn else None
        trial = _TRIAL_NAME.fullmatch(self.TrainingJobName)
        if trial and (from_arn is None or trial.group(1).lower() == from_arn.lower()):
            return trial.group(1)
        return from_arn or self.layout.run_id

    @property
    def is_trial(self) -> bool:
        """A tuning job's trial (the baseline, a standalone job, carries neither)."""
        return bool(self.TuningJobArn) or TUNING_OBJECTIVE_HYPERPARAMETER in self.HyperParameters

    @property
    def rank(self) -> int:
        return STATUS_RANK.get(self.TrainingJobStatus, 0)

    @property
    def ended(self) -> bool:
        return self.TrainingJobStatus in ENDED_STATUSES

    @property
    def changed_at(self) -> datetime | None:
        return as_datetime(self.TrainingEndTime) or as_datetime(self.LastModifiedTime)

    @property
    def created_at(self) -> datetime | None:
        return as_datetime(self.CreationTime)


class TrainingJobStateChangeEvent(EventBridgeModel):
    source: Literal["aws.sagemaker"]
    detail: TrainingJobStateChange
