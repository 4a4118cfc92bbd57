"""check_input_data_readable: the user's own data is checked before anything runs (moto S3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from amt_pipeline.aws.s3_uri import split_s3_uri
from amt_pipeline.errors import InvalidExecutionInput
from amt_pipeline.run.input_data_check import check_input_data, check_input_data_readable


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


# --- the contents: the first rows, by the container's rules ----------------------------------------

BINARY = {"objective": "binary:logistic", "eval_metric": "auc", "num_round": "10"}
MULTI = {"objective": "multi:softmax", "num_class": "3", "num_round": "10"}


class CountingS3:
    """moto's S3, remembering the ranges of every GetObject (the check must never read a whole object)."""

    def __init__(self, client: Any):
        self.client, self.ranges = client, []

    def head_object(self, **kw: Any) -> Any:
        return self.client.head_object(**kw)

    def list_objects_v2(self, **kw: Any) -> Any:
        return self.client.list_objects_v2(**kw)

    def get_object(self, **kw: Any) -> Any:
        self.ranges.append(kw.get("Range"))
        return self.client.get_object(**kw)

    def put_object(self, **kw: Any) -> Any:
        return self.client.put_object(**kw)


def checked(s3: Any, train: bytes, validation: bytes = b"0,1.5,2\n1,2.5,3\n", hyperparameters=BINARY,
            content_type: str = "text/csv", version: str = "1.5-1", objective_metric: str = "validation:auc"
            ) -> list[str]:
    s3.put_object(Bucket="theirs", Key="c/train/part-0.csv", Body=train)
    s3.put_object(Bucket="theirs", Key="c/validation.csv", Body=validation)
    plan = {**s3_plan("s3://theirs/c/train/", "s3://theirs/c/validation.csv"), "content_type": content_type}
    return check_input_data(plan, hyperparameters, s3, algorithm_version=version,
                            objective_metric_name=objective_metric)


def test_headerless_label_first_csv_passes_silently(s3: Any) -> None:
    assert checked(s3, b"1,0.5,3\n0,0.25,4\n") == []


def test_a_header_row_is_a_warning_saying_what_sagemaker_does(s3: Any) -> None:
    warnings = checked(s3, b"label,a,b\n1,0.5,3\n0,0.25,4\n")
    assert len(warnings) == 1
    assert "s3://theirs/c/train/part-0.csv: the first row 'label,a,b' is a header" in warnings[0]
    assert "reads it as a data row (label 0, its values missing) and trains on it" in warnings[0]


@pytest.mark.parametrize(("train", "message"), [
    (b"yes,0.5\nno,0.25\n", "the label (first column) 'yes' is not a number"),
    (b"1,0.5,yes\n0,0.25,no\n", "row 1, column 3: 'yes' is not a number"),
    (b"5\n6\n", "takes '5' for the delimiter of its first line '5'"),
    (b"\n", "has no data row"),
], ids=["string-label", "string-last-column", "no-feature-column", "blank"])
def test_csv_that_is_not_label_first_numeric_is_refused(s3: Any, train: bytes, message: str) -> None:
    with pytest.raises(InvalidExecutionInput) as exc:
        checked(s3, train)
    assert fields(exc) == ["dataset.train_uri"] and message in exc.value.errors[0].message


@pytest.mark.parametrize(("train", "hyperparameters", "message"), [
    (b"2,0.5\n0,0.25\n", BINARY, "label 2 is outside [0, 1], which binary:logistic needs"),
    (b"3,0.5\n0,0.25\n", MULTI, "label 3 is not a class of num_class=3 (0 .. 2)"),
    (b"-1,0.5\n", {"objective": "count:poisson", "num_round": "5"}, "label -1 is negative"),
], ids=["binary-2", "class-beyond-num-class", "poisson-negative"])
def test_labels_that_do_not_fit_the_objective_are_refused(s3: Any, train: bytes, hyperparameters, message) -> None:
    with pytest.raises(InvalidExecutionInput) as exc:
        checked(s3, train, validation=b"0,1\n", hyperparameters=hyperparameters)
    assert message in exc.value.errors[0].message and "XGBoost fails every job" in exc.value.errors[0].message


