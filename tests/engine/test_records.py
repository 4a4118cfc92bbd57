"""Pagination over stored records, cross-process reading, container semantics, sample events."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from amt.local.engine import LocalSageMakerError
from amt.local.engine.pools import PoolRequest, image_pool
from amt.local.engine.records import StateStore
from amt.local.engine.storage import Channel
from amt_container.outcome import TrainingOutcome
from tests.engine.conftest import IMAGE, tuning_request

ARN = "arn:aws:sagemaker:us-east-1:123456789012"
EVENTS = Path(__file__).resolve().parents[1] / "events"


def _fake_job(state_dir: Path, name: str, n: int) -> None:
    """A finished 250-trial job written as the engine writes it (another process's job)."""
    store = StateStore(state_dir)
    t0 = 1_800_000_000.0
    store.save(
        "tuning-jobs",
        name,
        {
            "HyperParameterTuningJobName": name,
            "HyperParameterTuningJobArn": f"{ARN}:hyper-parameter-tuning-job/{name}",
            "Request": tuning_request(name, strategy="Random", max_jobs=n),
            "Status": "Completed",
            "CreationTime": t0,
            "LastModifiedTime": t0 + 999,
            "EndTime": t0 + 999,
            "FailureReason": None,
            "CompletionDetails": {},
            "Total": n,
            "WarmStartTrials": 0,
        },
    )
    for i in range(n):
        status = "Failed" if i % 10 == 3 else "Stopped" if i % 10 == 5 else "Completed"
        tname = f"{name}-{i + 1:03d}-{i:08x}"
        store.save(
            "training-jobs",
            tname,
            {
                "TrainingJobName": tname,
                "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{tname}",
                "TuningJobName": name,
                "TuningJobArn": "arn",
                "Index": i,
                "Definition": {},
                "HyperParameters": {},
                "TunedHyperParameters": {"eta": str(0.1 + i / 1000)},
                "Status": status,
                "SecondaryStatus": status,
                "CreationTime": t0 + i,
                "TrainingStartTime": t0 + i,
                "TrainingEndTime": t0 + i + 1,
                "LastModifiedTime": t0 + i + 1,
                "FailureReason": "AlgorithmError: boom" if status == "Failed" else None,
                "FinalMetrics": {},
                "Objective": None if status == "Failed" else round(0.8 + (i * 7919 % 250) / 2500, 5),
                "ObjectiveStatus": "Failed" if status == "Failed" else "Succeeded",
                "ObjectiveMetricName": "validation:accuracy",
                "ObjectiveType": "Maximize",
                "Tags": [],
            },
        )


def test_pagination_like_sagemaker(make_engine, tmp_path) -> None:
    # Given a 250-trial job recorded by another process
    _fake_job(tmp_path / "state", "amt-big", 250)
    engine = make_engine()

    def pages(**kwargs):
        out, token, calls = [], None, 0
        while True:
            page = engine.list_training_jobs_for_hyper_parameter_tuning_job(
                HyperParameterTuningJobName="amt-big", **kwargs, **({"NextToken": token} if token else {})
            )
            out += page["TrainingJobSummaries"]
            calls += 1
            token = page.get("NextToken")
            if not token:
                return out, calls

    # Then 100 per page: 3 calls; default 10 per page, sorted by name ascending
    everything, calls = pages(MaxResults=100)
    assert calls == 3 and len(everything) == 250
    assert [j["TrainingJobName"] for j in everything] == sorted(j["TrainingJobName"] for j in everything)
    first = engine.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName="amt-big")
    assert len(first["TrainingJobSummaries"]) == 10 and first["NextToken"]
    # StatusEquals filters before paginating
    failed, _ = pages(MaxResults=7, StatusEquals="Failed")
    assert len(failed) == 25 and {j["TrainingJobStatus"] for j in failed} == {"Failed"}
    # SortBy FinalObjectiveMetricValue drops jobs without an objective, Descending puts the best first
    by_obj, _ = pages(MaxResults=100, SortBy="FinalObjectiveMetricValue", SortOrder="Descending")
    values = [j["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for j in by_obj]
    assert len(by_obj) == 225 and values == sorted(values, reverse=True)
    by_time, _ = pages(MaxResults=100, SortBy="CreationTime", SortOrder="Descending")
    assert by_time[0]["TrainingJobName"].startswith("amt-big-250-")
    # a token from another listing is refused
    with pytest.raises(LocalSageMakerError) as err:
        engine.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="amt-big", NextToken="garbage"
        )
    assert err.value.code == "ValidationException"
    # and the describe counts every trial
    desc = engine.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="amt-big")
    assert desc["TrainingJobStatusCounters"] == {
        "Completed": 200,
        "InProgress": 0,
        "RetryableError": 0,
        "NonRetryableError": 25,
        "Stopped": 25,
    }
    assert desc["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == values[0]
    listed = engine.list_hyper_parameter_tuning_jobs(NameContains="big")["HyperParameterTuningJobSummaries"]
    assert [j["HyperParameterTuningJobName"] for j in listed] == ["amt-big"]


# --- the container's semantics, in process -----------------------------------------------------


@pytest.fixture(scope="module")
def train_1_5(digits_csv):
    """Train one job in the 1.5-1 image's environment (XGBoost 1.5.2), as a tuning trial would."""
    train, validation = digits_csv
    assert len(train.splitlines()) == 1257 and len(validation.splitlines()) == 540
    channels = {"train": Channel("text/csv", (("train.csv", train),)),
                "validation": Channel("text/csv", (("validation.csv", validation),))}
    pool = image_pool(PoolRequest(IMAGE, channels, size=1, slots=1))

    def run(hp: dict[str, str]) -> TrainingOutcome:
        return pool.submit("amt-trial", {"hyperparameters": hp, "objective_metric": "validation:accuracy",
                                         "maximize": True}).result()

    yield run
    pool.shutdown()


POST_STATIC = {
    "num_class": "10",
    "max_depth": "5",
    "eta": "0.2",
    "alpha": "0.2",
    "objective": "multi:softmax",
    "eval_metric": "accuracy,merror",
    "num_round": "200",
    "early_stopping_rounds": "5",
    "_tuning_objective_metric": "validation:accuracy",
}


def test_accuracy_is_one_minus_merror_and_final_is_last_round(train_1_5) -> None:
    out = train_1_5(POST_STATIC)
    assert out.status == "Completed"
    acc, merr = out.history["validation:accuracy"], out.history["validation:merror"]
    assert set(out.history) == {"train:accuracy", "train:merror", "validation:accuracy", "validation:merror"}
    assert np.allclose(np.array(acc), 1 - np.array(merr), atol=2e-5)
    # early stopping: 5 rounds without improvement after the best; the final metric is the last round's
    assert len(acc) < 200 and out.best_iteration == len(acc) - 6
    assert out.final_metrics["validation:accuracy"] == acc[-1] <= max(acc)
    # the post's baseline, exactly as SageMaker reported it
    assert out.final_metrics["validation:accuracy"] == 0.84815
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(out.model_tar_gz)) as tar:
        assert tar.getnames() == ["xgboost-model"] and tar.extractfile("xgboost-model").read()


