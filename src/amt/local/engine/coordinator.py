"""Runs the engine's jobs, each in a thread of this process, its trials in a worker pool.

The coordinator starts a job, reads its data, hands a tuning job to its loop (tuning_run.py: launch,
tell, collect) or trains a standalone job, and records what happens: a trial starts, a trial ends
(metrics, model artifact, event), the job completes or ends. Pools come from one factory
(pools.py); the engine can be given another.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from amt.local.engine.plan import TuningPlan
from amt.local.engine.pools import PoolFactory, PoolRequest, TrialPool, csv_weights_of, image_of
from amt.local.engine.records import now
from amt.local.engine.registry import JobRegistry
from amt.local.engine.storage import Channel, UriStore, read_channels
from amt.local.engine.training_job import TrainingJob, captured
from amt.local.engine.tuning_job import TuningJob, TuningProgress
from amt.local.engine.tuning_run import TuningRun
from amt_container.outcome import TrainingOutcome

log = logging.getLogger(__name__)


class Coordinator:
    """Starts jobs, records their trials' starts and ends, and says how each job ended."""

    def __init__(
        self,
        registry: JobRegistry,
        storage: UriStore,
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
            TuningRun(self, job, plan, channels).run()
            self._finalize(job)
        except Exception as e:  # the job fails, the engine stays up
            log.exception("tuning job %s failed", job.name)
            self.finish(job, "Failed", f"InternalServerError: {type(e).__name__}: {e}")

    def _channels(self, job: TuningJob, plan: TuningPlan) -> dict[str, Channel] | None:
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
        trial = TrainingJob.trial(
            name=name,
            arn=arn,
            tuning=(job.name, job.arn),
            objective=job.objective,
            index=index,
            hps=hps,
            tuned=tuned,
            definition=definition,
            tags=job.request.get("Tags"),
        )
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
        except Exception:  # a progress bar must not break the job
            log.exception("on_progress callback failed")

    # --- training jobs (trials and standalone) ----------------------------------------------------

    def _run_training_job(self, job: TrainingJob, latch: _StopLatch) -> None:
        try:
            channels = read_channels(self.storage, job.definition)
        except Exception as e:  # noqa: BLE001 - any download problem fails the job
            self.end_training_job(job, TrainingOutcome.failed(f"ClientError: {e}"))
            return
        with self.registry.lock:
            job.secondary_status, job.training_start_time = "Training", now()
        try:
            pool = self.pool_factory(PoolRequest(image_of(job.definition), channels, size=1, slots=1,
                                                 csv_weights=csv_weights_of(job.definition)))
            try:
                latch.attach(pool)
                result = pool.submit(job.name, {"slot": 0, "hyperparameters": job.hyperparameters}).result()
            finally:
                pool.shutdown()
        except Exception as e:  # noqa: BLE001
            result = TrainingOutcome.failed(f"InternalServerError: {e}")
        self.end_training_job(job, result)

    def end_training_job(self, job: TrainingJob, result: TrainingOutcome, metric: str | None = None) -> float | None:
        """Record an ended job (trial or standalone): status, metrics, model artifact, event.
        Returns the objective (``metric``'s final value) of a trial that has one."""
        model_uri = None
        if result.model_tar_gz and result.status != "Failed":
            output = job.definition["OutputDataConfig"]["S3OutputPath"]
            model_uri = f"{output.rstrip('/')}/{job.name}/output/model.tar.gz"
            try:
                self.storage.put(model_uri, result.model_tar_gz)
            except Exception as e:  # noqa: BLE001 - SageMaker fails a job whose upload fails
                result = replace(result, status="Failed", failure_reason=f"ClientError: model upload failed: {e}")
                model_uri = None
        objective = result.final_metrics.get(metric) if metric and result.status != "Failed" else None
        with self.registry.lock:
            job.end(result, objective=objective, scored=bool(metric), model_uri=model_uri)
            self.registry.save_metrics(job.name, captured(result.history))
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
