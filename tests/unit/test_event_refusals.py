"""Each event handler (the report steps, TrackProgress), called directly (not through its rule),
refuses what it cannot use: another bucket than its stack's, a malformed event, a path that is not one of its runs. A
refusal is permanent: the handler returns a skip (so EventBridge would not retry), having
written, read and called nothing. What may pass still raises (retried by the rule)."""

from __future__ import annotations

import copy
import json

import boto3
import pytest
from moto import mock_aws

from amt.local.template import create_table
from amt_pipeline.errors import ReportInputMissing, UnusableEvent
from amt_pipeline.events import RunStepDetail, TuningJobStateChange
from tests.conftest import EVENTS_DIR, load_function

STACK_BUCKET = "amt-stack-bucket"
OTHER_BUCKET = "someone-elses-bucket"
ENVIRONMENT = {
    "BUCKET_NAME": STACK_BUCKET,
    "IDEMPOTENCY_TABLE_NAME": "idempotency",
    "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:notifications",
    "REPORT_LINK_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:link",
    "REPORT_LINK_BASE_URL": "https://link.example/",
}


@pytest.fixture
def stack(monkeypatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in (STACK_BUCKET, OTHER_BUCKET):
            s3.create_bucket(Bucket=bucket)
        yield s3


def tuning_event(output_path: str) -> dict:
    event = json.loads((EVENTS_DIR / "sagemaker-tuning-job-completed.json").read_text())
    event["detail"]["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"] = output_path
    return event


def trial_event(output_path: str) -> dict:
    event = json.loads((EVENTS_DIR / "sagemaker-training-job-completed.json").read_text())
    event["detail"]["OutputDataConfig"]["S3OutputPath"] = output_path
    return event


def step_event(detail_type: str, **detail) -> dict:
    job = "amt-20261128-101500-ab12"
    return {"version": "0", "id": "1", "detail-type": detail_type, "source": "amt-pipeline",
            "account": "123456789012", "time": "2026-11-28T09:01:07Z", "region": "us-east-1", "resources": [],
            "detail": {"bucket": STACK_BUCKET, "run_id": job, "tuning_job_name": job, "status": "Completed",
                       **detail}}


def objects(s3, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


JOB = "amt-20261128-101500-ab12"
CASES = {
    "extract-other-bucket": ("extract_trials", lambda: tuning_event(f"s3://{OTHER_BUCKET}/runs/{JOB}/output/"),
                             "not-this-stacks-bucket"),
    "extract-dot-dot": ("extract_trials", lambda: tuning_event(f"s3://{STACK_BUCKET}/runs/../output/"),
                        "not-a-run-output-path"),
    "extract-not-an-object": ("extract_trials", lambda: ["not", "an", "event"], "malformed-event"),
    "render-other-bucket": ("render_report", lambda: step_event("Trials Extracted", bucket=OTHER_BUCKET),
                            "not-this-stacks-bucket"),
    "render-bad-run-id": ("render_report", lambda: step_event("Trials Extracted", run_id="runs/../x"),
                          "malformed-event"),
    "notify-other-bucket": ("notify", lambda: step_event("Report Rendered", bucket=OTHER_BUCKET),
                            "not-this-stacks-bucket"),
    "notify-status-list": ("notify", lambda: step_event("Report Rendered", status=["Completed"]), "malformed-event"),
    "track-other-bucket": ("track_progress", lambda: trial_event(f"s3://{OTHER_BUCKET}/runs/{JOB}/output/"),
                           "not-this-stacks-bucket"),
    "track-deeper-path": ("track_progress", lambda: trial_event(f"s3://{STACK_BUCKET}/runs/{JOB}/x/output/"),
                          "not-a-run-output-path"),
    "track-status-list": ("track_progress", lambda: {**trial_event(f"s3://{STACK_BUCKET}/runs/{JOB}/output/"),
                                                     "detail": {"TrainingJobStatus": ["Failed"]}}, "malformed-event"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_handler_refuses_permanently_what_it_cannot_use(stack, lambda_context, case: str) -> None:
    function, make_event, reason = CASES[case]
    result = load_function(function).lambda_handler(make_event(), lambda_context)
    assert result["skipped"] == reason
    assert result["reason"]
    assert objects(stack, OTHER_BUCKET) == [] and objects(stack, STACK_BUCKET) == []


def test_a_missing_report_input_is_retryable(stack, lambda_context) -> None:
    # The stored trials are not there: raise, so that the rule retries (then dead-letters) it.
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    create_table(dynamodb, "idempotency")
    from amt_pipeline.aws.idempotency import forget_persistence

    forget_persistence()
    with pytest.raises(ReportInputMissing):
        load_function("render_report").lambda_handler(step_event("Trials Extracted"), lambda_context)
    forget_persistence()


def test_the_tuning_events_run_step_checks_path_job_and_bucket() -> None:
    detail = json.loads((EVENTS_DIR / "sagemaker-tuning-job-completed.json").read_text())["detail"]
    change = TuningJobStateChange.model_validate(detail)
    bucket = change.layout.bucket
    assert change.run_step(bucket) == RunStepDetail(bucket=bucket, run_id=JOB, tuning_job_name=JOB,
                                                    status="Completed")
    with pytest.raises(UnusableEvent) as refused:
        change.run_step("another-bucket")
    assert refused.value.reason == "not-this-stacks-bucket"
    renamed = copy.deepcopy(detail)
    renamed["HyperParameterTuningJobName"] = "another-job"
    with pytest.raises(UnusableEvent) as refused:
        TuningJobStateChange.model_validate(renamed).run_step(bucket)
    assert refused.value.reason == "run-id-is-not-the-job-name"


def test_prepare_data_refuses_another_bucket_and_writes_nothing(stack, lambda_context) -> None:
    """PrepareData is a state-machine task, not an event handler: its refusal fails the execution."""
    from amt_pipeline.errors import ForeignBucket

    handler = load_function("prepare_data").lambda_handler
    request = {"run_id": "amt-20261128-101500-ab12", "bucket": OTHER_BUCKET,
               "dataset": {"kind": "builtin", "name": "digits", "split": "post", "validation_fraction": 0.3,
                           "train_key": "runs/amt-20261128-101500-ab12/data/train/train.csv",
                           "validation_key": "runs/amt-20261128-101500-ab12/data/validation/validation.csv"}}
    with pytest.raises(ForeignBucket, match="someone-elses-bucket"):
        handler(request, lambda_context)
    assert stack.list_objects_v2(Bucket=OTHER_BUCKET).get("KeyCount") == 0
