"""Fixtures of the engine tests: the post's Digits split as CSV in an in-memory object store."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from amt.local.engine import InMemoryUriStore, LocalSageMaker

BUCKET = "amt-pipeline-data-123456789012"
RUN = "amt-test"
TRAIN_URI = f"s3://{BUCKET}/runs/{RUN}/data/train/"
VALIDATION_URI = f"s3://{BUCKET}/runs/{RUN}/data/validation/"
OUTPUT_URI = f"s3://{BUCKET}/runs/{RUN}/output/"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1"


def _csv(features: Any, labels: Any) -> bytes:
    rows = (",".join([str(int(y)), *(str(int(v)) for v in x)]) for x, y in zip(features, labels, strict=True))
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture(scope="session")
def digits_csv() -> tuple[bytes, bytes]:
    """The post's unshuffled split: first 1,257 rows train, last 540 validation; label first."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return _csv(d.data[:1257], d.target[:1257]), _csv(d.data[1257:], d.target[1257:])


@pytest.fixture
def store(digits_csv: tuple[bytes, bytes]) -> InMemoryUriStore:
    train, validation = digits_csv
    return InMemoryUriStore(
        {TRAIN_URI + "train.csv": train, VALIDATION_URI + "validation.csv": validation}
    )


@pytest.fixture
def events() -> list[dict]:
    return []


@pytest.fixture
def make_engine(
    store: InMemoryUriStore, tmp_path: Path, events: list[dict]
) -> Iterator[Callable[..., LocalSageMaker]]:
    engines: list[LocalSageMaker] = []

    def make(**kwargs: Any) -> LocalSageMaker:
        kwargs.setdefault("storage", store)
        kwargs.setdefault("state_dir", tmp_path / "state")
        kwargs.setdefault("emit_event", events.append)
        kwargs.setdefault("workers", 2)
        engine = LocalSageMaker(**kwargs)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture
def engine(make_engine: Callable[..., LocalSageMaker]) -> LocalSageMaker:
    return make_engine()


def channel(name: str, uri: str) -> dict:
    return {
        "ChannelName": name,
        "ContentType": "text/csv",
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": uri,
                "S3DataDistributionType": "FullyReplicated",
            }
        },
    }


STATIC = {
    "num_class": "10",
    "max_depth": "5",
    "eta": "0.2",
    "alpha": "0.2",
    "objective": "multi:softmax",
    "eval_metric": "accuracy",
    "num_round": "20",
    "early_stopping_rounds": "5",
}


# The post's search space, as CreateHyperParameterTuningJob's ParameterRanges.
POST_RANGES = {
    "ContinuousParameterRanges": [
        {"Name": "alpha", "MinValue": "0.01", "MaxValue": "0.5", "ScalingType": "Auto"},
        {"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5", "ScalingType": "Auto"},
        {"Name": "min_child_weight", "MinValue": "0", "MaxValue": "2", "ScalingType": "Auto"},
    ],
    "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"}],
}


def tuning_request(
    name: str = "amt-test",
    *,
    strategy: str = "Bayesian",
    max_jobs: int = 6,
    parallel: int = 2,
    seed: int | None = 7,
    static: dict[str, str] | None = None,
    ranges: dict | None = None,
    **config: Any,
) -> dict:
    """The post's request, shrunk: same ranges, fewer jobs and rounds."""
    static = dict(STATIC if static is None else static)
    if ranges is None:
        ranges = copy.deepcopy(POST_RANGES)
    for group in ranges.values():
        for r in group:
            static.pop(r["Name"], None)
    cfg: dict[str, Any] = {
        "Strategy": strategy,
        "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:accuracy"},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": max_jobs, "MaxParallelTrainingJobs": parallel},
        "ParameterRanges": ranges,
        "TrainingJobEarlyStoppingType": "Off",
    }
    if seed is not None:
        cfg["RandomSeed"] = seed
    cfg.update(config)
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": cfg,
        "TrainingJobDefinition": {
            "StaticHyperParameters": static,
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/AmtPipelineSageMakerRole",
            "InputDataConfig": [channel("train", TRAIN_URI), channel("validation", VALIDATION_URI)],
            "OutputDataConfig": {"S3OutputPath": OUTPUT_URI},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        },
        "Tags": [{"Key": "amt-pipeline:run", "Value": name}],
    }


def run(engine: LocalSageMaker, request: dict, timeout: float = 90) -> dict:
    engine.create_hyper_parameter_tuning_job(**copy.deepcopy(request))
    engine.wait(timeout)
    return engine.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=request["HyperParameterTuningJobName"]
    )


def trials(engine: LocalSageMaker, name: str, **kwargs: Any) -> list[dict]:
    out: list[dict] = []
    token = None
    while True:
        page = engine.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name,
            MaxResults=100,
            **kwargs,
            **({"NextToken": token} if token else {}),
        )
        out += page["TrainingJobSummaries"]
        token = page.get("NextToken")
        if not token:
            return out


def training_request(name: str, hyperparameters: dict[str, str], definition: dict | None = None,
                     image: str | None = None) -> dict:
    """A CreateTrainingJob request from a tuning job's TrainingJobDefinition (the baseline's shape)."""
    d = definition or tuning_request()["TrainingJobDefinition"]
    algorithm = {**d["AlgorithmSpecification"], **({"TrainingImage": image} if image else {})}
    keep = ("RoleArn", "InputDataConfig", "OutputDataConfig", "ResourceConfig", "StoppingCondition")
    return {"TrainingJobName": name, "HyperParameters": hyperparameters, "AlgorithmSpecification": algorithm,
            **{k: d[k] for k in keep}}
