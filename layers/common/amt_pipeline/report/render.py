"""Render a ReportInput to one self-contained HTML page.

No network at view time: the Vega, Vega-Lite and Vega-Embed scripts are inlined
from ``assets/`` (see scripts/vendor_vega.py), the data and chart specs sit in
one ``application/json`` script element, and downloads are Blobs made from it.

Everything the job supplied (names, categorical values, failure reasons) is
text: HTML-escaped in markup, ``<``/``>``/``&`` escaped as ``\\u003c``... in the
JSON, drawn as text by Vega, and escaped again by Vega-Tooltip. A Content
Security Policy lets only this page's own scripts run (by hash) and forbids
every fetch, so even a mistake here could not load or send anything.

Why not a Jinja2 template with autoescape (issue 22 asked): escaping is not the
rule here. Job text must also have its bidirectional controls made visible,
be isolated in ``<bdi>`` and be cut with the rest in a tooltip
(report.safe_text), and the same text reaches Vega as data, where no HTML
template acts. Autoescape would make only the easy half automatic, and each
section built as a fragment would have to be marked safe anyway. So there is
one rule instead of discipline: every job-supplied value in markup goes
through ``text_html`` (``_e`` here and in report.sections) or ``cell_html``,
and in the page's script through ``visibleControls``; the browser tests render
hostile text into every place and search what the reader sees.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from amt_pipeline import __version__
from amt_pipeline.chain.chart_overlays import round_overlays
from amt_pipeline.report import charts, views
from amt_pipeline.report.frame import ChartData, chart_data
from amt_pipeline.report.notification import counted_statuses
from amt_pipeline.report.page_data import compact_rows, derived_columns
from amt_pipeline.report.page_script import PAGE_SCRIPT
from amt_pipeline.report.safe_text import CELL_STYLE, cell_html, text_html, visible_controls
from amt_pipeline.report.sections import failures_html, filters_html, spend_html
from amt_pipeline.trials.analysis import rank_trials
from amt_pipeline.trials.failures import most_failed
from amt_pipeline.trials.report_input import ReportInput, json_safe
from amt_pipeline.trials.summary import summarize
from amt_pipeline.trials.table import METRIC_PREFIX, metric_columns

ASSET_PACKAGE = "amt_pipeline.report"
VEGA_BUNDLE = "vega-bundle.min.js"
TOP_N = 10
LONG_HEADER = 60  # characters; a longer (job-supplied) header is cut as any job text (safe_text.cell_html)

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1180px;
padding:1rem 1.5rem;color:#222;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.muted{color:#666}.status{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;font-weight:600}
.status-Completed{background:#e3f1e0}.status-Failed{background:#fbe0df}.status-Stopped{background:#fdf0dc}
.warning{background:#fff6d6;border-left:4px solid #e8b400;padding:.4rem .8rem;margin:.4rem 0}
.error{background:#fbe0df;border-left:4px solid #e45756;padding:.4rem .8rem;margin:.4rem 0}
table{border-collapse:collapse;font-size:.9rem}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}
th{background:#f4f4f4} td.num{text-align:right;font-variant-numeric:tabular-nums}
.downloads a{margin-right:1rem}
div.chart,div.chart.vega-embed{display:block;margin:1rem 0;overflow-x:auto;max-width:100%}
.wide{overflow-x:auto}
dl.totals{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.totals dt{font-weight:600}
form.filters{position:sticky;top:0;z-index:1001;background:#f7f9fc;border:1px solid #dde3ec;padding:.4rem .8rem;
display:flex;flex-wrap:wrap;gap:.3rem 1.4rem;align-items:center;font-size:.9rem}
ul.columns{columns:3;font-size:.85rem} td.reason,span.reason{overflow-wrap:anywhere}
""" + CELL_STYLE


