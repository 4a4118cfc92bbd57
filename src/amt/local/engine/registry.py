"""Every job the engine knows: in memory, under ``state_dir``, and announced on EventBridge.

Jobs this process runs live in memory and are saved on every change. Jobs of another process
(or of an earlier run) are read from ``state_dir``, and read again until they are seen ended.
Callers hold ``lock`` while they read or change a job.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from amt.local.engine.errors import ResourceInUse
from amt.local.engine.records import StateStore, envelope
from amt.local.engine.training_job import TrainingJob
from amt.local.engine.tuning_job import TuningJob
from amt_pipeline.facts import ENDED_STATUSES

log = logging.getLogger(__name__)

TUNING_EVENT = "SageMaker HyperParameter Tuning Job State Change"
TRAINING_EVENT = "SageMaker Training Job State Change"


class JobRegistry:
    def __init__(self, state_dir: Path, emit_event: Callable[[dict], None], region: str, account_id: str):
        self.state = StateStore(Path(state_dir))
        self.emit_event = emit_event
        self.region = region
        self.account_id = account_id
        self.lock = threading.RLock()
        self._tuning: dict[str, TuningJob] = {}
        self._training: dict[str, TrainingJob] = {}
        self._metrics: dict[str, dict[str, list[float]]] = {}

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account_id}:{kind}/{name.lower()}"

    # --- lookups ----------------------------------------------------------------------------------

    def tuning_job(self, name: str, *, stored: bool = True) -> TuningJob | None:
        """The job with its trials; a job of another process is (re)read until seen ended.
        ``stored=False``: only a job this process knows, as it is."""
        with self.lock:
            job = self._tuning.get(name)
            if not stored or (job is not None and (job.owned or job.status in ENDED_STATUSES)):
                return job
            record = self.state.load("tuning-jobs", name)
            if record is None:
                return job
            job = TuningJob.from_record(record)
            job.trials = self._load_trials(name)
            self._tuning[name] = job
            return job

    def _load_trials(self, tuning: str) -> list[TrainingJob]:
        trials = []
        for name in self.state.names("training-jobs"):
            if name.startswith(tuning + "-"):
                record = self.state.load("training-jobs", name)
                if record and record.get("TuningJobName") == tuning:
                    trial = self._training[name] = TrainingJob.from_record(record)
                    trials.append(trial)
        trials.sort(key=lambda t: t.index)
        return trials

    def tuning_jobs(self) -> list[TuningJob]:
        """Every tuning job, this process's and those recorded under state_dir."""
        with self.lock:
            for name in self.state.names("tuning-jobs"):
                self.tuning_job(name)
            return list(self._tuning.values())

    def training_job(self, name: str, *, stored: bool = True) -> TrainingJob | None:
        """A training job; ``stored=False``: only one this process knows."""
        with self.lock:
            job = self._training.get(name)
            if job is None and stored:
                record = self.state.load("training-jobs", name)
                job = None if record is None else TrainingJob.from_record(record)
            return job

    # --- changes ----------------------------------------------------------------------------------

    def add_tuning_job(self, job: TuningJob) -> None:
        with self.lock:
            if job.name in self._tuning or self.state.load("tuning-jobs", job.name) is not None:
                raise ResourceInUse(f"Hyperparameter tuning job {job.name} already exists")
            self._tuning[job.name] = job
            self.save(job)

    def add_training_job(self, job: TrainingJob, tuning: TuningJob | None = None) -> None:
        """A standalone job (refused when the name is taken), or a trial of ``tuning``."""
        with self.lock:
            if tuning is None and (job.name in self._training or self.state.load("training-jobs", job.name)):
                raise ResourceInUse(f"Training job {job.name} already exists")
            self._training[job.name] = job
            if tuning is not None:
                tuning.trials.append(job)
            self.save(job)

    def save(self, job: TuningJob | TrainingJob) -> None:
        kind = "tuning-jobs" if isinstance(job, TuningJob) else "training-jobs"
        with self.lock:
            self.state.save(kind, job.name, job.to_record())

    def save_metrics(self, name: str, history: dict[str, list[float]]) -> None:
        with self.lock:
            self._metrics[name] = history
            self.state.save("metrics", name, history)

    def metric_history(self, name: str) -> dict[str, list[float]] | None:
        """Per-round metrics of an ended job, {} for a job without them, None for no such job."""
        with self.lock:
            if name in self._metrics:
                return {k: list(v) for k, v in self._metrics[name].items()}
        stored = self.state.load("metrics", name)
        if stored is None:
            return None if self.state.load("training-jobs", name) is None else {}
        return stored

    def stop_everything(self) -> list[TuningJob]:
        """Stop every training job this process runs; return its tuning jobs still in progress."""
        with self.lock:
            for job in self._training.values():
                if job.stopper is not None:
                    job.stopper()
            return [j for j in self._tuning.values() if j.status == "InProgress" and j.owned]

    # --- events -----------------------------------------------------------------------------------

    def announce(self, job: TuningJob | TrainingJob) -> None:
        """Put the job's state-change event on the bus, as SageMaker does on every change."""
        with self.lock:
            detail = job.event_detail()
        detail_type = TUNING_EVENT if isinstance(job, TuningJob) else TRAINING_EVENT
        event = envelope(
            detail_type=detail_type, arn=job.arn, detail=detail, region=self.region, account_id=self.account_id
        )
        try:
            self.emit_event(event)
        except Exception:  # delivery problems are the bus's, not the job's
            log.exception("emit_event failed")
