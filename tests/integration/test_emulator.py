"""What the local runtime relies on in moto and botocore. If a moto upgrade
changes any of it, these fail first and say what moved."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.metadata import version

import boto3
import pytest
from botocore.exceptions import ClientError

from amt.local.emulator import AwsEmulator

PINNED_MOTO = "5.2.5"


class TinySageMaker:
    def __init__(self):
        self.calls = 0

    def describe_training_job(self, TrainingJobName: str) -> dict:
        self.calls += 1
        if TrainingJobName == "missing":
            error = Exception("Requested resource not found")
            error.code, error.message = "ValidationException", "Requested resource not found"
            raise error
        return {"TrainingJobName": TrainingJobName, "TrainingJobStatus": "Completed",
                "CreationTime": datetime(2026, 11, 28, 10, 0, tzinfo=UTC)}


def echo(function: str, payload: bytes) -> tuple[bytes, str | None]:
    return json.dumps({"function": function, "event": json.loads(payload)}).encode(), None


def test_moto_is_the_pinned_version() -> None:
    # emulator.py patches two moto classes and relies on its passthrough config: re-check all on upgrade.
    assert version("moto") == PINNED_MOTO


def test_sagemaker_calls_reach_the_engine_through_the_wire_format() -> None:
    engine = TinySageMaker()
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=engine):
        described = boto3.client("sagemaker").describe_training_job(TrainingJobName="job-1")
    # botocore parsed the engine's JSON: times come back as datetimes
    assert described["TrainingJobStatus"] == "Completed"
    assert described["CreationTime"] == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert engine.calls == 1


def test_engine_errors_arrive_as_sagemakers_client_errors() -> None:
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=TinySageMaker()), \
            pytest.raises(ClientError) as raised:
        boto3.client("sagemaker").describe_training_job(TrainingJobName="missing")
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_lambda_invoke_runs_the_python_function() -> None:
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=TinySageMaker()):
        response = boto3.client("lambda").invoke(FunctionName="Fn", Payload=b'{"a": 1}')
    assert json.loads(response["Payload"].read()) == {"function": "Fn", "event": {"a": 1}}


def test_other_services_are_still_moto() -> None:
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=TinySageMaker()):
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="still-moto")
        s3.put_object(Bucket="still-moto", Key="k", Body=b"v")
        assert s3.get_object(Bucket="still-moto", Key="k")["Body"].read() == b"v"


def test_hooks_are_inert_outside_the_emulator() -> None:
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=TinySageMaker()):
        pass
    from amt.local.emulator import HOOKS

    assert HOOKS.sagemaker is None and HOOKS.lambda_invoker is None


def test_metric_queries_answer_as_motos_own_code() -> None:
    # emulator._index_metric_queries replaces moto's GetMetricData scan: same answers, query by query.
    from datetime import timedelta

    from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends

    start = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    with AwsEmulator(region="us-east-1", lambda_invoker=echo, sagemaker=TinySageMaker()):
        cloudwatch = boto3.client("cloudwatch")
        for job in ("a", "b"):
            cloudwatch.put_metric_data(Namespace="/aws/sagemaker/TrainingJobs", MetricData=[
                {"MetricName": metric, "Dimensions": [{"Name": "Host", "Value": f"{job}/algo-1"}],
                 "Value": round(0.1 * i + (job == "b"), 3), "Timestamp": start + timedelta(seconds=i // 2),
                 "Unit": "Count" if i % 3 else "None", "StorageResolution": 1}
                for metric in ("validation:accuracy", "train:accuracy") for i in range(12)
            ])
        cloudwatch.put_metric_data(Namespace="Other", MetricData=[
            {"MetricName": "validation:accuracy", "Value": 9.0, "Timestamp": start, "StorageResolution": 1}])

        def query(i: int, metric: str, job: str | None, period: int, stat: str, unit: str | None = None) -> dict:
            stat_query = {"Metric": {"Namespace": "/aws/sagemaker/TrainingJobs", "MetricName": metric},
                          "Period": period, "Stat": stat}
            if job:
                stat_query["Metric"]["Dimensions"] = [{"Name": "Host", "Value": f"{job}/algo-1"}]
            if unit:
                stat_query["Unit"] = unit
            return {"Id": f"q{i}", "MetricStat": stat_query, "ReturnData": i != 3}

        queries = [query(0, "validation:accuracy", "a", 1, "Maximum"), query(1, "train:accuracy", "b", 2, "Sum"),
                   query(2, "validation:accuracy", None, 3, "Average"), query(3, "train:accuracy", "a", 1, "Minimum"),
                   query(4, "validation:accuracy", "b", 1, "SampleCount", "Count"),
                   query(5, "missing", "a", 1, "Maximum")]
        window = {"StartTime": start - timedelta(seconds=1), "EndTime": start + timedelta(seconds=5)}
        answers = {scan: cloudwatch.get_metric_data(MetricDataQueries=queries, ScanBy=scan, **window)
                   for scan in ("TimestampAscending", "TimestampDescending")}
        backend = cloudwatch_backends["123456789012"]["us-east-1"]
        naive_window = [window[k].replace(tzinfo=None) for k in ("StartTime", "EndTime")]
        for scan in answers:
            ours = backend.get_metric_data(queries, *naive_window, scan)
            assert ours == CloudWatchBackend._amt_moto_get_metric_data(backend, queries, *naive_window, scan)
        ascending = {r["Id"]: r for r in answers["TimestampAscending"]["MetricDataResults"]}
        assert ascending["q0"]["Values"] == [0.1, 0.3, 0.5, 0.7, 0.9]  # second 5 is past the window's end
        assert "q3" not in ascending and ascending["q5"]["Values"] == []
