"""The notifications of a chain's rounds (follow_up): a short message for an intermediate round (none
if the chain's input said ``notify: last_round``), and for the last round the chain's result, the
stop reason and every round, before the round's own message."""

from __future__ import annotations

from typing import Any

from amt_pipeline.chain.state import STOP_REASONS
from amt_pipeline.report.notification import SUBJECT_MAX, ascii_text, compose_notification


def _best(value: Any) -> str:
    return "n/a" if value is None else f"{float(value):.5f}"


def compose_round_notification(summary: dict[str, Any], chain: dict[str, Any], run_id: str, report_url: str,
                               *, notify: str = "every_round") -> tuple[str, str] | None:
    """(subject, message) for a round of a chain, or None when nothing is to be sent."""
    rounds = chain.get("rounds") or []
    this = next((r for r in rounds if r.get("run_id") == run_id), None)
    if this is None:
        return compose_notification(summary, report_url)
    metric = chain.get("objective_name", "objective")
    if this.get("decision") == "continue":
        if notify == "last_round":
            return None
        subject = (f"AMT Pipeline: chain {chain['chain_id']} round {this['round']} done, "
                   f"best so far {_best(this.get('best_so_far'))}; round {this['round'] + 1} started")
        lines = [f"Round {this['round']} of chain {chain['chain_id']} ({run_id}) ended {this.get('status')}: "
                 f"best {metric} {_best(this.get('best_objective'))}, best so far {_best(this.get('best_so_far'))}.",
                 "", ascii_text(this.get("explanation")), *[f"- {ascii_text(c)}" for c in this.get("changes", [])],
                 "", f"Next round: {this.get('next_run_id')}. The chain's result comes when it stops.",
                 "", f"Report of this round: {report_url}"]
        return ascii_text(subject, single_line=True)[:SUBJECT_MAX], "\n".join(lines)
    reason = str(this.get("reason"))
    jobs = sum(int(r.get("training_jobs") or 0) for r in rounds)
    subject = (f"AMT Pipeline: chain {chain['chain_id']} stopped after {len(rounds)} round(s): "
               f"best {_best(this.get('best_so_far'))} ({reason})")
    lines = [f"Chain {chain['chain_id']} stopped after {len(rounds)} round(s) and {jobs} training jobs: "
             f"{STOP_REASONS.get(reason, reason)}.", ascii_text(this.get("explanation")), "",
             f"Best {metric} over the chain: {_best(this.get('best_so_far'))}.", "", "Rounds:"]
    for r in rounds:
        lines.append(f"  {r['round']}. {r['run_id']}  {r.get('status')}  {r.get('training_jobs')} jobs  "
                     f"best {_best(r.get('best_objective'))}  -> {r.get('decision')} ({r.get('reason')})")
    _, round_message = compose_notification(summary, report_url)
    lines += ["", f"The last round ({run_id}):", "", round_message]
    return ascii_text(subject, single_line=True)[:SUBJECT_MAX], ascii_text("\n".join(lines))
