"""The rendered report in a real headless Chromium, offline.

Given a report rendered from synthetic trials (with a categorical value that is
a script tag), when Chromium opens it from a file with every non-file request
aborted, then every chart is drawn, the console shows no error, no dialog opens
and nothing is fetched from the network.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amt_pipeline.report.render import render_report
from amt_pipeline.trials.report_input import trials_csv
from tests.layer_helpers import trials_json
from tests.synthetic import report_input

pytestmark = pytest.mark.browser

EVIL = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(2)>"


def _open(browser, path: Path, screenshot: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = {"console_errors": [], "page_errors": [], "dialogs": [], "blocked": []}

    def route(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            seen["blocked"].append(url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: seen["console_errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))

    def on_dialog(dialog):
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-charts-done='true']", timeout=60_000)
    page.screenshot(path=str(screenshot), full_page=True)
    page.evaluate("(f => f && (f.style.position = 'static'))(document.getElementById('filters'))")
    for chart in page.query_selector_all("[data-chart]"):  # one picture per chart (the filters bar kept out)
        chart.screenshot(path=str(screenshot.with_name(f"{screenshot.stem}-{chart.get_attribute('data-chart')}.png")))
    return page, seen


def _download(page, name: str) -> str:
    with page.expect_download() as download:
        page.click(f"#download-{name}")
    return Path(download.value.path()).read_text(encoding="utf-8")


def _marks(page, chart: str, marktype: str) -> int:
    """How many items of this mark type the chart's Vega view has drawn (after the filters)."""
    return page.evaluate(
        """([id, type]) => { let n = 0; const walk = (node) => {
             if (!node) return; if (node.marktype === type && node.role === 'mark') n += node.items.length;
             (node.items || []).forEach(walk); };
           walk(document.getElementById('chart-' + id).__amtView.scenegraph().root); return n; }""",
        [chart, marktype],
    )


def _signal(page, chart: str, name: str):
    return page.evaluate("([id, s]) => document.getElementById('chart-' + id).__amtView.signal(s)", [chart, name])


def test_every_chart_renders_offline_and_the_console_stays_clean(browser, tmp_path):
    # Given a report with warm-start parents, failures, early stops, learning curves and a hostile category
    ri = report_input(60, categorical=("gbtree", EVIL, EVIL_IMG), parents=1, curves=True)
    path = tmp_path / "report.html"
    path.write_text(render_report(ri), encoding="utf-8")

    # When Chromium opens it with the network cut
    page, seen = _open(browser, path, tmp_path / "report.png")

    # Then each chart container holds a drawn canvas or svg
    containers = page.query_selector_all("[data-chart]")
    assert {c.get_attribute("data-chart") for c in containers} == {
        "explorer",
        "parallel",
        "importance",
        "curves",
        "contour",  # two-way effects
        "timeline",  # Gantt per parallel slot, with the baseline
        "status",  # training jobs by status
    }
    for container in containers:
        assert container.get_attribute("data-rendered") == "true", container.get_attribute("data-chart")
        assert container.query_selector("canvas, svg") is not None
    assert seen["console_errors"] == [] and seen["page_errors"] == []
    assert seen["blocked"] == []
    assert (tmp_path / "report.png").stat().st_size > 10_000

    # And the hostile categorical value ran nothing and shows as text
    assert seen["dialogs"] == []
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.scripts.length") == 3  # data, vega bundle, page script
    assert EVIL in page.inner_text("#boundaries")  # shown as text in the ranges table
    # And the downloads are ready as blobs
    for name in ("csv", "json", "next"):
        href = page.get_attribute(f"#download-{name}", "href")
        assert href.startswith("blob:")
    # And the trials' CSV and JSON, built in the page from its one compact copy, equal trials.csv / trials.json
    assert _download(page, "csv") == trials_csv(ri)
    assert json.loads(_download(page, "json")) == json.loads(trials_json(ri))
    # And the failures, the stops and the timeline's totals are shown
    assert "AlgorithmError" in page.inner_text("#failure-groups") and page.query_selector("#stopped")
    assert "Estimated cost" in page.inner_text("#spend")
    page.close()


