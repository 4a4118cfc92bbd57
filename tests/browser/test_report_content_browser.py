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

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from amt_pipeline.report.render import render_report
from amt_pipeline.trials.report_input import ReportInput
from amt_pipeline.trials.summary import summarize
from tests.browser.report_page import Seen, axes, axis_labels, data_marks, open_report
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
        share = expected / longest["importance"] if longest["importance"] else 0.0
        assert bar["__width"] == pytest.approx(longest["__width"] * share, abs=1.0)
    assert (longest["__width"] > 100) == (longest["importance"] > 0)


def _items(opened: Opened, chart: str, name: str, fields: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The items of the chart's marks of this name (a line per series is one mark each: all of them)."""
    return [it for m in data_marks(opened.page, chart, fields) if m.name == f"{name}_marks" for it in m.items]


def _series(opened: Opened, chart: str, name: str) -> int:
    return sum(1 for m in data_marks(opened.page, chart) if m.name == f"{name}_marks" and m.items)


def _count(rows: list[dict[str, Any]], status: str) -> int:
    return sum(1 for r in rows if r.get("TrainingJobStatus") == status)


def _baseline_scored(opened: Opened) -> bool:
    b = opened.report_input.baseline
    return b is not None and b.objective_value is not None


def test_objective_over_time_draws_a_point_per_scored_trial_the_best_the_failed_and_the_baseline(opened) -> None:
    scored = opened.scored()
    if not scored:
        assert "explorer" not in _charts(opened)
        return
    points = _items(opened, "explorer", "progress_points", ("job", "objective"))
    assert sorted(p["job"] for p in points) == sorted(r["TrainingJobName"] for r in scored)
    assert all(p["__fill"] not in (None, "null", "transparent") for p in points)  # drawn, not invisible
    best = _items(opened, "explorer", "progress_best_trial", ("job",))
    assert [b["job"] for b in best] == [opened.summary["overall_best"]["training_job_name"]
                                        if opened.summary.get("overall_best") else
                                        opened.summary["best"]["training_job_name"]]
    assert len(_items(opened, "explorer", "progress_failed")) == _count(opened.rows, "Failed")
    assert _series(opened, "explorer", "progress_best_so_far") == len({r["TuningJobName"] for r in scored})
    rules = _items(opened, "explorer", "progress_baseline", ("baseline",))
    hist_rules = _items(opened, "explorer", "distribution_baseline", ("baseline",))
    if _baseline_scored(opened):
        assert [r["baseline"] for r in rules] == [opened.report_input.baseline.objective_value]
        assert len(hist_rules) == 1
    else:
        assert rules == [] and hist_rules == []
    bars = _items(opened, "explorer", "distribution_all", ("__count",))
    assert bars and all(b["__width"] is None or b["__width"] >= 0 for b in bars)


def test_each_hyperparameter_chart_draws_a_point_per_scored_trial_and_a_cross_per_failed_one(opened) -> None:
    scored = opened.scored()
    if not scored:
        return
    fields = [name[len("param_"):-len("_points_marks")] for name in
              {m.name for m in data_marks(opened.page, "explorer") if m.name.endswith("_points_marks")
               and m.name.startswith("param_")}]
    assert len(fields) == len(opened.report_input.ranges)  # a chart per hyperparameter
    for field in fields:
        points = _items(opened, "explorer", f"param_{field}_points", ("job",))
        assert len(points) == len(scored), field
        assert all(p["__fill"] not in (None, "null", "transparent") for p in points), field
        assert len(_items(opened, "explorer", f"param_{field}_failed")) == _count(opened.rows, "Failed"), field
        assert len(_items(opened, "explorer", f"param_{field}_best_trial")) == 1, field


def test_the_timeline_draws_a_bar_per_trial_on_a_row_per_parallel_slot(opened) -> None:
    bars = _items(opened, "timeline", "timeline_trials", ("job", "slot"))
    assert sorted(b["job"] for b in bars) == sorted(r["TrainingJobName"] for r in opened.rows)
    slots = {b["slot"] for b in bars}
    assert slots == set(range(1, max(slots) + 1))
    labels = axis_labels(opened.page, "timeline")
    assert {f"slot {s}" for s in slots} <= set(labels)
    baseline = _items(opened, "timeline", "timeline_baseline", ("job",))
    b = opened.report_input.baseline
    assert len(baseline) == (1 if b is not None and b.training_start_time else 0)
    statuses = {r["TrainingJobStatus"] for r in opened.rows}
    assert {it["status"] for it in _items(opened, "status", "status_bars", ("status",))} == statuses


def test_parallel_coordinates_two_way_effects_and_learning_curves_draw_each_trial(opened) -> None:
    scored = opened.scored()
    charts = _charts(opened)
    if scored and opened.report_input.ranges:
        assert _series(opened, "parallel", "parallel_lines") == min(len(scored), 1000)
    if "contour" in charts:
        assert len(_items(opened, "contour", "contour_trials")) == len(scored)
        assert len(_items(opened, "contour", "contour_cells")) > 0
    curves = opened.report_input.learning_curves
    if curves:
        expected = {(job, p.metric) for job, points in curves.items() for p in points}
        assert _series(opened, "curves", "curves_lines") == len(expected)
        # x is the boosting round: each line's points are rounds 1, 2, ... (not seconds)
        lines: dict[tuple[str, str], list[int]] = {}
        for it in _items(opened, "curves", "curves_lines", ("job", "metric", "round")):
            lines.setdefault((it["job"], it["metric"]), []).append(it["round"])
        assert {key: sorted(r) for key, r in lines.items()} == {
            (job, metric): list(range(1, sum(1 for p in points if p.metric == metric) + 1))
            for job, points in curves.items() for metric in {p.metric for p in points}}
    else:
        assert "curves" not in charts


FRACTION_TICK = re.compile(r"^[.:]\d+$|^\d+(\.\d+)? ?ms$")


WHOLE_NUMBER = re.compile(r"^-?\d[\d,]*$")


def _overlapping(boxes: list[tuple[float, float, float, float]]) -> list[tuple[int, int]]:
    return [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes[i + 1:], i + 1)
            if min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5]


def test_axis_labels_are_readable(opened) -> None:
    integers = {p.name for p in opened.report_input.ranges.values() if p.kind == "Integer"}
    integers |= {"Trials", "Training jobs"}
    for chart in _charts(opened):
        labels = axis_labels(opened.page, chart)
        assert not [label for label in labels if FRACTION_TICK.match(label)], (chart, labels)
        for axis in axes(opened.page, chart):
            assert _overlapping(axis.boxes) == [], (chart, axis.title, axis.labels)  # no '0.070.08'
            assert len(set(axis.labels)) == len(axis.labels), (chart, axis.title, axis.labels)  # no '1 1 2 2'
            if axis.title in integers:  # counts and integer hyperparameters tick whole numbers only
                assert all(WHOLE_NUMBER.match(label) for label in axis.labels), (chart, axis.title, axis.labels)


@pytest.mark.parametrize("width", [1280, 800])
def test_the_top_table_keeps_numbers_and_words_whole_and_the_page_fits(opened, width) -> None:
    page = opened.page
    page.set_viewport_size({"width": width, "height": 900})
    broken = page.evaluate("""() => Array.from(document.querySelectorAll('#top-trials td.num, #top-trials td.word'))
        .filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                        const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
                        return tops.size > 1; }).map(td => td.textContent)""")
    assert broken == []
    assert page.evaluate("document.documentElement.scrollWidth") <= max(width, 1280 if width == 1280 else width)
    page.set_viewport_size({"width": 1280, "height": 900})
