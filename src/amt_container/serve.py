"""A long-lived training worker of one image environment: ``python -m amt_container.serve``.

The engine starts one per parallel training slot and talks to it over stdin/stdout in frames
(8-byte big-endian length, then a pickle; both ends are the same Python version). Requests:

- ``("load", {"channels": {"train": folder, ...}, "content_type": ..., "data_root": ..., "scratch": ...})``:
  the job's channels as File mode lays them out, read once by the container's code
  (``amt_container.data``) into DMatrices that every trial reuses; the answer holds ``error`` when
  the container would refuse them.
- ``("train", spec)``: one trial; ``spec`` holds the typed hyperparameters, the objective metric
  and the tuner's rules (see ``stopping.py``). The answer is its ``outcome.TrainingOutcome``.

Anything the worker or xgboost prints goes to stderr: stdout carries only frames.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import time
import warnings
from typing import IO, Any

from amt_container.outcome import TrainingOutcome

HEADER = struct.Struct(">Q")
CONTAINER_DATA_ROOT = "/opt/ml/input/data"


def read_frame(stream: IO[bytes]) -> Any | None:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    return pickle.loads(stream.read(size))


def write_frame(stream: IO[bytes], message: Any) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


class Worker:
    def __init__(self) -> None:
        self.request: dict[str, Any] = {}
        self.matrices: dict[str, Any] = {}  # the channels as the job's static csv_weights reads them
        self._weighted: dict[int, dict[str, Any] | str] = {}  # a tuned csv_weights' reading, or its refusal

    def load(self, request: dict[str, Any]) -> dict[str, Any]:
        """The job's channels read as the container reads them; its refusal as ``error``, said with
        the container's paths (/opt/ml/input/data/<channel>), as SageMaker's failure reason says it."""
        self.request, self.matrices, self._weighted = request, {}, {}
        read = self._read(int(request.get("csv_weights", 0)))
        if isinstance(read, str):
            return {"error": read}
        self.matrices = read
        return {"loaded": sorted(self.matrices)}

    def _read(self, csv_weights: int) -> dict[str, Any] | str:
        from amt_container.data import UserError, load_channels

        request = self.request
        try:
            return load_channels(request["channels"], request.get("content_type"), request["scratch"], csv_weights)
        except UserError as e:
            return str(e).replace(request["data_root"], CONTAINER_DATA_ROOT)

    def _matrices_for(self, hyperparameters: dict[str, Any]) -> dict[str, Any] | str:
        """Each SageMaker training job reads its channels with its own csv_weights: a tuned value other
        than the static one reads them again (once per value, kept for the trials after)."""
        weights = int(hyperparameters.get("csv_weights", self.request.get("csv_weights", 0)) or 0)
        if weights == int(self.request.get("csv_weights", 0)):
            return self.matrices
        if weights not in self._weighted:
            self._weighted[weights] = self._read(weights)
        return self._weighted[weights]

    def train(self, spec: dict[str, Any]) -> TrainingOutcome:
        from amt_container.stopping import StopRule
        from amt_container.training import train

        started = time.time()
        matrices = self._matrices_for(spec["hyperparameters"])
        if isinstance(matrices, str):  # the container refuses the data as this trial reads it
            return TrainingOutcome.failed(f"ClientError: {matrices}", started)
        outcome = train(
            spec["hyperparameters"],
            matrices["train"],
            matrices.get("validation"),
            spec.get("objective_metric"),
            StopRule.from_spec(spec),
        )
        outcome.start = started  # the trial's time on its worker, a data re-read included
        return outcome


def _import_training_stack() -> None:
    """XGBoost, numpy and scikit-learn at boot: a pool starts its workers before it reads its channels,
    so the imports (~0.7 s) happen while the engine works, not when the first trial asks. A broken
    stack is left for the first request to report (as the trial's failure), not a dead process."""
    try:
        import xgboost  # noqa: F401

        from amt_container import stopping, training  # noqa: F401
    except Exception:  # noqa: BLE001 - the first request imports again and reports the error
        pass


def main() -> None:
    # Ctrl-C reaches the terminal's whole process group: the engine stops trials (they end Stopped, as
    # StopTrainingJob ends them), a worker dying of the signal would fail them "unexpectedly".
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    warnings.simplefilter("ignore")  # xgboost's and scikit-learn's warnings would only reach stderr
    _import_training_stack()
    protocol_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever prints to stdout lands on stderr
    protocol_in = sys.stdin.buffer
    worker = Worker()
    while (request := read_frame(protocol_in)) is not None:
        op, payload = request
        try:
            answer = worker.load(payload) if op == "load" else worker.train(payload)
            write_frame(protocol_out, ("ok", answer))
        except Exception as e:  # noqa: BLE001 - reported to the engine, which fails the trial with it
            write_frame(protocol_out, ("error", f"{type(e).__name__}: {e}"))


if __name__ == "__main__":
    main()
