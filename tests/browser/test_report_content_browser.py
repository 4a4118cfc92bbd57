"""Each chart of the report draws its data: checked in Chromium against what the report's data says.

Given a matrix of reports a user meets (issue 20: directions and metrics, 1 to 5,000 trials, all
failed, stopped early, no baseline, a baseline without an objective, warm start, two jobs,
categorical only, one hyperparameter, in progress), each rendered once and opened once (a
module-scoped fixture) with the network cut, then for each chart the data marks Vega drew
(the view's scenegraph) match the report: a bar per hyperparameter, a point per scored trial, the
baseline rule when there is a baseline, a row per parallel slot; the console has no error and
no warning (Vega warns when a chart lost its data); axis labels are readable. A full-page
screenshot of each case is saved under the test run's temporary folder (``screenshots/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from amt_pipeline.report.render import render_report
from amt_pipeline.trials.report_input import ReportInput
from amt_pipeline.trials.summary import summarize
from tests.browser.report_page import Seen, data_marks, open_report
from tests.synthetic import report_input

pytestmark = pytest.mark.browser

CASES: dict[str, dict[str, Any]] = {
    "accuracy-50-demo": dict(n=50, curves=True),
    "auc-3": dict(n=3, objective="validation:auc", failed_every=0, stopped_every=0),
    "rmse-50-minimize": dict(n=50, objective="validation:rmse", curves=True),
    "logloss-500-minimize": dict(n=500, objective="validation:logloss", categorical=("gbtree", "dart")),
    "one-trial": dict(n=1, failed_every=0, stopped_every=0),
    "5000-trials": dict(n=5000, categorical=("gbtree", "dart")),
    "all-failed": dict(n=12, failed_every=1, baseline=None),
    "stopped-early": dict(n=50, stopped_every=3, failed_every=0),
    "no-baseline": dict(n=30, baseline=None),
    "baseline-without-objective": dict(n=30, baseline_scored=False),
    "warm-start": dict(n=40, parents=2),
    "two-jobs": dict(n=40, compared=1),
    "categorical-only": dict(n=30, numeric=(), categorical=("gbtree", "dart", "gblinear")),
    "single-hyperparameter": dict(n=30, numeric=("eta",)),
    "in-progress": dict(n=30, in_progress=6),
}


@dataclass
class Opened:
    case: str
    report_input: ReportInput
    summary: dict[str, Any]
    path: Path
    page: Any
    seen: Seen

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.report_input.all_trials

    def scored(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r.get("FinalObjectiveValue") is not None]


@pytest.fixture(scope="module", params=list(CASES))
def opened(request, browser, tmp_path_factory):
    case = request.param
    ri = report_input(**CASES[case])
    folder = tmp_path_factory.mktemp(case)
    path = folder / "report.html"
    path.write_text(render_report(ri), encoding="utf-8")
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    page, seen = open_report(browser, path, screenshot=shots / f"{case}.png")
    yield Opened(case, ri, summarize(ri), path, page, seen)
    page.close()


def _charts(opened: Opened) -> set[str]:
    return {c.get_attribute("data-chart") for c in opened.page.query_selector_all("[data-chart]")}


def test_the_console_has_no_error_and_no_warning(opened: Opened) -> None:
    assert opened.seen.problems == []
    for chart in opened.page.query_selector_all("[data-chart]"):
        assert chart.get_attribute("data-rendered") == "true", chart.get_attribute("data-chart")


def test_the_importance_chart_draws_a_bar_per_hyperparameter(opened: Opened) -> None:
    importance = opened.summary["importance"]
    entries = importance.get("parameters") or []
    if not (importance.get("enough_trials") and any(e["importance"] for e in entries)):
        assert "importance" not in _charts(opened)
        return
    bars = [it for m in data_marks(opened.page, "importance", ("name", "importance")) if m.type == "rect"
            for it in m.items if "importance" in it]
    assert sorted(b["name"] for b in bars) == sorted(e["name"] for e in entries)
    longest = max(bars, key=lambda b: b["importance"])
    for bar in bars:  # each as long as its share
        expected = next(e["importance"] for e in entries if e["name"] == bar["name"])
        assert bar["importance"] == pytest.approx(expected)
        assert bar["__width"] == pytest.approx(longest["__width"] * expected / longest["importance"], abs=1.0)
    assert longest["__width"] > 100
