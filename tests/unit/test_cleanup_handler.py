"""The cleanup function's handler (functions/cleanup/app.py), invoked as Lambda would."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from amt.local.clients import reset_clients
from amt_pipeline.aws.clients import client
from amt_pipeline.errors import UnsafeCleanupRequest
from amt_pipeline.run.layout import RunLayout

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "tests" / "events"
BUCKET = "amt-pipeline-test-bucket"
RUN = "digits-2024-06-01"  # the run id of the sample events


@dataclass
class FakeLambdaContext:
    function_name: str = "amt-pipeline-CleanupFunction"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:amt-pipeline-CleanupFunction"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"


@pytest.fixture
def env(monkeypatch):
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "AmtPipeline",
        "POWERTOOLS_SERVICE_NAME": "cleanup",
        "BUCKET_NAME": BUCKET,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def app(env):
    """functions/cleanup/app.py under a name of its own (every function's module is `app`)."""
    spec = importlib.util.spec_from_file_location("cleanup_function_app", ROOT / "functions/cleanup/app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def s3(env):
    with mock_aws():
        reset_clients()
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        layout = RunLayout(BUCKET, RUN)
        for key in (layout.train_key, layout.validation_key, layout.report_html_key, layout.trials_csv_key,
                    layout.key("output", f"{RUN}-001-abcdef01", "output", "model.tar.gz"),
                    f"runs/{RUN}x/data/train/train.csv", "runs/other/reports/index.html"):
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        yield s3
    reset_clients()


def keys(s3) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def emitted_metrics(out: str) -> dict[str, float]:
    """The EMF metrics the handler printed (Powertools Metrics writes them to stdout)."""
    values: dict[str, float] = {}
    for line in out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            blob = json.loads(line)
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                assert directive["Namespace"] == "AmtPipeline"
                for metric in directive["Metrics"]:
                    value = blob[metric["Name"]]
                    values[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return values


def test_dry_run_event_lists_what_it_would_delete_and_deletes_nothing(app, s3, capsys):
    # Given the sample dry-run event
    before = keys(s3)
    # When the handler is invoked
    result = app.lambda_handler(event("cleanup-dry-run.json"), FakeLambdaContext())
    # Then it returns the run's five keys, deletes nothing, and counts 0 objects deleted
    assert result["dry_run"] is True
    assert result["object_count"] == 5
    assert all(key.startswith(f"runs/{RUN}/") for key in result["keys"])
    assert keys(s3) == before
    assert emitted_metrics(capsys.readouterr().out) == {"ObjectsDeleted": 0, "VersionsDeleted": 0}
    json.dumps(result)  # the response is JSON as it is


def test_reports_only_event_deletes_the_reports_and_counts_them(app, s3, capsys):
    # Given the sample event that asks for the reports only
    # When the handler is invoked
    result = app.lambda_handler(event("cleanup-reports-only.json"), FakeLambdaContext())
    # Then the two report objects are gone, the rest stays, and the metric says 2
    assert result["parts"] == ["reports"]
    assert sorted(result["keys"]) == [f"runs/{RUN}/reports/index.html", f"runs/{RUN}/reports/trials.csv"]
    assert not any(key.startswith(f"runs/{RUN}/reports/") for key in keys(s3))
    assert f"runs/{RUN}/data/train/train.csv" in keys(s3)
    assert emitted_metrics(capsys.readouterr().out) == {"ObjectsDeleted": 2, "VersionsDeleted": 0}


def test_all_event_deletes_the_whole_run_and_nothing_else(app, s3):
    result = app.lambda_handler(event("cleanup-all.json"), FakeLambdaContext())
    assert result["object_count"] == 5
    assert keys(s3) == {f"runs/{RUN}x/data/train/train.csv", "runs/other/reports/index.html"}


def test_the_handler_uses_the_shared_s3_client(app, s3):
    # Given a spy on the client the handler gets from amt_pipeline.aws.clients
    calls: list[str] = []
    client("s3").meta.events.register("before-call.s3.*", lambda model, **_: calls.append(model.name))
    # When the handler runs / Then its S3 calls went through that client
    app.lambda_handler(event("cleanup-all.json"), FakeLambdaContext())
    assert "DeleteObjects" in calls


# A refused request publishes no metric (Lambda's own Errors metric counts it): Powertools warns.
@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_unsafe_event_fails_naming_every_bad_field_and_touches_nothing(app, s3):
    # Given the sample unsafe event (run id "../runs", an unknown part, an unknown field)
    before = keys(s3)
    # When the handler is invoked / Then it fails with UnsafeCleanupRequest naming each field
    with pytest.raises(UnsafeCleanupRequest) as raised:
        app.lambda_handler(event("cleanup-unsafe.json"), FakeLambdaContext())
    message = str(raised.value)
    assert message.startswith("run_id: ")
    assert "parts.1: " in message and "force: " in message
    assert keys(s3) == before


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_missing_bucket_setting_fails_before_any_s3_call(app, s3, monkeypatch):
    monkeypatch.delenv("BUCKET_NAME")
    with pytest.raises(ValueError, match="bucket_name"):
        app.lambda_handler(event("cleanup-all.json"), FakeLambdaContext())
    assert len(keys(s3)) == 7
