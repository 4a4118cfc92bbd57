"""LocalSageMaker: the SageMaker API surface the pipeline uses, answered by real training.

Requests and responses are boto3-shaped (keyword arguments as in the boto3 request; return values
as boto3's parsed response, times as timezone-aware datetimes). This module only parses requests
and answers them, as moto's ``responses.py`` does; the rest lives beside it:

- plan.py: what SageMaker checks before it accepts a request, and a tuning job's plan;
- tuning_job.py, training_job.py: the jobs, each building its own responses and events;
- registry.py: every job, in memory, under ``state_dir`` and announced on EventBridge;
- coordinator.py: runs each job in a thread, its trials in a pool of workers (pools.py,
  ``min(MaxParallelTrainingJobs, workers)`` processes), asking and telling optuna in trial order;
- errors.py: one class per SageMaker error code.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from amt.local.engine.coordinator import Coordinator
from amt.local.engine.errors import LocalSageMakerError, ValidationException, not_found
from amt.local.engine.pagination import max_results, paginate
from amt.local.engine.plan import check_request, check_training_request, plan_tuning_job
from amt.local.engine.pools import PoolFactory, image_pool
from amt.local.engine.records import now
from amt.local.engine.registry import JobRegistry
from amt.local.engine.storage import UriStore
from amt.local.engine.training_job import TrainingJob
from amt.local.engine.tuning_job import TuningJob, TuningProgress

_TRIAL_ORDER: dict[str, Callable[[TrainingJob], Any]] = {
    "Name": lambda t: t.name,
    "CreationTime": lambda t: (t.creation_time, t.index, t.name),
    "Status": lambda t: (t.status, t.name),
    "FinalObjectiveMetricValue": lambda t: (t.objective, t.name),
}
_TUNING_ORDER: dict[str, Callable[[TuningJob], Any]] = {
    "Name": lambda j: (j.name, j.name),
    "Status": lambda j: (j.status, j.name),
    "CreationTime": lambda j: (j.creation_time, j.name),
}
_TIME_FILTERS = (  # request field, job attribute, after (else before)
    ("CreationTimeAfter", "creation_time", True),
    ("CreationTimeBefore", "creation_time", False),
    ("LastModifiedTimeAfter", "last_modified_time", True),
    ("LastModifiedTimeBefore", "last_modified_time", False),
)


# What a job's first steps import: its pool reads CSV with pandas, the Bayesian strategy needs scipy
# (1-3 s under load, while the job's workers wait for its first trials).
_JOB_IMPORTS = ("pandas", "scipy.stats", "scipy.optimize")
_imports_started = threading.Event()


def import_job_modules_in_background() -> None:
    """For a caller with work of its own before its first job (the local runtime provisions the
    stack): the imports happen meanwhile, once per process. Engines that only read never pay them."""
    if not _imports_started.is_set():
        _imports_started.set()
        threading.Thread(target=lambda: [importlib.import_module(m) for m in _JOB_IMPORTS],
                         name="amt-engine-imports").start()


class LocalSageMaker:
    def __init__(
        self,
        *,
        storage: UriStore,
        state_dir: Path,
        emit_event: Callable[[dict], None] = lambda event: None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        workers: int = 2,
        on_progress: Callable[[TuningProgress], None] | None = None,
        pool_factory: PoolFactory = image_pool,
    ):
        self.storage = storage
        self.region = region
        self.account_id = account_id
        self.workers = max(1, int(workers))
        self._jobs = JobRegistry(Path(state_dir), emit_event, region, account_id)
        self._coordinator = Coordinator(self._jobs, storage, pool_factory, on_progress)

    # --- tuning jobs ------------------------------------------------------------------------------

    def create_hyper_parameter_tuning_job(self, **request: Any) -> dict:
        check_request("CreateHyperParameterTuningJob", request)
        plan = plan_tuning_job(request, workers=self.workers, find_tuning_job=self._jobs.tuning_job)
        name = request["HyperParameterTuningJobName"]
        t = now()
        arn = self._jobs.arn("hyper-parameter-tuning-job", name)
        job = TuningJob(name=name, arn=arn, request=request, creation_time=t, last_modified_time=t,
                        total=plan.total, stop_event=threading.Event())
        self._coordinator.start_tuning_job(job, plan)
        return {"HyperParameterTuningJobArn": job.arn}

    def describe_hyper_parameter_tuning_job(self, **request: Any) -> dict:
        return self._describe("DescribeHyperParameterTuningJob", request, "HyperParameterTuningJobName")

    def list_training_jobs_for_hyper_parameter_tuning_job(self, **request: Any) -> dict:
        check_request("ListTrainingJobsForHyperParameterTuningJob", request)
        name = request["HyperParameterTuningJobName"]
        size = max_results(request)
        with self._jobs.lock:
            trials = list(self._tuning_job(name).trials)
        if request.get("StatusEquals"):
            trials = [t for t in trials if t.status == request["StatusEquals"]]
        sort_by = request.get("SortBy", "Name")
        if sort_by == "FinalObjectiveMetricValue":  # as SageMaker: trials without one are left out
            trials = [t for t in trials if t.objective is not None]
        trials.sort(key=_TRIAL_ORDER.get(sort_by, _TRIAL_ORDER["Name"]), reverse=_descending(request))
        page, token = paginate(trials, request.get("NextToken"), size, context=f"trials/{name}")
        return _page("TrainingJobSummaries", [t.summary() for t in page], token)

    def stop_hyper_parameter_tuning_job(self, **request: Any) -> dict:
        check_request("StopHyperParameterTuningJob", request)
        name = request["HyperParameterTuningJobName"]
        with self._jobs.lock:
            job = self._tuning_job(name, stored=False)
            if job.status != "InProgress" or job.stop_event is None:
                raise ValidationException(f"The tuning job {name} is not in progress (status {job.status})")
            job.status, job.last_modified_time = "Stopping", now()
            self._jobs.save(job)
            job.stop_event.set()
            for trial in job.trials:
                if trial.stopper is not None:
                    trial.stopper()
        self._jobs.announce(job)
        return {}

    def list_hyper_parameter_tuning_jobs(self, **request: Any) -> dict:
        check_request("ListHyperParameterTuningJobs", request)
        size = max_results(request)
        jobs = _matching(self._jobs.tuning_jobs(), request)
        jobs.sort(key=_TUNING_ORDER[request.get("SortBy", "Name")], reverse=_descending(request))
        page, token = paginate(jobs, request.get("NextToken"), size, context="tuning-jobs")
        with self._jobs.lock:
            summaries = [job.summary() for job in page]
        return _page("HyperParameterTuningJobSummaries", summaries, token)

    # --- standalone training jobs (the baseline) --------------------------------------------------

    def create_training_job(self, **request: Any) -> dict:
        check_request("CreateTrainingJob", request)
        hps, definition = check_training_request(request)
        name = request["TrainingJobName"]
        t = now()
        arn = self._jobs.arn("training-job", name)
        job = TrainingJob(name=name, arn=arn, definition=definition, hyperparameters=hps, creation_time=t,
                          last_modified_time=t, tags=request.get("Tags") or [])
        self._coordinator.start_training_job(job)
        return {"TrainingJobArn": job.arn}

    def describe_training_job(self, **request: Any) -> dict:
        return self._describe("DescribeTrainingJob", request, "TrainingJobName")

    def stop_training_job(self, **request: Any) -> dict:
        check_request("StopTrainingJob", request)
        name = request["TrainingJobName"]
        with self._jobs.lock:
            job = self._training_job(name, stored=False)
            if job.status != "InProgress" or job.stopper is None:
                raise ValidationException(f"The training job {name} is not in progress (status {job.status})")
            job.stopper()
            job.status, job.secondary_status, job.last_modified_time = "Stopping", "Stopping", now()
            self._jobs.save(job)
        return {}

    def metric_history(self, training_job_name: str) -> dict[str, list[float]]:
        """A training job's metrics, round by round (what CloudWatch would hold)."""
        history = self._jobs.metric_history(training_job_name)
        if history is None:
            raise not_found("training job", training_job_name)
        return history

    # --- lifecycle --------------------------------------------------------------------------------

    def wait(self, timeout: float | None = None) -> None:
        """Block until every job this engine started has ended (TimeoutError after ``timeout`` s)."""
        self._coordinator.wait(timeout)

    def close(self) -> None:
        """Stop whatever still runs, then wait for it to end."""
        for job in self._jobs.stop_everything():
            with contextlib.suppress(LocalSageMakerError):
                self.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=job.name)
        self.wait()

    def _describe(self, operation: str, request: dict[str, Any], name_key: str) -> dict:
        check_request(operation, request)
        find = self._tuning_job if name_key == "HyperParameterTuningJobName" else self._training_job
        with self._jobs.lock:
            return find(request[name_key]).describe()

    def _tuning_job(self, name: str, *, stored: bool = True) -> TuningJob:
        return _found(self._jobs.tuning_job(name, stored=stored), "tuning job", name)

    def _training_job(self, name: str, *, stored: bool = True) -> TrainingJob:
        return _found(self._jobs.training_job(name, stored=stored), "training job", name)



def _descending(request: dict[str, Any]) -> bool:
    return request.get("SortOrder", "Ascending") == "Descending"


def _page(key: str, items: list[dict], token: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {key: items}
    if token:
        out["NextToken"] = token
    return out


def _matching(jobs: list[TuningJob], request: dict[str, Any]) -> list[TuningJob]:
    """ListHyperParameterTuningJobs' filters."""
    if request.get("NameContains"):
        jobs = [j for j in jobs if request["NameContains"].lower() in j.name.lower()]
    if request.get("StatusEquals"):
        jobs = [j for j in jobs if j.status == request["StatusEquals"]]
    for field_, attr, after in _TIME_FILTERS:
        if request.get(field_) is not None:
            ts = _as_epoch(request[field_])
            jobs = [j for j in jobs if (getattr(j, attr) > ts if after else getattr(j, attr) < ts)]
    return jobs


def _as_epoch(value: Any) -> float:
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return float(value)


_Job = TypeVar("_Job", TuningJob, TrainingJob)


def _found(job: _Job | None, kind: str, name: str) -> _Job:
    if job is None:
        raise not_found(kind, name)
    return job
