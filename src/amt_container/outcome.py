"""How one training job ended: the one result type from the worker that trains it to the engine
that records it and the tuner that learns from it.

The worker (``amt_container.serve``, in the image's environment) sends it pickled; the engine's
pools, coordinator and tuning run (``amt.local.engine``) pass it on as it is, and make their own
(``TrainingOutcome.failed``) where a trial ends before or without its worker. Standard library
only: both sides import this module.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class TrainingOutcome:
    status: str  # Completed | Failed | Stopped
    failure_reason: str | None = None  # SageMaker's FailureReason, e.g. "ClientError: ..." / "AlgorithmError: ..."
    stop_reason: str | None = None  # why the tuner or the job stopped it (MaxRuntime, a stopping rule)
    history: dict[str, list[float]] = field(default_factory=dict)  # "validation:accuracy" -> one value a round
    final_metrics: dict[str, float] = field(default_factory=dict)
    model_tar_gz: bytes | None = None
    best_iteration: int | None = None
    rounds: int | None = None  # boosting rounds trained (None: it never trained)
    start: float | None = None  # epoch seconds: when the worker took the trial, and when it ended
    end: float | None = None

    @classmethod
    def failed(cls, reason: str, start: float | None = None) -> TrainingOutcome:
        """A trial that failed with this FailureReason, ending now."""
        return cls("Failed", failure_reason=reason, start=start, end=time.time())
