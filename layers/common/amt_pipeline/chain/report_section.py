"""The "conversation" section of a chain round's report: each round, the ranges it searched and what
changed and why, its best and the chain's best after it, and the decision taken after it.

The report is rendered before its own round's decision is taken (DecideFollowUp reads the report's
summary), so the section ends with a placeholder that DecideFollowUp fills with that decision once
it is written down (``fill_decision``): the last round's report then tells the whole chain.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

DECISION_PLACEHOLDER = "<!--amt-chain-decision-->"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _best(value: Any) -> str:
    return "-" if value is None else f"{float(value):.5f}"


def _ranges(ranges: Mapping[str, Mapping[str, Any]]) -> str:
    return ", ".join(f"{_e(n)} [{_e(s.get('min_value'))}, {_e(s.get('max_value'))}]" for n, s in ranges.items()
                     if "min_value" in s) or "categorical only"


def decision_html(record: Mapping[str, Any]) -> str:
    changes = "".join(f"<li>{_e(c)}</li>" for c in record.get("changes") or [])
    return (f"<strong>{_e(record.get('decision'))}</strong> ({_e(record.get('reason'))}): "
            f"{_e(record.get('explanation'))}" + (f"<ul>{changes}</ul>" if changes else ""))


def conversation_html(earlier: Mapping[str, Any] | None, *, round_number: int, run_id: str,
                      ranges: Mapping[str, Mapping[str, Any]], best: float | None, minimize: bool = False) -> str:
    """The section: the earlier rounds (the chain as the round before this one left it), then this one."""
    rows = []
    for r in (earlier or {}).get("rounds") or []:
        if r.get("round", 0) >= round_number:
            continue
        rows.append(f"<tr><td>{_e(r['round'])}</td><td>{_e(r['run_id'])}</td><td>{_ranges(r['ranges'])}</td>"
                    f"<td>{_best(r.get('best_objective'))}</td><td>{_best(r.get('best_so_far'))}</td>"
                    f"<td>{decision_html(r)}</td></tr>")
    so_far = [r.get("best_so_far") for r in (earlier or {}).get("rounds") or [] if r.get("round", 0) < round_number]
    rows.append(f"<tr><td>{round_number}</td><td>{_e(run_id)}</td><td>{_ranges(ranges)}</td><td>{_best(best)}</td>"
                f"<td id='chain-best-so-far'>{_best(_better(so_far + [best], minimize))}</td>"
                f"<td id='chain-decision'>{DECISION_PLACEHOLDER}<span class='muted'>decided after this report "
                f"(reports/chain.json and the notification say it)</span>{DECISION_PLACEHOLDER}</td></tr>")
    return ("<h2 id='conversation'>The tuning conversation</h2>"
            "<p class='muted'>This job is a round of a chain (follow_up): after each round's report the pipeline "
            "widened the ranges whose edges the best trials crowded, or stopped. Each earlier round that is a "
            "warm-start parent of this one is a job of its own in the charts.</p>"
            "<table><tr><th>round</th><th>run</th><th>ranges</th><th>best</th><th>best so far</th>"
            "<th>decision</th></tr>" + "".join(rows) + "</table>")


def _better(values: list[float | None], minimize: bool) -> float | None:
    present = [float(v) for v in values if v is not None]
    if not present:
        return None
    return min(present) if minimize else max(present)


def fill_decision(page: str, record: Mapping[str, Any]) -> str | None:
    """The report with this round's decision in its placeholder (None: the page has none to fill)."""
    start = page.find(DECISION_PLACEHOLDER)
    end = page.find(DECISION_PLACEHOLDER, start + len(DECISION_PLACEHOLDER)) if start >= 0 else -1
    if start < 0 or end < 0:
        return None
    return page[:start] + decision_html(record) + page[end + len(DECISION_PLACEHOLDER):]
