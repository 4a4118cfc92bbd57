"""What the local runtime relies on in moto and botocore. If a moto upgrade
changes any of it, these fail first and say what moved."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.metadata import version

import boto3
import pytest
from botocore.exceptions import ClientError

from amt.local.emulator import AwsEmulator

PINNED_MOTO = "5.2.5"


class TinySageMaker:
    def __init__(self):
        self.calls = 0

    def describe_training_job(self, TrainingJobName: str) -> dict:  # noqa: N803
        self.calls += 1
        if TrainingJobName == "missing":
            error = Exception("Requested resource not found")
            error.code, error.message = "ValidationException", "Requested resource not found"
            raise error
        return {"TrainingJobName": TrainingJobName, "TrainingJobStatus": "Completed",
                "CreationTime": datetime(2026, 11, 28, 10, 0, tzinfo=UTC)}


def echo(function: str, payload: bytes) -> tuple[bytes, str | None]:
    return json.dumps({"function": function, "event": json.loads(payload)}).encode(), None


def test_moto_is_the_pinned_version() -> None:
    # emulator.py patches one moto class and relies on its passthrough config: re-check both on upgrade.
    assert version("moto") == PINNED_MOTO


def test_sagemaker_calls_reach_the_engine_through_the_wire_format() -> None:
    engine = TinySageMaker()
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=engine):
        described = boto3.client("sagemaker").describe_training_job(TrainingJobName="job-1")
    # botocore parsed the engine's JSON: times come back as datetimes
    assert described["TrainingJobStatus"] == "Completed"
    assert described["CreationTime"] == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert engine.calls == 1


def test_engine_errors_arrive_as_sagemakers_client_errors() -> None:
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=TinySageMaker()), \
            pytest.raises(ClientError) as raised:
        boto3.client("sagemaker").describe_training_job(TrainingJobName="missing")
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_lambda_invoke_runs_the_python_function() -> None:
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=TinySageMaker()):
        response = boto3.client("lambda").invoke(FunctionName="Fn", Payload=b'{"a": 1}')
    assert json.loads(response["Payload"].read()) == {"function": "Fn", "event": {"a": 1}}


def test_other_services_are_still_moto() -> None:
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=TinySageMaker()):
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="still-moto")
        s3.put_object(Bucket="still-moto", Key="k", Body=b"v")
        assert s3.get_object(Bucket="still-moto", Key="k")["Body"].read() == b"v"


def test_hooks_are_inert_outside_the_emulator() -> None:
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=TinySageMaker()):
        pass
    from amt.local.emulator import HOOKS

    assert HOOKS.sagemaker is None and HOOKS.lambda_invoker is None
