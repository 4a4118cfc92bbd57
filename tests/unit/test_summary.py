"""summarize(): the job in one JSON-safe dict, whatever state it ended in."""

from __future__ import annotations

import json

from amt_pipeline.trials.report_input import Baseline, ReportInput
from amt_pipeline.trials.summary import summarize
from amt_pipeline.trials.table import trials_table
from tests.synthetic import report_input, training_job_summaries, tuning_job_describe


def test_a_completed_job_names_its_best_trial_and_gain_over_the_baseline():
    # Given 50 trials (7 failed, 4 stopped early) and a baseline at 0.848
    ri = report_input(50, failed_every=7, stopped_every=11, baseline=0.848)
    # When
    summary = summarize(ri)
    # Then
    assert summary["status"] == "Completed" and summary["objective_name"] == "validation:accuracy"
    assert summary["counters"]["Failed"] == 7 and summary["counters"]["Stopped"] == 4
    assert summary["counters"]["Completed"] == 39 and summary["scored_trial_count"] == 43
    best = summary["best"]
    scored = [t for t in ri.trials if t["FinalObjectiveValue"] is not None]
    assert best["objective"] == max(t["FinalObjectiveValue"] for t in scored)
    assert isinstance(best["hyperparameters"]["max_depth"], int)  # Integer range, not 4.0
    assert summary["gain_over_baseline"]["absolute"] == best["objective"] - 0.848
    assert summary["gain_over_baseline"]["tuned_is_better"] is True
    assert summary["boundary_warnings"] and summary["boundary_warnings"][0].startswith("eta")
    assert summary["total_training_seconds"] > 0 and summary["wall_clock_seconds"] == 1800
    json.dumps(summary, allow_nan=False)  # JSON-safe


def test_a_failed_job_whose_trials_all_failed_has_no_best_and_keeps_the_reason():
    # Given a Failed tuning job with 5 failed trials and no baseline
    describe = tuning_job_describe("broken", status="Failed", failure_reason="All training jobs failed")
    rows = trials_table(describe, training_job_summaries("broken", 5, failed_every=1))
    ri = ReportInput(tuning_job_name="broken", tuning_jobs=[describe], trials=rows)
    # When
    summary = summarize(ri)
    # Then
    assert summary["status"] == "Failed" and summary["failure_reason"] == "All training jobs failed"
    assert summary["best"] is None and summary["gain_over_baseline"] is None
    assert summary["counters"]["Failed"] == 5 and summary["scored_trial_count"] == 0
    assert summary["importance"]["enough_trials"] is False
    assert "warm_start" not in summary["next_execution_input"]
    assert summary["failed_trials"][0]["failure_reason"].startswith("AlgorithmError")
    json.dumps(summary, allow_nan=False)


def test_a_job_with_no_trials_at_all_summarizes():
    ri = ReportInput(tuning_job_name="empty", tuning_jobs=[tuning_job_describe("empty", status="Stopped")])
    summary = summarize(ri)
    assert summary["trial_count"] == 0 and summary["best"] is None and summary["status"] == "Stopped"


def test_minimize_gain_is_positive_when_the_loss_goes_down():
    # Given a Minimize objective, a baseline loss of 0.5, trials around 0.3
    describe = tuning_job_describe("loss")
    describe["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"] = {
        "Type": "Minimize",
        "MetricName": "validation:mlogloss",
    }
    rows = trials_table(describe, training_job_summaries("loss", 10, failed_every=0, stopped_every=0))
    for i, row in enumerate(rows):
        row["FinalObjectiveValue"] = 0.3 + i / 100
    ri = ReportInput(
        tuning_job_name="loss",
        tuning_jobs=[describe],
        trials=rows,
        baseline=Baseline(training_job_name="b", objective_value=0.5),
    )
    # When
    summary = summarize(ri)
    # Then the best is the lowest and the gain is baseline - best
    assert summary["best"]["objective"] == 0.3 and summary["objective_direction"] == "Minimize"
    assert abs(summary["gain_over_baseline"]["absolute"] - 0.2) < 1e-12
    assert summary["gain_over_baseline"]["tuned_is_better"]


def test_parents_trials_count_apart_and_the_overall_best_can_come_from_them():
    ri = report_input(20, parents=2)
    summary = summarize(ri)
    assert summary["trial_count"] == 20 and summary["parent_trial_count"] == 20
    assert summary["warm_start_parents"] == ["xgb-digits-p1", "xgb-digits-p2"]
    assert summary["overall_best"]["objective"] >= summary["best"]["objective"]
