"""Create-time validation, errors and response shapes: no training beyond a few tiny jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import botocore.session
import pytest

from amt.local.engine import LocalSageMakerError
from tests.engine.conftest import training_request, tuning_request

MODEL = botocore.session.get_session().get_service_model("sagemaker")


def _assert_scalar(value: Any, shape: Any, path: str) -> None:
    kind = shape.type_name
    if kind == "timestamp":
        assert isinstance(value, datetime) and value.tzinfo is not None, path
    elif kind == "string":
        assert isinstance(value, str), path
        if shape.enum:
            assert value in shape.enum, f"{path}: {value!r} not in {shape.enum}"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), path
    elif kind in ("float", "double"):
        assert isinstance(value, int | float), path
    elif kind == "boolean":
        assert isinstance(value, bool), path


def assert_shape(value: Any, shape: Any, path: str = "$") -> None:
    """Every key of a response is a member of botocore's output shape, with the right type."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), path
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{path}: not in {shape.name}: {unknown}"
        for k, v in value.items():
            assert_shape(v, shape.members[k], f"{path}.{k}")
    elif kind == "list":
        assert isinstance(value, list), path
        for i, v in enumerate(value):
            assert_shape(v, shape.member, f"{path}[{i}]")
    elif kind == "map":
        assert isinstance(value, dict), path
        for k, v in value.items():
            assert isinstance(k, str)
            assert_shape(v, shape.value, f"{path}.{k}")
    else:
        _assert_scalar(value, shape, path)


def output_shape(operation: str) -> Any:
    return MODEL.operation_model(operation).output_shape


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            lambda r: r["TrainingJobDefinition"]["StaticHyperParameters"].update(learning_speed="3"),
            "ValidationException",
        ),
        (
            lambda r: r["HyperParameterTuningJobConfig"]["ParameterRanges"][
                "ContinuousParameterRanges"
            ].append({"Name": "not_a_param", "MinValue": "0", "MaxValue": "1"}),
            "ValidationException",
        ),
        (
            lambda r: r["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"].update(
                MetricName="validation:perplexity"
            ),
            "ValidationException",
        ),
        (lambda r: r["HyperParameterTuningJobConfig"].update(Strategy="Grid"), "ValidationException"),
        (
            lambda r: r["HyperParameterTuningJobConfig"].update(
                Strategy="Hyperband", TrainingJobEarlyStoppingType="Auto"
            ),
            "ValidationException",
        ),
        (
            lambda r: r["HyperParameterTuningJobConfig"]["ResourceLimits"].update(
                MaxNumberOfTrainingJobs=501
            ),
            "ResourceLimitExceeded",
        ),
        (
            lambda r: r["HyperParameterTuningJobConfig"]["ResourceLimits"].update(MaxParallelTrainingJobs=11),
            "ResourceLimitExceeded",
        ),
        (lambda r: r.update(HyperParameterTuningJobName="bad_name!"), "ValidationException"),
        (
            lambda r: r["HyperParameterTuningJobConfig"].pop("HyperParameterTuningJobObjective"),
            "ValidationException",
        ),
        (lambda r: r["HyperParameterTuningJobConfig"].update(Strategy="Genetic"), "ValidationException"),
        (lambda r: r.pop("TrainingJobDefinition"), "ValidationException"),
        (
            lambda r: r.update(
                WarmStartConfig={
                    "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "no-such-job"}],
                    "WarmStartType": "IdenticalDataAndAlgorithm",
                }
            ),
            "ResourceNotFound",
        ),
        (
            lambda r: r["HyperParameterTuningJobConfig"]["ParameterRanges"]["ContinuousParameterRanges"][
                0
            ].update(ScalingType="Logarithmic", MinValue="0"),
            "ValidationException",
        ),
    ],
    ids=[
        "unknown-static-hyperparameter",
        "unknown-tuned-hyperparameter",
        "metric-not-emitted",
        "grid-with-continuous-ranges",
        "hyperband-with-early-stopping",
        "too-many-jobs",
        "too-parallel",
        "bad-name",
        "no-objective",
        "unknown-strategy",
        "no-definition",
        "parent-missing",
        "log-scale-from-zero",
    ],
)
def test_create_rejects_what_sagemaker_rejects(engine, change, code) -> None:
    # Given the post's request with one thing wrong
    request = tuning_request()
    change(request)
    # When it is submitted, Then it is refused at once with SageMaker's error code
    with pytest.raises(LocalSageMakerError) as err:
        engine.create_hyper_parameter_tuning_job(**request)
    assert err.value.code == code
    assert err.value.message
    assert engine.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []


