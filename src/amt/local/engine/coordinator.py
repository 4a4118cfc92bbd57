"""Runs the engine's jobs, each in a thread of this process, its trials in a worker pool.

A tuning job's loop (``_TuningRun``) has three steps, repeated until every trial has ended:

1. launch every trial the order allows: trial i is asked of optuna once trials 0..i-P are told
   (P = the pool's size), so the optimizer sees the same history for a seed whatever the timing;
2. tell optuna the next trial in order, if it has ended (and check the completion criteria);
3. collect trials as they end: each is recorded at once, and told when its turn comes.

The pool comes from one factory (pools.py); the engine can be given another.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import optuna

from amt.local.engine import search
from amt.local.engine.jobs import TrainingJob, TuningJob, TuningProgress
from amt.local.engine.plan import TuningPlan
from amt.local.engine.pools import PoolFactory, PoolRequest, TrialPool
from amt.local.engine.records import now
from amt.local.engine.registry import JobRegistry
from amt.local.engine.storage import ObjectStore, read_channels

log = logging.getLogger(__name__)

CONVERGENCE_MIN_TRIALS = 20
CONVERGENCE_REL_TOL = 1e-3
POLL_SECONDS = 0.25


class Coordinator:
    """Starts jobs, records their trials' starts and ends, and says how each job ended."""

    def __init__(
        self,
        registry: JobRegistry,
        storage: ObjectStore,
        pool_factory: PoolFactory,
        on_progress: Callable[[TuningProgress], None] | None = None,
    ):
        self.registry = registry
        self.storage = storage
        self.pool_factory = pool_factory
        self.on_progress = on_progress
        self._threads: list[threading.Thread] = []

    # --- threads ----------------------------------------------------------------------------------

    def start_tuning_job(self, job: TuningJob, plan: TuningPlan) -> None:
        """Record the new job (ResourceInUse when its name is taken), announce it, run it."""
        self.registry.add_tuning_job(job)
        self.registry.announce(job)
        self._start(self._run_tuning_job, (job, plan), f"amt-tuning-{job.name}")

    def start_training_job(self, job: TrainingJob) -> None:
        """The same for a standalone job, which can be stopped at once, before its pool exists."""
        latch = _StopLatch(job.name)
        job.stopper = latch
        self.registry.add_training_job(job)
        self.registry.announce(job)
        self._start(self._run_training_job, (job, latch), f"amt-training-{job.name}")

    def _start(self, target: Callable[..., None], args: tuple, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self.registry.lock:
            self._threads.append(thread)
        thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until every job started here has ended (TimeoutError after ``timeout`` s)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self.registry.lock:
                threads = [t for t in self._threads if t.is_alive()]
            if not threads:
                return
            for t in threads:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                t.join(remaining)
                if deadline is not None and time.monotonic() >= deadline and t.is_alive():
                    raise TimeoutError(f"jobs still running after {timeout} s")

    # --- tuning jobs ------------------------------------------------------------------------------

    def _run_tuning_job(self, job: TuningJob, plan: TuningPlan) -> None:
        try:
            channels = self._channels(job, plan)
            if channels is None:
                return
            _TuningRun(self, job, plan, channels).run()
            self._finalize(job)
        except Exception as e:  # noqa: BLE001 - the job fails, the engine stays up
            log.exception("tuning job %s failed", job.name)
            self.finish(job, "Failed", f"InternalServerError: {type(e).__name__}: {e}")

    def _channels(self, job: TuningJob, plan: TuningPlan) -> dict[str, list[bytes]] | None:
        try:
            return read_channels(self.storage, plan.definition)
        except (KeyError, ValueError, OSError) as e:
            self.finish(job, "Failed", f"ClientError: {e}")
        except Exception as e:  # noqa: BLE001 - a storage adapter's own error (botocore ClientError...)
            self.finish(job, "Failed", f"ClientError: Data download failed: {e}")
        return None

    def new_trial(self, job: TuningJob, index: int, hps: dict, tuned: dict, pool: TrialPool) -> TrainingJob:
        definition = dict(job.request["TrainingJobDefinition"])
        name = f"{job.name}-{index + 1:03d}-{secrets.token_hex(4)}"
        arn = self.registry.arn("training-job", name)
        trial = TrainingJob.trial(job, name=name, arn=arn, index=index, hps=hps, tuned=tuned, definition=definition)
        trial.stopper = functools.partial(pool.request_stop, name)
        self.registry.add_training_job(trial, tuning=job)
        self.registry.announce(trial)
        return trial

    def complete(self, job: TuningJob, reason: str, **details: Any) -> None:
        """The job launches no more trials, for ``reason`` (TuningJobCompletionDetails)."""
        with self.registry.lock:
            job.complete_because(reason, **details)
            self.registry.save(job)

    def _finalize(self, job: TuningJob) -> None:
        assert job.stop_event is not None
        trials = list(job.trials)
        if job.stop_event.is_set():
            self.finish(job, "Stopped", None)
        elif trials and all(t.status == "Failed" for t in trials):
            reason = trials[0].failure_reason or "unknown"
            self.finish(job, "Failed", f"All training jobs failed. First failure: {reason}")
        else:
            self.finish(job, "Completed", None)

    def finish(self, job: TuningJob, status: str, reason: str | None) -> None:
        with self.registry.lock:
            job.end(status, reason)
            self.registry.save(job)
        self.registry.announce(job)
        self.progress(job)

    def progress(self, job: TuningJob) -> None:
        if not self.on_progress:
            return
        with self.registry.lock:
            progress = job.progress()
        try:
            self.on_progress(progress)
        except Exception:  # noqa: BLE001 - a progress bar must not break the job
            log.exception("on_progress callback failed")

    # --- training jobs (trials and standalone) ----------------------------------------------------

    def _run_training_job(self, job: TrainingJob, latch: _StopLatch) -> None:
        try:
            channels = read_channels(self.storage, job.definition)
        except Exception as e:  # noqa: BLE001 - any download problem fails the job
            self.end_training_job(job, {"status": "Failed", "failure_reason": f"ClientError: {e}", "end": now()})
            return
        with self.registry.lock:
            job.secondary_status, job.training_start_time = "Training", now()
        try:
            pool = self.pool_factory(PoolRequest(_image(job.definition), channels, size=1, slots=1))
            try:
                latch.attach(pool)
                result = pool.submit(job.name, {"slot": 0, "hyperparameters": job.hyperparameters}).result()
            finally:
                pool.shutdown()
        except Exception as e:  # noqa: BLE001
            result = {"status": "Failed", "failure_reason": f"InternalServerError: {e}", "end": now()}
        self.end_training_job(job, result)

    def end_training_job(self, job: TrainingJob, result: dict, metric: str | None = None) -> float | None:
        """Record an ended job (trial or standalone): status, metrics, model artifact, event.
        Returns the objective (``metric``'s final value) of a trial that has one."""
        status = result["status"]
        model_uri = None
        if result.get("model_tar_gz") and status != "Failed":
            output = job.definition["OutputDataConfig"]["S3OutputPath"]
            model_uri = f"{output.rstrip('/')}/{job.name}/output/model.tar.gz"
            try:
                self.storage.put(model_uri, result["model_tar_gz"])
            except Exception as e:  # noqa: BLE001 - SageMaker fails a job whose upload fails
                status, result["failure_reason"], model_uri = "Failed", f"ClientError: model upload failed: {e}", None
        final = result.get("final_metrics") or {}
        objective = final.get(metric) if metric and status != "Failed" else None
        with self.registry.lock:
            job.end(result, status=status, objective=objective, scored=bool(metric), model_uri=model_uri)
            self.registry.save_metrics(job.name, result.get("history") or {})
            self.registry.save(job)
            job.stopper = None
        self.registry.announce(job)
        return objective


class _StopLatch:
    """A standalone job's stop request, passed on to its pool once the pool exists."""

    def __init__(self, trial: str):
        self._trial = trial
        self._pool: TrialPool | None = None
        self._requested = False
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            self._requested = True
            if self._pool is not None:
                self._pool.request_stop(self._trial)

    def attach(self, pool: TrialPool) -> None:
        with self._lock:
            self._pool = pool
            if self._requested:
                pool.request_stop(self._trial)


def _image(definition: Any) -> str:
    return (definition.get("AlgorithmSpecification") or {}).get("TrainingImage", "")


def _failed(e: Exception) -> dict[str, Any]:
    """The result of a trial whose worker died (the trial fails, the job goes on)."""
    return {
        "status": "Failed",
        "failure_reason": f"InternalServerError: {type(e).__name__}: {e}",
        "history": {},
        "final_metrics": {},
        "model_tar_gz": None,
        "start": None,
        "end": now(),
    }


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


class _TuningRun:
    """One tuning job's loop (see the module docstring): its study, pool and trials."""

    def __init__(self, coordinator: Coordinator, job: TuningJob, plan: TuningPlan, channels: dict):
        self.coordinator, self.job, self.plan = coordinator, job, plan
        sampler = search.make_sampler(plan.strategy, plan.seed, plan.ranges)
        self.study = optuna.create_study(direction="maximize" if plan.maximize else "minimize", sampler=sampler)
        warm = self._warm_start()
        with coordinator.registry.lock:
            job.warm_start_trials = warm
        self.started = time.monotonic()
        request = PoolRequest(_image(plan.definition), channels, size=plan.workers, slots=max(1, plan.total))
        self.pool = coordinator.pool_factory(request)
        self.trials: list[TrainingJob] = []
        self.asked: dict[int, optuna.Trial] = {}
        self.inflight: dict[cf.Future, int] = {}
        self.finished: dict[int, dict] = {}
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
        workers = self.plan.workers
        while self.launching and self.launched < self.plan.total and self.told >= self.launched - workers + 1:
            self._launch(self.launched)
            self.launched += 1

    def _launch(self, i: int) -> None:
        plan = self.plan
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
        result = self.finished.pop(self.told)
        trial = self.asked.pop(self.told)
        objective = result.get("objective")
        if result["status"] == "Failed" or objective is None:
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            self.study.tell(trial, objective)
            self._learn(result, objective)
        self.told += 1
        return True

    def _learn(self, result: dict, objective: float) -> None:
        curve = result["history"].get(self.plan.metric)
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
                result = _failed(e)
            result["objective"] = self.coordinator.end_training_job(self.trials[i], result, self.plan.metric)
            self.finished[i] = result
            self.coordinator.progress(self.job)
