"""ValidateInput: the state machine's first step. A bad input fails here, with
InvalidExecutionInput naming every bad field, before anything is written."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.clients import client
from amt_pipeline.contracts import ValidateRequest
from amt_pipeline.errors import InvalidExecutionInput
from amt_pipeline.logic.validate_input import validate_input
from amt_pipeline.observability import count, lambda_entry, logger
from amt_pipeline.settings import ValidateSettings


@lambda_entry()
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    settings = ValidateSettings.from_env()
    request = ValidateRequest.model_validate(event)
    try:
        plan = validate_input(request, settings, client("s3"))
    except InvalidExecutionInput as error:
        logger.info("Execution input refused", fields=[e.field for e in error.errors])
        count("InputsRefused")
        raise
    if plan.data_warnings:
        logger.warning("Input data: SageMaker will train, perhaps not as meant", warnings=plan.data_warnings)
    logger.info("Run planned", run_id=plan.run_id, strategy=plan.input["strategy"])
    count("RunsPlanned")
    return plan.model_dump(mode="json")
