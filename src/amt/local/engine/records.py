"""Job records: JSON files under ``state_dir``, and their boto3 / EventBridge shapes.

Layout (one file per job, written atomically, readable by any later process)::

    <state_dir>/tuning-jobs/<name>.json      the request + status, times, completion details
    <state_dir>/training-jobs/<name>.json    one per trial or standalone job
    <state_dir>/metrics/<name>.json          per-round metrics {"validation:accuracy": [...], ...}

A job is a ``StoredRecord``: a dataclass whose record keys are SageMaker's names.
Times are stored as epoch seconds (float); responses carry timezone-aware datetimes, as boto3
parses them; EventBridge details carry epoch milliseconds (numbers), as SageMaker sends them.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar


def now() -> float:
    return datetime.now(UTC).timestamp()


def to_datetime(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def to_millis(ts: float | None) -> int | None:
    return None if ts is None else int(round(ts * 1000))


class StateStore:
    """JSON files, one per record; thread-safe within a process, atomic renames across processes."""

    KINDS = ("tuning-jobs", "training-jobs", "metrics")

    def __init__(self, root: Path):
        self.root = Path(root)
        for kind in self.KINDS:
            (self.root / kind).mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def path(self, kind: str, name: str) -> Path:
        return self.root / kind / f"{name}.json"

    def save(self, kind: str, name: str, record: Any) -> None:
        target = self.path(kind, name)
        with self._lock:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                json.dump(record, f, separators=(",", ":"), default=str)
            os.replace(tmp, target)

    def load(self, kind: str, name: str) -> Any | None:
        try:
            return json.loads(self.path(kind, name).read_text())
        except FileNotFoundError:
            return None

    def names(self, kind: str) -> list[str]:
        return sorted(p.stem for p in (self.root / kind).glob("*.json"))


def envelope(*, detail_type: str, arn: str, detail: dict, region: str, account_id: str) -> dict:
    """A full EventBridge envelope, as SageMaker puts it on the default bus."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.sagemaker",
        "account": account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [arn],
        "detail": detail,
    }


def tags_dict(tags: list[dict] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


class StoredRecord:
    """A dataclass stored as a JSON record whose keys are SageMaker's names (``KEYS``)."""

    KEYS: ClassVar[dict[str, str]]  # attribute -> record key

    def to_record(self) -> dict[str, Any]:
        return {key: getattr(self, attr) for attr, key in self.KEYS.items()}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Any:
        return cls(**{attr: record[key] for attr, key in cls.KEYS.items() if key in record})
