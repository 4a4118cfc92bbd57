"""Long-lived training processes of image environments, and the per-job pool that feeds them.

A ``WorkerFarm`` keeps worker processes alive between jobs (a warm container, locally): a job's
``TrainerPool`` takes its ``size`` workers when the job starts (a cold one imports XGBoost while
the job reads its channels), loads its channels into each once, and hands each trial to whichever
worker is free, so every worker stays busy while trials are queued; they go back at the job's end.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from amt.local.images.environment import ImageEnvironment
from amt_container.outcome import TrainingOutcome

log = logging.getLogger(__name__)
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from amt_container.serve import main; main()"


class WorkerCrashed(RuntimeError):
    """The training process died mid-request (killed, out of memory, a crash in XGBoost)."""


class WorkerProcess:
    """One ``amt_container.serve`` process of one image environment."""

    def __init__(self, env: ImageEnvironment, stderr: IO[bytes] | int | None = None) -> None:
        self.env = env
        self.channels: dict[str, Any] | None = None  # the load request it holds
        self.loaded_error: str | None = None
        self._process = subprocess.Popen(
            [str(env.python), "-I", "-c", _BOOT, str(env.code_root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr if stderr is not None else subprocess.DEVNULL,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def request(self, op: str, payload: Any) -> Any:
        from amt_container.serve import read_frame, write_frame

        assert self._process.stdin is not None and self._process.stdout is not None
        try:
            write_frame(self._process.stdin, (op, payload))
            answer = read_frame(self._process.stdout)
        except (BrokenPipeError, OSError) as e:
            raise WorkerCrashed(f"the training process is gone ({e})") from None
        if answer is None:
            code = self._process.wait()
            raise WorkerCrashed(f"the training process exited unexpectedly (exit code {code})")
        status, body = answer
        if status != "ok":
            raise WorkerCrashed(body)
        return body

    def load(self, request: dict[str, Any]) -> str | None:
        """A job's channels, read once by the worker: the container's error when it refuses them."""
        if self.channels != request:
            self.loaded_error = self.request("load", request).get("error")
            self.channels = dict(request)
        return self.loaded_error

    def close(self, timeout: float = 5.0) -> None:
        with contextlib.suppress(OSError):
            if self._process.stdin:
                self._process.stdin.close()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


class WorkerFarm:
    """Idle worker processes by image environment, reused by later jobs of the same image."""

    def __init__(self, stderr: IO[bytes] | int | None = None) -> None:
        self._idle: dict[Path, list[WorkerProcess]] = {}
        self._lock = threading.Lock()
        self._stderr = stderr
        self._closed = False

    def acquire(self, env: ImageEnvironment) -> WorkerProcess:
        with self._lock:
            idle = self._idle.get(env.root, [])
            while idle:
                worker = idle.pop()
                if worker.alive:
                    return worker
        return WorkerProcess(env, self._stderr)

    def release(self, worker: WorkerProcess) -> None:
        with self._lock:
            if self._closed or not worker.alive:
                worker.close()
                return
            self._idle.setdefault(worker.env.root, []).append(worker)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = [w for idle in self._idle.values() for w in idle]
            self._idle.clear()
        for worker in workers:
            worker.close()


_shared: WorkerFarm | None = None
_shared_lock = threading.Lock()


def shared_farm() -> WorkerFarm:
    """The process's farm: warm workers outlive one engine, as pulled images outlive one run."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._closed:
            _shared = WorkerFarm(stderr=sys.stderr.fileno() if _stderr_is_real() else None)
            atexit.register(_shared.close)
        return _shared


def _stderr_is_real() -> bool:
    try:
        sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


class TrainerPool:
    """The training slots of one job: its ``size`` workers, taken from the farm at once, one trial each."""

    def __init__(self, farm: WorkerFarm, env: ImageEnvironment, load: dict[str, Any],
                 workers: list[WorkerProcess], scratch: Path) -> None:
        self._farm = farm
        self._env = env
        self._load = load  # the worker's load request (amt.local.engine.pools.write_channels)
        self._stops = scratch / "stop"
        self._stops.mkdir(parents=True, exist_ok=True)
        self._free: queue.SimpleQueue[WorkerProcess] = queue.SimpleQueue()
        for worker in workers:
            self._free.put(worker)
        self._lock = threading.Lock()
        self._closed = False
        self._executor = cf.ThreadPoolExecutor(max_workers=max(1, len(workers)), thread_name_prefix="trainer")

    def stop_file(self, trial: str) -> Path:
        return self._stops / trial

    def request_stop(self, trial: str) -> None:
        self.stop_file(trial).touch()

    def submit(self, trial: str, spec: dict[str, Any]) -> cf.Future[TrainingOutcome]:
        return self._executor.submit(self._train, {**spec, "stop_file": str(self.stop_file(trial))})

    def _train(self, spec: dict[str, Any]) -> TrainingOutcome:
        started = time.time()
        worker = self._free.get()  # one per executor thread: never waits
        try:
            error = worker.load(self._load)
            result: TrainingOutcome = (TrainingOutcome.failed(f"ClientError: {error}", started) if error
                                       else worker.request("train", spec))
        except WorkerCrashed as e:
            worker.close()
            self._give_back(self._farm.acquire(self._env))  # a fresh process for the next trial
            return TrainingOutcome.failed(f"AlgorithmError: {e}", started)
        self._give_back(worker)
        return result

    def _give_back(self, worker: WorkerProcess) -> None:
        with self._lock:
            if not self._closed:
                self._free.put(worker)
                return
        self._farm.release(worker)  # the job ended while this trial ran

    def shutdown(self, cancel: bool = False) -> None:
        self._executor.shutdown(wait=not cancel, cancel_futures=cancel)
        with self._lock:
            self._closed = True
        while True:
            try:
                self._farm.release(self._free.get_nowait())
            except queue.Empty:
                return
