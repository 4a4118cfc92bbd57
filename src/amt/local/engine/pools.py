"""Where trials train: a pool of training slots, built by one factory the engine can be given.

The coordinator needs three things of a pool: ``submit`` a trial (a future of its result dict),
``request_stop`` of a trial that runs, and ``shutdown``. ``image_pool`` is the default factory:
the job's image environment (``amt.local.images``: the XGBoost release that image ships), whose
warm worker processes load the job's channels once and train the trials they are handed.

The channels are laid out as SageMaker's File mode lays them out (``/opt/ml/input/data/<channel>/``,
here a scratch folder) and read in the image's environment by the container's own reading code
(``amt_container.data``: XGBoost's CSV and LIBSVM readers, the container's checks), once per job,
before the first trial: a channel the container would refuse fails every trial at once with the
container's message. The hyperparameters are checked here, in this process, as the container's
``hyperparameter_validation`` does.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import amt.local.engine.algorithm as algorithm
from amt.local.engine.storage import Channel
from amt.local.images import TrainerPool, image_for_uri, prepare_image
from amt.local.images.workers import WorkerCrashed, WorkerFarm, shared_farm
from amt_container.outcome import TrainingOutcome
from amt_pipeline.run.xgboost_rules import ContainerUserError


@dataclass(frozen=True)
class PoolRequest:
    """What a job asks of its pool: ``size`` workers for ``slots`` trials over these channels."""

    image: str  # AlgorithmSpecification.TrainingImage
    channels: dict[str, Channel]  # channel name -> the channel's files, as read from S3
    size: int
    slots: int  # trials are numbered 0..slots-1 (spec["slot"])
    csv_weights: int = 0  # the static csv_weights: 1 reads a CSV's second column as instance weights
    # (a trial that tunes it reads the channels with its own value)


class TrialPool(Protocol):
    def submit(self, trial: str, spec: dict[str, Any]) -> cf.Future[TrainingOutcome]:
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


def csv_weights_of(definition: Mapping[str, Any]) -> int:
    """The job's static ``csv_weights``: the workers read the channels with it once; a trial whose tuned
    csv_weights differs reads them again its own way (amt_container.serve)."""
    static = definition.get("StaticHyperParameters") or definition.get("HyperParameters") or {}
    return 1 if str(static.get("csv_weights", "0")).strip() == "1" else 0


def image_of(definition: Mapping[str, Any]) -> str:
    """The training image a job definition names ("" when none)."""
    return (definition.get("AlgorithmSpecification") or {}).get("TrainingImage", "")


def _failed(reason: str) -> cf.Future[TrainingOutcome]:
    """A trial the pool fails before any worker takes it."""
    future: cf.Future[TrainingOutcome] = cf.Future()
    future.set_result(TrainingOutcome.failed(reason, start=time.time()))
    return future


class ImageTrialPool:
    """A job's trials in warm workers of its image's environment."""

    def __init__(self, request: PoolRequest, farm: WorkerFarm) -> None:
        image = image_for_uri(request.image)
        self._version = image.version
        env = prepare_image(image)
        workers = [farm.acquire(env) for _ in range(max(1, request.size))]  # cold ones boot while we write
        self._scratch = Path(tempfile.mkdtemp(prefix="amt-channels-"))
        load = write_channels(request.channels, self._scratch, request.csv_weights)
        self._channel_error: str | None = None
        with contextlib.suppress(WorkerCrashed):  # the trainer replaces the worker and fails the trial with it
            self._channel_error = workers[0].load(load)
        self._trainer = TrainerPool(farm, env, load, workers, self._scratch)

    def submit(self, trial: str, spec: dict[str, Any]) -> cf.Future[TrainingOutcome]:
        if self._channel_error:
            return _failed(f"ClientError: {self._channel_error}")
        try:
            hyperparameters = algorithm.parse_hyperparameters(spec["hyperparameters"], self._version)
        except ContainerUserError as e:
            return _failed(f"ClientError: {e}")
        return self._trainer.submit(trial, {**spec, "hyperparameters": hyperparameters})

    def request_stop(self, trial: str) -> None:
        self._trainer.request_stop(trial)

    def shutdown(self, cancel: bool = False) -> None:
        self._trainer.shutdown(cancel)
        shutil.rmtree(self._scratch, ignore_errors=True)


def write_channels(channels: Mapping[str, Channel], scratch: Path, csv_weights: int = 0) -> dict[str, Any]:
    """The channels as files under ``scratch/data/<channel>/`` (File mode's layout), and the worker's
    load request: their folders and the train channel's content type, which the container reads
    both channels with."""
    root = scratch / "data"
    folders = {}
    for name, channel in channels.items():
        folder = root / name
        folder.mkdir(parents=True)
        for relative, body in channel.files:
            path = (folder / relative).resolve()
            if not path.is_relative_to(folder.resolve()):
                raise ValueError(f"channel {name!r}: the object {relative!r} lies outside its channel folder")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        folders[name] = str(folder)
    train = channels.get("train")
    return {"channels": folders, "content_type": train.content_type if train else None,
            "data_root": str(root), "scratch": str(scratch / "links"), "csv_weights": csv_weights}


def image_pool(request: PoolRequest) -> TrialPool:
    """The default PoolFactory: the image's environment, with the process's warm workers."""
    return ImageTrialPool(request, shared_farm())
