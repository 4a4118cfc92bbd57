"""What SageMaker does with an algorithm's metric lines, done locally on the engine's behalf: one
CloudWatch series per metric and host for each training job that ended (the report's learning
curves read them back with GetMetricData, as on AWS)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from amt_pipeline.facts import ENDED_STATUSES
from amt_pipeline.trials.learning_curves import NAMESPACE, host_dimension

TRAINING_JOB_STATE_CHANGE = "SageMaker Training Job State Change"
PUT_METRIC_DATA_MAX = 1000  # CloudWatch's datums per PutMetricData call


def publish_training_metrics(engine: Any, cloudwatch: Any, event: dict[str, Any]) -> None:
    """For a training job's end event: its metric history, one point a round. Local rounds are a
    second apart, so each keeps its own point."""
    detail = event["detail"]
    if event["detail-type"] != TRAINING_JOB_STATE_CHANGE or detail.get("TrainingJobStatus") not in ENDED_STATUSES:
        return
    name = detail["TrainingJobName"]
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
