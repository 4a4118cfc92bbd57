"""ValidateInput: the state machine's first step. A bad input fails here, with
InvalidExecutionInput naming every bad field, before anything is written; the plan
(run.plan.RunPlan) says what every later step does."""

from __future__ import annotations

from amt_pipeline.aws.ports import ObjectReader
from amt_pipeline.contracts import ValidateRequest
from amt_pipeline.run.input_data_check import check_input_data
from amt_pipeline.run.plan import RunPlan, S3DatasetPlan, make_plan
from amt_pipeline.settings import ValidateSettings


def validate_input(request: ValidateRequest, settings: ValidateSettings, s3: ObjectReader) -> RunPlan:
    """The run's plan. The user's own data (``s3``: its first rows) must be readable; what the container
    would refuse is an InvalidExecutionInput, what it would read otherwise than meant a warning."""
    plan = make_plan(request.input, bucket=settings.bucket_name, role_arn=settings.sagemaker_role_arn,
                     region=settings.aws_region, stack_name=settings.stack_name,
                     execution_name=request.execution_name, started_at=request.started_at,
                     run_retention_days=settings.run_retention_days)
    if isinstance(plan.dataset, S3DatasetPlan):
        warnings = check_input_data(plan.dataset, plan.input["hyperparameters"], s3,
                                    algorithm_version=plan.input["algorithm_version"],
                                    objective_metric_name=plan.input["objective_metric_name"])
        if warnings:
            plan = plan.model_copy(update={"data_warnings": warnings})
    return plan
