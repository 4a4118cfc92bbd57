"""The SNS message of a finished tuning job: a short ASCII subject and a plain-text body.

SNS email subjects must be ASCII, at most 100 characters, with no line breaks
or control characters; job-supplied text (names, failure reasons) is folded to
ASCII here so a strange name cannot make Publish fail. Any summary, however
incomplete (a Failed job, no trial with an objective), gives a clear message.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from typing import Any

SUBJECT_MAX = 100
FAILURE_REASON_MAX = 1000


def ascii_text(value: Any, *, single_line: bool = False) -> str:
    """Text folded to printable ASCII: accents dropped, other characters become '?'."""
    text = unicodedata.normalize("NFKD", "" if value is None else str(value))
    cleaned = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        if ch in "\r\n\t":
            cleaned.append(" " if single_line or ch == "\t" else "\n")
        elif 32 <= ord(ch) < 127:
            cleaned.append(ch)
        elif unicodedata.category(ch)[0] != "C":
            cleaned.append("?")
    out = "".join(cleaned)
    return " ".join(out.split()) if single_line else out


def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "n/a"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "n/a"
        return f"{value:.6g}"
    return ascii_text(value, single_line=True)


def _subject(summary: dict[str, Any]) -> str:
    status = ascii_text(summary.get("status") or "Unknown", single_line=True)
    name = ascii_text(summary.get("tuning_job_name") or "tuning job", single_line=True)
    best = summary.get("best") or {}
    if best.get("objective") is not None:
        metric = ascii_text(summary.get("objective_name") or "objective", single_line=True)
        tail = f": best {metric} {_number(best['objective'])}"
    elif status in {"Failed", "Stopped"}:
        tail = ""
    else:
        tail = ": no trial reported an objective"
    head = f"AMT {name} {status}"
    subject = head + tail
    if len(subject) > SUBJECT_MAX:
        subject = (
            head[: SUBJECT_MAX - 3] + "..." if len(head) > SUBJECT_MAX else subject[: SUBJECT_MAX - 3] + "..."
        )
    return subject


def counted_statuses(summary: dict[str, Any], word: Callable[[str], str]) -> str:
    """'48 completed, 2 failed': the summary's training-job counters that are not zero."""
    return ", ".join(f"{_number(count)} {word(status)}" for status, count in (summary.get("counters") or {}).items()
                     if count)


def _most_failed_lines(summary: dict[str, Any]) -> list[str]:
    """First lines when more than half of the training jobs failed: how many, and the commonest reason."""
    counters = summary.get("counters") or {}
    total = sum(int(v or 0) for v in counters.values())
    failed = int(counters.get("Failed") or 0)
    if not total or 2 * failed <= total:
        return []
    lines = [f"MOST TRAINING JOBS FAILED: {failed} of {total}."]
    groups = summary.get("failure_groups") or []
    if groups:
        reason = ascii_text(groups[0].get("reason"), single_line=True)[:300]
        lines.append(f"Most common reason ({_number(groups[0].get('count'))} jobs): {reason}")
    return [*lines, ""]


def compose_notification(summary: dict[str, Any], report_url: str) -> tuple[str, str]:
    """(subject <= 100 ASCII chars, body) for SNS: status, best trial, baseline vs tuned, report link."""
    status = ascii_text(summary.get("status") or "Unknown", single_line=True)
    name = ascii_text(summary.get("tuning_job_name") or "n/a", single_line=True)
    metric = ascii_text(summary.get("objective_name") or "objective", single_line=True)
    direction = ascii_text(summary.get("objective_direction") or "", single_line=True)
    lines = [*_most_failed_lines(summary), f"Tuning job: {name}", f"Status: {status}"]
    if status in {"Failed", "Stopped"} or summary.get("failure_reason"):
        reason = ascii_text(summary.get("failure_reason") or "none given", single_line=True)
        if len(reason) > FAILURE_REASON_MAX:
            reason = reason[: FAILURE_REASON_MAX - 3] + "..."
        lines.append(f"Failure reason: {reason}")
    counted = counted_statuses(summary, lambda status: ascii_text(status, single_line=True))
    lines.append(
        f"Training jobs: {_number(summary.get('trial_count', 0))} ({counted or 'none'}); "
        f"{_number(summary.get('scored_trial_count', 0))} with an objective"
    )
    lines.append(f"Objective: {metric}" + (f" ({direction})" if direction else ""))
    lines.append("")
    best = summary.get("best")
    if best and best.get("objective") is not None:
        lines.append(f"Best objective: {_number(best['objective'])}")
        lines.append(f"Best training job: {ascii_text(best.get('training_job_name'), single_line=True)}")
        lines.append("Best hyperparameters:")
        for key, value in (best.get("hyperparameters") or {}).items():
            lines.append(f"  {ascii_text(key, single_line=True)} = {_number(value)}")
        overall = summary.get("overall_best") or {}
        if overall.get("objective") is not None and overall.get("training_job_name") != best.get("training_job_name"):
            lines.append(
                f"Best including the warm-start parents: {_number(overall['objective'])} "
                f"({ascii_text(overall.get('training_job_name'), single_line=True)}, tuning job "
                f"{ascii_text(overall.get('tuning_job_name'), single_line=True)})"
            )
    else:
        lines.append("Best objective: none (no training job reported an objective)")
    baseline = summary.get("baseline") or {}
    gain = summary.get("gain_over_baseline")
    if baseline.get("objective") is not None:
        lines.append("")
        tuned = _number(best.get("objective")) if best else "n/a"
        lines.append(f"Baseline vs tuned: {_number(baseline['objective'])} -> {tuned}")
        if gain and gain.get("absolute") is not None:
            # gain is "how much better" (positive: better); say how the objective itself moved.
            minimize = summary.get("objective_direction") == "Minimize"
            moved = -gain["absolute"] if minimize else gain["absolute"]
            relative = gain.get("relative")
            rel = (f" ({(-relative if minimize else relative):+.2%})"
                   if isinstance(relative, float) and math.isfinite(relative) else "")
            word = "better" if gain.get("tuned_is_better") else "not better"
            lines.append(f"Tuned is {word} than the baseline: {_number(abs(moved))} "
                         f"{'higher' if moved >= 0 else 'lower'}{rel}; {'lower' if minimize else 'higher'} is better")
    elif baseline:
        lines.append("")
        lines.append(
            f"Baseline: {ascii_text(baseline.get('training_job_name'), single_line=True)} "
            "has no objective value"
        )
    else:
        lines.append("")
        lines.append("Baseline: none")
    warnings = summary.get("boundary_warnings") or []
    if warnings:
        lines.append("")
        lines.append("Range warnings:")
        lines.extend(f"  - {ascii_text(w, single_line=True)}" for w in warnings)
    lines.append("")
    lines.append(f"Report: {report_url}")
    return _subject(summary), "\n".join(lines) + "\n"
