"""Duplicate events, throttling and faults, through the stack's own rules and
handlers in moto: each protection here fails its test when it is removed."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import boto3
import botocore.handlers
import moto  # noqa: F401  (registers its before-send handler, which the fault injector fronts)
import pytest
from botocore.awsrequest import AWSResponse

from amt.local.runtime import LocalPipeline
from tests.integration.fake_sagemaker import FakeSageMaker

TRIALS_250 = [0.80 + 0.0004 * i for i in range(250)]


class _Raw(io.BytesIO):
    def stream(self, **_):
        yield self.read()


class FaultInjector:
    """Answers the first N calls of an operation with an AWS error, on the wire (before-send),
    so botocore's own retry logic sees it as it would on AWS. It stands in front of moto's
    handler and calls it only when no fault is due, so a faulted call has no effect."""

    def __init__(self, moto_handler):
        self.moto_handler = moto_handler
        self.plans: dict[str, list[tuple[int, bytes]]] = {}
        self.injected: Counter[str] = Counter()

    def fail(self, event: str, times: int, status: int, body: str) -> None:
        self.plans[event] = [(status, body.encode())] * times

    def __call__(self, request, event_name: str, **_):
        for event, plan in self.plans.items():
            if event_name == event and plan:
                status, body = plan.pop()
                self.injected[event] += 1
                return AWSResponse(request.url, status, {}, _Raw(body))
        return self.moto_handler(request=request, event_name=event_name, **_)


@pytest.fixture
def faults():
    handlers = botocore.handlers.BUILTIN_HANDLERS
    index = next(i for i, entry in enumerate(handlers) if entry[0] == "before-send")
    moto_entry = handlers[index]
    injector = FaultInjector(moto_entry[1])
    handlers[index] = ("before-send", injector)  # sessions made from now on carry the injector
    yield injector
    handlers[index] = moto_entry


class Recorder:
    def __init__(self, **options):
        self.options, self.fake = options, None

    def __call__(self, **kwargs) -> FakeSageMaker:
        self.fake = FakeSageMaker(**kwargs, **self.options)
        return self.fake


def run(tmp_path: Path, execution_input: dict, **fake_options):
    recorder = Recorder(**fake_options)
    result = LocalPipeline(tmp_path / "run", engine_factory=recorder, poll_seconds=0.02).run(
        execution_input, execution_name="resilience", timeout_seconds=300)
    return result, recorder.fake


def report_versions(result, name: str) -> int:
    """How many times a report object was written (the local bucket is versioned, as the stack's)."""
    s3 = boto3.client("s3")
    return len([v for v in s3.list_object_versions(Bucket=result.bucket, Prefix="")["Versions"]
                if v["Key"].endswith(f"reports/{name}")])


def test_the_same_event_three_times_gives_one_report_and_one_notification(tmp_path: Path) -> None:
    # Given SageMaker delivers the job's Completed event three times, then a late InProgress one
    result, fake = run(tmp_path, {"job_name": "dup", "baseline": False},
                       event_deliveries=3, late_in_progress_event=True)
    # Then one notification went out, and the trials were listed once
    assert result.execution_status == "SUCCEEDED"
    assert len(result.notifications) == 1
    assert len(fake.called("ListTrainingJobsForHyperParameterTuningJob")) == 1
    assert not result.dead_letters
    assert result.report_path is not None


def test_throttling_and_slowdowns_are_retried_and_the_report_is_complete(tmp_path: Path, faults) -> None:
    # Given 250 trials, SageMaker throttling a list page and the describe, S3 slowing one write,
    # SNS failing once
    faults.fail("before-send.s3.PutObject", 1, 503,
                "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")
    faults.fail("before-send.sns.Publish", 1, 500,
                "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code>"
                "<Message>try again</Message></Error></ErrorResponse>")
    result, fake = run(tmp_path, {"job_name": "throttled", "baseline": False}, trials=TRIALS_250,
                       faults={"ListTrainingJobsForHyperParameterTuningJob": ["ThrottlingException"],
                               "DescribeHyperParameterTuningJob": ["ThrottlingException"]})
    # Then every fault was met, retried, and the report holds every trial
    assert faults.injected["before-send.s3.PutObject"] == 1
    assert faults.injected["before-send.sns.Publish"] == 1
    assert result.execution_status == "SUCCEEDED"
    assert not result.dead_letters
    csv = (result.bucket_dir / "runs/throttled/reports/trials.csv").read_text().splitlines()
    assert len(csv) == 1 + 250
    assert len(result.notifications) == 1


def test_a_fault_that_outlasts_the_retries_keeps_the_event_in_the_dead_letter_queue(tmp_path: Path) -> None:
    # Given SageMaker refuses to list the trials, every time
    result, fake = run(tmp_path, {"job_name": "denied", "baseline": False},
                       faults={"ListTrainingJobsForHyperParameterTuningJob": ["AccessDeniedException"]})
    # Then the rule's retries ran out and the original event waits in the dead-letter queue
    assert len(result.dead_letters) == 1
    dead = result.dead_letters[0]
    assert dead["detail-type"] == "SageMaker HyperParameter Tuning Job State Change"
    assert dead["detail"]["HyperParameterTuningJobName"] == "denied"
    assert len(fake.called("ListTrainingJobsForHyperParameterTuningJob")) == 1 + 8  # the template's retries
    assert result.notifications == []


@pytest.mark.parametrize(
    ("trials", "final_status", "expected"),
    [
        ([], "Failed", "Failed"),  # failed before any trial finished
        ([0.86, 0.88, None], "Stopped", "Stopped"),  # stopped by the user
        ([None, None, None], "Failed", "Failed"),  # every trial failed
    ],
    ids=["failed-with-no-trial", "stopped", "all-trials-failed"],
)
def test_unhappy_endings_get_a_report_and_a_clear_notification(tmp_path: Path, trials, final_status,
                                                               expected) -> None:
    result, _ = run(tmp_path, {"job_name": "unhappy", "baseline": False}, trials=trials,
                    final_status=final_status)
    assert not result.dead_letters, "a handler crashed"
    assert result.report_path is not None
    html = result.report_path.read_text()
    assert expected in html
    (note,) = result.notifications
    assert expected in note["subject"]
    if final_status == "Failed":
        assert "All training jobs failed" in note["message"]
