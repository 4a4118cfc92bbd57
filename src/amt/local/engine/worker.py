"""The worker process: one per parallel training slot, started with 'forkserver' (or 'spawn').

Each worker parses the job's channels once (initializer) and then trains the trials it is sent.
The tuner's rules travel with each trial as plain numbers computed by the parent from earlier
trials, so a trial's fate never depends on timing:

- ``median``: SageMaker's median stopping rule. ``median[t]`` is the median, over earlier trials
  that reached round t, of their objective's running average up to round t; a trial whose objective
  at round t is worse is stopped.
- ``rungs``: Hyperband's successive halving. ``rungs[r]`` is the value a trial must reach (or beat)
  after r rounds to be promoted to the next rung; otherwise it is stopped.

``stop_flags[slot]`` (shared memory) is set by StopTrainingJob / StopHyperParameterTuningJob.
"""

from __future__ import annotations

import os
import time
from typing import Any

from amt.local.engine import algorithm

_STATE: dict[str, Any] = {}


def init_worker(channels: dict[str, list[bytes]], stop_flags: Any) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import xgboost as xgb

    matrices: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, chunks in channels.items():
        try:
            x, y = algorithm.read_csv(chunks)
            matrices[name] = xgb.DMatrix(x, label=y, nthread=1)
        except algorithm.ClientError as e:
            errors[name] = f"ClientError: channel {name!r}: {e}"
    _STATE.update(matrices=matrices, errors=errors, stop_flags=stop_flags)


def run_trial(spec: dict[str, Any]) -> dict[str, Any]:
    """Train one job. ``spec``: slot, hyperparameters, objective_metric, maximize, median, rungs."""
    started = time.time()
    slot: int = spec["slot"]
    flags = _STATE["stop_flags"]
    errors: dict[str, str] = _STATE["errors"]
    matrices: dict[str, Any] = _STATE["matrices"]
    if "train" in errors or "train" not in matrices:
        return _result(
            algorithm.TrainingOutcome(
                "Failed", failure_reason=errors.get("train", "ClientError: No data in training channel")
            ),
            started,
        )
    if "validation" in errors:
        return _result(algorithm.TrainingOutcome("Failed", failure_reason=errors["validation"]), started)

    objective: str | None = spec.get("objective_metric")
    maximize: bool = bool(spec.get("maximize"))
    median: list[float | None] = spec.get("median") or []
    rungs: dict[int, float] = {int(k): v for k, v in (spec.get("rungs") or {}).items()}
    total = 0.0

    def worse(value: float, ref: float) -> bool:
        return value < ref if maximize else value > ref

    def should_stop(epoch: int, value: float | None) -> str | None:
        nonlocal total
        if flags is not None and flags[slot]:
            return "StopRequested"
        if value is None:
            return None
        total += value
        ref = median[epoch] if 1 <= epoch < len(median) else None
        if ref is not None and worse(value, ref):
            return "EarlyStopping"
        rounds_done = epoch + 1
        if rounds_done in rungs and worse(value, rungs[rounds_done]):
            return "Hyperband"
        return None

    outcome = algorithm.train(
        spec["hyperparameters"],
        matrices["train"],
        matrices.get("validation"),
        algorithm.Controller(objective_metric=objective, should_stop=should_stop),
    )
    return _result(outcome, started)


def _result(outcome: algorithm.TrainingOutcome, started: float) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "failure_reason": outcome.failure_reason,
        "stop_reason": outcome.stop_reason,
        "history": outcome.history,
        "final_metrics": outcome.final_metrics,
        "model_tar_gz": outcome.model_tar_gz,
        "best_iteration": outcome.best_iteration,
        "rounds": outcome.rounds,
        "start": started,
        "end": time.time(),
    }
