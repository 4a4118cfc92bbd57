"""Hostile job-supplied text in the report, in a real headless Chromium, offline (issue 10).

Given a report whose trials carry a 10 kB failure reason, a 256-character categorical
value (the API's maximum), right-to-left overrides (U+202E) and formula-like cells, when
Chromium opens it, then the page is no wider than the window, the long text is cut in the
page with the whole of it in a tooltip, no bidirectional control reaches the reader (each
is shown as [U+202E]), and the CSV the page downloads neutralises formulas exactly as
trials.csv does (trials/csv_safety.py and its JavaScript twin), numbers unchanged.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from amt_pipeline.report.render import render_report
from amt_pipeline.report.safe_text import BIDI_CONTROLS, VISIBLE_CONTROLS_JS, visible_controls
from amt_pipeline.trials.analysis import rank_trials
from amt_pipeline.trials.csv_safety import NEUTRALISE_CSV_TEXT_JS, neutralise_csv_text
from amt_pipeline.trials.report_input import trials_csv
from tests.browser.report_page import open_report
from tests.synthetic import report_input
from tests.unit.test_csv_safety import CASES

pytestmark = pytest.mark.browser

WIDTH = 1280
LONG_REASON = "AlgorithmError: " + "x" * 10_000
LONG_VALUE = "v" * 256
OVERRIDE = "invoice\u202efdp.exe"  # reads as "invoiceexe.pdf" when the override acts
FORMULA = "=HYPERLINK(\"http://evil.example\",\"click\")"
BEST_NAME = "best\u202egnp.exe"
LONG_NAME = "trial-" + "n" * 10_000


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    ri = report_input(14, seed=5, categorical=("gbtree", LONG_VALUE, OVERRIDE, FORMULA, "-2+3"))
    for row, reason in zip(ri.trials[:3], (LONG_REASON, "AlgorithmError: \u202egnp.exe", FORMULA), strict=True):
        row["TrainingJobStatus"] = "Failed"
        row["FailureReason"] = reason
        row.pop("FinalObjectiveValue", None)
    # The tuning job's own failure reason, the best trial's name and a 10 kB trial name (issue 20)
    ri.tuning_jobs[0]["FailureReason"] = "\u202e" + LONG_REASON
    best = rank_trials(ri.trials, ri.objective)[0]
    best["TrainingJobName"] = BEST_NAME
    scored = [r for r in ri.trials if r.get("FinalObjectiveValue") is not None and r is not best]
    scored[0]["TrainingJobName"] = LONG_NAME
    path = tmp_path_factory.mktemp("hostile") / "report.html"
    path.write_text(render_report(ri), encoding="utf-8")
    return ri, path


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:", "blob:"))
               else route.abort())
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-charts-done='true']", timeout=60_000)
    return page


def test_long_job_text_does_not_widen_the_page_and_its_whole_text_is_in_a_tooltip(browser, hostile) -> None:
    _, path = hostile
    page = _open(browser, path)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    too_wide = page.evaluate(f"""Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > {WIDTH} + 1).map(e => e.tagName + '#' + e.id)""")
    assert too_wide == []
    titles = page.evaluate("Array.from(document.querySelectorAll('bdi[title]')).map(e => e.title)")
    assert LONG_REASON[:1000] in titles  # the summary's example (trials/failures.py keeps 1,000 characters)
    assert len(page.inner_text("#failure-groups")) < 2_000  # cut in the page
    page.close()


def test_no_bidirectional_control_reaches_the_reader(browser, hostile) -> None:
    _, path = hostile
    page = _open(browser, path)
    text = page.inner_text("body")
    assert not BIDI_CONTROLS.search(text)
    assert "invoice[U+202E]fdp.exe" in text  # shown, in the order it was written
    assert "best[U+202E]gnp.exe" in page.inner_text("#summary")  # the best-trial sentence
    assert "The tuning job reports: [U+202E]AlgorithmError" in page.inner_text("#summary")
    assert "AlgorithmError: [U+202E]gnp.exe" in page.inner_text("#failure-groups")
    titles = page.evaluate("Array.from(document.querySelectorAll('[title]')).map(e => e.title).join(' ')")
    assert not BIDI_CONTROLS.search(titles)
    # each job-supplied value sits in its own isolate
    assert page.evaluate("Array.from(document.querySelectorAll('bdi')).some(e => e.textContent.includes('invoice'))")
    page.close()


def test_the_pages_csv_neutralises_formulas_as_trials_csv_does_and_keeps_numbers(browser, hostile) -> None:
    ri, path = hostile
    page = _open(browser, path)
    with page.expect_download() as download:
        page.click("#download-csv")
    downloaded = Path(download.value.path()).read_text(encoding="utf-8")
    assert downloaded == trials_csv(ri)
    rows = list(csv.DictReader(io.StringIO(downloaded)))
    reasons = {row["FailureReason"] for row in rows}
    assert "'" + FORMULA in reasons and FORMULA not in reasons
    assert LONG_REASON in reasons  # the whole 10 kB reason
    assert {"'" + FORMULA, "'-2+3"} <= {row["booster"] for row in rows}
    assert any(row["FinalObjectiveValue"] for row in rows)
    json_link = page.query_selector("#download-json")
    if json_link is not None:  # the JSON keeps the exact value
        with page.expect_download() as download:
            json_link.click()
        assert FORMULA in {r.get("FailureReason") for r in json.loads(Path(download.value.path()).read_text())}
    page.close()


def test_the_javascript_twin_of_the_csv_rule_agrees_with_it(browser) -> None:
    page = browser.new_page()
    page.set_content("<!doctype html><title>rule</title>")
    got = page.evaluate(f"(cases) => {{ {NEUTRALISE_CSV_TEXT_JS}; return cases.map(neutraliseCsvText); }}", CASES)
    assert got == [neutralise_csv_text(text) for text in CASES]
    page.close()


VEGA_TEXT_JS = """() => {
  const texts = [];
  const walk = (node) => { if (!node) return;
    if (node.marktype === 'text') (node.items || []).forEach(it => texts.push(String(it.text)));
    (node.items || []).forEach(walk); };
  document.querySelectorAll('[data-chart]').forEach(el => {
    walk(el.__amtView.scenegraph().root);
    try { el.__amtView.data('trials').forEach(row => Object.values(row).forEach(v => {
      if (typeof v === 'string') texts.push(v); })); } catch (e) { /* a chart without the trials */ }
  });
  return texts;
}"""


def test_vega_draws_no_bidirectional_control_and_warns_of_nothing(browser, hostile) -> None:
    _, path = hostile
    page, seen = open_report(browser, path)
    texts = page.evaluate(VEGA_TEXT_JS)  # every label, title, legend and tooltip value Vega has
    assert texts and not [t for t in texts if BIDI_CONTROLS.search(t)]
    assert any("best[U+202E]gnp.exe" in t for t in texts)
    assert seen.problems == []
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.close()


def test_the_javascript_twin_of_the_visible_controls_rule_agrees_with_it(browser) -> None:
    cases = ["plain", "a\u202eb", "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069", "", "é\u202e"]
    page = browser.new_page()
    page.set_content("<!doctype html><title>rule</title>")
    got = page.evaluate(f"(cases) => {{ {VISIBLE_CONTROLS_JS}; return cases.map(visibleControls); }}", cases)
    assert got == [visible_controls(text) for text in cases]
    page.close()
