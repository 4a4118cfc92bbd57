"""A tuning job's loop: its study, its pool and its trials, from the first launch to the last end.

Three steps, repeated until every trial has ended:

1. launch every trial the order allows: trial i is asked of optuna once trials 0..i-P are told
   (P = MaxParallelTrainingJobs), so the optimizer sees the same history for a seed whatever the
   timing and however many worker processes train; with fewer workers than P, the pool queues
   the launched trials, so a worker that frees never waits for an older trial to be told;
2. tell optuna the next trial in order, if it has ended (and check the completion criteria);
3. collect trials as they end: each is recorded at once, and told when its turn comes.

What happens to the job's records (a trial starts, a trial ends, the job completes) is the
coordinator's: the loop reaches it through the ``TrialBook`` protocol.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Sequence
from typing import Any, Protocol

import optuna
from threadpoolctl import threadpool_limits

import amt.local.engine.search as search
from amt.local.engine.plan import TuningPlan
from amt.local.engine.pools import PoolFactory, PoolRequest, TrialPool, csv_weights_of, image_of
from amt.local.engine.records import now
from amt.local.engine.registry import JobRegistry
from amt.local.engine.training_job import TrainingJob
from amt.local.engine.tuning_job import TuningJob
from amt_container.outcome import TrainingOutcome

CONVERGENCE_MIN_TRIALS = 20
CONVERGENCE_REL_TOL = 1e-3
POLL_SECONDS = 0.25


class TrialBook(Protocol):
    """What the loop asks of the coordinator."""

    registry: JobRegistry
    pool_factory: PoolFactory

    def new_trial(self, job: TuningJob, index: int, hps: dict, tuned: dict, pool: TrialPool) -> TrainingJob: ...

    def end_training_job(self, job: TrainingJob, result: TrainingOutcome, metric: str | None = None
                         ) -> float | None: ...

    def complete(self, job: TuningJob, reason: str, **details: Any) -> None: ...

    def progress(self, job: TuningJob) -> None: ...


def converged(objectives: Sequence[float], maximize: bool) -> bool:
    """ConvergenceDetected: the later half of the trials no longer improves on the earlier half."""
    if len(objectives) < CONVERGENCE_MIN_TRIALS:
        return False
    half = len(objectives) // 2
    pick = max if maximize else min
    early, late = pick(objectives[:half]), pick(objectives[half:])
    scale = max(abs(early), 1e-12)
    gain = (late - early) if maximize else (early - late)
    return gain <= CONVERGENCE_REL_TOL * scale


class TuningRun:
    """One tuning job's loop (see the module docstring): its study, pool and trials."""

    def __init__(self, coordinator: TrialBook, job: TuningJob, plan: TuningPlan, channels: dict):
        self.coordinator, self.job, self.plan = coordinator, job, plan
        sampler = search.make_sampler(plan.strategy, plan.seed, plan.ranges)
        self.study = optuna.create_study(direction="maximize" if plan.maximize else "minimize", sampler=sampler)
        warm = self._warm_start()
        with coordinator.registry.lock:
            job.warm_start_trials = warm
        self.started = time.monotonic()
        request = PoolRequest(image_of(plan.definition), channels, size=plan.workers, slots=max(1, plan.total),
                              csv_weights=csv_weights_of(plan.definition))
        self.pool = coordinator.pool_factory(request)
        self.trials: list[TrainingJob] = []
        self.asked: dict[int, optuna.Trial] = {}
        self.inflight: dict[cf.Future, int] = {}
        self.finished: dict[int, tuple[TrainingOutcome, float | None]] = {}  # trial -> (outcome, objective)
        self.curves: list[list[float]] = []
        self.best: float | None = None
        self.not_improving = 0
        self.told = self.launched = 0
        self.launching = True

    def _warm_start(self) -> int:
        """The parents' trials, added to the study; how many fell within this job's ranges."""
        added = 0
        for parent_name in self.plan.parents:
            parent = self.coordinator.registry.tuning_job(parent_name)
            for trial in list(parent.trials) if parent else []:
                if trial.objective is None:
                    continue
                frozen = search.warm_start_trial(self.plan.ranges, trial.tuned_hyperparameters or {}, trial.objective)
                if frozen is not None:
                    self.study.add_trial(frozen)
                    added += 1
        return added

    def run(self) -> None:
        try:
            while self._step():
                pass
        finally:
            self.pool.shutdown(cancel=True)
            with self.coordinator.registry.lock:
                for trial in self.trials:
                    trial.stopper = None

    def _step(self) -> bool:
        """One turn of the loop; False once every trial has ended."""
        self._check_stop()
        self._launch_ready()
        if self._tell_next():
            return True
        if not self.inflight:
            return self.launching and self.launched < self.plan.total
        self._collect()
        return True

    def _check_stop(self) -> None:
        """StopHyperParameterTuningJob or MaxRuntimeInSeconds: launch no more, stop what runs."""
        if not self.launching:
            return
        stopped = self.job.stop_event is not None and self.job.stop_event.is_set()
        max_runtime = self.plan.max_runtime
        if not stopped and not (max_runtime and time.monotonic() - self.started > max_runtime):
            return
        self.launching = False
        if not stopped:
            self.coordinator.complete(self.job, reason="MaxRuntimeInSeconds")
        for trial in self.trials:
            self.pool.request_stop(trial.name)

    def _launch_ready(self) -> None:
        lag = self.plan.parallel
        while self.launching and self.launched < self.plan.total and self.told >= self.launched - lag + 1:
            self._launch(self.launched)
            self.launched += 1

    def _launch(self, i: int) -> None:
        plan = self.plan
        # One BLAS thread for the optimizer: its matrices are tiny, and OpenBLAS's idle threads spin
        # on the cores the training workers need (7 s of CPU in a 50-trial job with two of them).
        with threadpool_limits(limits=1, user_api="blas"):
            self.asked[i] = trial = self.study.ask()
            tuned = search.suggest(trial, plan.ranges)
        hps = {**plan.static, **tuned, "_tuning_objective_metric": plan.metric}
        spec: dict[str, Any] = {
            "slot": i,
            "hyperparameters": hps,
            "objective_metric": plan.metric,
            "maximize": plan.maximize,
            "median": None,
            "rungs": None,
        }
        if plan.hyperband:
            hps["num_round"] = str(plan.hyperband.max_resource)
            spec["rungs"] = search.rung_thresholds(self.curves, plan.hyperband.rungs, plan.maximize)
        if plan.early_stopping:
            spec["median"] = search.median_curve(self.curves, int(hps.get("num_round", "0") or 0))
        training_job = self.coordinator.new_trial(self.job, i, hps, tuned, self.pool)
        self.trials.append(training_job)
        self.inflight[self.pool.submit(training_job.name, spec)] = i

    def _tell_next(self) -> bool:
        """Tell optuna the next trial in order, if it has ended."""
        if self.told not in self.finished:
            return False
        result, objective = self.finished.pop(self.told)
        trial = self.asked.pop(self.told)
        if result.status == "Failed" or objective is None:
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            self.study.tell(trial, objective)
            self._learn(result, objective)
        self.told += 1
        return True

    def _learn(self, result: TrainingOutcome, objective: float) -> None:
        curve = result.history.get(self.plan.metric)
        if curve:
            self.curves.append(curve)
        if search.improves(objective, self.best, self.plan.maximize):
            self.best, self.not_improving = objective, 0
        else:
            self.not_improving += 1
        if self.launching and self._criteria_met():
            self.launching = False

    def _criteria_met(self) -> bool:
        """TuningJobCompletionCriteria, checked after each told trial; records the reason when met."""
        crit, best, maximize = self.plan.criteria, self.best, self.plan.maximize
        if best is None:
            return False
        target = crit.get("TargetObjectiveMetricValue")
        if target is not None and (best >= target if maximize else best <= target):
            self.coordinator.complete(self.job, reason="TargetObjectiveMetricValue")
            return True
        limit = (crit.get("BestObjectiveNotImproving") or {}).get("MaxNumberOfTrainingJobsNotImproving")
        if limit and self.not_improving >= limit:
            self.coordinator.complete(
                self.job,
                reason="BestObjectiveNotImproving",
                NumberOfTrainingJobsObjectiveNotImproving=self.not_improving,
            )
            return True
        if (crit.get("ConvergenceDetected") or {}).get("CompleteOnConvergence") == "Enabled":
            told = self.trials[: self.told + 1]
            if converged([t.objective for t in told if t.objective is not None], maximize):
                self.coordinator.complete(self.job, reason="ConvergenceDetected", ConvergenceDetectedTime=now())
                return True
        return False

    def _collect(self) -> None:
        """Wait for a trial to end; record it at once (it is told when its turn comes)."""
        done, _ = cf.wait(list(self.inflight), timeout=POLL_SECONDS, return_when=cf.FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: self.inflight[f]):
            i = self.inflight.pop(future)
            try:
                result = future.result()
            except Exception as e:  # noqa: BLE001 - a dead worker fails its trial only
                result = TrainingOutcome.failed(f"InternalServerError: {type(e).__name__}: {e}")
            objective = self.coordinator.end_training_job(self.trials[i], result, self.plan.metric)
            self.finished[i] = result, objective
            self.coordinator.progress(self.job)
