"""once_per_step and lambda_entry (aws.idempotency, observability) against moto's DynamoDB: a report
step runs once per run step, however often its event comes, and its in-progress record ends with
the invocation that wrote it."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws
from pydantic import BaseModel

from amt.local.clients import reset_clients
from amt.local.template import create_table
from amt_pipeline.aws.idempotency import once_per_step
from amt_pipeline.events import RunStepDetail
from amt_pipeline.observability import lambda_entry

TABLE = "idempotency"
STEP = RunStepDetail(bucket="amt-bucket", run_id="amt-run", tuning_job_name="amt-run", status="Completed")


class Counted(BaseModel):
    run_id: str
    calls: int


@pytest.fixture
def table(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", TABLE)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        create_table(dynamodb, TABLE)
        reset_clients()  # the layer's cached clients may reach an earlier mock
        yield dynamodb
    reset_clients()


def _counting_step() -> tuple[list[RunStepDetail], object]:
    calls: list[RunStepDetail] = []

    def step_function(prefix: str, *, step: RunStepDetail) -> Counted:
        calls.append(step)
        return Counted(run_id=prefix + step.run_id, calls=len(calls))

    return calls, once_per_step(step_function, result=Counted)


def test_a_step_runs_once_per_run_step_and_a_repeat_gets_the_stored_result(table) -> None:
    calls, step_once = _counting_step()
    # Given a step made idempotent / When the same run step comes three times, then another
    first = [step_once("r:", step=STEP) for _ in range(3)]
    other = step_once("r:", step=STEP.model_copy(update={"status": "Stopped"}))
    # Then it ran once for the first (the repeats read its stored result back as the model) and once more
    assert first == [Counted(run_id="r:amt-run", calls=1)] * 3
    assert other == Counted(run_id="r:amt-run", calls=2) and len(calls) == 2
    items = table.scan(TableName=TABLE)["Items"]
    assert len(items) == 2
    assert not any("in_progress_expiration" in item for item in items)  # no invocation: no remaining time


def test_the_table_is_read_from_the_environment_at_the_first_call_not_at_import(table, monkeypatch) -> None:
    _, step_once = _counting_step()  # made with no table in the environment
    monkeypatch.delenv("IDEMPOTENCY_TABLE_NAME")
    with pytest.raises(ValueError, match="idempotency_table_name"):
        step_once("r:", step=STEP)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "")
    with pytest.raises(ValueError, match="idempotency_table_name"):  # set but empty: refused too
        step_once("r:", step=STEP)


class _Context:
    function_name, memory_limit_in_mb, aws_request_id = "fn", 512, "req-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:fn"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def test_a_handler_in_lambda_entry_gives_the_step_its_context_so_an_in_progress_record_expires(table) -> None:
    _, step_once = _counting_step()

    @lambda_entry()
    def handler(event: dict, context: object) -> dict:
        return step_once("r:", step=STEP).model_dump()

    # When the handler runs the step under lambda_entry
    assert handler({}, _Context()) == {"run_id": "r:amt-run", "calls": 1}
    # Then the record carries the in-progress expiry Powertools sets from the remaining time
    (item,) = table.scan(TableName=TABLE)["Items"]
    assert "in_progress_expiration" in item
