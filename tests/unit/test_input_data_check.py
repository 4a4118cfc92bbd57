"""check_input_data_readable: the user's own data is checked before anything runs (moto S3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from amt_pipeline.aws.s3_uri import split_s3_uri
from amt_pipeline.errors import InvalidExecutionInput
from amt_pipeline.run.input_data_check import check_input_data_readable


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="theirs")
        client.put_object(Bucket="theirs", Key="data/train/part-0.csv", Body=b"1,2,3\n")
        client.put_object(Bucket="theirs", Key="data/validation.csv", Body=b"1,2,3\n")
        client.put_object(Bucket="theirs", Key="data/empty.csv", Body=b"")
        yield client


def s3_plan(train: str, validation: str) -> dict[str, str]:
    return {"kind": "s3", "train_uri": train, "validation_uri": validation}


def fields(exc: pytest.ExceptionInfo[InvalidExecutionInput]) -> list[str]:
    return [e.field for e in exc.value.errors]


def test_object_and_prefix_uris_that_exist_pass(s3: Any) -> None:
    for train in ("s3://theirs/data/train/", "s3://theirs/data/train", "s3://theirs/data/train/part-0.csv"):
        check_input_data_readable(s3_plan(train, "s3://theirs/data/validation.csv"), s3)


def test_missing_object_names_its_field(s3: Any) -> None:
    with pytest.raises(InvalidExecutionInput) as exc:
        check_input_data_readable(s3_plan("s3://theirs/data/train/", "s3://theirs/data/nope.csv"), s3)
    assert fields(exc) == ["dataset.validation_uri"]
    assert "s3://theirs/data/nope.csv" in str(exc.value)


def test_empty_prefix_and_missing_bucket_are_both_reported(s3: Any) -> None:
    with pytest.raises(InvalidExecutionInput) as exc:
        check_input_data_readable(s3_plan("s3://theirs/other/", "s3://no-such-bucket/v.csv"), s3)
    assert fields(exc) == ["dataset.train_uri", "dataset.validation_uri"]
    assert "does not exist" in exc.value.errors[1].message


def test_an_empty_object_is_not_data(s3: Any) -> None:
    with pytest.raises(InvalidExecutionInput) as exc:
        check_input_data_readable(
            s3_plan("s3://theirs/data/empty.csv", "s3://theirs/data/validation.csv"), s3
        )
    assert fields(exc) == ["dataset.train_uri"]


def test_builtin_dataset_needs_no_check() -> None:
    # Given a built-in dataset plan and no S3 at all / Then nothing is called
    check_input_data_readable({"kind": "builtin", "name": "digits"}, s3_client=None)


def test_split_s3_uri() -> None:
    assert split_s3_uri("s3://b/a/b.csv") == ("b", "a/b.csv")
    assert split_s3_uri("s3://b") == ("b", "")
    with pytest.raises(ValueError):
        split_s3_uri("https://b/a")


class RaisingS3:
    """A client whose every call fails with one S3 error code."""

    def __init__(self, code: str):
        self.code = code

    def _fail(self, **_: Any) -> Any:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": self.code, "Message": self.code}}, "HeadObject")

    head_object = list_objects_v2 = _fail


def test_access_denied_names_the_field_and_the_permissions() -> None:
    with pytest.raises(InvalidExecutionInput) as exc:
        check_input_data_readable(s3_plan("s3://b/t.csv", "s3://b/v.csv"), RaisingS3("403"))
    assert fields(exc) == ["dataset.train_uri", "dataset.validation_uri"]
    assert "s3:GetObject" in exc.value.errors[0].message


def test_throttling_propagates_for_a_retry() -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        check_input_data_readable(s3_plan("s3://b/t.csv", "s3://b/v.csv"), RaisingS3("SlowDown"))
