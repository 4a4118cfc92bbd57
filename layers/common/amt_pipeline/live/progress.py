"""How far a tuning job is, from one DescribeHyperParameterTuningJob response.

Shared by the in-progress report's banner (the TrackProgress Lambda) and `amt watch`, so
that both say the same numbers: trials done of the maximum, running, counts by status,
best so far, elapsed and estimated remaining time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from amt_pipeline.facts import ENDED_STATUSES

# SageMaker's TrainingJobStatusCounters -> the names a user reads.
_COUNTERS = {"Completed": "Completed", "InProgress": "InProgress", "Stopped": "Stopped",
             "NonRetryableError": "Failed", "RetryableError": "Failed"}


def as_datetime(value: Any) -> datetime | None:
    """boto3's datetimes, the events' epoch-millisecond numbers or strings, ISO strings."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) or (isinstance(value, str) and value.replace(".", "", 1).isdigit()):
        return datetime.fromtimestamp(float(value) / 1000, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Best:
    training_job_name: str
    value: float
    metric_name: str | None = None
    hyperparameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """A tuning job's progress at ``now``."""

    tuning_job_name: str
    status: str
    max_jobs: int
    counts: dict[str, int]
    started_at: datetime
    now: datetime
    best: Best | None = None
    ended_at: datetime | None = None

    @classmethod
    def from_describe(cls, describe: Mapping[str, Any], now: datetime | None = None) -> Progress:
        counters = describe.get("TrainingJobStatusCounters") or {}
        counts: dict[str, int] = {"Completed": 0, "Failed": 0, "Stopped": 0, "InProgress": 0}
        for key, name in _COUNTERS.items():
            counts[name] += int(counters.get(key) or 0)
        limits = (describe.get("HyperParameterTuningJobConfig") or {}).get("ResourceLimits") or {}
        started = as_datetime(describe.get("CreationTime")) or datetime.now(UTC)
        return cls(
            tuning_job_name=str(describe.get("HyperParameterTuningJobName", "")),
            status=str(describe.get("HyperParameterTuningJobStatus", "InProgress")),
            max_jobs=int(limits.get("MaxNumberOfTrainingJobs") or 0),
            counts=counts,
            started_at=started,
            now=now or datetime.now(UTC),
            best=best_of(describe),
            ended_at=as_datetime(describe.get("HyperParameterTuningEndTime")),
        )

    @property
    def done(self) -> int:
        return sum(self.counts.get(status, 0) for status in ENDED_STATUSES)

    @property
    def running(self) -> int:
        return self.counts.get("InProgress", 0)

    @property
    def ended(self) -> bool:
        return self.status in ENDED_STATUSES

    @property
    def elapsed(self) -> timedelta:
        return max(timedelta(0), (self.ended_at or self.now) - self.started_at)

    @property
    def remaining(self) -> timedelta | None:
        """At the pace so far (trials done per second of the job's life); None before the first trial ends."""
        if self.ended:
            return timedelta(0)
        if self.done == 0 or self.max_jobs <= self.done:
            return None if self.done == 0 else timedelta(0)
        return self.elapsed * ((self.max_jobs - self.done) / self.done)

    @property
    def estimated_end(self) -> datetime | None:
        remaining = self.remaining
        return None if remaining is None else self.now + remaining

    def banner(self) -> str:
        """The in-progress report's one line."""
        best = "none yet" if self.best is None else f"{self.best.value:.5g}"
        end = self.estimated_end
        when = "after the first trial ends" if end is None else f"{end:%H:%M} UTC"
        return (f"in progress: {self.done} of {self.max_jobs} trials, best so far {best}, "
                f"estimated end {when}")


def best_of(describe: Mapping[str, Any]) -> Best | None:
    """The job's BestTrainingJob, which SageMaker keeps up to date while the job runs."""
    best = describe.get("BestTrainingJob") or {}
    metric = best.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
    if not best.get("TrainingJobName") or metric.get("Value") is None:
        return None
    return Best(training_job_name=best["TrainingJobName"], value=float(metric["Value"]),
                metric_name=metric.get("MetricName"),
                hyperparameters={k: str(v) for k, v in (best.get("TunedHyperParameters") or {}).items()})


