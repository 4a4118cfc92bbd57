"""Events the report handlers cannot use, sent through the template's own rules (the local
runtime routes each rule's target through a queue with the rule's RetryPolicy and DLQ).

A permanent refusal (amt_pipeline.refusals) reaches its handler once, is logged once with
its reason, counted (EventsRefused) and never dead-lettered; a retryable failure is retried
as the template says (1 + 8 deliveries), then dead-lettered."""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from amt.local.functions import LocalFunctions
from amt.local.runtime import LocalPipeline
from tests.integration.fake_sagemaker import FakeSageMaker

JOB = "usable"
STACK_BUCKET = "amt-local-databucket"  # the local stack's DataBucket
CASE = "x-test-case"  # an extra detail field (the models ignore it) naming each forged event
RETRIES = 8  # the template's RetryPolicy.MaximumRetryAttempts


def _tuning(end: dict, case: str, **detail: Any) -> dict:
    event = copy.deepcopy(end)
    event["detail"].update(detail, **{CASE: case})
    return event


def _output(path: str) -> dict:
    return {"OutputDataConfig": {"S3OutputPath": path}}


def _pipeline(detail_type: str, case: str, detail: dict) -> dict:
    return {"source": "amt-pipeline", "detail-type": detail_type, "resources": [], "detail": {**detail, CASE: case}}


def _without_name(end: dict) -> dict:
    event = _tuning(end, "missing-job-name")
    del event["detail"]["HyperParameterTuningJobName"]
    return event


STEP = {"bucket": STACK_BUCKET, "run_id": JOB, "tuning_job_name": JOB, "status": "Completed"}

# case -> (the function(s) its rules reach, the refusal's reason, the event built from the job's own end event)
PERMANENT = {
    "unknown-tuning-job": ("ExtractTrialsFunction", "unknown-tuning-job", lambda end: _tuning(
        end, "unknown-tuning-job", HyperParameterTuningJobName="ghost",
        TrainingJobDefinition=_output(f"s3://{STACK_BUCKET}/runs/ghost/output/"))),
    "missing-job-name": ("ExtractTrialsFunction", "malformed-event", _without_name),
    "status-as-a-list": ("ExtractTrialsFunction", "malformed-event", lambda end: _tuning(
        end, "status-as-a-list", HyperParameterTuningJobStatus=["Completed"])),
    "dot-dot-output-path": ("ExtractTrialsFunction", "not-a-run-output-path", lambda end: _tuning(
        end, "dot-dot-output-path", TrainingJobDefinition=_output(f"s3://{STACK_BUCKET}/runs/../output/"))),
    "deeper-output-path": ("ExtractTrialsFunction", "not-a-run-output-path", lambda end: _tuning(
        end, "deeper-output-path", TrainingJobDefinition=_output(f"s3://{STACK_BUCKET}/runs/{JOB}/x/output/"))),
    "another-runs-output-path": ("ExtractTrialsFunction", "run-id-is-not-the-job-name", lambda end: _tuning(
        end, "another-runs-output-path", TrainingJobDefinition=_output(f"s3://{STACK_BUCKET}/runs/other/output/"))),
    "trials-extracted-bad-run-id": ("RenderReportFunction", "malformed-event", lambda end: _pipeline(
        "Trials Extracted", "trials-extracted-bad-run-id", {**STEP, "run_id": "../x"})),
    "trials-extracted-status-list": ("RenderReportFunction", "malformed-event", lambda end: _pipeline(
        "Trials Extracted", "trials-extracted-status-list", {**STEP, "status": ["Completed"]})),
    # "Report Rendered" reaches two rules: Notify's and DecideFollowUp's (a chain's next round)
    "report-rendered-missing-run": (("NotifyFunction", "DecideFollowUpFunction"), "malformed-event",
                                    lambda end: _pipeline("Report Rendered", "report-rendered-missing-run",
                                                          {"bucket": STACK_BUCKET})),
}


