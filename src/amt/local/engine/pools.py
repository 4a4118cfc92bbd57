"""Where trials train: a pool of training slots, built by one factory the engine can be given.

The coordinator needs three things of a pool: ``submit`` a trial (a future of its result dict),
``request_stop`` of a trial that runs, and ``shutdown``. ``image_pool`` is the default factory:
the job's image environment (``amt.local.images``: the XGBoost release that image ships), whose
warm worker processes load the job's channels once and train the trials they are handed.

The engine's side of the container runs here, in this process, before a trial is handed over:
the channels are parsed as the container parses CSV, and the hyperparameters as its
``hyperparameter_validation`` does; a trial whose input the container would refuse fails at once
with the container's message, without a worker.
"""

from __future__ import annotations

import concurrent.futures as cf
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

import amt.local.engine.algorithm as algorithm
from amt.local.images import TrainerPool, image_for_uri, prepare_image
from amt.local.images.workers import WorkerFarm, shared_farm


@dataclass(frozen=True)
class PoolRequest:
    """What a job asks of its pool: ``size`` workers for ``slots`` trials over these channels."""

    image: str  # AlgorithmSpecification.TrainingImage
    channels: dict[str, list[bytes]]  # channel name -> the channel's objects, as read from S3
    size: int
    slots: int  # trials are numbered 0..slots-1 (spec["slot"])


class TrialPool(Protocol):
    def submit(self, trial: str, spec: dict[str, Any]) -> cf.Future[dict[str, Any]]:
        """Train one trial: ``spec`` holds its string ``hyperparameters``, ``objective_metric``,
        ``maximize`` and the tuner's ``median`` and ``rungs`` (see amt_container.stopping)."""
        ...

    def request_stop(self, trial: str) -> None:
        """Stop a trial at its next round (or at once, when it has not started yet)."""
        ...

    def shutdown(self, cancel: bool = False) -> None:
        """Wait for the trials to end; ``cancel``: drop the trials not started."""
        ...


PoolFactory = Callable[[PoolRequest], TrialPool]


def image_of(definition: Mapping[str, Any]) -> str:
    """The training image a job definition names ("" when none)."""
    return (definition.get("AlgorithmSpecification") or {}).get("TrainingImage", "")


def failed(reason: str) -> dict[str, Any]:
    t = time.time()
    return {"status": "Failed", "failure_reason": reason, "history": {}, "final_metrics": {}, "start": t, "end": t}


def _done(result: dict[str, Any]) -> cf.Future[dict[str, Any]]:
    future: cf.Future[dict[str, Any]] = cf.Future()
    future.set_result(result)
    return future


class ImageTrialPool:
    """A job's trials in warm workers of its image's environment."""

    def __init__(self, request: PoolRequest, farm: WorkerFarm) -> None:
        image = image_for_uri(request.image)
        self._version = image.version
        env = prepare_image(image)
        workers = [farm.acquire(env) for _ in range(max(1, request.size))]  # cold ones boot while we parse
        self._scratch = Path(tempfile.mkdtemp(prefix="amt-channels-"))
        self._channel_errors: dict[str, str] = {}
        paths: dict[str, Path] = {}
        for name, chunks in request.channels.items():
            try:
                features, labels = algorithm.read_csv(chunks)
            except algorithm.ClientError as e:
                self._channel_errors[name] = f"ClientError: channel {name!r}: {e}"
                continue
            paths[name] = self._scratch / f"{name}.npz"
            np.savez(paths[name], features=features, labels=labels)
        if "train" not in paths and "train" not in self._channel_errors:
            self._channel_errors["train"] = "ClientError: No data in training channel"
        self._trainer = TrainerPool(farm, env, paths, workers, self._scratch)

    def submit(self, trial: str, spec: dict[str, Any]) -> cf.Future[dict[str, Any]]:
        for channel in ("train", "validation"):
            if channel in self._channel_errors:
                return _done(failed(self._channel_errors[channel]))
        try:
            hyperparameters = algorithm.parse_hyperparameters(spec["hyperparameters"], self._version)
        except algorithm.ClientError as e:
            return _done(failed(f"ClientError: {e}"))
        return self._trainer.submit(trial, {**spec, "hyperparameters": hyperparameters})

    def request_stop(self, trial: str) -> None:
        self._trainer.request_stop(trial)

    def shutdown(self, cancel: bool = False) -> None:
        self._trainer.shutdown(cancel)
        shutil.rmtree(self._scratch, ignore_errors=True)


def image_pool(request: PoolRequest) -> TrialPool:
    """The default PoolFactory: the image's environment, with the process's warm workers."""
    return ImageTrialPool(request, shared_farm())
