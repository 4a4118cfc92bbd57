"""RenderReport: the stored trials -> reports/index.html and summary.json, announced as
"Report Rendered"; a round of a chain gets the chain's conversation so far.

pandas and Altair are imported inside the step, so importing this module costs nothing.
"""

from __future__ import annotations

from typing import Any

from amt_pipeline.aws.adapters import HTML_CONTENT_TYPE, EventPublisher, ObjectStore
from amt_pipeline.aws.chain_table import ChainTable
from amt_pipeline.aws.idempotency import once_per_step
from amt_pipeline.contracts import RenderResult
from amt_pipeline.events import REPORT_RENDERED, RunStepDetail


def render_report(store: ObjectStore, events: EventPublisher, *, step: RunStepDetail,
                  chains: ChainTable | None = None) -> RenderResult:
    """index.html and summary.json from the stored trials; a round of a chain (``chains`` knows it)
    gets the chain's conversation so far (chain.report_section)."""
    from amt_pipeline.report.render import render_report as render_html
    from amt_pipeline.trials.report_input import ReportInput
    from amt_pipeline.trials.summary import summarize

    layout = step.layout
    report_input = ReportInput.from_json(store.get_text(layout.trials_json_key))
    summary = summarize(report_input)
    extra, rounds = _conversation(store, chains, step, summary) if chains is not None else ("", [])
    store.put_text(layout.report_html_key,
                   render_html(report_input, summary=summary, extra_html=extra, chain_rounds=rounds),
                   HTML_CONTENT_TYPE)
    store.put_json(layout.summary_key, summary)
    events.publish(REPORT_RENDERED, step.model_dump())
    return RenderResult(run_id=step.run_id, status=summary.get("status"), report_key=layout.report_html_key)


def _conversation(store: ObjectStore, chains: ChainTable, step: RunStepDetail,
                  summary: dict) -> tuple[str, list[dict[str, Any]]]:
    """The conversation section of a chain's round (the chain as the round before left it, and this
    round), and the rounds the charts draw (``{round, run_id, ranges, best_so_far}``)."""
    from amt_pipeline.chain.report_section import conversation_html
    from amt_pipeline.chain.state import better_of, round_run_id
    from amt_pipeline.errors import ReportInputMissing
    from amt_pipeline.run.layout import RunLayout

    entry = chains.round(step.run_id)
    if entry is None:
        return "", []
    earlier = None
    if entry.round > 1:
        previous = RunLayout(step.bucket, round_run_id(entry.chain_id, entry.round - 1))
        try:
            earlier = store.get_json(previous.chain_json_key)
        except ReportInputMissing:
            earlier = None
    best = (summary.get("best") or {}).get("objective")
    ranges = entry.input.get("hyperparameter_ranges") or {}
    html = conversation_html(earlier, round_number=entry.round, run_id=step.run_id, ranges=ranges, best=best,
                             minimize=entry.input.get("objective_type") == "Minimize")
    before = [r for r in (earlier or {}).get("rounds") or [] if r["round"] < entry.round]
    so_far = better_of(entry.input.get("objective_type", "Maximize"), *(r.get("best_objective") for r in before),
                       best)
    rounds = [*before, {"round": entry.round, "run_id": step.run_id, "ranges": ranges, "best_so_far": so_far}]
    return html, rounds


# The handler's call: once per run step, however often the event is delivered.
render_report_once = once_per_step(render_report, result=RenderResult)
