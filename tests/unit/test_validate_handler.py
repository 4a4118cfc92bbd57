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
                        "STACK_NAME": "amt-test", "RUN_RETENTION_DAYS": "90"}.items():
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


OWN = {"hyperparameters": {"objective": "binary:logistic", "eval_metric": "auc", "num_round": 10},
       "objective_metric_name": "validation:auc",
       "hyperparameter_ranges": {"eta": {"type": "Continuous", "min_value": 0.1, "max_value": 0.5}},
       "dataset": {"train_uri": f"s3://{BUCKET}/mine/train/", "validation_uri": f"s3://{BUCKET}/mine/v.csv"}}


def test_a_header_row_is_planned_with_a_warning_in_the_plan(handler, lambda_context) -> None:
    # Given the user's CSVs in S3, the training file with a header row (SageMaker trains on it anyway)
    function, s3 = handler
    s3.put_object(Bucket=BUCKET, Key="mine/train/part-0.csv", Body=b"label,x\n1,0.5\n0,0.25\n")
    s3.put_object(Bucket=BUCKET, Key="mine/v.csv", Body=b"1,0.4\n0,0.2\n")
    # When the first step checks the input
    plan = invoke(function, lambda_context, OWN)
    # Then the run is planned, and the plan carries the warning to the execution's output
    (warning,) = plan["data_warnings"]
    assert f"s3://{BUCKET}/mine/train/part-0.csv: the first row 'label,x' is a header" in warning


def test_a_string_label_fails_the_first_step_and_nothing_is_written(handler, lambda_context) -> None:
    function, s3 = handler
    s3.put_object(Bucket=BUCKET, Key="mine/train/part-0.csv", Body=b"0.5,yes\n0.25,no\n")
    s3.put_object(Bucket=BUCKET, Key="mine/v.csv", Body=b"1,0.4\n")
    with pytest.raises(InvalidExecutionInput) as raised:
        invoke(function, lambda_context, OWN)
    assert [e.field for e in raised.value.errors] == ["dataset.train_uri"]
    assert "'yes' is not a number" in raised.value.errors[0].message
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]) == [
        "mine/train/part-0.csv", "mine/v.csv"]
