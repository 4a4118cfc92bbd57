"""What SageMaker does with an algorithm's metric lines, done locally on the engine's behalf: one
CloudWatch series per metric and host for each training job that ended (the report's learning
curves read them back with GetMetricData, as on AWS), and again for a kept run's `amt report --local`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from amt_pipeline.facts import ENDED_STATUSES
from amt_pipeline.trials.learning_curves import NAMESPACE, add_learning_curves, best_trials, host_dimension
from amt_pipeline.trials.report_input import ReportInput

TRAINING_JOB_STATE_CHANGE = "SageMaker Training Job State Change"
PUT_METRIC_DATA_MAX = 1000  # CloudWatch's datums per PutMetricData call


def publish_training_metrics(engine: Any, cloudwatch: Any, event: dict[str, Any]) -> None:
    """For a training job's end event: its metric history (publish_job_metrics)."""
    detail = event["detail"]
    if event["detail-type"] != TRAINING_JOB_STATE_CHANGE or detail.get("TrainingJobStatus") not in ENDED_STATUSES:
        return
    publish_job_metrics(engine, cloudwatch, detail["TrainingJobName"])


def publish_job_metrics(engine: Any, cloudwatch: Any, name: str) -> None:
    """One training job's metric history to CloudWatch, one point a round. Local rounds are a
    second apart, so each keeps its own point."""
    started = engine.describe_training_job(TrainingJobName=name).get("TrainingStartTime")
    history = engine.metric_history(name)
    if not started or not history:
        return
    datums = [
        {"MetricName": metric, "Dimensions": host_dimension(name), "Value": value,
         "Timestamp": started + timedelta(seconds=round_), "StorageResolution": 1}
        for metric, values in history.items()
        for round_, value in enumerate(values)
        if value is not None
    ]
    for offset in range(0, len(datums), PUT_METRIC_DATA_MAX):
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=datums[offset:offset + PUT_METRIC_DATA_MAX])


def replay_learning_curves(engine: Any, report_input: ReportInput) -> ReportInput:
    """A kept local run's learning curves, for `amt report --local`: the emulated CloudWatch died with
    the run, so the best trials' metric histories (the engine keeps them) go to an in-process one again
    and come back through add_learning_curves, the reading the run's own report had."""
    import boto3
    from moto import mock_aws

    objective = report_input.objective
    if objective is None:
        return report_input
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        for trial in best_trials(report_input.trials, objective.maximize):
            publish_job_metrics(engine, cloudwatch, str(trial["TrainingJobName"]))
        return add_learning_curves(report_input, cloudwatch)
