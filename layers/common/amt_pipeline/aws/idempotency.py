"""Run a pipeline step once per event, however often EventBridge delivers it.

SageMaker may send the same state change more than once and EventBridge
delivers at least once: each report step is made idempotent on its input (the
``step`` keyword: the run and the job's final status), recorded in the stack's
DynamoDB table. Configured once per step, where the step is defined
(``logic.<step>``: ``<step>_once = once_per_step(<step>, result=...)``); the
table's name is read from the environment on the first call, never at import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, wraps
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
STEP_INPUT = "step"  # the keyword every report step takes its run step as

# The invocation's Lambda context (observability.lambda_entry sets it): a step's in-progress
# record then expires when the invocation would have timed out, so a retry is not locked out.
_lambda_context: ContextVar[Any] = ContextVar("lambda_context", default=None)


@contextmanager
def lambda_context_of(context: Any) -> Iterator[None]:
    """The invocation's context for the steps it runs, and only while it runs."""
    token = _lambda_context.set(context)
    try:
        yield
    finally:
        _lambda_context.reset(token)


@cache
def _persistence(table_name: str) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client("dynamodb"))


def forget_persistence() -> None:
    """Tests: drop the cached table client after entering a new moto mock."""
    _persistence.cache_clear()


def once_per_step(step_function: F, *, result: type[BaseModel]) -> F:
    """``step_function``, run once per distinct value of its ``step`` keyword; a repeat returns the stored
    result, read back as the ``result`` model (Powertools' ``PydanticSerializer``)."""
    from amt_pipeline.settings import IdempotencySettings

    serializer = PydanticSerializer(model=result)

    @wraps(step_function)
    def run_once(*args: Any, **kwargs: Any) -> Any:
        config = IdempotencyConfig(expires_after_seconds=EXPIRES_AFTER_SECONDS)  # per call: it holds the context
        context = _lambda_context.get()
        if context is not None:
            config.register_lambda_context(context)
        table_name = IdempotencySettings.from_env().idempotency_table_name
        once = idempotent_function(data_keyword_argument=STEP_INPUT, persistence_store=_persistence(table_name),
                                   config=config, output_serializer=serializer)(step_function)
        return once(*args, **kwargs)

    return run_once  # type: ignore[return-value]
