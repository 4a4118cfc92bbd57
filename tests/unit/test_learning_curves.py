"""Learning curves read back from CloudWatch as SageMaker publishes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from moto import mock_aws

from amt_pipeline.trials.learning_curves import (
    NAMESPACE,
    best_trials,
    curve_metrics,
    fetch_learning_curves,
    host_dimension,
)

START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def trial(name: str, value: float | None) -> dict:
    return {"TrainingJobName": name, "FinalObjectiveValue": value,
            "TrainingStartTime": START, "TrainingEndTime": START + timedelta(minutes=2)}


def publish(cloudwatch, job: str, metric: str, values: list[float]) -> None:
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[
        {"MetricName": metric, "Dimensions": host_dimension(job), "Value": v,
         "Timestamp": START + timedelta(seconds=i), "StorageResolution": 1} for i, v in enumerate(values)])


def test_curve_metrics_pair_the_objective_with_its_other_channel() -> None:
    assert curve_metrics("validation:accuracy") == ["validation:accuracy", "train:accuracy"]
    assert curve_metrics("train:rmse") == ["train:rmse", "validation:rmse"]


def test_best_trials_skip_trials_without_an_objective_and_follow_the_direction() -> None:
    rows = [trial("a", 0.8), trial("b", None), trial("c", 0.9), trial("d", 0.7)]
    assert [r["TrainingJobName"] for r in best_trials(rows, maximize=True, limit=2)] == ["c", "a"]
    assert [r["TrainingJobName"] for r in best_trials(rows, maximize=False, limit=2)] == ["d", "a"]


@mock_aws
def test_each_trial_gets_its_published_series_in_round_order() -> None:
    # Given two trials whose metrics SageMaker published round by round, and one with none
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    publish(cloudwatch, "job-001", "validation:accuracy", [0.5, 0.7, 0.8])
    publish(cloudwatch, "job-001", "train:accuracy", [0.6, 0.9, 0.95])
    publish(cloudwatch, "job-002", "validation:accuracy", [0.4, 0.6])
    # When the curves are fetched
    curves = fetch_learning_curves(cloudwatch, [trial("job-001", 0.8), trial("job-002", 0.6),
                                                trial("job-003", 0.5)], curve_metrics("validation:accuracy"))
    # Then each has its points, x counting from its first round, and the silent trial has none
    validation = [(p.x, p.value) for p in curves["job-001"] if p.metric == "validation:accuracy"]
    assert validation == [(0.0, 0.5), (1.0, 0.7), (2.0, 0.8)]
    assert [p.value for p in curves["job-001"] if p.metric == "train:accuracy"] == [0.6, 0.9, 0.95]
    assert len(curves["job-002"]) == 2
    assert "job-003" not in curves


@mock_aws
def test_no_trials_means_no_call_and_no_curves() -> None:
    assert fetch_learning_curves(boto3.client("cloudwatch", region_name="us-east-1"), [], ["validation:accuracy"]) == {}
