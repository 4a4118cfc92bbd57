"""TrackProgress in moto: the template's rule, the progress record under duplicates,
out-of-order and concurrent events, the render debounce, and the final report winning.

The tuning job is a running synthetic one (tests.simulated_job): SageMaker's
read calls answer as at the simulated moment, and the store's clock is that moment, so a
job of 200 trials spread over an hour runs in seconds.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from amt.local.template import LocalStack, create_table, load_template
from amt_pipeline.aws.adapters import ObjectStore
from amt_pipeline.aws.progress_table import ProgressStore
from amt_pipeline.live import report as live_report
from amt_pipeline.live.trial_event import TrainingJobStateChange, TrainingJobStateChangeEvent
from amt_pipeline.logic.track_progress import track_trial
from tests.simulated_job import SimulatedTuningJob
from tests.synthetic import START

EVENTS = Path(__file__).resolve().parents[1] / "events"
BUCKET = "amt-pipeline-data-123456789012"
TABLE = "amt-pipeline-IdempotencyTable"
REGION = "us-east-1"


class Clock:
    def __init__(self, when: datetime = START):
        self.when = when

    def __call__(self) -> float:
        return self.when.timestamp()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_table(dynamodb, TABLE)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        yield {"dynamodb": dynamodb, "s3": s3}


def change(event: dict[str, Any]) -> TrainingJobStateChange:
    return TrainingJobStateChangeEvent.model_validate(event).detail


class Renders:
    """Counts the in-progress renders (and their simulated moments) without paying for the charts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, clock: Clock):
        self.at: list[datetime] = []
        real = live_report.add_in_progress

        def fake_render(report_input: Any, progress: Any, refresh_seconds: int = 60) -> str:
            self.at.append(clock.when)
            return real("<html><head></head><body></body></html>", progress, refresh_seconds)

        monkeypatch.setattr(live_report, "render_in_progress", fake_render)


# --- the rule -------------------------------------------------------------------------------------

def rule_pattern(stack_name: str) -> dict:
    stack = LocalStack(load_template(), REGION, "123456789012", stack_name)
    stack.physical["DataBucket"] = BUCKET
    return stack.resolve(stack.resources["TrackProgressFunction"]["Properties"]["Events"]["TrainingJobChanged"]
                         ["Properties"]["Pattern"])


def delivered(pattern: dict, events: list[dict]) -> list[str]:
    client, sqs = boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="matched")["QueueUrl"]
    client.put_rule(Name="under-test", EventPattern=json.dumps(pattern))
    client.put_targets(Rule="under-test", Targets=[{"Id": "q", "Arn": f"arn:aws:sqs:{REGION}:123456789012:matched"}])
    for event in events:
        client.put_events(Entries=[{"Source": event["source"], "DetailType": event["detail-type"],
                                    "Detail": json.dumps(event["detail"]), "Resources": event["resources"]}])
    names = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            body = json.loads(message["Body"])["detail"]
            names.append(body.get("TrainingJobName") or body.get("HyperParameterTuningJobName"))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return names


def test_the_rule_takes_the_trials_of_this_stacks_tuning_jobs_only(aws: dict) -> None:
    trial = json.loads((EVENTS / "sagemaker-training-job-completed.json").read_text())
    in_progress = json.loads(json.dumps(trial))
    in_progress["detail"]["TrainingJobStatus"] = "InProgress"
    in_progress["detail"]["TrainingJobName"] = "in-progress-trial"
    other_stack = json.loads(json.dumps(trial))
    other_stack["detail"]["Tags"]["amt-pipeline:stack"] = "someone-else"
    other_stack["detail"]["TrainingJobName"] = "other-stacks-trial"
    baseline = json.loads(json.dumps(trial))  # a standalone job with the stack's tags: no tuning objective
    del baseline["detail"]["HyperParameters"]["_tuning_objective_metric"]
    baseline["detail"]["TrainingJobName"] = "amt-20261128-101500-ab12-baseline"
    untagged = json.loads(json.dumps(trial))
    untagged["detail"]["Tags"] = {}
    untagged["detail"]["TrainingJobName"] = "untagged"
    tuning = json.loads((EVENTS / "sagemaker-tuning-job-completed.json").read_text())

    names = delivered(rule_pattern("amt-pipeline"), [trial, in_progress, other_stack, baseline, untagged, tuning])

    assert sorted(names) == sorted([trial["detail"]["TrainingJobName"], "in-progress-trial"])


