"""The local run's report link in a real headless Chromium (issue 11).

Given a local run (a fake SageMaker, the real state machine, handlers and link
function), when Chromium follows the link its notification printed, then it
lands on the report, served on 127.0.0.1 by the same server, and every chart is
drawn with nothing fetched from anywhere else; and once the link's expiry is
past (the server's clock moved on), the same link shows the 403 page.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from amt.local.runtime import LocalPipeline
from amt_pipeline.report.link import DAY_SECONDS
from tests.integration.fake_sagemaker import FakeSageMaker

pytestmark = pytest.mark.browser
RUN = "browser-link"


def open_link(browser, link: str, screenshot: Path) -> dict:
    """Follow the link as a reader would; only the local server may be reached."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    local = f"http://127.0.0.1:{urlsplit(link).port}/"
    seen: dict = {"blocked": [], "errors": [], "visited": []}

    def route(route):
        url = route.request.url
        if url.startswith((local, "data:", "blob:")):
            seen["visited"].append(url)
            route.continue_()
        else:
            seen["blocked"].append(url)
            route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    response = page.goto(link)
    seen["status"] = response.status
    seen["url"] = page.url
    if response.status == 200:
        page.wait_for_selector("body[data-charts-done='true']", timeout=60_000)
        seen["charts"] = [c.get_attribute("data-rendered") for c in page.query_selector_all("[data-chart]")]
    seen["text"] = page.inner_text("body")
    page.screenshot(path=str(screenshot), full_page=False)
    page.close()
    return seen


def test_the_notifications_link_opens_the_report_and_gives_403_once_expired(browser, tmp_path: Path) -> None:
    out = tmp_path / "amt-local"
    during: dict = {}

    def follow(result) -> None:
        (note,) = result.notifications
        during["link"] = re.search(r"^Report: (\S+)$", note["message"], re.MULTILINE).group(1)
        during["seen"] = open_link(browser, during["link"], tmp_path / "during.png")

    # When a local run ends and Chromium follows its notification's link while the run serves it
    result = LocalPipeline(out, engine_factory=lambda **kw: FakeSageMaker(**kw), poll_seconds=0.02,
                           while_serving=follow).run({"job_name": RUN}, execution_name="x", timeout_seconds=120)
    assert result.succeeded, result.cause

    # Then the browser lands on the report, on the same local server, every chart drawn, nothing else fetched
    seen = during["seen"]
    assert seen["status"] == 200, seen["text"][:300]
    assert urlsplit(seen["url"]).path == f"/s3/runs/{RUN}/reports/index.html"
    assert seen["charts"] and all(state == "true" for state in seen["charts"])
    assert seen["blocked"] == [] and seen["errors"] == []
    assert RUN in seen["text"]

    # And later (amt local serve), past the link's 7 days, the same link shows the 403 page
    link = during["link"]
    expires = int(re.search(r"expires=(\d+)", link).group(1))
    assert expires - time.time() > 7 * DAY_SECONDS - 120
    later: dict = {}

    def at(offset: float):
        return lambda: time.time() + offset

    LocalPipeline(out).serve(lambda url: later.update(ok=open_link(browser, link, tmp_path / "later.png")))
    LocalPipeline(out).serve(lambda url: later.update(expired=open_link(browser, link, tmp_path / "expired.png")),
                             clock=at(expires - time.time() + 1))
    assert later["ok"]["status"] == 200 and later["ok"]["charts"]
    assert later["expired"]["status"] == 403
    assert "This report link has expired" in later["expired"]["text"] and "amt link" in later["expired"]["text"]
    assert urlsplit(later["expired"]["url"]).path == "/"  # no redirect
