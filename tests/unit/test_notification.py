"""compose_notification(): an SNS-safe subject and a body that never crashes."""

from __future__ import annotations

import pytest

from amt_pipeline.report.notification import SUBJECT_MAX, compose_notification
from amt_pipeline.trials.report_input import ReportInput
from amt_pipeline.trials.summary import summarize
from amt_pipeline.trials.table import trials_table
from tests.synthetic import report_input, training_job_summaries, tuning_job_describe

URL = "https://amt-bucket.s3.amazonaws.com/runs/xgb-digits/reports/index.html?X-Amz-Signature=abc"


def _sns_safe(subject: str) -> bool:
    return len(subject) <= SUBJECT_MAX and subject.isascii() and all(32 <= ord(c) < 127 for c in subject)


def test_a_completed_job_says_status_best_hyperparameters_baseline_and_link():
    # Given the summary of a completed job with a baseline
    summary = summarize(report_input(50, baseline=0.848))
    # When
    subject, body = compose_notification(summary, URL)
    # Then
    assert _sns_safe(subject)
    assert subject == f"AMT xgb-digits Completed: best validation:accuracy {summary['best']['objective']:.6g}"
    assert "Status: Completed" in body and f"Best objective: {summary['best']['objective']:.6g}" in body
    for name in ("alpha", "eta", "max_depth", "min_child_weight"):
        assert f"  {name} = " in body
    assert "Baseline vs tuned: 0.848 -> " in body and "Tuned is better than the baseline" in body
    assert "Range warnings:" in body and body.rstrip().endswith(f"Report: {URL}")
    assert "Failure reason" not in body


def test_a_failed_job_whose_trials_all_failed_explains_itself():
    describe = tuning_job_describe(
        "broken", status="Failed", failure_reason="No training job succeeded.\nSee logs"
    )
    rows = trials_table(describe, training_job_summaries("broken", 4, failed_every=1))
    summary = summarize(ReportInput(tuning_job_name="broken", tuning_jobs=[describe], trials=rows))
    subject, body = compose_notification(summary, URL)
    assert subject == "AMT broken Failed" and _sns_safe(subject)
    assert "Failure reason: No training job succeeded. See logs" in body
    assert "Best objective: none (no training job reported an objective)" in body
    assert "Baseline: none" in body and URL in body


def test_a_stopped_job_without_reason_still_says_so():
    summary = summarize(
        ReportInput(tuning_job_name="halt", tuning_jobs=[tuning_job_describe("halt", status="Stopped")])
    )
    subject, body = compose_notification(summary, URL)
    assert subject == "AMT halt Stopped" and "Failure reason: none given" in body


@pytest.mark.parametrize(
    "summary",
    [
        {},
        {"status": None, "best": None, "baseline": None, "counters": None},
        {"status": "Completed", "best": {"objective": None}},
        {
            "status": "Completed",
            "best": {"objective": float("nan"), "hyperparameters": {"eta": float("inf")}},
            "baseline": {"objective": 0.8},
            "gain_over_baseline": {"absolute": 0.1, "relative": None},
        },
    ],
)
def test_odd_summaries_never_crash(summary):
    subject, body = compose_notification(summary, URL)
    assert _sns_safe(subject) and URL in body


def test_long_and_non_ascii_names_are_folded_and_cut_to_100_characters():
    summary = {
        "tuning_job_name": "é" * 40 + "x" * 80,
        "status": "Completed",
        "objective_name": "validation:☃",
        "best": {"objective": 0.9, "training_job_name": "jöb\n-1", "hyperparameters": {"booster": "dàrt"}},
    }
    subject, body = compose_notification(summary, URL)
    assert _sns_safe(subject) and subject.endswith("...") and subject.startswith("AMT eeee")
    assert "Best training job: job -1" in body and "booster = dart" in body
    body.encode("ascii")


def test_the_first_lines_say_so_when_most_training_jobs_failed():
    from amt_pipeline.report.notification import compose_notification
    from amt_pipeline.trials.summary import summarize
    from tests.synthetic import report_input

    _, body = compose_notification(summarize(report_input(12, failed_every=1)), "https://example.com/r")
    first = body.splitlines()[:2]
    assert first[0] == "MOST TRAINING JOBS FAILED: 12 of 12."
    assert first[1].startswith("Most common reason (8 jobs): AlgorithmError")
    _, body = compose_notification(summarize(report_input(12)), "https://example.com/r")
    assert "MOST TRAINING JOBS FAILED" not in body
