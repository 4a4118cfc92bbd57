"""The ValidateInput function, given every malformed input of the catalogue
(tests/unit/bad_inputs): a named error naming the field, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from amt.local.clients import reset_clients
from amt_pipeline.errors import InvalidExecutionInput
from tests.conftest import load_function

CATALOGUE = sorted((Path(__file__).parent / "bad_inputs").glob("*.json"))
BUCKET = "amt-validate-bucket"


@pytest.fixture
def handler(monkeypatch):
    for name, value in {"BUCKET_NAME": BUCKET, "SAGEMAKER_ROLE_ARN": "arn:aws:iam::123456789012:role/sm",
                        "STACK_NAME": "amt-test"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        reset_clients()
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield load_function("validate_input").lambda_handler, s3
    reset_clients()


def invoke(handler, context, execution_input):
    return handler({"input": execution_input, "execution_name": "e-1", "started_at": "2026-11-28T10:00:00Z"},
                   context)


def test_the_catalogue_is_large() -> None:
    assert len(CATALOGUE) >= 40


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda p: p.stem)
def test_each_bad_input_fails_naming_its_field_and_writes_nothing(handler, lambda_context, case: Path) -> None:
    function, s3 = handler
    bad = json.loads(case.read_text())
    with pytest.raises(InvalidExecutionInput) as raised:
        invoke(function, lambda_context, bad["input"])
    assert bad["field"] in {e.field for e in raised.value.errors} | {e.field.split(".")[0] for e in raised.value.errors}
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


@pytest.mark.parametrize(
    ("dataset", "field"),
    [
        ({"train_uri": "s3://no-such-bucket-amt/train/", "validation_uri": f"s3://{BUCKET}/v/"}, "dataset.train_uri"),
        ({"train_uri": f"s3://{BUCKET}/train/", "validation_uri": f"s3://{BUCKET}/missing.csv"},
         "dataset.validation_uri"),
    ],
    ids=["bucket-missing", "object-missing"],
)
def test_own_data_that_cannot_be_read_is_named(handler, lambda_context, dataset, field) -> None:
    function, s3 = handler
    s3.put_object(Bucket=BUCKET, Key="train/part-0.csv", Body=b"1,0,0\n")
    with pytest.raises(InvalidExecutionInput) as raised:
        invoke(function, lambda_context, {"dataset": dataset})
    assert field in {e.field for e in raised.value.errors}


def test_a_good_input_returns_the_plan(handler, lambda_context) -> None:
    function, _ = handler
    plan = invoke(function, lambda_context, {})
    assert plan["run_id"].startswith("amt-20261128-100000-")
    assert plan["tuning"]["request"]["HyperParameterTuningJobConfig"]["Strategy"] == "Bayesian"
