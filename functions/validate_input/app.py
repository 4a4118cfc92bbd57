"""ValidateInput: the state machine's first step. A bad input fails here, with
InvalidExecutionInput naming every bad field, before anything is written."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.clients import client
from amt_pipeline.contracts import ValidateRequest
from amt_pipeline.errors import InvalidExecutionInput
from amt_pipeline.run.input_data_check import check_input_data
from amt_pipeline.run.plan import S3DatasetPlan, make_plan
from amt_pipeline.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


class ValidateSettings(Settings):
    bucket_name: str
    sagemaker_role_arn: str
    stack_name: str
    aws_region: str


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    settings = ValidateSettings.from_env()
    request = ValidateRequest.model_validate(event)
    try:
        plan = make_plan(
            request.input,
            bucket=settings.bucket_name,
            role_arn=settings.sagemaker_role_arn,
            region=settings.aws_region,
            execution_name=request.execution_name,
            started_at=request.started_at,
            stack_name=settings.stack_name,
        )
        if isinstance(plan.dataset, S3DatasetPlan):
            warnings = check_input_data(plan.dataset, plan.input["hyperparameters"], client("s3"),
                                        algorithm_version=plan.input["algorithm_version"],
                                        objective_metric_name=plan.input["objective_metric_name"])
            if warnings:
                logger.warning("Input data: SageMaker will train, perhaps not as meant", warnings=warnings)
                plan = plan.model_copy(update={"data_warnings": warnings})
    except InvalidExecutionInput as error:
        logger.info("Execution input refused", fields=[e.field for e in error.errors])
        metrics.add_metric(name="InputsRefused", unit=MetricUnit.Count, value=1)
        raise
    logger.info("Run planned", run_id=plan.run_id, strategy=plan.input["strategy"])
    metrics.add_metric(name="RunsPlanned", unit=MetricUnit.Count, value=1)
    return plan.model_dump(mode="json")
