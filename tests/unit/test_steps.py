"""The report steps against moto's S3, SNS and EventBridge: what each writes,
publishes and announces."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from amt_pipeline.aws.adapters import EventPublisher, Notifier, ObjectStore
from amt_pipeline.events import RunStepDetail
from amt_pipeline.report import synthetic
from amt_pipeline.settings import NotifySettings
from amt_pipeline.steps import notify, render_report

BUCKET = "amt-test-bucket"
STEP = RunStepDetail(bucket=BUCKET, run_id="xgb-digits", tuning_job_name="xgb-digits", status="Completed")


@pytest.fixture
def aws():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        sns = boto3.client("sns", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        topic = sns.create_topic(Name="notifications")["TopicArn"]
        inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:inbox")
        events = boto3.client("events", region_name="us-east-1")
        seen = sqs.create_queue(QueueName="events")["QueueUrl"]
        events.put_rule(Name="all", EventPattern=json.dumps({"source": ["amt-pipeline"]}))
        events.put_targets(Rule="all", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:events"}])
        yield {"s3": s3, "sns": sns, "sqs": sqs, "topic": topic, "inbox": inbox, "events": events, "seen": seen}


def received(sqs, url) -> list[dict]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_render_stores_an_html_page_the_browser_opens_and_announces_it(aws) -> None:
    # Given stored trials
    store = ObjectStore(aws["s3"], BUCKET)
    store.put_text(STEP.layout.trials_json_key, synthetic.report_input(20).to_json(), "application/json")
    # When the report is rendered
    render_report(store, EventPublisher(aws["events"]), step=STEP)
    # Then index.html is served as UTF-8 HTML, the summary is JSON, and "Report Rendered" went out
    head = aws["s3"].head_object(Bucket=BUCKET, Key=STEP.layout.report_html_key)
    assert head["ContentType"] == "text/html; charset=utf-8"
    summary = json.loads(store.get_text(STEP.layout.summary_key))
    assert summary["status"] == "Completed"
    (event,) = received(aws["sqs"], aws["seen"])
    assert event["detail-type"] == "Report Rendered"
    assert event["detail"] == STEP.model_dump()


def test_notify_publishes_one_message_with_a_link_that_expires_as_configured(aws) -> None:
    store = ObjectStore(aws["s3"], BUCKET)
    store.put_json(STEP.layout.summary_key, {"status": "Completed", "tuning_job_name": "xgb-digits"})
    store.put_text(STEP.layout.report_html_key, "<html></html>", "text/html; charset=utf-8")

    sent = notify(store, Notifier(aws["sns"], aws["topic"]), 3600, step=STEP)

    query = parse_qs(urlparse(sent["report_url"]).query)
    assert urlparse(sent["report_url"]).path.endswith("/runs/xgb-digits/reports/index.html")
    assert "Signature" in query or "X-Amz-Signature" in query
    (message,) = received(aws["sqs"], aws["inbox"])
    assert message["Subject"] == sent["subject"]
    assert sent["report_url"] in message["Message"]


@pytest.mark.parametrize("seconds", [59, 7 * 24 * 3600 + 1])
def test_a_report_link_beyond_sigv4s_seven_days_is_refused(seconds: int) -> None:
    environ = {"BUCKET_NAME": BUCKET, "IDEMPOTENCY_TABLE_NAME": "t", "TOPIC_ARN": "arn:aws:sns:us-east-1:1:t",
               "REPORT_LINK_EXPIRY_SECONDS": str(seconds)}
    with pytest.raises(ValidationError, match="report_link_expiry_seconds"):
        NotifySettings.from_env(environ)


def test_a_missing_setting_is_named() -> None:
    with pytest.raises(ValidationError, match="topic_arn"):
        NotifySettings.from_env({"BUCKET_NAME": BUCKET, "IDEMPOTENCY_TABLE_NAME": "t"})
