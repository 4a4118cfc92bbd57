"""The report's newer sections in HTML: filters, failures and stops, time and cost.

Everything the job supplied is escaped here; links are only the CloudWatch
console URLs that trials.failures builds (https, an AWS console host).
"""

from __future__ import annotations

from typing import Any

from amt_pipeline.facts import format_dollars, format_duration
from amt_pipeline.report.frame import ChartData
from amt_pipeline.report.safe_text import cell_html
from amt_pipeline.report.safe_text import text_html as _e


def filters_html(data: ChartData) -> str:
    """The controls that act on every chart at once (report.page_script sets the charts' signals)."""
    jobs = ""
    if data.multiple_jobs:
        options = "".join(f"<option value='{_e(j)}'>{_e(j)}</option>" for j in data.tuning_jobs)
        jobs = f"<label>Tuning job <select id='filter-job'><option value=''>all</option>{options}</select></label>"
    metrics = "".join(
        f"<option value='{_e(m.field)}'>{_e(m.title)}</option>" for m in data.metrics if m.title != data.objective_title
    )
    metric = (
        "<label>Metric in the per-hyperparameter charts <select id='filter-metric'>"
        f"<option value='objective'>{_e(data.objective_title)} (objective)</option>{metrics}</select></label>"
    )
    return (
        "<form class='filters' id='filters'>"
        "<label>Top <input type='range' id='filter-top' min='1' max='100' value='100'> "
        "<output id='filter-top-value'>100 %</output> by the objective</label>"
        "<label><input type='checkbox' id='filter-hide'> hide stopped and failed</label>"
        f"{jobs}{metric}</form>"
        "<p class='muted'>The filters act on every chart below (the importance bars and the smoothed surface "
        "are computed from all trials); dragging across a chart still selects an interval.</p>"
    )


def _link(url: str | None, text: str) -> str:
    if not url or not url.startswith("https://"):
        return _e(text)
    return f"<a href='{_e(url)}' rel='noopener noreferrer' target='_blank'>{_e(text)}</a>"


def failures_html(summary: dict[str, Any], counted: str) -> str:
    groups = summary.get("failure_groups") or []
    stopped = summary.get("stopped_trials") or []
    parts = [f"<p>{summary.get('trial_count', 0)} training jobs: {counted or 'none'}.</p>"]
    if groups:
        rows = []
        for g in groups:
            example = g.get("example") or {}
            logs = [_link(j.get("log_url"), j["training_job_name"]) for j in g.get("jobs", []) if j.get("log_url")]
            log_cell = ", ".join(logs[:10]) + (" &hellip;" if len(logs) > 10 else "") if logs else (
                "<span class='muted'>not on AWS</span>")
            rows.append(
                f"<tr><td class='num'>{g['count']}</td><td class='reason'>{cell_html(g['reason'])}</td>"
                f"<td>{_e(example.get('training_job_name'))}: <span class='reason'>"
                f"{cell_html(example.get('failure_reason') or 'no reason given')}</span></td><td>{log_cell}</td></tr>"
            )
        parts.append(
            "<table id='failure-groups'><thead><tr><th>Failed</th><th>Reason (normalised)</th>"
            "<th>One example</th><th>Logs (CloudWatch)</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
    else:
        parts.append("<p class='muted'>No training job failed.</p>")
    if stopped:
        items = "".join(f"<li>{_e(s['training_job_name'])}{_objective_note(s.get('objective'))}</li>"
                        for s in stopped[:50])
        more = f"<li>&hellip; and {len(stopped) - 50} more (see the CSV)</li>" if len(stopped) > 50 else ""
        parts.append(f"<p>Stopped early ({len(stopped)}):</p><ul id='stopped' class='columns'>{items}{more}</ul>")
    else:
        parts.append("<p class='muted'>No training job was stopped early.</p>")
    return "\n".join(parts)


def _objective_note(value: Any) -> str:
    return f" (objective {value:.5g})" if isinstance(value, float) else ""


def spend_html(summary: dict[str, Any]) -> str:
    s = summary.get("spend") or {}
    billable = s.get("billable_seconds")
    count = s.get("instance_count") or 1
    types = ", ".join(s.get("instance_types") or []) or "unknown"
    if s.get("estimated_cost_usd") is not None:
        price = s.get("price_per_hour")
        per_hour = f"${price:g} per instance-hour, " if isinstance(price, int | float) else ""
        source = ("the price you gave" if s.get("price_source") == "given" else
                  f"{per_hour}SageMaker on-demand training price in {s.get('prices_region')} as of "
                  f"{s.get('prices_as_of')}, from {s.get('prices_source')}")
        local = (" &mdash; this job ran locally and nothing was billed: this is what SageMaker would have "
                 "billed for the same seconds") if s.get("ran_locally") else ""
        cost = (f"{format_dollars(s['estimated_cost_usd'])} <span class='muted'>(billable seconds &times; instances "
                f"&times; {_e(source)}){local}</span>")
    elif s.get("unpriced_instance_types"):
        cost = (f"not estimated: no price for {_e(', '.join(s['unpriced_instance_types']))} in the table "
                "(give one: stack parameter TrainingPricePerHour, or amt report --price-per-hour)")
    else:
        cost = "not estimated: SageMaker reported no billable time"
    items = [
        ("Tuning job wall time", _e(format_duration(s.get("wall_seconds"), "n/a"))),
        ("Training time, summed over trials", _e(format_duration(s.get("training_seconds"), "n/a"))),
        ("Billable time (BillableTimeInSeconds)",
         _e(format_duration(billable, "n/a")) + (f" &times; {count} instances" if count > 1 else "")
         + f" <span class='muted'>({s.get('billable_trials', 0)} trials reported it)</span>"),
        ("Instance type", _e(types)),
        ("Estimated cost", cost),
        ("Completion reason", _e(summary.get("completion_reason") or "n/a")),
    ]
    return "<dl class='totals' id='spend'>" + "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"
