"""Run a pipeline step once per event, however often EventBridge delivers it.

SageMaker may send the same state change more than once and EventBridge
delivers at least once: each report step is made idempotent on its input (the
run and the job's final status), recorded in the stack's DynamoDB table.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.dynamodb import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from pydantic import BaseModel

from amt_pipeline.aws.clients import client

F = TypeVar("F", bound=Callable[..., Any])
# Long enough to swallow SageMaker's and EventBridge's duplicates (minutes apart);
# short enough that a deliberate replay the next day re-renders the report.
EXPIRES_AFTER_SECONDS = 6 * 3600


@cache
def _persistence(table_name: str) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client("dynamodb"))


def forget_persistence() -> None:
    """Tests: drop the cached table client after entering a new moto mock."""
    _persistence.cache_clear()


def once_per(step_input: str, table_name: str, lambda_context: Any = None, *,
             result: type[BaseModel] | None = None) -> Callable[[F], F]:
    """Decorate a step so that it runs once per distinct value of its ``step_input`` keyword.

    A step that returns a pydantic model names it as ``result``: the stored
    result is then read back as that model (Powertools' ``PydanticSerializer``).
    """
    config = IdempotencyConfig(expires_after_seconds=EXPIRES_AFTER_SECONDS)
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)

    def decorate(step: F) -> F:
        return idempotent_function(
            data_keyword_argument=step_input, persistence_store=_persistence(table_name), config=config,
            output_serializer=PydanticSerializer(model=result) if result is not None else None,
        )(step)

    return decorate
