"""The report steps against moto's S3, SNS and EventBridge: what each writes,
publishes and announces."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from amt_pipeline.aws.adapters import EventPublisher, Notifier, ObjectStore
from amt_pipeline.events import RunStepDetail
from amt_pipeline.logic.notify import notify
from amt_pipeline.logic.render_report import render_report
from amt_pipeline.report.link import DAY_SECONDS, ReportLinks, check_link
from amt_pipeline.settings import NotifySettings
from tests import synthetic

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


def test_render_computes_the_summary_once_for_the_page_and_summary_json(aws, monkeypatch) -> None:
    # Given stored trials, and summarize counted
    from amt_pipeline.report import render as render_module
    from amt_pipeline.trials import summary as summary_module

    store = ObjectStore(aws["s3"], BUCKET)
    store.put_text(STEP.layout.trials_json_key, synthetic.report_input(20).to_json(), "application/json")
    calls = []
    real = summary_module.summarize
    for module in (summary_module, render_module):
        monkeypatch.setattr(module, "summarize", lambda ri: calls.append(1) or real(ri))
    # When the report is rendered
    render_report(store, EventPublisher(aws["events"]), step=STEP)
    # Then the summary was computed once, and the page shows the summary.json written
    assert len(calls) == 1
    summary = json.loads(store.get_text(STEP.layout.summary_key))
    assert summary["best"]["training_job_name"] in store.get_text(STEP.layout.report_html_key)


def test_notify_publishes_one_message_with_a_report_link_that_opens_for_the_configured_days(aws) -> None:
    store = ObjectStore(aws["s3"], BUCKET)
    store.put_json(STEP.layout.summary_key, {"status": "Completed", "tuning_job_name": "xgb-digits"})
    links = ReportLinks("https://abc.lambda-url.us-east-1.on.aws/", b"k" * 64, days=30)

    before = time.time()
    sent = notify(store, Notifier(aws["sns"], aws["topic"]), links, step=STEP)

    # The link is the link function's URL with a token for this run, good for 30 days, not a presigned URL
    url = urlparse(sent["report_url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "abc.lambda-url.us-east-1.on.aws", "/")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert set(query) == {"run", "expires", "sig"} and query["run"] == "xgb-digits"
    assert before + 30 * DAY_SECONDS <= int(query["expires"]) <= time.time() + 30 * DAY_SECONDS + 1
    assert check_link(b"k" * 64, query, before + 30 * DAY_SECONDS - 60).run_id == "xgb-digits"
    (message,) = received(aws["sqs"], aws["inbox"])
    assert message["Subject"] == sent["subject"]
    assert sent["report_url"] in message["Message"]


NOTIFY_ENV = {"BUCKET_NAME": BUCKET, "IDEMPOTENCY_TABLE_NAME": "t", "TOPIC_ARN": "arn:aws:sns:us-east-1:1:t",
              "REPORT_LINK_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:s",
              "REPORT_LINK_BASE_URL": "https://abc.lambda-url.us-east-1.on.aws/"}


@pytest.mark.parametrize("days", [0, 366])
def test_a_report_link_lifetime_outside_1_to_365_days_is_refused(days: int) -> None:
    with pytest.raises(ValidationError, match="report_link_expiry_days"):
        NotifySettings.from_env({**NOTIFY_ENV, "REPORT_LINK_EXPIRY_DAYS": str(days)})


def test_a_report_link_lasts_7_days_unless_configured() -> None:
    assert NotifySettings.from_env(NOTIFY_ENV).report_link_expiry_days == 7
    assert NotifySettings.from_env({**NOTIFY_ENV, "REPORT_LINK_EXPIRY_DAYS": "30"}).report_link_expiry_days == 30


def test_a_missing_setting_is_named() -> None:
    with pytest.raises(ValidationError, match="topic_arn"):
        NotifySettings.from_env({"BUCKET_NAME": BUCKET, "IDEMPOTENCY_TABLE_NAME": "t"})
