"""The events the pipeline reacts to, as typed models (Powertools parser).

SageMaker's tuning-job state change (source aws.sagemaker) starts the report;
the pipeline's own events (source amt-pipeline) chain its steps.
"""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, field_validator

from amt_pipeline.errors import UnusableEvent
from amt_pipeline.facts import ENDED_STATUSES, is_run_id
from amt_pipeline.run.layout import RunLayout

TRIALS_EXTRACTED = "Trials Extracted"
REPORT_RENDERED = "Report Rendered"
ROUND_DECIDED = "Round Decided"  # a chain's round (follow_up): what DecideFollowUp decided after its report


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

    def run_step(self, stack_bucket: str) -> RunStepDetail:
        """The run this job's end concerns; ``UnusableEvent`` unless it is one of this stack's runs:
        an output path in the stack's bucket, of the layout's shape, named after the job."""
        layout = stack_layout(self.TrainingJobDefinition.OutputDataConfig.S3OutputPath, stack_bucket)
        if layout.run_id != self.HyperParameterTuningJobName:
            raise UnusableEvent("run-id-is-not-the-job-name",
                                f"output path of run {layout.run_id!r} for job {self.HyperParameterTuningJobName!r}")
        return RunStepDetail(bucket=layout.bucket, run_id=layout.run_id,
                             tuning_job_name=self.HyperParameterTuningJobName,
                             status=self.HyperParameterTuningJobStatus)


def stack_layout(s3_output_path: str, stack_bucket: str) -> RunLayout:
    """The run of a job's output path; ``UnusableEvent`` unless it is a run of this stack's bucket."""
    try:
        layout = RunLayout.from_output_uri(s3_output_path)
    except ValueError as error:
        raise UnusableEvent("not-a-run-output-path", str(error)) from None
    if layout.bucket != stack_bucket:
        raise UnusableEvent("not-this-stacks-bucket", f"bucket {layout.bucket!r} is not this stack's bucket")
    return layout


class TuningJobStateChangeEvent(EventBridgeModel):
    source: Literal["aws.sagemaker"]
    detail: TuningJobStateChange


class RunStepDetail(BaseModel):
    """Detail of the pipeline's own events: which run, and where its files are."""

    bucket: str
    run_id: str
    tuning_job_name: str
    status: str

    @field_validator("run_id")
    @classmethod
    def _a_run_id(cls, run_id: str) -> str:
        if not is_run_id(run_id):
            raise ValueError("not a valid run id (tuning job name)")
        return run_id

    def in_stack_bucket(self, stack_bucket: str) -> RunStepDetail:
        """Itself, if its bucket is the stack's (defence in depth behind the rules and IAM)."""
        if self.bucket != stack_bucket:
            raise UnusableEvent("not-this-stacks-bucket", f"bucket {self.bucket!r} is not this stack's bucket")
        return self

    @property
    def layout(self) -> RunLayout:
        return RunLayout(bucket=self.bucket, run_id=self.run_id)


class RunStepEvent(EventBridgeModel):
    source: Literal["amt-pipeline"]
    detail: RunStepDetail


class RoundDecidedDetail(RunStepDetail):
    """Detail of "Round Decided": the run step, and what was decided for its chain."""

    chain_id: str
    round: int
    decision: str  # "continue" | "stop"
    reason: str
