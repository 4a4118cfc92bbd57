"""A local run's state, kept under its --out folder, as `amt runs/cleanup/report --local DIR` read it.

``amt local run --out DIR`` leaves::

    DIR/state/         the local engine's job records (tuning jobs, training jobs, metrics)
    DIR/bucket/        the emulated bucket, as files (runs/<run id>/data|output|reports/...)
    DIR/executions/    one record per execution `amt local run` started (status, run id, error)
    DIR/logs/          the handlers' logs
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from amt.cli.errors import EXIT_FAILED, CliError

EXECUTIONS = "executions"


class LocalState:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        if not (self.root / "state").is_dir():
            raise CliError(f"{self.root} holds no local run", EXIT_FAILED,
                           f"`amt local run --out {self.root}` makes one (the default folder is amt-local)")
        self._engine: Any = None

    @classmethod
    @contextmanager
    def open(cls, root: str | Path) -> Iterator[LocalState]:
        state = cls(root)
        try:
            yield state
        finally:
            state.close()

    @property
    def engine(self) -> Any:
        """The local engine, answering SageMaker's read calls from the saved job records."""
        if self._engine is None:
            from amt.local.engine import InMemoryUriStore, LocalSageMaker

            self._engine = LocalSageMaker(storage=InMemoryUriStore(), state_dir=self.root / "state")
        return self._engine

    @property
    def bucket_dir(self) -> Path:
        return self.root / "bucket"

    def executions(self) -> list[dict[str, Any]]:
        """The executions `amt local run` recorded, newest first."""
        records = []
        for path in (self.root / EXECUTIONS).glob("*.json"):
            try:
                records.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                continue  # a record being written, or not ours
        return sorted(records, key=lambda r: str(r.get("started", "")), reverse=True)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()


def record_execution(root: Path, name: str, started: datetime, result: Any) -> None:
    """What `amt runs --local` shows of an execution (moto's Step Functions state dies with the run)."""
    folder = root / EXECUTIONS
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "name": name,
        "status": result.execution_status,
        "started": started.isoformat(),
        "stopped": datetime.now(UTC).isoformat(),
        "run_id": result.run_id,
        "error": result.error,
        "cause": result.cause,
    }
    (folder / f"{name}.json").write_text(json.dumps(record, indent=2, default=str))
