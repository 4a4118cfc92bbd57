"""The sample SageMaker events (tests/events) against the handlers' own models
and the template's own rule patterns (matched by EventBridge's emulation)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from amt.local.template import LocalStack, load_template
from amt_pipeline.events import TuningJobStateChangeEvent

EVENTS = Path(__file__).resolve().parents[1] / "events"
TUNING_EVENTS = sorted(EVENTS.glob("sagemaker-tuning-job-*.json"))


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def rule_pattern(bucket: str) -> dict:
    stack = LocalStack(load_template(), "us-east-1", "123456789012", "test")
    stack.physical["DataBucket"] = bucket
    return stack.resolve(stack.resources["ExtractTrialsFunction"]["Properties"]["Events"]["TuningJobEnded"]
                         ["Properties"]["Pattern"])


def matches(pattern: dict, event: dict) -> bool:
    """Does EventBridge (moto's) deliver this event to a rule with this pattern?"""
    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="matched")["QueueUrl"]
    events.put_rule(Name="under-test", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="under-test", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:matched"}])
    events.put_events(Entries=[{"Source": event["source"], "DetailType": event["detail-type"],
                                "Detail": json.dumps(event["detail"]), "Resources": event.get("resources", [])}])
    delivered = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in delivered:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bool(delivered)


@pytest.mark.parametrize("path", TUNING_EVENTS, ids=lambda p: p.name)
def test_the_extract_handlers_model_reads_each_sample_tuning_event(path: Path) -> None:
    event = TuningJobStateChangeEvent.model_validate(json.loads(path.read_text()))
    assert event.detail.ended
    assert event.detail.layout.run_id == event.detail.HyperParameterTuningJobName


@pytest.mark.parametrize("path", TUNING_EVENTS, ids=lambda p: p.name)
@mock_aws
def test_the_templates_rule_matches_an_ended_job_of_this_stacks_bucket(path: Path) -> None:
    event = json.loads(path.read_text())
    bucket = event["detail"]["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"].split("/")[2]
    assert matches(rule_pattern(bucket), event)


@mock_aws
def test_the_rule_ignores_other_buckets_jobs_in_progress_and_training_jobs() -> None:
    completed = load("sagemaker-tuning-job-completed.json")
    bucket = completed["detail"]["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"].split("/")[2]
    pattern = rule_pattern(bucket)

    in_progress = json.loads(json.dumps(completed))
    in_progress["detail"]["HyperParameterTuningJobStatus"] = "InProgress"
    other_stack = json.loads(json.dumps(completed))
    other_stack["detail"]["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"] = (
        "s3://someone-else/runs/x/output/")
    training = load("sagemaker-training-job-completed.json")

    assert matches(pattern, completed)
    for event in (in_progress, other_stack, training):
        assert not matches(pattern, event)


def test_the_handler_ignores_a_stray_in_progress_event(lambda_context) -> None:
    from tests.conftest import load_function

    event = load("sagemaker-tuning-job-completed.json")
    event["detail"]["HyperParameterTuningJobStatus"] = "InProgress"
    result = load_function("extract_trials").lambda_handler(event, lambda_context)
    assert result == {"skipped": "InProgress"}