RANK_NDCG = {"objective": "rank:ndcg", "num_round": "5"}
RANK_MAP = {"objective": "rank:pairwise", "eval_metric": "map", "num_round": "5"}


@pytest.mark.parametrize(("train", "hyperparameters", "metric", "message"), [
    (b"1.5 qid:1 1:1\n0 qid:1 1:2\n", RANK_NDCG, "validation:ndcg",
     '"When using relevance degree as target, label must be either 0 or positive integer."'),
    (b"-1 qid:1 1:1\n0 qid:1 1:2\n", RANK_NDCG, "validation:ndcg", "label -1 is not a relevance degree"),
    (b"40 qid:1 1:1\n0 qid:1 1:2\n", RANK_NDCG, "validation:ndcg",
     "label 40 is above 31, which rank:ndcg refuses on the 3.2-0 image"),
    (b"2 qid:1 1:1\n0 qid:1 1:2\n", RANK_MAP, "validation:map",
     'not binary, which the map metric needs on the 3.2-0 image: XGBoost fails every job ("map can only be used with '
     'binary labels.")'),
    (b"0.5 qid:1 1:1\n0 qid:1 1:2\n", {"objective": "rank:pairwise", "num_round": "5"}, "validation:ndcg",
     "label 0.5 is not a relevance degree, which the ndcg metric needs"),  # the tuning objective alone is checked too
], ids=["ndcg-fractional", "ndcg-negative", "ndcg-above-31", "map-graded", "objective-metric-ndcg"])
def test_ranking_labels_xgboost_3_refuses_are_refused_on_its_images(s3: Any, train: bytes, hyperparameters,
                                                                    metric: str, message: str) -> None:
    # Given ranking labels XGBoost 3 checks before its first round (tried in the 3.2-0 environment)
    for version in ("3.0-5", "3.2-0"):
        with pytest.raises(InvalidExecutionInput) as exc:
            checked(s3, train, validation=b"0 qid:1 1:1\n", hyperparameters=hyperparameters,
                    content_type="text/libsvm", version=version, objective_metric=metric)
        error = exc.value.errors[0]
        assert error.field == "dataset.train_uri" and "XGBoost fails every job" in error.message
        assert message.replace("3.2-0", version) in error.message


def test_ranking_labels_xgboost_1_trains_on_are_warnings_or_nothing(s3: Any) -> None:
    # 1.5.2 and 1.7.4 check no ranking label: graded labels with map and negative ones with ndcg train
    # (a warning says how they are read), fractional or high degrees are plain ndcg gains (no word)
    for version in ("1.5-1", "1.7-1"):
        (graded,) = checked(s3, b"2 qid:1 1:1\n0 qid:1 1:2\n", validation=b"0 qid:1 1:1\n",
                            hyperparameters=RANK_MAP, content_type="text/libsvm", version=version,
                            objective_metric="validation:map")
        assert "the map metric counts every nonzero label as relevant" in graded and "XGBoost 3 refuses it" in graded
        (negative,) = checked(s3, b"-1 qid:1 1:1\n0 qid:1 1:2\n", validation=b"0 qid:1 1:1\n",
                              hyperparameters=RANK_NDCG, content_type="text/libsvm", version=version,
                              objective_metric="validation:ndcg")
        assert "negative relevance degree" in negative
        assert checked(s3, b"40 qid:1 1:1\n0.5 qid:1 1:2\n", validation=b"0 qid:1 1:1\n",
                       hyperparameters=RANK_NDCG, content_type="text/libsvm", version=version,
                       objective_metric="validation:ndcg") == []
    # and 'mape' is no map: a regression's labels are not ranking labels
    assert checked(s3, b"2.5,1\n0,2\n", validation=b"1,1\n", version="3.2-0", objective_metric="validation:mape",
                   hyperparameters={"objective": "reg:squarederror", "eval_metric": "mape", "num_round": "5"}) == []


