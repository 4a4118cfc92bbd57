"""The tuner's rules, applied after each boosting round inside the training process.

They travel with each trial as plain numbers computed by the engine from earlier trials, so a
trial's fate never depends on timing:

- ``median``: SageMaker's median stopping rule. ``median[t]`` is the median, over earlier trials
  that reached round t, of their objective's running average up to round t; a trial whose objective
  at round t is worse is stopped.
- ``rungs``: Hyperband's successive halving. ``rungs[r]`` is the value a trial must reach (or beat)
  after r rounds to be promoted to the next rung; otherwise it is stopped.
- ``stop_file``: StopTrainingJob / StopHyperParameterTuningJob create this file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StopRule:
    maximize: bool = True
    median: list[float | None] = field(default_factory=list)
    rungs: dict[int, float] = field(default_factory=dict)
    stop_file: str | None = None

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> StopRule:
        return cls(
            maximize=bool(spec.get("maximize")),
            median=list(spec.get("median") or []),
            rungs={int(k): v for k, v in (spec.get("rungs") or {}).items()},
            stop_file=spec.get("stop_file"),
        )

    def _worse(self, value: float, ref: float) -> bool:
        return value < ref if self.maximize else value > ref

    def __call__(self, epoch: int, value: float | None) -> str | None:
        if self.stop_file and os.path.exists(self.stop_file):
            return "StopRequested"
        if value is None:
            return None
        ref = self.median[epoch] if 1 <= epoch < len(self.median) else None
        if ref is not None and self._worse(value, ref):
            return "EarlyStopping"
        rounds_done = epoch + 1
        if rounds_done in self.rungs and self._worse(value, self.rungs[rounds_done]):
            return "Hyperband"
        return None
