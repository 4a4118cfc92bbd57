"""What `amt watch` (and `amt local run`) shows of a running tuning job.

On a terminal: a block of lines redrawn in place (progress bar, counts, best so far with its
hyperparameters, elapsed and remaining time, the latest trials). Elsewhere (CI, a log file):
one plain line per change, nothing redrawn, no escape codes.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TextIO

from amt.cli.output import colour_enabled, is_terminal
from amt_pipeline.facts import format_duration
from amt_pipeline.live.progress import Progress

BAR_WIDTH = 30
LATEST = 5


def bar(done: int, running: int, total: int, width: int = BAR_WIDTH) -> str:
    """[#####>>>.....]: done trials, then running ones, of the maximum."""
    if total <= 0:
        return "[" + "." * width + "]"
    full = min(width, round(width * done / total))
    busy = min(width - full, round(width * running / total))
    return "[" + "#" * full + ">" * busy + "." * (width - full - busy) + "]"


def _hyperparameters(values: Mapping[str, str], limit: int = 6) -> str:
    shown = [f"{k}={_short(v)}" for k, v in sorted(values.items())[:limit]]
    return ", ".join(shown) + (", ..." if len(values) > limit else "")


def _short(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    return value if value.isdigit() else f"{number:.4g}"


def _remaining(progress: Progress) -> str:
    if progress.ended:
        return "0s"
    end = progress.estimated_end
    if end is None:
        return "? (after the first trial ends)"
    return f"~{format_duration(progress.remaining)} (est. end {end:%H:%M} UTC)"


def _counts(progress: Progress) -> str:
    return "  ".join(f"{name} {progress.counts.get(name, 0)}"
                     for name in ("Completed", "Failed", "Stopped", "InProgress"))


def _best(progress: Progress) -> str:
    best = progress.best
    if best is None:
        return "best so far: none yet"
    return (f"best so far: {best.value:.5g} ({best.metric_name or 'objective'}) by {best.training_job_name}"
            + (f"\n  {_hyperparameters(best.hyperparameters)}" if best.hyperparameters else ""))


def _trial_line(summary: Mapping[str, Any]) -> str:
    metric = (summary.get("FinalHyperParameterTuningJobObjectiveMetric") or {}).get("Value")
    value = f" {metric:.5g}" if metric is not None else ""
    reason = f" ({str(summary.get('FailureReason'))[:60]})" if summary.get("FailureReason") else ""
    return f"  {summary.get('TrainingJobName')}  {summary.get('TrainingJobStatus')}{value}{reason}"


def block(progress: Progress, latest: Sequence[Mapping[str, Any]] = (), extra: Sequence[str] = ()) -> list[str]:
    """The terminal view's lines."""
    lines = [
        f"{progress.tuning_job_name}  {progress.status}",
        f"{bar(progress.done, progress.running, progress.max_jobs)} {progress.done} of {progress.max_jobs} done, "
        f"{progress.running} running",
        _counts(progress),
        *_best(progress).split("\n"),
        f"elapsed {format_duration(progress.elapsed)}  remaining {_remaining(progress)}",
    ]
    if latest:
        lines.append("latest trials:")
        lines.extend(_trial_line(s) for s in list(latest)[:LATEST])
    return lines + list(extra)


def plain_line(progress: Progress, now: datetime) -> str:
    """The non-terminal view: one line per change."""
    best = "-" if progress.best is None else f"{progress.best.value:.5g}"
    return (f"{now:%Y-%m-%dT%H:%M:%SZ} {progress.tuning_job_name} {progress.status} "
            f"done={progress.done}/{progress.max_jobs} running={progress.running} "
            f"completed={progress.counts.get('Completed', 0)} failed={progress.counts.get('Failed', 0)} "
            f"stopped={progress.counts.get('Stopped', 0)} best={best} "
            f"elapsed={format_duration(progress.elapsed)} remaining={format_duration(progress.remaining)}")


class LiveView:
    """Shows each new state of the job: redrawn on a terminal, a line per change elsewhere."""

    def __init__(self, stream: TextIO | None = None, *, terminal: bool | None = None):
        self.stream = stream or sys.stdout
        self.terminal = is_terminal(self.stream) if terminal is None else terminal
        self._drawn = 0
        self._job: str | None = None
        self._last: str | None = None
        self._said: set[str] = set()

    def show(self, progress: Progress, latest: Sequence[Mapping[str, Any]] = (), extra: Sequence[str] = ()) -> None:
        if not self.terminal:
            line = plain_line(progress, progress.now)
            key = line.split(" ", 1)[1].rsplit(" elapsed=", 1)[0]  # a change, not the clock
            if key != self._last:
                print(line, file=self.stream, flush=True)
                self._last = key
            for line in extra:
                if line not in self._said:
                    print(line, file=self.stream, flush=True)
                    self._said.add(line)
            return
        if progress.tuning_job_name != self._job:
            # Another job (a chain's next round): its block starts below what was printed since, and the
            # last job's final block stays on screen.
            self._job, self._drawn = progress.tuning_job_name, 0
        lines = block(progress, latest, extra)
        if colour_enabled(self.stream):
            lines[0] = f"\033[1m{lines[0]}\033[0m"
        clear = f"\033[{self._drawn}F\033[J" if self._drawn else ""
        self.stream.write(clear + "\n".join(lines) + "\n")
        self.stream.flush()
        self._drawn = len(lines)