def test_both_channels_are_checked_and_each_error_names_its_field(s3: Any) -> None:
    with pytest.raises(InvalidExecutionInput) as exc:
        checked(s3, b"x,1\n", validation=b"7,1\n")
    assert fields(exc) == ["dataset.train_uri", "dataset.validation_uri"]


def test_libsvm_is_read_by_its_own_rules(s3: Any) -> None:
    assert checked(s3, b"1 1:0.5 2:3\n0 1:0.25\n", validation=b"0 1:1\n", content_type="text/libsvm") == []
    with pytest.raises(InvalidExecutionInput) as exc:
        checked(s3, b"1,0.5,3\n", validation=b"0 1:1\n", content_type="text/libsvm")
    assert "is not LIBSVM" in exc.value.errors[0].message


def test_a_hidden_file_or_only_blank_lines_refuse_the_channel(s3: Any) -> None:
    s3.put_object(Bucket="theirs", Key="h/train/.part.csv.crc", Body=b"x")
    s3.put_object(Bucket="theirs", Key="h/train/part.csv", Body=b"1,2\n")
    with pytest.raises(InvalidExecutionInput) as exc:
        check_input_data(s3_plan("s3://theirs/h/train/", "s3://theirs/data/validation.csv"), BINARY, s3,
                         algorithm_version="1.5-1", objective_metric_name="validation:auc")
    assert "is a hidden file" in exc.value.errors[0].message
    with pytest.raises(InvalidExecutionInput) as exc:
        checked(s3, b"\n\n  \n")
    assert "has no data row" in exc.value.errors[0].message


def test_only_the_first_bytes_of_a_large_object_are_read(s3: Any) -> None:
    # Given a 3 MB channel whose last, never-complete line would be garbage if read whole
    big = b"".join(b"%d,%d.5,%d\n" % (i % 2, i, i * 3) for i in range(200_000))
    counting = CountingS3(s3)
    warnings = checked(counting, big)
    assert warnings == []
    assert counting.ranges == ["bytes=0-65535", "bytes=0-65535"]  # one ranged GET per channel's object


def test_a_static_eval_metric_without_the_objective_is_a_warning() -> None:
    from amt_pipeline.run.execution_input import parse_execution_input
    from amt_pipeline.run.input_rules import input_warnings

    model = parse_execution_input({"hyperparameters": {"objective": "binary:logistic", "eval_metric": "logloss",
                                                       "num_round": 10}, "objective_metric_name": "validation:auc"})
    (warning,) = input_warnings(model)
    assert "eval_metric 'logloss' leaves out auc" in warning and '"eval_metric": "logloss,auc"' in warning
    assert input_warnings(parse_execution_input({})) == []  # the post's eval_metric is its objective
    unset = parse_execution_input({"hyperparameters": {"objective": "reg:squarederror", "num_round": 10},
                                   "objective_metric_name": "validation:rmse", "objective_type": "Minimize"})
    assert "eval_metric is not set" in input_warnings(unset)[0]
    assert input_warnings(unset.model_copy(update={"baseline": False})) == []


def test_channels_of_different_widths(s3: Any) -> None:
    # A wider validation fails every job in XGBoost; a narrower one trains on missing values
    with pytest.raises(InvalidExecutionInput) as exc:
        checked(s3, b"1,0.5\n0,0.25\n", validation=b"0,1,2\n")
    assert fields(exc) == ["dataset.validation_uri"]
    assert "has 3 columns and s3://theirs/c/train/ 2 (label included)" in exc.value.errors[0].message
    assert "Number of columns does not match" in exc.value.errors[0].message
    (warning,) = checked(s3, b"1,0.5,3\n0,0.25,4\n", validation=b"0,1\n")
    assert "missing columns as missing values" in warning