@cache
def vega_bundle() -> str:
    return resources.files(ASSET_PACKAGE).joinpath("assets", VEGA_BUNDLE).read_text(encoding="utf-8")


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' can end or open a tag."""
    text = json.dumps(json_safe(value), allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


@cache
def _bundle_hash() -> str:
    return _csp_hash(vega_bundle())


_e = text_html  # every job-supplied text in markup: report.safe_text's one rule


def _num(value: Any, digits: int = 5) -> str:
    """A number for a table cell: at most `digits` decimals, trailing zeros dropped (never "40" -> "4")."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return _e(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "n/a"
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.{max(digits, 1)}g}"
        text = f"{value:.{digits}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return _e(value)


def _summary_html(summary: dict[str, Any]) -> str:
    status = str(summary.get("status"))
    parts = [
        f"<p>Status: <span class='status status-{_e(status)}'>{_e(status)}</span> "
        f"&middot; strategy {_e(summary.get('strategy') or 'n/a')} &middot; objective "
        f"<b>{_e(summary.get('objective_name'))}</b> ({_e(summary.get('objective_direction'))})</p>"
    ]
    if summary.get("failure_reason"):
        parts.append(f"<p class='error'>The tuning job reports: {cell_html(summary['failure_reason'])}</p>")
    best = summary.get("best")
    if best:
        hps = ", ".join(f"{_e(k)} = {_num(v)}" for k, v in best["hyperparameters"].items())
        parts.append(
            f"<p>Best trial <b>{cell_html(best['training_job_name'])}</b> reached "
            f"<b>{_e(summary.get('objective_name'))} = {_num(best['objective'])}</b> with {hps}.</p>"
        )
    else:
        parts.append("<p class='error'>No trial reported an objective: there is no best trial.</p>")
    overall = summary.get("overall_best")
    if overall and best and overall["training_job_name"] != best["training_job_name"]:
        parts.append(
            f"<p>Including the warm-start parents, the best is {_e(overall['training_job_name'])} "
            f"({_num(overall['objective'])}).</p>"
        )
    baseline, gain = summary.get("baseline"), summary.get("gain_over_baseline")
    if baseline and baseline.get("objective") is not None:
        parts.append(f"<p>Baseline {cell_html(baseline['training_job_name'])}: {_num(baseline['objective'])}"
                     + (f"; {_e(gain_sentence(summary))}" if gain else "") + ".</p>")
    elif baseline:
        parts.append(
            f"<p class='muted'>The baseline job {cell_html(baseline['training_job_name'])} "
            f"({_e(baseline.get('status'))}) has no objective value.</p>"
        )
    else:
        parts.append("<p class='muted'>No baseline training job was found.</p>")
    for warning in summary.get("boundary_warnings") or []:
        parts.append(f"<p class='warning'>{_e(warning)}</p>")
    counted = counted_statuses(summary, lambda status: _e(status).lower())
    parts.append(
        f"<p>{summary.get('trial_count', 0)} training jobs: {counted or 'none'}; "
        f"{summary.get('scored_trial_count', 0)} with an objective.</p>"
    )
    others = summary.get("other_jobs") or []
    if others:
        parts.append("<ul id='other-jobs'>" + "".join(
            f"<li>{_e(j['role'])} {cell_html(j['tuning_job_name'])}: {j['trial_count']} training jobs, "
            f"{j['scored_trial_count']} with an objective"
            + (f", best {_num(j['best_objective'])}" if j.get("best_objective") is not None else "") + "</li>"
            for j in others) + "</ul>")
    return "\n".join(parts)


def gain_sentence(summary: dict[str, Any]) -> str:
    """'the best tuned trial is better than the baseline: 0.0123 lower (-3.05 %); lower is better'."""
    gain = summary["gain_over_baseline"]
    minimize = summary.get("objective_direction") == "Minimize"
    moved = gain["absolute"] if not minimize else -gain["absolute"]  # the objective's own change
    way = "higher" if moved >= 0 else "lower"
    relative = f" ({moved / abs(summary['baseline']['objective']):+.2%})" if summary["baseline"]["objective"] else ""
    verdict = "better than" if gain["tuned_is_better"] else "no better than"
    return (f"the best tuned trial is {verdict} the baseline: {_num(abs(moved))} {way}{relative}; "
            f"{'lower' if minimize else 'higher'} is better")


def _top_table(report_input: ReportInput, summary: dict[str, Any]) -> str:
    ranked = rank_trials(report_input.all_trials, report_input.objective)[:TOP_N]
    if not ranked:
        return "<p class='muted'>No trial has an objective yet.</p>"
    params = list(report_input.ranges) or [
        k for k in ranked[0] if k not in {"TrainingJobName", "TrainingJobStatus", "FinalObjectiveValue"}
    ]
    multiple = bool(report_input.parent_trials)
    objective_name = summary.get("objective_name") or "objective"
    metrics = [c for c in metric_columns(report_input.all_trials) if c != METRIC_PREFIX + objective_name]
    head = "".join(
        f"<th>{_header(h)}</th>"
        for h in [
            "#",
            "Training job",
            *(["Tuning job"] if multiple else []),
            objective_name,
            *params,
            *[c[len(METRIC_PREFIX):] for c in metrics],
            "Status",
            "Seconds",
        ]
    )
    body = []
    for i, row in enumerate(ranked, 1):
        cells = [f"<td class='num'>{i}</td>", f"<td>{cell_html(row.get('TrainingJobName'))}</td>"]
        if multiple:
            cells.append(f"<td>{cell_html(row.get('TuningJobName'))}</td>")
        cells.append(f"<td class='num'>{_num(row.get('FinalObjectiveValue'))}</td>")
        for name in params:
            value = row.get(name)
            spec = report_input.ranges.get(name)
            if (
                spec is not None
                and spec.kind == "Integer"
                and isinstance(value, float)
                and value.is_integer()
            ):
                value = int(value)
            if isinstance(value, str):  # a categorical value: job text (safe_text), it may wrap
                cells.append(f"<td>{cell_html(value)}</td>")
            else:
                cells.append(f"<td class='num'>{_num(value)}</td>")
        cells += [f"<td class='num'>{_num(row.get(c))}</td>" for c in metrics]
        cells.append(f"<td class='word'>{_e(row.get('TrainingJobStatus'))}</td>")
        cells.append(f"<td class='num'>{_num(row.get('TrainingElapsedTimeSeconds'), 0)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<div class='wide'><table id='top-trials'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}"
            "</tbody></table></div>")


def _header(name: str) -> str:
    """A column header that may break after '_', ':' or '-' (validation:|accuracy), never inside a word."""
    if len(name) > LONG_HEADER:
        return cell_html(name)
    return "<bdi>" + re.sub(r"([_:\-])", r"\1<wbr>", text_html(name)) + "</bdi>"


def _boundaries_html(summary: dict[str, Any]) -> str:
    rows = []
    for f in summary.get("boundaries") or []:
        if f.get("kind") == "Categorical":
            now = ", ".join(cell_html(v) for v in f.get("values", []))
            rows.append(
                f"<tr><td>{cell_html(f['name'])}</td><td>{now}</td><td>{now}</td>"
                f"<td>most common among the best: {cell_html(f.get('most_common_in_top', 'n/a'))}</td></tr>"
            )
            continue
        now = f"{_num(f.get('min_value'))} &ndash; {_num(f.get('max_value'))} ({_e(f.get('scaling'))})"
        nxt = f"{_num(f.get('suggested_min_value'))} &ndash; {_num(f.get('suggested_max_value'))}"
        rows.append(
            f"<tr><td>{cell_html(f['name'])}</td><td>{now}</td><td>{nxt}</td><td>{_e(f.get('message'))}</td></tr>"
        )
    if not rows:
        return ""
    return (
        "<table id='boundaries'><thead><tr><th>Hyperparameter</th><th>Range searched</th>"
        "<th>Suggested next</th><th>Finding</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _chart_fields(data: ChartData, report_input: ReportInput) -> dict[str, Any]:
    """How the page maps the compact columns onto the charts' fields (hp0.., m0..) and Python's extras."""
    fields = [{"field": p.field, "column": p.name, "categorical": p.kind == "Categorical"} for p in data.params]
    fields += [{"field": m.field, "column": m.column, "categorical": False} for m in data.metrics]
    derived = derived_columns(data.trials, ["trial", "best_so_far", "rank", "pct", "slot", "shown"])
    return {"tuning_job": visible_controls(report_input.tuning_job_name), "fields": fields, "derived": derived}


def _baseline_rows(report_input: ReportInput) -> list[dict[str, Any]]:
    b = report_input.baseline
    if b is None or b.training_start_time is None or b.training_end_time is None:
        return []
    return [{"job": visible_controls(b.training_job_name), "slot": 0, "start": b.training_start_time.timestamp() * 1000,
             "end": b.training_end_time.timestamp() * 1000}]


def _specs(data: ChartData, report_input: ReportInput, summary: dict[str, Any]) -> tuple[dict, dict, list[str]]:
    specs: dict[str, Any] = {}
    datasets: dict[str, Any] = {"baseline": _baseline_rows(report_input)}
    notes: list[str] = []
    scored = int(data.trials["objective"].notna().sum())
    if scored:
        specs["explorer"] = charts.explorer_spec(data)
        if data.params:
            specs["parallel"] = views.parallel_spec(data)
        pair = views.two_way_params(data, summary.get("importance") or {})
        surface = views.surface_rows(data, *pair) if len(pair) == 2 else []
        if surface:
            datasets["surface"] = surface
            specs["contour"] = views.contour_spec(data, *pair)
    elif len(data.trials):
        notes.append("No trial reported an objective: only the timeline and the failures are shown.")
    if data.sampled is not None:
        notes.append(f"Scatter plots show {data.sampled:,} of {len(data.trials):,} trials (the best 10 % and a "
                     "random sample); the histogram, the timeline, the counts and the downloads have them all.")
    if len(data.trials):
        specs["timeline"] = views.timeline_spec(data, datasets["baseline"])
        specs["status"] = views.status_spec(data)
    importance_spec = charts.importance_spec(summary.get("importance") or {})
    if importance_spec is not None:
        specs["importance"] = importance_spec
    curves = [{"job": visible_controls(job), **p.model_dump()}
              for job, points in report_input.learning_curves.items() for p in points]
    if curves:
        datasets["curves"] = curves
        specs["curves"] = views.curves_spec(data)
    return specs, datasets, notes


def render_report(report_input: ReportInput, *, summary: dict[str, Any] | None = None,
                  generated_at: datetime | None = None, extra_html: str = "",
                  chain_rounds: list[dict[str, Any]] | None = None) -> str:
    """One self-contained HTML page: summary in words, linked charts, tables, downloads.

    ``summary``: ``summarize(report_input)`` when the caller has it already (the render step
    writes it to summary.json too), so that it is computed once. ``extra_html``: a section the
    caller built and escaped (a chain's conversation: chain.report_section), after the summary.
    ``chain_rounds``: a chain's rounds so far (``{round, run_id, ranges, best_so_far}``), drawn over
    the charts (chain.chart_overlays).
    """
    if summary is None:
        summary = summarize(report_input)
    data = chart_data(report_input)
    if chain_rounds:
        data.rounds = round_overlays(chain_rounds, data.trials)
    specs, datasets, notes = _specs(data, report_input, summary)
    name = report_input.tuning_job_name
    downloads = {
        # Built in the page from the one compact copy of the trials (report.page_script).
        "csv": {"type": "text/csv", "filename": f"{name}-trials.csv"},
        "json": {"type": "application/json", "filename": f"{name}-trials.json"},
        "next": {"text": json.dumps(summary.get("next_execution_input") or {}, indent=2),
                 "type": "application/json", "filename": f"{name}-next-input.json"},
        "summary": {"value": summary, "type": "application/json", "filename": f"{name}-summary.json"},
    }
    payload = script_json({"specs": specs, "datasets": datasets, "downloads": downloads,
                           "table": compact_rows(report_input.all_trials),
                           "chart": _chart_fields(data, report_input)})
    return _page(report_input, summary, data, specs, notes, payload, generated_at, bool(datasets["baseline"]),
                 extra_html)


def _page(report_input: ReportInput, summary: dict[str, Any], data: ChartData, specs: dict[str, Any],
          notes: list[str], payload: str, generated_at: datetime | None, datasets_baseline: bool,
          extra_html: str = "") -> str:
    name = report_input.tuning_job_name
    csp = (
        "default-src 'none'; "
        f"script-src {_bundle_hash()} {_csp_hash(PAGE_SCRIPT)} 'unsafe-eval'; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    jobs = ", ".join(_e(j.get("HyperParameterTuningJobName")) for j in report_input.tuning_jobs)

    def section(chart_id: str, title: str, caption: str = "") -> str:
        if chart_id not in specs:
            return ""
        caption_html = f"<p class='muted'>{_e(caption)}</p>" if caption else ""
        return (
            f"<h2>{_e(title)}</h2>{caption_html}"
            f"<div class='chart' id='chart-{chart_id}' data-chart='{chart_id}'></div>"
        )

    importance = summary.get("importance") or {}
    importance_text = importance.get("message", "")
    counted = counted_statuses(summary, lambda status: _e(status).lower())
    failed_most = most_failed(summary.get("counters") or {})
    body = [
        f"<h1>Tuning report: {_e(name)}</h1>",
        f"<p class='muted'>Tuning jobs: {jobs} &middot; generated {when} "
        f"by AMT Pipeline {_e(__version__)}</p>",
        "<p class='error' id='most-failed'>Most training jobs failed: see "
        "<a href='#failures'>Failures and stops</a>.</p>" if failed_most else "",
        "<section id='summary'>",
        _summary_html(summary),
        "</section>",
        extra_html,
        "<p class='downloads'>Download: <a id='download-csv' href='#'>trials (CSV)</a>"
        "<a id='download-json' href='#'>trials (JSON)</a>"
        "<a id='download-next' href='#'>suggested next input</a>"
        "<a id='download-summary' href='#'>summary</a></p>",
        filters_html(data) if len(data.trials) else "",
        *[f"<p class='muted note'>{_e(n)}</p>" for n in notes],
        section(
            "explorer",
            "Trials",
            "Drag across any chart to select an interval; hover a trial to find it everywhere. "
            "Shapes: circle completed, triangle stopped early, cross failed. The per-hyperparameter charts show "
            "the metric chosen above.",
        ),
        "<h2>Top 10 trials</h2>",
        _top_table(report_input, summary),
        section("contour", "Two-way effects",
                "The objective smoothed over the two most important numeric hyperparameters (a Gaussian-kernel "
                "average of the trials around each cell; blank: fewer than two trials near); circles are the trials."),
        section("importance", "Hyperparameter importance", importance_text),
        ""
        if "importance" in specs
        else f"<h2>Hyperparameter importance</h2><p class='muted'>{_e(importance_text)}</p>",
        "<h2>Ranges and the next search</h2>",
        _boundaries_html(summary),
        section("parallel", "Parallel coordinates"),
        section("curves", "Learning curves",
                "The best trials' metrics round by round, as SageMaker read them from the training log: one line "
                "per trial (its colour; # is its rank by the objective) and metric (its dash). CloudWatch keeps "
                "one point a second, so rounds less than a second apart share a point."),
        "<h2 id='failures'>Failures and stops</h2>",
        failures_html(summary, counted),
        "<div class='chart' id='chart-status' data-chart='status'></div>" if "status" in specs else "",
        "<h2>Timeline and cost</h2>",
        "<p class='muted'>Each bar is a training job from its start to its end, on the row of the parallel "
        "slot it ran in" + ("; the green bar is the baseline job" if datasets_baseline else "") + ".</p>"
        if "timeline" in specs else "",
        "<div class='chart' id='chart-timeline' data-chart='timeline'></div>" if "timeline" in specs else "",
        spend_html(summary),
    ]
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{csp}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Tuning report: {_e(name)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script type='application/json' id='amt-report-data'>{payload}</script>\n"
        + f"<script>{vega_bundle()}</script>\n<script>{PAGE_SCRIPT}</script>\n</body></html>\n"
    )
