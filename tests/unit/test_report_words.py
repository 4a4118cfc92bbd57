"""The report's and the notification's words for every direction, the cost's digits, and what the
summary says of each tuning job in a report of several (issue 20)."""

from __future__ import annotations

import pytest

from amt_pipeline.facts import format_dollars as dollars
from amt_pipeline.report.notification import compose_notification
from amt_pipeline.report.render import render_report
from amt_pipeline.trials.failures import failure_groups, normalise_reason
from amt_pipeline.trials.summary import summarize
from tests.synthetic import report_input

URL = "https://example.invalid/report"


def _summary_section(page: str) -> str:
    return page[page.index("<section id='summary'>"): page.index("</section>")]


def test_a_minimized_objective_is_better_when_lower_in_the_page_and_the_notification() -> None:
    # Given an RMSE job whose best trial is below the baseline (0.404)
    ri = report_input(50, objective="validation:rmse")
    summary = summarize(ri)
    best, baseline = summary["best"]["objective"], summary["baseline"]["objective"]
    scored = [r["FinalObjectiveValue"] for r in ri.trials if r.get("FinalObjectiveValue") is not None]
    assert best == min(scored) < baseline
    # When the page and the message are written
    words = _summary_section(render_report(ri, summary=summary))
    _, body = compose_notification(summary, URL)
    # Then both say it is better, by how much lower, and that lower is better
    lower = f"{baseline - best:.5f}".rstrip("0")
    assert "the best tuned trial is better than the baseline: " in words and "lower is better" in words
    assert f"{lower}" in words and " lower (-" in words
    assert "Tuned is better than the baseline: " in body and " lower (-" in body and "lower is better" in body


def test_a_maximized_objective_is_better_when_higher() -> None:
    summary = summarize(report_input(50))
    words = _summary_section(render_report(report_input(50), summary=summary))
    _, body = compose_notification(summary, URL)
    assert " higher (+" in words and "higher is better" in words
    assert "Tuned is better than the baseline: " in body and " higher (+" in body


@pytest.mark.parametrize(("amount", "shown"), [(0.0017, "$0.0017"), (0.12, "$0.12"), (0.05, "$0.050"),
                                               (3.14159, "$3.14"), (1234.5, "$1,234.50"), (0.0, "$0"),
                                               (0.000042, "$0.000042")])
def test_a_cost_keeps_the_digits_that_make_it_non_zero(amount: float, shown: str) -> None:
    assert dollars(amount) == shown


def test_the_page_of_a_local_run_says_the_cost_is_what_sagemaker_would_have_billed() -> None:
    page = render_report(report_input(3, failed_every=0, stopped_every=0))
    spend = page[page.index("<dl class='totals' id='spend'>"):]
    assert "$0.0" in spend and "$0.00 " not in spend
    assert "nothing was billed: this is what SageMaker would have billed for the same seconds" in spend


def test_failure_reasons_that_differ_only_by_their_log_time_are_one_group() -> None:
    a = "AlgorithmError: [18:24:35] src/learner.cc:1: gpu_hist is not available"
    b = "AlgorithmError: [18:24:31] src/learner.cc:1: gpu_hist is not available"
    assert normalise_reason(a) == normalise_reason(b)
    rows = [{"TrainingJobName": f"t{i}", "TrainingJobStatus": "Failed", "FailureReason": r}
            for i, r in enumerate((a, b))]
    assert [g["count"] for g in failure_groups(rows)] == [2]


def test_a_report_of_two_jobs_counts_each_job() -> None:
    # Given `amt report A B`: B's trials beside A's
    ri = report_input(40, compared=1)
    summary = summarize(ri)
    # Then the summary counts A's trials and names B with its own counts and best
    assert summary["trial_count"] == 40
    (other,) = summary["other_jobs"]
    assert other["role"] == "compared job" and other["trial_count"] == len(ri.parent_trials) == 20
    assert other["best_objective"] == max(r["FinalObjectiveValue"] for r in ri.parent_trials
                                          if r.get("FinalObjectiveValue") is not None)
    words = _summary_section(render_report(ri, summary=summary))
    assert "compared job <bdi>xgb-digits-compared1</bdi>: 20 training jobs" in words


def test_a_warm_start_notification_gives_the_parents_better_best() -> None:
    # Given a warm start whose parent found a better trial than the new job
    ri = report_input(10, parents=1)
    best_parent = max(ri.parent_trials, key=lambda r: r.get("FinalObjectiveValue") or 0)
    best_parent["FinalObjectiveValue"] = 0.99
    summary = summarize(ri)
    assert summary["overall_best"]["objective"] == 0.99
    # Then the message gives it beside the new job's best
    _, body = compose_notification(summary, URL)
    assert "Best including the warm-start parents: 0.99 (" in body
    assert summary["other_jobs"][0]["role"] == "warm-start parent"


@pytest.mark.parametrize(("objective", "lower_is_better"), [("validation:rmse", True), ("validation:accuracy", False)])
def test_the_charts_read_the_better_way_for_each_direction(objective: str, lower_is_better: bool) -> None:
    import json

    from amt_pipeline.report import views
    from amt_pipeline.report.frame import chart_data

    data = chart_data(report_input(60, objective=objective, failed_every=0))
    trials = data.trials.sort_values("start")
    scored = trials[trials["objective"].notna()]
    # best so far: the running minimum for Minimize, the maximum for Maximize
    running = scored["objective"].cummin() if lower_is_better else scored["objective"].cummax()
    assert scored["best_so_far"].tolist() == running.tolist()
    # the top k % filter keeps the better trials: the lowest for Minimize
    top, rest = scored[scored["pct"] <= 10]["objective"], scored[scored["pct"] > 10]["objective"]
    assert (top.max() <= rest.min()) if lower_is_better else (top.min() >= rest.max())
    # 'brighter = better': viridis runs dark to bright, reversed when lower is better
    a, b = views.two_way_params(data, {"parameters": []})
    for spec in (views.contour_spec(data, a, b), views.parallel_spec(data)):
        scales = [s for s in _find(spec, "scale") if isinstance(s, dict) and s.get("scheme") == "viridis"]
        assert scales and all(s.get("reverse") is lower_is_better for s in scales), json.dumps(scales)


def _find(node: object, key: str) -> list[object]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == key] + [x for v in node.values() for x in _find(v, key)]
    if isinstance(node, list):
        return [x for v in node for x in _find(v, key)]
    return []
