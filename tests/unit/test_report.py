"""render_report(): one self-contained, offline, injection-proof HTML page."""

from __future__ import annotations

import json
import re

import pytest

from amt_pipeline.report.render import render_report, script_json, vega_bundle
from amt_pipeline.trials.report_input import ReportInput
from tests.synthetic import report_input, tuning_job_describe

EVIL = "<script>alert(1)</script>"


def _payload(page: str) -> dict:
    match = re.search(r"<script type='application/json' id='amt-report-data'>(.*?)</script>", page, re.S)
    assert match, "the data element is missing"
    return json.loads(match.group(1))


def test_the_page_is_self_contained_no_script_or_style_comes_from_the_network():
    # Given a report of the post's example
    page = render_report(report_input(50))
    # Then the Vega libraries are inline, nothing is loaded from a URL, and a CSP forbids fetching
    assert page.count("<script") == 3
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=['\"]?https?:", page, re.I)
    assert "window.vegaEmbed=" in page
    assert "connect-src 'none'" in page and "default-src 'none'" in page


def test_it_shows_the_summary_in_words_first():
    ri = report_input(50, baseline=0.848)
    page = render_report(ri)
    summary = page[page.index("<section id='summary'>") : page.index("</section>")]
    assert "Best trial <b><bdi>xgb-digits-" in summary and "validation:accuracy = 0.9" in summary
    assert "Baseline <bdi>xgb-digits-baseline</bdi>: 0.848" in summary and "better than" in summary
    assert "class='warning'>eta: the best trial" in summary


def test_every_chart_the_issue_asks_for_is_specified():
    # Given trials from two tuning jobs, with failures, early stops, a categorical range and curves
    page = render_report(report_input(60, categorical=("gbtree", "dart"), parents=1, curves=True))
    payload = _payload(page)
    # Then
    assert set(payload["specs"]) == {
        "explorer", "parallel", "importance", "curves", "contour", "timeline", "status"
    }
    explorer = json.dumps(payload["specs"]["explorer"])
    for title in [
        "Objective over time",
        "Distribution of the objective",
        "The chosen metric vs eta",
        "The chosen metric vs booster",
        "The chosen metric vs alpha",
    ]:
        assert title in explorer, title
    assert '"type": "log"' in explorer  # alpha is a logarithmic range
    assert '"brush"' in explorer and '"hover"' in explorer  # linked brushing and hover
    assert '"field": "best_so_far"' in explorer and '"field": "baseline"' in explorer
    assert '"field": "tuning_job"' in explorer  # several tuning jobs told apart
    assert '"field": "status"' in explorer and "triangle-up" in explorer  # stopped/failed marked apart
    assert '{"expr": "f_metric_title"}' in explorer  # the per-hyperparameter charts switch metric
    # And every chart that reads the trials declares the page's filters
    for name in ("explorer", "parallel", "curves", "contour", "timeline", "status"):
        params = {p["name"] for p in payload["specs"][name]["params"]}
        assert {"f_top", "f_hide", "f_job", "f_metric"} <= params, name
    # And the trials are embedded once, as compact columns, every trial in them
    assert "trials" not in payload["datasets"] and payload["table"]["n"] == 90
    columns = {c["name"]: c for c in payload["table"]["columns"]}
    assert {"FinalMetric:train:accuracy", "FinalMetric:validation:accuracy", "BillableTimeInSeconds"} <= set(columns)
    assert set(columns["TrainingJobStatus"]["dict"]) == {"Completed", "Stopped", "Failed"}
    assert "prefix" in columns["TrainingJobArn"]  # the ARN is the prefix + the job's name
    # And the tables and downloads are there (the trials' CSV and JSON are built in the page)
    top = page[page.index("<table id='top-trials'>") : page.index("</table>", page.index("top-trials"))]
    assert top.count("<tr><td class='num'>") == 10 and "<th><bdi>train:<wbr>accuracy</bdi></th>" in top
    for name in ("csv", "json", "next", "summary"):
        assert f"id='download-{name}'" in page and name in payload["downloads"]
    assert "text" not in payload["downloads"]["csv"] and "value" not in payload["downloads"]["json"]
    assert json.loads(payload["downloads"]["next"]["text"])["warm_start"]["parents"][0] == "xgb-digits"


def test_failures_are_grouped_and_the_timeline_totals_are_shown():
    ri = report_input(60, failed_every=3)
    page = render_report(ri)
    groups = page[page.index("<table id='failure-groups'>") : page.index("</table>", page.index("failure-groups"))]
    assert "ClientError: out of memory in &lt;training job&gt; after &lt;n&gt; MB" in groups
    assert "<td class='num'>6</td>" in groups  # 20 failed: 6 out of memory, 14 AlgorithmError
    assert "<td class='num'>14</td>" in groups
    assert "id='most-failed'" not in page
    spend = page[page.index("<dl class='totals' id='spend'>") :]
    assert "ml.m5.large" in spend and "Estimated cost" in spend and "$0." in spend
    assert "aws.amazon.com/sagemaker/pricing" in spend


def test_the_page_says_first_when_most_trials_failed():
    page = render_report(report_input(10, failed_every=1))
    assert page.index("id='most-failed'") < page.index("<section id='summary'>")


def test_job_supplied_text_is_escaped_everywhere():
    # Given a categorical value, a failure reason and a job name that are markup
    ri = report_input(30, categorical=(EVIL, "<img src=x onerror=alert(2)>"), failed_every=3)
    # When
    page = render_report(ri).replace(vega_bundle(), "")
    # Then the raw markup appears nowhere (outside Vega's own code): escaped in HTML, \u003c-escaped in JSON
    assert EVIL not in page and "<img" not in page and "<b>bad</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert EVIL in json.dumps(_payload(page))  # still the same value once parsed
    assert page.count("<script") == 3 and page.count("</script>") == 3


def test_script_json_cannot_close_its_element():
    text = script_json({"a": "</script><!-- \u2028 & >"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- \u2028 & >"}


@pytest.mark.parametrize("n", [500, 5000])
def test_large_jobs_render(n):
    page = render_report(report_input(n, categorical=("gbtree", "dart")))
    payload = _payload(page)
    assert payload["table"]["n"] == n
    assert len(page.encode()) < 4_000_000


def test_a_20000_trial_job_samples_its_scatter_plots_and_says_so():
    page = render_report(report_input(20_000, failed_every=0, stopped_every=0))
    payload = _payload(page)
    assert payload["table"]["n"] == 20_000 and sum(payload["chart"]["derived"]["shown"]) == 5_000
    assert "Scatter plots show 5,000 of 20,000 trials" in page


def test_a_job_with_no_objective_renders_the_timeline_and_says_why():
    page = render_report(report_input(8, failed_every=1, baseline=None))
    assert set(_payload(page)["specs"]) == {"timeline", "status"}
    assert "No trial reported an objective" in page and "Too few trials" in page


def test_a_job_with_no_trials_renders():
    ri = ReportInput(
        tuning_job_name="empty",
        tuning_jobs=[tuning_job_describe("empty", status="Failed", failure_reason="quota exceeded")],
    )
    page = render_report(ri)
    assert _payload(page)["specs"] == {} and "quota exceeded" in page and "status-Failed" in page


def test_a_report_re_renders_from_its_stored_json_alone():
    ri = report_input(40, curves=True)
    again = ReportInput.from_json(ri.to_json())
    for part in ("datasets", "table", "chart"):
        assert _payload(render_report(again))[part] == _payload(render_report(ri))[part], part


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        (40.0, 0, "40"),
        (79.6, 0, "80"),
        (0.89815, 5, "0.89815"),
        (0.5, 5, "0.5"),
        (3, 5, "3"),
        (None, 5, "n/a"),
        (float("nan"), 5, "n/a"),
        (1.5e-5, 5, "1.5e-05"),
        ("<b>", 5, "&lt;b&gt;"),
    ],
)
def test_table_numbers_keep_their_zeros(value, digits, shown):
    from amt_pipeline.report.render import _num

    assert _num(value, digits) == shown