@pytest.mark.parametrize(
    ("hp", "reason"),
    [
        ({"num_round": "ten"}, "ClientError: Hyperparameter num_round"),
        ({"num_round": "5", "eta": "1.5"}, "ClientError: Hyperparameter eta"),
        (
            {"num_round": "5", "objective": "multi:softmax"},
            "ClientError: Require input for parameter 'num_class'",
        ),
        ({"eta": "0.1"}, "ClientError: Missing required hyperparameter: num_round"),
        (
            {"num_round": "5", "objective": "multi:softmax", "num_class": "3"},
            "AlgorithmError: XGB train call failed",
        ),
    ],
)
def test_bad_hyperparameters_fail_like_the_container(train_1_5, hp, reason) -> None:
    out = train_1_5(hp)
    assert out.status == "Failed" and (out.failure_reason or "").startswith(reason)


# --- sample events -----------------------------------------------------------------------------

ENVELOPE = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}


@pytest.mark.parametrize(
    "name",
    ["sagemaker-tuning-job-completed", "sagemaker-tuning-job-failed", "sagemaker-training-job-completed"],
)
def test_sample_events_are_real_shaped(name) -> None:
    event = json.loads((EVENTS / f"{name}.json").read_text())
    assert set(event) == ENVELOPE and event["source"] == "aws.sagemaker"
    d = event["detail"]
    if "tuning" in name:
        assert event["detail-type"] == "SageMaker HyperParameter Tuning Job State Change"
        assert set(d) == {
            "HyperParameterTuningJobName",
            "HyperParameterTuningJobArn",
            "TrainingJobDefinition",
            "HyperParameterTuningJobStatus",
            "CreationTime",
            "LastModifiedTime",
            "TrainingJobStatusCounters",
            "ObjectiveStatusCounters",
            "Tags",
        }
        assert d["HyperParameterTuningJobName"] == "amt-20261128-101500-ab12"
        assert (
            d["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"]
            == "s3://amt-pipeline-data-123456789012/runs/amt-20261128-101500-ab12/output/"
        )
        assert d["HyperParameterTuningJobStatus"] == ("Failed" if "failed" in name else "Completed")
        assert event["resources"] == [d["HyperParameterTuningJobArn"]]
    else:
        assert event["detail-type"] == "SageMaker Training Job State Change"
        assert d["TrainingJobStatus"] == "Completed"
        assert d["ModelArtifacts"]["S3ModelArtifacts"].endswith(f"{d['TrainingJobName']}/output/model.tar.gz")
        assert event["resources"] == [d["TrainingJobArn"]]
