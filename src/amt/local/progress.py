"""The local run's progress bar: trials done of total, and the best so far."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm


class ProgressBar:
    def __init__(self, total: int):
        self._total = total
        self._bar: Any = None  # shown from the first trial: a run that fails before tuning shows none

    def update(self, progress: Any) -> None:
        if self._bar is None:
            self._bar = tqdm(total=self._total, unit="trial", desc="tuning", file=sys.stderr, dynamic_ncols=True,
                             bar_format="{desc} {bar} {n_fmt}/{total_fmt} trials [{elapsed}<{remaining}] {postfix}")
        done = progress.completed + progress.failed + progress.stopped
        self._bar.total = progress.total
        self._bar.n = done
        best = "-" if progress.best_objective is None else f"{progress.best_objective:.5f}"
        extra = f" failed={progress.failed}" if progress.failed else ""
        extra += f" stopped={progress.stopped}" if progress.stopped else ""
        self._bar.set_postfix_str(f"best={best} running={progress.running}{extra}", refresh=False)
        self._bar.refresh()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
