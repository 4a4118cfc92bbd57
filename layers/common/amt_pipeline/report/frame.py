"""The trials as the charts read them: one pandas frame with safe field names.

Hyperparameter names come from the tuning job and may hold characters that
Vega-Lite reads as field syntax (dots, brackets); the charts therefore use
``hp0``, ``hp1``... and show the real names only as titles (text, never markup).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from amt_pipeline.report.safe_text import visible_controls
from amt_pipeline.trials.report_input import ReportInput
from amt_pipeline.trials.spend import parallel_slots
from amt_pipeline.trials.table import METRIC_PREFIX, Objective, ParameterRange, is_hyperparameter_column, metric_columns

STATUS_ORDER = ["Completed", "Stopped", "Failed", "InProgress", "Stopping"]
PARALLEL_MAX_LINES = 1000
SCATTER_MAX_POINTS = 5000  # beyond, scatter plots draw a sample (the best 10 % always in it)


@dataclass(frozen=True)
class Param:
    """One tuned hyperparameter as charted."""

    name: str  # the real name (a title, never a field reference)
    field: str  # hp0, hp1, ...
    kind: str  # Continuous | Integer | Categorical
    log: bool = False
    values: tuple[str, ...] = ()  # categorical values as drawn (report.safe_text.visible_controls)

    @property
    def title(self) -> str:
        """The name as Vega draws it: bidirectional controls made visible."""
        return visible_controls(self.name)


@dataclass(frozen=True)
class Metric:
    """One final metric of the trials (FinalMetricDataList), as charted."""

    name: str  # e.g. train:accuracy (a title, never a field reference)
    field: str  # m0, m1, ...
    column: str  # FinalMetric:train:accuracy

    @property
    def title(self) -> str:
        return visible_controls(self.name)


@dataclass
class ChartData:
    trials: pd.DataFrame
    params: list[Param]
    objective: Objective | None
    objective_title: str
    multiple_jobs: bool
    tuning_jobs: list[str] = field(default_factory=list)
    baseline: float | None = None
    metrics: list[Metric] = field(default_factory=list)
    sampled: int | None = None  # scatter plots show this many trials (None: all)
    rounds: list[Any] = field(default_factory=list)  # a chain's rounds (chain.chart_overlays.RoundOverlay)


def _epoch_ms(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp() * 1000.0
    return None


def _params(report_input: ReportInput, rows: list[dict[str, Any]]) -> list[Param]:
    ranges: dict[str, ParameterRange] = report_input.ranges
    names = list(ranges)
    # Hyperparameters that trials carry but the describe does not name (other definitions).
    for row in rows:
        for key in row:
            if key not in names and is_hyperparameter_column(key):
                names.append(key)
    params = []
    for i, name in enumerate(names):
        spec = ranges.get(name)
        if spec is None:
            numeric = all(isinstance(r.get(name), float) for r in rows if r.get(name) is not None)
            kind = "Continuous" if numeric else "Categorical"
            params.append(Param(name=name, field=f"hp{i}", kind=kind))
            continue
        values = [r.get(name) for r in rows if r.get(name) is not None]
        positive = all(isinstance(v, float) and v > 0 for v in values)
        params.append(
            Param(
                name=name,
                field=f"hp{i}",
                kind=spec.kind,
                log=spec.is_log and positive,
                values=tuple(visible_controls(v) for v in spec.values),
            )
        )
    return params




def chart_data(report_input: ReportInput) -> ChartData:
    rows = report_input.all_trials
    objective = report_input.objective
    params = _params(report_input, rows)
    metrics = [Metric(name=c[len(METRIC_PREFIX):], field=f"m{i}", column=c) for i, c in enumerate(metric_columns(rows))]
    records = []
    for i, row in enumerate(rows):
        objective_value = row.get("FinalObjectiveValue")
        if objective_value is not None and not math.isfinite(float(objective_value)):
            objective_value = None
        start = _epoch_ms(row.get("TrainingStartTime")) or _epoch_ms(row.get("CreationTime"))
        end = _epoch_ms(row.get("TrainingEndTime"))
        record: dict[str, Any] = {
            "row": i,
            "job": row.get("TrainingJobName"),
            "tuning_job": row.get("TuningJobName") or report_input.tuning_job_name,
            "status": row.get("TrainingJobStatus"),
            "objective": objective_value,
            "start": start,
            "end": end if end is not None else start,
            "elapsed": row.get("TrainingElapsedTimeSeconds"),
            "failure": row.get("FailureReason"),
        }
        for p in params:
            value = row.get(p.name)
            if p.kind == "Categorical":
                value = None if value is None else _categorical_text(value)
            record[p.field] = value
        for m in metrics:
            record[m.field] = row.get(m.column)
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        frame = pd.DataFrame(
            columns=[
                "row",
                "job",
                "tuning_job",
                "status",
                "objective",
                "start",
                "end",
                "elapsed",
                "failure",
                *[p.field for p in params],
                *[m.field for m in metrics],
            ]
        )
    frame["objective"] = pd.to_numeric(frame["objective"], errors="coerce")
    frame = frame.sort_values(["start", "job"], na_position="last", kind="stable").reset_index(drop=True)
    frame["trial"] = np.arange(1, len(frame) + 1)
    maximize = objective is None or objective.maximize
    grouped = frame.groupby("tuning_job", sort=False)["objective"]
    frame["best_so_far"] = grouped.cummax() if maximize else grouped.cummin()
    frame["best_so_far"] = frame.groupby("tuning_job", sort=False)["best_so_far"].ffill()
    rank = frame["objective"].rank(ascending=not maximize, method="first")
    frame["rank"] = rank
    scored = int(frame["objective"].notna().sum())
    # Percent rank by the objective (the "top k %" filter); 101 for a trial without an objective.
    frame["pct"] = (rank / max(scored, 1) * 100).fillna(101.0)
    frame["slot"] = parallel_slots(list(zip(frame["start"].tolist(), frame["end"].tolist(), strict=True)))
    frame["shown"], sampled = _sample(frame)
    jobs = list(dict.fromkeys(visible_controls(j) for j in frame["tuning_job"].astype(str)))
    baseline = report_input.baseline.objective_value if report_input.baseline else None
    title = visible_controls(objective.metric_name) if objective else "objective"
    return ChartData(
        trials=frame,
        params=params,
        objective=objective,
        objective_title=title,
        multiple_jobs=len(jobs) > 1,
        tuning_jobs=jobs,
        baseline=baseline,
        metrics=metrics,
        sampled=sampled,
    )


def _sample(frame: pd.DataFrame) -> tuple[Any, int | None]:
    """1 for the trials scatter plots draw: all, or past SCATTER_MAX_POINTS the best 10 % and a seeded sample."""
    if len(frame) <= SCATTER_MAX_POINTS:
        return 1, None
    best = frame["pct"] <= 10
    rest = frame.index[~best]
    keep = max(SCATTER_MAX_POINTS - int(best.sum()), 0)
    chosen = np.random.default_rng(0).choice(rest, size=min(keep, len(rest)), replace=False)
    shown = best.copy()
    shown.loc[chosen] = True
    return shown.astype(int), int(shown.sum())


def _categorical_text(value: Any) -> str:
    # The SDK turned numeric-looking categorical values into floats: "1" -> 1.0. Show "1".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return visible_controls(str(value))
