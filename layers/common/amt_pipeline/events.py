"""The events the pipeline reacts to, as typed models (Powertools parser).

SageMaker's tuning-job state change (source aws.sagemaker) starts the report;
the pipeline's own events (source amt-pipeline) chain its steps.
"""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict

from amt_pipeline.run.layout import RunLayout

TRIALS_EXTRACTED = "Trials Extracted"
REPORT_RENDERED = "Report Rendered"
ENDED_STATUSES = ("Completed", "Failed", "Stopped")


class _Lenient(BaseModel):
    # SageMaker adds fields over time: keep what we use, ignore the rest.
    model_config = ConfigDict(extra="ignore")


class OutputDataConfig(_Lenient):
    S3OutputPath: str


class TrainingJobDefinition(_Lenient):
    OutputDataConfig: OutputDataConfig


class TuningJobStateChange(_Lenient):
    HyperParameterTuningJobName: str
    HyperParameterTuningJobStatus: str
    TrainingJobDefinition: TrainingJobDefinition

    @property
    def ended(self) -> bool:
        return self.HyperParameterTuningJobStatus in ENDED_STATUSES

    @property
    def layout(self) -> RunLayout:
        return RunLayout.from_output_uri(self.TrainingJobDefinition.OutputDataConfig.S3OutputPath)


class TuningJobStateChangeEvent(EventBridgeModel):
    source: Literal["aws.sagemaker"]
    detail: TuningJobStateChange


class RunStepDetail(BaseModel):
    """Detail of the pipeline's own events: which run, and where its files are."""

    bucket: str
    run_id: str
    tuning_job_name: str
    status: str

    @property
    def layout(self) -> RunLayout:
        return RunLayout(bucket=self.bucket, run_id=self.run_id)


class RunStepEvent(EventBridgeModel):
    source: Literal["amt-pipeline"]
    detail: RunStepDetail