def test_duplicate_tuning_job_name_is_resource_in_use(engine) -> None:
    request = tuning_request(
        "amt-dup",
        max_jobs=1,
        parallel=1,
        static={**tuning_request()["TrainingJobDefinition"]["StaticHyperParameters"], "num_round": "2"},
    )
    engine.create_hyper_parameter_tuning_job(**request)
    with pytest.raises(LocalSageMakerError) as err:
        engine.create_hyper_parameter_tuning_job(**request)
    assert err.value.code == "ResourceInUse"
    engine.wait(60)


def test_unknown_jobs_are_resource_not_found(engine) -> None:
    for call, kwargs in [
        (engine.describe_hyper_parameter_tuning_job, {"HyperParameterTuningJobName": "nope"}),
        (engine.list_training_jobs_for_hyper_parameter_tuning_job, {"HyperParameterTuningJobName": "nope"}),
        (engine.stop_hyper_parameter_tuning_job, {"HyperParameterTuningJobName": "nope"}),
        (engine.describe_training_job, {"TrainingJobName": "nope"}),
        (engine.stop_training_job, {"TrainingJobName": "nope"}),
    ]:
        with pytest.raises(LocalSageMakerError) as err:
            call(**kwargs)
        assert err.value.code == "ResourceNotFound", call.__name__


def test_malformed_requests_are_validation_errors(engine) -> None:
    with pytest.raises(LocalSageMakerError) as err:
        engine.describe_hyper_parameter_tuning_job(Name="x")
    assert err.value.code == "ValidationException"
    with pytest.raises(LocalSageMakerError):
        engine.list_hyper_parameter_tuning_jobs(MaxResults=101)


def test_responses_have_boto3_shapes(engine) -> None:
    # Given a finished two-trial job and a baseline training job
    request = tuning_request("amt-shape", max_jobs=2, parallel=2)
    request["TrainingJobDefinition"]["StaticHyperParameters"]["num_round"] = "3"
    engine.create_hyper_parameter_tuning_job(**request)
    definition = request["TrainingJobDefinition"]
    baseline_hps = {**definition["StaticHyperParameters"], "max_depth": "5", "alpha": "0.2", "eta": "0.2"}
    engine.create_training_job(**training_request("amt-shape-baseline", baseline_hps, definition))
    engine.wait(60)
    # Then every response fits botocore's output shape
    desc = engine.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="amt-shape")
    assert_shape(desc, output_shape("DescribeHyperParameterTuningJob"))
    page = engine.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName="amt-shape")
    assert_shape(page, output_shape("ListTrainingJobsForHyperParameterTuningJob"))
    assert_shape(engine.list_hyper_parameter_tuning_jobs(), output_shape("ListHyperParameterTuningJobs"))
    for name in [s["TrainingJobName"] for s in page["TrainingJobSummaries"]] + ["amt-shape-baseline"]:
        job = engine.describe_training_job(TrainingJobName=name)
        assert_shape(job, output_shape("DescribeTrainingJob"))
        assert job["TrainingJobStatus"] == "Completed"
    baseline = engine.describe_training_job(TrainingJobName="amt-shape-baseline")
    assert baseline["ModelArtifacts"]["S3ModelArtifacts"].endswith("/amt-shape-baseline/output/model.tar.gz")
    assert {m["MetricName"] for m in baseline["FinalMetricDataList"]} >= {
        "validation:accuracy",
        "validation:mlogloss",  # XGBoost 1.5.2's own default metric for multi:softmax, beside the objective
    }
    assert len(engine.metric_history("amt-shape-baseline")["validation:accuracy"]) == 3
    with pytest.raises(LocalSageMakerError) as err:
        engine.create_training_job(**training_request("amt-shape-baseline", {"num_round": "1"}, definition))
    assert err.value.code == "ResourceInUse"