def _functions(function: str | tuple[str, ...]) -> tuple[str, ...]:
    return function if isinstance(function, tuple) else (function,)


class Deliveries:
    """Every invocation of a function by the runtime: the event's test case, its result, its error."""

    def __init__(self) -> None:
        self.by_case: dict[str | None, list[tuple[str, dict, str | None]]] = defaultdict(list)
        self._invoke = LocalFunctions.invoke

    def __call__(self, functions: LocalFunctions, function: str, payload: bytes) -> tuple[bytes, str | None]:
        response, error = self._invoke(functions, function, payload)
        case = (json.loads(payload or b"{}").get("detail") or {}).get(CASE)
        self.by_case[case].append((function, json.loads(response), error))
        return response, error


def run(tmp_path: Path, extra_events, **fake_options):
    deliveries = Deliveries()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LocalFunctions, "invoke", lambda self, f, p: deliveries(self, f, p))
        result = LocalPipeline(tmp_path / "run", poll_seconds=0.02,
                               engine_factory=lambda **kw: FakeSageMaker(**kw, extra_events=extra_events,
                                                                          **fake_options)).run(
            {"job_name": JOB, "baseline": False}, execution_name="unusable", timeout_seconds=300)
    return result, deliveries


@pytest.fixture(scope="module")
def forged_run(tmp_path_factory):
    return run(tmp_path_factory.mktemp("forged"), lambda end: [make(end) for _, _, make in PERMANENT.values()])


@pytest.mark.parametrize("case", PERMANENT)
def test_a_permanent_refusal_is_delivered_once_skipped_and_not_dead_lettered(forged_run, case: str) -> None:
    result, deliveries = forged_run
    function, reason, _ = PERMANENT[case]
    # Then each rule delivered it once (no retry), and each handler skipped it with the reason
    functions = _functions(function)
    assert sorted(d[0] for d in deliveries.by_case[case]) == sorted(functions)
    for delivery in deliveries.by_case[case]:
        assert delivery[2] is None, delivery[1]
        assert delivery[1]["skipped"] == reason
    assert not [d for d in result.dead_letters if d["detail"].get(CASE) == case]


def test_forged_events_leave_the_real_run_alone_and_each_is_logged_and_counted_once(forged_run) -> None:
    result, deliveries = forged_run
    assert result.execution_status == "SUCCEEDED"
    assert result.dead_letters == []
    assert len(result.notifications) == 1  # the real job's report, and nothing else
    assert [d[1].get("skipped") for d in deliveries.by_case[None] if d[0] == "ExtractTrialsFunction"] == [None]
    log = [line for line in (result.bucket_dir.parent / "logs" / "lambdas.log").read_text().splitlines()
           if line.startswith("{")]
    refused = [json.loads(line) for line in log if '"Event refused, not retried"' in line]
    expected = [reason for function, reason, _ in PERMANENT.values() for _ in _functions(function)]
    assert sorted(r["reason"] for r in refused) == sorted(expected)
    counted = [json.loads(line) for line in log if '"EventsRefused"' in line and '"_aws"' in line]
    values = [m["EventsRefused"] for m in counted]  # EMF: a value or a list of values
    assert sum(sum(v) if isinstance(v, list) else v for v in values) == len(expected)


def test_a_retryable_failure_is_retried_as_the_rule_says_then_dead_lettered(tmp_path: Path) -> None:
    # Given SageMaker denies listing the trials, every time (e.g. a policy being deployed)
    result, deliveries = run(tmp_path, None,
                             faults={"ListTrainingJobsForHyperParameterTuningJob": ["AccessDeniedException"]})
    extract = [d for d in deliveries.by_case[None] if d[0] == "ExtractTrialsFunction"]
    assert len(extract) == 1 + RETRIES
    assert all(error == "Unhandled" for _, _, error in extract)
    (dead,) = result.dead_letters
    assert dead["detail"]["HyperParameterTuningJobName"] == JOB