def test_the_filters_act_on_every_chart_and_the_brush_still_works(browser, tmp_path):
    # Given a report of two tuning jobs
    ri = report_input(60, categorical=("gbtree", "dart"), parents=1, curves=True)
    path = tmp_path / "filters.html"
    path.write_text(render_report(ri), encoding="utf-8")
    page, seen = _open(browser, path, tmp_path / "filters.png")
    charts = [c.get_attribute("data-chart") for c in page.query_selector_all("[data-chart]")]
    bars_before = _marks(page, "timeline", "rect")

    # When the user keeps the top 10 %, hides stopped and failed trials, and picks one tuning job
    page.fill("#filter-top", "10")
    page.dispatch_event("#filter-top", "change")
    page.check("#filter-hide")
    page.select_option("#filter-job", "xgb-digits")
    page.wait_for_timeout(500)

    # Then every chart that reads the trials got the three filters
    for chart in charts:
        if chart == "importance":  # computed from all trials (its caption says so)
            continue
        assert _signal(page, chart, "f_top") == 10, chart
        assert _signal(page, chart, "f_hide") is True and _signal(page, chart, "f_job") == "xgb-digits", chart
    # And the timeline draws fewer bars (the top 10 % of one job, none stopped or failed)
    assert 0 < _marks(page, "timeline", "rect") < bars_before
    page.screenshot(path=str(tmp_path / "filtered.png"), full_page=True)

    # When the per-hyperparameter charts switch to the training metric
    page.select_option("#filter-metric", "m0")
    page.wait_for_timeout(300)
    # Then they plot it, titled with its name
    assert _signal(page, "explorer", "f_metric") == "m0"
    assert _signal(page, "explorer", "f_metric_title") == "train:accuracy"

    # And dragging across the objective-over-time chart still brushes an interval
    canvas = page.query_selector("#chart-explorer canvas")
    canvas.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -200)")  # below the sticky filters bar
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 120, box["y"] + 150)
    page.mouse.down()
    page.mouse.move(box["x"] + 300, box["y"] + 160, steps=5)
    page.mouse.up()
    brushed = page.evaluate("document.getElementById('chart-explorer').__amtView.data('brush_store').length")
    assert brushed == 1, "the brush selected nothing"
    assert seen["console_errors"] == [] and seen["page_errors"] == [] and seen["blocked"] == []
    page.close()


def test_hover_shows_a_tooltip_with_the_hostile_value_as_text(browser, tmp_path):
    # Given a report where every trial has the hostile categorical value
    ri = report_input(20, categorical=(EVIL,), failed_every=0, stopped_every=0)
    path = tmp_path / "evil.html"
    path.write_text(render_report(ri), encoding="utf-8")
    page, seen = _open(browser, path, tmp_path / "evil.png")

    # When the pointer sweeps the first chart until a tooltip shows the value
    page.evaluate("window.scrollTo(0, document.querySelector('#chart-explorer').offsetTop - 150)")
    box = page.query_selector("#chart-explorer canvas").bounding_box()
    tooltip = None
    for dx in range(0, 360, 4):
        for dy in range(20, 260, 8):
            page.mouse.move(box["x"] + 40 + dx, box["y"] + dy)
            element = page.query_selector("#vg-tooltip-element")
            if element is not None and element.is_visible() and EVIL in element.inner_text():
                tooltip = element
                break
        if tooltip is not None:
            break

    # Then the tooltip shows it as text, and nothing ran
    assert tooltip is not None, "no tooltip appeared over the objective-over-time chart"
    assert tooltip.query_selector("script, img") is None
    assert "&lt;script&gt;" in tooltip.inner_html()
    assert seen["dialogs"] == [] and seen["page_errors"] == []
    page.close()


@pytest.mark.parametrize("n", [500, 5000, 20_000])
def test_large_jobs_render_every_chart(browser, tmp_path, n):
    # Given a report of n trials
    path = tmp_path / f"report-{n}.html"
    path.write_text(render_report(report_input(n, categorical=("gbtree", "dart"))), encoding="utf-8")
    # When it opens offline, then every chart is drawn with a clean console
    page, seen = _open(browser, path, tmp_path / f"report-{n}.png")
    for container in page.query_selector_all("[data-chart]"):
        assert container.get_attribute("data-rendered") == "true"
        assert container.query_selector("canvas, svg") is not None
    assert seen["console_errors"] == [] and seen["page_errors"] == [] and seen["blocked"] == []
    if n > 5000:  # the scatter plots draw a sample, and say so
        assert "Scatter plots show 5,000 of 20,000 trials" in page.inner_text("body")
    page.close()


def test_a_report_with_no_objective_at_all_still_renders(browser, tmp_path):
    # Given a job whose every trial failed
    ri = report_input(12, failed_every=1, baseline=None)
    path = tmp_path / "failed.html"
    path.write_text(render_report(ri), encoding="utf-8")
    page, seen = _open(browser, path, tmp_path / "failed.png")
    # Then the timeline and the counts still draw, and the page says there is no best trial, first
    assert page.get_attribute("#chart-timeline", "data-rendered") == "true"
    assert page.get_attribute("#chart-status", "data-rendered") == "true"
    assert "Most training jobs failed" in page.inner_text("#most-failed")
    assert "No trial reported an objective" in page.inner_text("#summary")
    assert seen["console_errors"] == [] and seen["page_errors"] == []
    page.close()
