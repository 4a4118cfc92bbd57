"""The SageMaker requests: exactly SageMaker's shapes (botocore's own validation), and the post's values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.model import ServiceModel
from botocore.validate import validate_parameters

from amt_pipeline.run.execution_input import parse_execution_input
from amt_pipeline.run.layout import RunLayout
from amt_pipeline.run.tuning_request import (
    RUN_ID_TAG,
    STACK_TAG,
    baseline_training_request,
    tuning_job_request,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Every examples/*.json is an execution input (the cleanup payload lives in examples/cleanup/).
EXECUTION_EXAMPLES = sorted(p.stem for p in (EXAMPLES).glob("*.json"))
LAYOUT = RunLayout("amt-bucket", "run-1")
ARGS = {
    "layout": LAYOUT,
    "region": "us-east-1",
    "role_arn": "arn:aws:iam::123456789012:role/sm",
    "stack_name": "amt-stack",
}


@cache
def sagemaker_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("sagemaker")


def assert_valid(operation: str, request: dict[str, Any]) -> None:
    # Raises ParamValidationError listing every shape mismatch (unknown key, type, range, enum).
    validate_parameters(request, sagemaker_model().operation_model(operation).input_shape)
    json.dumps(request)  # and it is plain JSON, as the state machine passes it


def tuning(raw: dict[str, Any]) -> dict[str, Any]:
    return tuning_job_request(parse_execution_input(raw), **ARGS)


def baseline(raw: dict[str, Any]) -> dict[str, Any]:
    return baseline_training_request(parse_execution_input(raw), **ARGS)


@pytest.mark.parametrize("name", EXECUTION_EXAMPLES)
def test_every_example_builds_valid_requests(name: str) -> None:
    raw = json.loads((EXAMPLES / f"{name}.json").read_text())
    assert_valid("CreateHyperParameterTuningJob", tuning(raw))
    assert_valid("CreateTrainingJob", baseline(raw))


def test_every_option_at_once_is_still_a_valid_request() -> None:
    raw = {
        "strategy": "Hyperband",
        "hyperband": {"min_resource": 1, "max_resource": 50},
        "max_runtime_in_seconds": 3600,
        "random_seed": 11,
        "completion_criteria": {
            "target_objective_metric_value": 0.95,
            "max_number_of_training_jobs_not_improving": 10,
            "complete_on_convergence": False,
        },
        "warm_start": {"parents": ["p1", "p2"], "type": "TransferLearning"},
        "hyperparameter_ranges": {
            "eta": {
                "type": "Continuous",
                "min_value": 0.001,
                "max_value": 0.5,
                "scaling_type": "Logarithmic",
            },
            "subsample": {
                "type": "Continuous",
                "min_value": 0.5,
                "max_value": 0.99,
                "scaling_type": "ReverseLogarithmic",
            },
            "max_depth": {"type": "Integer", "min_value": 2, "max_value": 12, "scaling_type": "Linear"},
            "booster": {"type": "Categorical", "values": ["gbtree", "dart"]},
        },
        "tags": {"team": "ml", "cost-centre": "42"},
    }
    request = tuning(raw)
    assert_valid("CreateHyperParameterTuningJob", request)
    config = request["HyperParameterTuningJobConfig"]
    assert config["StrategyConfig"] == {"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 50}}
    assert config["TuningJobCompletionCriteria"] == {
        "TargetObjectiveMetricValue": 0.95,
        "BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 10},
        "ConvergenceDetected": {"CompleteOnConvergence": "Disabled"},
    }
    assert config["RandomSeed"] == 11
    assert config["ResourceLimits"]["MaxRuntimeInSeconds"] == 3600
    assert request["WarmStartConfig"] == {
        "ParentHyperParameterTuningJobs": [
            {"HyperParameterTuningJobName": "p1"},
            {"HyperParameterTuningJobName": "p2"},
        ],
        "WarmStartType": "TransferLearning",
    }
    assert config["ParameterRanges"]["CategoricalParameterRanges"] == [
        {"Name": "booster", "Values": ["gbtree", "dart"]}
    ]


def test_the_posts_tuning_job() -> None:
    # Given {} / When the tuning request is built
    request = tuning({})
    config = request["HyperParameterTuningJobConfig"]
    # Then it is the post's tuner
    assert config["Strategy"] == "Bayesian"
    assert config["HyperParameterTuningJobObjective"] == {
        "Type": "Maximize",
        "MetricName": "validation:accuracy",
    }
    assert config["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 50, "MaxParallelTrainingJobs": 3}
    assert config["TrainingJobEarlyStoppingType"] == "Off"
    assert config["ParameterRanges"] == {
        "IntegerParameterRanges": [
            {"Name": "max_depth", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"}
        ],
        "ContinuousParameterRanges": [
            {"Name": "alpha", "MinValue": "0.01", "MaxValue": "0.5", "ScalingType": "Auto"},
            {"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5", "ScalingType": "Auto"},
            {"Name": "min_child_weight", "MinValue": "0.0", "MaxValue": "2.0", "ScalingType": "Auto"},
        ],
        "CategoricalParameterRanges": [],
    }
    # And optional settings are absent, not null
    for absent in ("TuningJobCompletionCriteria", "RandomSeed", "StrategyConfig"):
        assert absent not in config
    assert "WarmStartConfig" not in request


def test_training_definition_of_the_post() -> None:
    definition = tuning({})["TrainingJobDefinition"]
    # Tuned names (alpha, eta, max_depth) are not static
    assert definition["StaticHyperParameters"] == {
        "num_class": "10",
        "objective": "multi:softmax",
        "eval_metric": "accuracy",
        "num_round": "200",
        "early_stopping_rounds": "5",
    }
    assert definition["AlgorithmSpecification"] == {
        "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1",
        "TrainingInputMode": "File",
    }
    assert definition["RoleArn"] == ARGS["role_arn"]
    assert definition["OutputDataConfig"] == {"S3OutputPath": LAYOUT.output_uri}
    assert definition["ResourceConfig"] == {
        "InstanceType": "ml.m5.large",
        "InstanceCount": 1,
        "VolumeSizeInGB": 5,
    }
    assert definition["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
    assert [
        (c["ChannelName"], c["ContentType"], c["DataSource"]["S3DataSource"]["S3DataType"])
        for c in definition["InputDataConfig"]
    ] == [("train", "text/csv", "S3Prefix"), ("validation", "text/csv", "S3Prefix")]


def test_user_uris_are_used_as_given() -> None:
    definition = tuning(
        {"dataset": {"train_uri": "s3://theirs/t/", "validation_uri": "s3://theirs/v/val.csv"}}
    )["TrainingJobDefinition"]
    assert [c["DataSource"]["S3DataSource"]["S3Uri"] for c in definition["InputDataConfig"]] == [
        "s3://theirs/t/",
        "s3://theirs/v/val.csv",
    ]


def test_baseline_runs_every_static_hyperparameter() -> None:
    request = baseline({})
    assert request["TrainingJobName"] == "run-1-baseline"
    assert request["HyperParameters"] == {
        "num_class": "10",
        "max_depth": "5",
        "eta": "0.2",
        "alpha": "0.2",
        "objective": "multi:softmax",
        "eval_metric": "accuracy",
        "num_round": "200",
        "early_stopping_rounds": "5",
    }
    assert request["AlgorithmSpecification"] == tuning({})["TrainingJobDefinition"]["AlgorithmSpecification"]


def test_tags_are_never_empty_and_carry_the_run() -> None:
    pipeline_tags = [{"Key": RUN_ID_TAG, "Value": "run-1"}, {"Key": STACK_TAG, "Value": "amt-stack"}]
    assert tuning({})["Tags"] == pipeline_tags
    assert baseline({})["Tags"] == pipeline_tags
    assert tuning({"tags": {"team": "ml"}})["Tags"] == [{"Key": "team", "Value": "ml"}, *pipeline_tags]


def test_warm_start_only_when_asked() -> None:
    assert "WarmStartConfig" not in tuning({})
    assert tuning({"warm_start": {"parents": ["old"]}})["WarmStartConfig"]["WarmStartType"] == (
        "IdenticalDataAndAlgorithm"
    )


def test_region_picks_the_image() -> None:
    ei = parse_execution_input({})
    request = tuning_job_request(ei, **{**ARGS, "region": "eu-west-1"})
    assert request["TrainingJobDefinition"]["AlgorithmSpecification"]["TrainingImage"] == (
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.5-1"
    )


def test_hyperparameter_values_are_strings_as_sagemaker_wants() -> None:
    request = baseline({"hyperparameters": {"num_round": 10, "eta": 1e-05, "objective": "reg:squarederror"}})
    assert request["HyperParameters"] == {"num_round": "10", "eta": "1e-05", "objective": "reg:squarederror"}
    categorical = tuning(
        {"max_jobs": 3, "hyperparameter_ranges": {"eta": {"type": "Categorical", "values": [1, 0.5, "0.25"]}}}
    )["HyperParameterTuningJobConfig"]["ParameterRanges"]["CategoricalParameterRanges"]
    assert categorical == [{"Name": "eta", "Values": ["1", "0.5", "0.25"]}]


def test_plan_requests_are_the_same_builders() -> None:
    from tests.layer_helpers import plan_run

    p = plan_run(
        {"job_name": "run-1"},
        bucket="amt-bucket",
        role_arn=ARGS["role_arn"],
        region="us-east-1",
        execution_name="e",
        started_at=datetime(2025, 1, 1, tzinfo=UTC),
        stack_name="amt-stack",
    )
    assert p["tuning"]["request"] == tuning({})
    assert p["baseline"]["request"] == baseline({})
