"""The in-progress report in a real headless Chromium, offline: the banner is visible at the top
with the job's numbers, the charts so far are drawn under the report's CSP with no error, the
page reloads itself (meta refresh), and the final report has no banner and stays put."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from amt_pipeline.live.progress import Progress
from amt_pipeline.live.report import render_in_progress
from amt_pipeline.report.render import render_report
from amt_pipeline.trials.report_input import collect_report_input
from tests.simulated_job import SimulatedTuningJob
from tests.synthetic import START

pytestmark = pytest.mark.browser
JOB = "amt-live"


def _page(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen: dict[str, list[str]] = {"errors": [], "blocked": [], "loads": []}

    def route(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            seen["blocked"].append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("load", lambda: seen["loads"].append(page.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-charts-done='true']", timeout=60_000)
    return page, seen


def test_the_in_progress_banner_is_shown_and_the_page_refreshes_itself(browser, tmp_path: Path) -> None:
    job = SimulatedTuningJob(JOB, 40, bucket="amt-bucket")
    now = START + (job.end_time - START) / 2
    report_input = collect_report_input(job.at(now), JOB, include_parents=False)
    progress = Progress.from_describe(report_input.tuning_job, now)
    live = tmp_path / "index.html"
    live.write_text(render_in_progress(report_input, progress, refresh_seconds=2), encoding="utf-8")

    page, seen = _page(browser, live)

    banner = page.locator("#amt-in-progress")
    assert banner.is_visible()
    text = banner.inner_text()
    assert re.search(r"in progress: \d+ of 40 trials, best so far 0\.\d+, estimated end \d\d:\d\d UTC", text), text
    assert f"in progress: {progress.done} of 40 trials" in text
    box = banner.bounding_box()
    assert box is not None and box["y"] < 50  # at the top, above the report
    assert page.locator("[data-chart='explorer'] canvas, [data-chart='explorer'] svg").count() >= 1
    for _ in range(60):  # the meta refresh (2 s here, 60 s in the pipeline) reloads the page
        if len(seen["loads"]) >= 2:
            break
        page.wait_for_timeout(250)
    assert len(seen["loads"]) >= 2
    assert seen["errors"] == [] and seen["blocked"] == []
    page.screenshot(path=str(tmp_path / "in-progress.png"), full_page=False)
    page.close()


def test_the_final_report_has_no_banner_and_does_not_reload(browser, tmp_path: Path) -> None:
    job = SimulatedTuningJob(JOB, 40, bucket="amt-bucket")
    final = tmp_path / "final.html"
    final.write_text(render_report(collect_report_input(job.at(job.end_time + timedelta(minutes=1)), JOB,
                                                        include_parents=False)), encoding="utf-8")

    page, seen = _page(browser, final)

    assert page.locator("#amt-in-progress").count() == 0
    page.wait_for_timeout(2_500)
    assert len(seen["loads"]) == 1 and seen["errors"] == []
    page.close()
