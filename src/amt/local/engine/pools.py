"""Where trials train: a pool of workers, built by one factory the engine can be given.

The coordinator needs three things of a pool: ``submit`` a trial (a future of worker.py's result
dict), ``request_stop`` of a trial that runs, and ``shutdown``. ``process_pool`` is the default
factory: worker processes of this Python ('forkserver', else 'spawn'), each of which parses the
job's channels once (worker.init_worker), and a shared-memory flag per trial for stop requests.
A factory that trains elsewhere (another environment, another XGBoost) takes the same request.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import multiprocessing as mp
import threading
from collections.abc import Callable, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

from amt.local.engine import worker


@dataclass(frozen=True)
class PoolRequest:
    """What a job asks of its pool: ``size`` workers for ``slots`` trials over these channels."""

    image: str  # AlgorithmSpecification.TrainingImage ("" when the request names none)
    channels: dict[str, list[bytes]]  # channel name -> the channel's objects, as read from S3
    size: int
    slots: int  # trials are numbered 0..slots-1 (spec["slot"])


class TrialPool(Protocol):
    def submit(self, trial: str, spec: dict[str, Any]) -> cf.Future[dict[str, Any]]:
        """Train one trial (``spec`` as worker.run_trial takes it, with its ``slot``)."""
        ...

    def request_stop(self, trial: str) -> None:
        """Stop a trial at its next round (or at once, when it has not started yet)."""
        ...

    def shutdown(self, cancel: bool = False) -> None:
        """Wait for the workers to end; ``cancel``: drop the trials not started."""
        ...


PoolFactory = Callable[[PoolRequest], TrialPool]


def image_of(definition: Mapping[str, Any]) -> str:
    """The training image a job definition names ("" when none)."""
    return (definition.get("AlgorithmSpecification") or {}).get("TrainingImage", "")


@functools.cache
def mp_context() -> mp.context.BaseContext:
    try:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["xgboost", "pandas", "amt.local.engine.worker"])
        return ctx
    except ValueError:
        return mp.get_context("spawn")


class ProcessTrialPool:
    """worker.py in a ProcessPoolExecutor, rebuilt (same channels, same stop flags) when it breaks."""

    def __init__(self, request: PoolRequest):
        self._request = request
        self._flags = mp_context().Array("b", max(1, request.slots), lock=False)
        self._slots: dict[str, int] = {}
        self._stop_early: set[str] = set()  # stop requests that came before the trial was submitted
        self._lock = threading.Lock()
        self._executor = self._new_executor()

    def _new_executor(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=self._request.size,
            mp_context=mp_context(),
            initializer=worker.init_worker,
            initargs=(self._request.channels, self._flags),
        )

    def submit(self, trial: str, spec: dict[str, Any]) -> cf.Future[dict[str, Any]]:
        with self._lock:
            self._slots[trial] = spec["slot"]
            if trial in self._stop_early:
                self._flags[spec["slot"]] = 1
            try:
                return self._executor.submit(worker.run_trial, spec)
            except BrokenProcessPool:  # a worker died: its trials failed, the next ones get a new pool
                self._executor.shutdown(wait=False, cancel_futures=False)
                self._executor = self._new_executor()
                return self._executor.submit(worker.run_trial, spec)

    def request_stop(self, trial: str) -> None:
        with self._lock:
            if trial in self._slots:
                self._flags[self._slots[trial]] = 1
            else:
                self._stop_early.add(trial)

    def shutdown(self, cancel: bool = False) -> None:
        self._executor.shutdown(wait=True, cancel_futures=cancel)


def process_pool(request: PoolRequest) -> TrialPool:
    """The default PoolFactory."""
    return ProcessTrialPool(request)
