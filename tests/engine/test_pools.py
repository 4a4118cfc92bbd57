"""The coordinator trains through whatever pool the engine is given (no training here)."""

from __future__ import annotations

import concurrent.futures as cf
import time
from typing import Any

from amt.local.engine.pools import PoolRequest
from amt_container.outcome import TrainingOutcome
from tests.engine.conftest import IMAGE, run, trials, tuning_request


class FakePool:
    """Scores a trial by its eta at once; remembers what it was asked."""

    made: list[FakePool] = []

    def __init__(self, request: PoolRequest):
        self.request = request
        self.submitted: list[str] = []
        self.shut = False
        FakePool.made.append(self)

    def submit(self, trial: str, spec: dict[str, Any]) -> cf.Future[TrainingOutcome]:
        self.submitted.append(trial)
        score = float(spec["hyperparameters"]["eta"])
        future: cf.Future[TrainingOutcome] = cf.Future()
        future.set_result(TrainingOutcome("Completed", history={"validation:accuracy": [score / 2, score]},
                                          final_metrics={"validation:accuracy": score}, best_iteration=1, rounds=2,
                                          start=time.time(), end=time.time()))
        return future

    def request_stop(self, trial: str) -> None:
        pass

    def shutdown(self, cancel: bool = False) -> None:
        self.shut = True


def test_a_tuning_job_uses_one_pool_from_the_given_factory(make_engine) -> None:
    # Given an engine whose pools come from a fake factory
    FakePool.made.clear()
    engine = make_engine(pool_factory=FakePool, workers=2)
    # When a Random job of 8 trials, 3 in parallel, runs
    desc = run(engine, tuning_request("amt-fake", strategy="Random", max_jobs=8, parallel=3), timeout=30)
    # Then one pool of min(3, 2) workers trained every trial, and was shut down
    assert len(FakePool.made) == 1
    pool = FakePool.made[0]
    assert (pool.request.size, pool.request.slots, pool.request.image) == (2, 8, IMAGE)
    assert set(pool.request.channels) == {"train", "validation"} and pool.shut
    listed = trials(engine, "amt-fake")
    assert sorted(pool.submitted) == sorted(t["TrainingJobName"] for t in listed)
    # and the job reads as SageMaker would say it: every trial completed, the best eta is the best
    assert desc["HyperParameterTuningJobStatus"] == "Completed"
    assert desc["TrainingJobStatusCounters"]["Completed"] == 8
    best = max(float(t["TunedHyperParameters"]["eta"]) for t in listed)
    assert desc["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == best