def test_the_handler_reads_the_sample_event_and_counts_it(aws: dict, monkeypatch: pytest.MonkeyPatch,
                                                          lambda_context: Any) -> None:
    from tests.conftest import load_function

    monkeypatch.setenv("BUCKET_NAME", BUCKET)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", TABLE)
    monkeypatch.setenv("RENDER_INTERVAL_SECONDS", "60")
    from amt_pipeline.aws import clients

    clients.client.cache_clear() if hasattr(clients.client, "cache_clear") else None
    monkeypatch.setattr("amt_pipeline.logic.track_progress.render_progress", lambda *a, **k: True)
    handler = load_function("track_progress").lambda_handler
    event = json.loads((EVENTS / "sagemaker-training-job-completed.json").read_text())

    first = handler(event, lambda_context)
    again = handler(event, lambda_context)  # SageMaker sends a change more than once

    assert first["counted"] and first["rendered"] and first["run_id"] == "amt-20261128-101500-ab12"
    assert not again["counted"] and not again["rendered"]
    record = ProgressStore(aws["dynamodb"], TABLE).read("amt-20261128-101500-ab12")
    assert record["count_Completed"] == 1


def test_a_trials_start_is_counted_but_only_its_end_claims_a_render(aws: dict, monkeypatch: pytest.MonkeyPatch,
                                                                     lambda_context: Any) -> None:
    from tests.conftest import load_function

    monkeypatch.setenv("BUCKET_NAME", BUCKET)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", TABLE)
    monkeypatch.setenv("RENDER_INTERVAL_SECONDS", "60")
    monkeypatch.setattr("amt_pipeline.logic.track_progress.render_progress", lambda *a, **k: True)
    handler = load_function("track_progress").lambda_handler
    completed = json.loads((EVENTS / "sagemaker-training-job-completed.json").read_text())
    started = json.loads(json.dumps(completed))
    started["detail"]["TrainingJobStatus"] = "InProgress"

    first = handler(started, lambda_context)
    record = ProgressStore(aws["dynamodb"], TABLE).read("amt-20261128-101500-ab12")
    assert first["counted"] and not first["rendered"]
    assert record["count_InProgress"] == 1 and "rendered_at" not in record and "render_claims" not in record

    second = handler(completed, lambda_context)
    record = ProgressStore(aws["dynamodb"], TABLE).read("amt-20261128-101500-ab12")
    assert second["counted"] and second["rendered"] and record["render_claims"] == 1


# --- the record -----------------------------------------------------------------------------------

def test_duplicates_and_out_of_order_events_count_each_trial_once_at_its_latest_status(aws: dict) -> None:
    job = SimulatedTuningJob("amt-ooo", 12, bucket=BUCKET).at(START + timedelta(days=1))
    events = [event for _, event in job.events()]
    rng = random.Random(3)
    shuffled = events + rng.sample(events, len(events))  # every event twice, the copies in random order
    rng.shuffle(shuffled)
    store = ProgressStore(aws["dynamodb"], TABLE, clock=Clock(START + timedelta(days=1)))

    for event in shuffled:
        store.record_trial(change(event), "amt-ooo")

    record = store.read("amt-ooo")
    truth = {s: sum(t["TrainingJobStatus"] == s for t in job.trials) for s in ("Completed", "Failed")}
    assert record.get("count_Completed", 0) == truth["Completed"]
    assert record.get("count_Failed", 0) == truth["Failed"]
    assert record.get("count_InProgress", 0) == 0  # a late InProgress never moved a trial back
    for trial in job.trials:
        key = {"id": {"S": f"progress-trial#{trial['TrainingJobName']}"}}
        item = aws["dynamodb"].get_item(TableName=TABLE, Key=key)
        assert item["Item"]["status"]["S"] == trial["TrainingJobStatus"]
    assert len(record["recent"]) == 10
    assert record["started_at"] == pytest.approx(min(t["CreationTime"] for t in job.trials).timestamp(), abs=1)


