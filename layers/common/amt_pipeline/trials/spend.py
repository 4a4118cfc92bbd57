"""Where the time and the money went: wall time, training time, billable seconds, an estimated cost.

The cost is an estimate from a small table of on-demand prices, never a bill:
``billable seconds x instances x price per hour / 3600``. Managed spot
training shows in ``BillableTimeInSeconds`` (lower than training time); taxes,
storage and data transfer are not counted. An instance type not in the table
gets no cost rather than a guess, unless the user gives a price (the
``TrainingPricePerHour`` stack parameter, or ``amt report --price-per-hour``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from amt_pipeline.trials.failures import EXAMPLE_ACCOUNTS

# SageMaker Training, on-demand, US East (N. Virginia), USD per instance-hour.
# Source: https://aws.amazon.com/sagemaker/pricing/ ("On-Demand Pricing" > "Training"), as published in
# 2024 and cited unchanged by public projects through 2025; not re-read from the AWS Price List API when
# this table was written (2026-11-29). Prices change and differ by region: give your own when it matters.
PRICES_REGION = "us-east-1"
PRICES_AS_OF = "2024"  # the prices' date on AWS's page; this table was written 2026-11-29
PRICES_SOURCE = "https://aws.amazon.com/sagemaker/pricing/"
ON_DEMAND_USD_PER_HOUR: dict[str, float] = {
    "ml.m4.xlarge": 0.24,
    "ml.m5.large": 0.115,
    "ml.m5.xlarge": 0.23,
    "ml.m5.2xlarge": 0.461,
    "ml.m5.4xlarge": 0.922,
    "ml.c5.xlarge": 0.204,
    "ml.c5.2xlarge": 0.408,
    "ml.c5.4xlarge": 0.816,
    "ml.g4dn.xlarge": 0.736,
    "ml.p3.2xlarge": 3.825,
}


def _moment(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def parallel_slots(spans: Sequence[tuple[float | None, float | None]]) -> list[int]:
    """A row (1, 2, ...) per span such that spans on one row never overlap: the job's parallel slots."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0] is None, spans[i][0] or 0.0))
    free_at: list[float] = []
    slots = [0] * len(spans)
    for i in order:
        start, end = spans[i]
        start = start or 0.0
        end = max(end if end is not None else start, start)
        for slot, busy_until in enumerate(free_at):
            if busy_until <= start:
                free_at[slot] = end
                slots[i] = slot + 1
                break
        else:
            free_at.append(end)
            slots[i] = len(free_at)
    return slots


def _definition(job: Mapping[str, Any]) -> Mapping[str, Any]:
    return job.get("TrainingJobDefinition") or next(iter(job.get("TrainingJobDefinitions") or []), {})


def instance_of(job: Mapping[str, Any]) -> tuple[str | None, int]:
    resources = _definition(job).get("ResourceConfig") or {}
    return resources.get("InstanceType"), int(resources.get("InstanceCount") or 1)


def spend(job: Mapping[str, Any], trials: Sequence[Mapping[str, Any]], *, price_per_hour: float | None = None,
          baseline: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Totals for the timeline section (this job's trials; the baseline apart)."""
    default_type, default_count = instance_of(job)
    account = str(job.get("HyperParameterTuningJobArn") or "").split(":")[4:5]
    training = sum(float(t.get("TrainingElapsedTimeSeconds") or 0.0) for t in trials)
    billable = [t for t in trials if t.get("BillableTimeInSeconds") is not None]
    billable_seconds = sum(int(t["BillableTimeInSeconds"]) for t in billable)
    cost, unknown, types = 0.0, set(), set()
    for t in billable:
        kind = t.get("InstanceType") or default_type
        count = int(t.get("InstanceCount") or default_count)
        price = price_per_hour if price_per_hour is not None else ON_DEMAND_USD_PER_HOUR.get(str(kind))
        types.add(str(kind))
        if price is None:
            unknown.add(str(kind))
            continue
        cost += int(t["BillableTimeInSeconds"]) * count * price / 3600.0
    created, ended = _moment(job.get("CreationTime")), _moment(job.get("HyperParameterTuningEndTime"))
    starts = [m for t in trials if (m := _moment(t.get("TrainingStartTime") or t.get("CreationTime")))]
    ends = [m for t in trials if (m := _moment(t.get("TrainingEndTime")))]
    wall = (ended - created).total_seconds() if created and ended else (
        (max(ends) - min(starts)).total_seconds() if starts and ends else None)
    out: dict[str, Any] = {
        "wall_seconds": wall,
        "training_seconds": training,
        "billable_seconds": billable_seconds if billable else None,
        "billable_trials": len(billable),
        "instance_types": sorted(types) or ([default_type] if default_type else []),
        "instance_count": default_count,
        "price_source": "given" if price_per_hour is not None else "table",
        "price_per_hour": price_per_hour if price_per_hour is not None else (
            ON_DEMAND_USD_PER_HOUR.get(str(default_type)) if default_type else None),
        "prices_region": PRICES_REGION,
        "prices_as_of": PRICES_AS_OF,
        "prices_source": PRICES_SOURCE,
        "unpriced_instance_types": sorted(unknown),
        "estimated_cost_usd": float(f"{cost:.4g}") if billable and not unknown else None,  # $0.0017, not 0
        "ran_locally": bool(account) and account[0] in EXAMPLE_ACCOUNTS,
    }
    if baseline and baseline.get("billable_seconds") is not None:
        out["baseline_billable_seconds"] = baseline["billable_seconds"]
    return out