class Atomic:
    """A DynamoDB client whose calls are each atomic, as DynamoDB's are (moto's in-process backend is
    not thread-safe): threads still interleave BETWEEN calls, the window the store's conditions guard."""

    def __init__(self, client: Any):
        self._client, self._lock = client, threading.Lock()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            with self._lock:
                return method(**kwargs)
        return call


def test_concurrent_events_are_never_lost(aws: dict) -> None:
    job = SimulatedTuningJob("amt-race", 40, bucket=BUCKET)
    events = [event for _, event in job.events()] * 2  # each change twice, all at once, 8 threads
    random.Random(5).shuffle(events)
    store = ProgressStore(Atomic(aws["dynamodb"]), TABLE, clock=Clock(START + timedelta(days=1)))
    moved: list[Any] = []

    def deliver(event: dict) -> None:
        moved.append(store.record_trial(change(event), "amt-race"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(deliver, events))

    record = store.read("amt-race")
    ended = sum(record.get(f"count_{s}", 0) for s in ("Completed", "Failed", "Stopped"))
    assert ended == 40 and record.get("count_InProgress", 0) == 0
    assert len([m for m in moved if m is not None and m.status != "InProgress"]) == 40  # each end counted once


def test_an_in_progress_racing_the_completed_of_the_same_trial_loses(aws: dict) -> None:
    """The classic race: A reads "no trial yet", B records Completed, then A writes InProgress."""
    job = SimulatedTuningJob("amt-race", 3, bucket=BUCKET)
    trial = job.trials[0]
    clock = Clock(START + timedelta(days=1))
    other = ProgressStore(aws["dynamodb"], TABLE, clock=clock)

    class CompletedSlipsIn:
        def __init__(self, client: Any):
            self.client, self.slipped = client, False

        def __getattr__(self, name: str) -> Any:
            return getattr(self.client, name)

        def transact_write_items(self, **kwargs: Any) -> Any:
            if not self.slipped:
                self.slipped = True
                other.record_trial(change(job.event(trial, "Completed")), "amt-race")
            return self.client.transact_write_items(**kwargs)

    store = ProgressStore(CompletedSlipsIn(aws["dynamodb"]), TABLE, clock=clock)
    assert store.record_trial(change(job.event(trial, "InProgress")), "amt-race") is None
    record = store.read("amt-race")
    assert record["count_Completed"] == 1 and record.get("count_InProgress", 0) == 0


# --- renders ----------------------------------------------------------------------------------------

def deliver_all(job: SimulatedTuningJob, aws: dict, clock: Clock, events: list[tuple[datetime, dict]],
                interval: float = 60) -> list[Any]:
    store = ProgressStore(aws["dynamodb"], TABLE, clock=clock)
    results = []
    for when, event in events:
        clock.when = when
        job.at(when)
        results.append(track_trial(change(event), store=store, sagemaker=job, objects=ObjectStore(aws["s3"], BUCKET),
                                   interval_seconds=interval))
    return results


def test_200_trials_render_at_most_once_a_minute_and_the_final_report_wins(
        aws: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    renders = Renders(monkeypatch, clock)
    job = SimulatedTuningJob("amt-200", 200, bucket=BUCKET)
    timeline = job.events()
    rng = random.Random(7)
    # Duplicates, and deliveries up to 20 s late (out of order), as EventBridge may.
    noisy = sorted(timeline + rng.sample(timeline, 60),
                   key=lambda pair: pair[0] + timedelta(seconds=rng.uniform(0, 20)))
    before_end = [(w, e) for w, e in noisy if w < job.end_time]

    deliver_all(job, aws, clock, before_end)

    assert len(renders.at) > 10  # the report grew while the job ran...
    gaps = [(b - a).total_seconds() for a, b in zip(renders.at, renders.at[1:], strict=False)]
    assert min(gaps) >= 60  # ...at most once per minute however fast trials ended
    minutes = (job.end_time - START).total_seconds() / 60
    assert len(renders.at) <= minutes + 1
    key = "runs/amt-200/reports/index.html"
    head = aws["s3"].head_object(Bucket=BUCKET, Key=key)
    assert head["Metadata"] == {"amt-report": "in-progress"}

    # The job ends: RenderReport writes the final report (no in-progress mark), then late events arrive.
    aws["s3"].put_object(Bucket=BUCKET, Key=key, Body=b"<html>final</html>", ContentType="text/html")
    after = [(w + timedelta(minutes=5), e) for w, e in noisy[-30:]]
    count = len(renders.at)
    deliver_all(job, aws, clock, after)

    assert aws["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"<html>final</html>"
    assert len(renders.at) == count  # the ended job is seen in its describe: no render at all
    record = ProgressStore(aws["dynamodb"], TABLE).read("amt-200")
    assert record["job_ended"] == "Completed"
    assert record["renders"] == count


def test_a_final_report_landing_during_a_render_is_not_overwritten(aws: dict) -> None:
    key = "runs/amt-race/reports/index.html"
    s3 = aws["s3"]
    assert live_report.publish_in_progress(ObjectStore(s3, BUCKET), key, "<html>in progress 1</html>")

    class FinalLandsAfterHead:
        def __init__(self, s3: Any):
            self.s3 = s3

        def head_object(self, **kwargs: Any) -> Any:
            head = self.s3.head_object(**kwargs)
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=b"final")  # RenderReport, in between
            return head

        def put_object(self, **kwargs: Any) -> Any:
            return self.s3.put_object(**kwargs)

    assert not live_report.publish_in_progress(ObjectStore(FinalLandsAfterHead(s3), BUCKET), key,
                                              "<html>in progress 2</html>")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"final"
    # the final report: left alone
    assert not live_report.publish_in_progress(ObjectStore(s3, BUCKET), key, "<html>in progress 3</html>")


def test_the_in_progress_report_has_the_banner_charts_and_refresh_and_the_final_one_has_neither(aws: dict) -> None:
    from amt_pipeline.report.render import render_report
    from amt_pipeline.trials.report_input import collect_report_input

    job = SimulatedTuningJob("amt-page", 30, bucket=BUCKET)
    middle = START + (job.end_time - START) / 2
    clock = Clock(middle)
    results = deliver_all(job, aws, clock, [(middle, job.event(job.trials[0], "Completed"))])
    assert results[0].rendered

    page = s3_text(aws, "runs/amt-page/reports/index.html")
    assert "id='amt-in-progress'" in page and "http-equiv='refresh' content='60'" in page
    assert "in progress: " in page and " of 30 trials, best so far 0." in page and "estimated end " in page
    assert "data-chart='explorer'" in page  # the charts so far

    final = render_report(collect_report_input(job.at(job.end_time), "amt-page", include_parents=False))
    assert "amt-in-progress" not in final and "http-equiv='refresh'" not in final


def s3_text(aws: dict, key: str) -> str:
    return aws["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


def test_the_first_failed_trial_is_told_once(aws: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    Renders(monkeypatch, Clock())
    job = SimulatedTuningJob("amt-fail", 30, bucket=BUCKET, failed_every=3)
    failed = [t for t in job.trials if t["TrainingJobStatus"] == "Failed"]
    published: list[tuple[str, str]] = []

    class Topic:
        def publish(self, subject: str, message: str) -> str:
            published.append((subject, message))
            return "id"

    store = ProgressStore(aws["dynamodb"], TABLE, clock=Clock(START + timedelta(days=1)))
    job.at(START + timedelta(days=1))
    for trial in failed + failed:
        track_trial(change(job.event(trial, "Failed")), store=store, sagemaker=job,
                    objects=ObjectStore(aws["s3"], BUCKET), notifier=Topic())

    assert len(published) == 1
    subject, message = published[0]
    assert "amt-fail" in subject and failed[0]["TrainingJobName"] in message
    assert failed[0]["FailureReason"] in message and "amt stop amt-fail" in message


def test_times_in_events_are_epoch_milliseconds() -> None:
    event = json.loads((EVENTS / "sagemaker-training-job-completed.json").read_text())
    parsed = change(event)
    assert parsed.created_at == datetime.fromtimestamp(1795856463.316, UTC)
    assert parsed.is_trial and parsed.tuning_job_name == "amt-20261128-101500-ab12"
