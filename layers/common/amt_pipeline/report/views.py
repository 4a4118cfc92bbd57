"""The report's other views, each a Vega-Lite spec reading the shared ``trials`` dataset.

Timeline (a Gantt of the trials per parallel slot, with the baseline),
training jobs by status, two-way effects (the objective over the two most
important hyperparameters, smoothed, with the trials as points), parallel
coordinates (positions computed by Vega from the trials, not a second copy of
them) and learning curves. Every one declares the page's filters
(``charts.filter_params``) so one control acts on all of them.
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from amt_pipeline.report.charts import (
    FILTER,
    HEIGHT,
    NUMBER,
    TRIALS,
    WIDTH,
    _tooltip,
    statuses,
    time_axis,
    time_span,
    trials_base,
    whole_axis,
    with_config,
    with_filters,
)
from amt_pipeline.report.frame import PARALLEL_MAX_LINES, ChartData, Param

BASELINE = alt.NamedData(name="baseline")
SURFACE = alt.NamedData(name="surface")
CURVES = alt.NamedData(name="curves")
GRID = 24
BANDWIDTH = 0.12  # of the unit square (log where the range is logarithmic)
NEAR = 1.5 * BANDWIDTH  # a cell is drawn only where at least NEAR_TRIALS trials are this close to it
NEAR_TRIALS = 2


def _status_colour(data: ChartData, legend: bool = True) -> alt.Color:
    order, _, colours = statuses(data)
    return alt.Color("status:N", title="Status", scale=alt.Scale(domain=order, range=colours),
                     legend=alt.Legend(orient="bottom") if legend else None)


def _spec(chart: Any, data: ChartData) -> dict[str, Any]:
    return with_config(with_filters(chart.to_dict(), data))


def timeline_spec(data: ChartData, baseline_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A Gantt of the trials: one row per parallel slot, bars from start to end, coloured by status."""
    slots = int(data.trials["slot"].max()) if len(data.trials) else 1
    axis = alt.Axis(labelExpr="datum.value == 0 ? 'baseline' : 'slot ' + datum.value", title="parallel slot")
    bars = trials_base().mark_bar(height={"band": 0.7}, stroke="white", strokeWidth=0.3).encode(
        x=alt.X("start:T", axis=time_axis("Time", time_span(data, *[r[k] for r in baseline_rows
                                                                    for k in ("start", "end")]))),
        x2="end:T",
        y=alt.Y("slot:O", axis=axis),
        color=_status_colour(data),
        tooltip=_tooltip(data),
    ).properties(name="timeline_trials")
    layers: list[Any] = [bars]
    if baseline_rows:
        layers.append(
            alt.Chart(BASELINE).mark_bar(height={"band": 0.7}, color="#54a24b", strokeDash=[4, 2], stroke="#222")
            .encode(x="start:T", x2="end:T", y=alt.Y("slot:O", axis=axis),
                    tooltip=[alt.Tooltip("job:N", title="Baseline job"),
                             alt.Tooltip("start:T", title="Started", format="%H:%M:%S"),
                             alt.Tooltip("end:T", title="Ended", format="%H:%M:%S")])
            .properties(name="timeline_baseline")
        )
    title = "Timeline: each training job from start to end, one row per parallel slot"
    chart = alt.layer(*layers).properties(
        width=2 * WIDTH + 60, height=max(80, min(600, 22 * (slots + 1))),
        title=title + (" (green: baseline)" if baseline_rows else ""),
    )
    return _spec(chart, data)


def status_spec(data: ChartData) -> dict[str, Any]:
    """How many training jobs ended in each status (after the filters)."""
    order, _, _ = statuses(data)
    base = trials_base().encode(
        y=alt.Y("status:N", sort=order, title=None),
        x=alt.X("count():Q", title="Training jobs", axis=whole_axis()),
    )
    bars = base.mark_bar().encode(color=_status_colour(data, legend=False),
                                  tooltip=["status:N", alt.Tooltip("count():Q", title="Training jobs")])
    labels = base.mark_text(align="left", dx=3).encode(text="count():Q")
    chart = alt.layer(bars.properties(name="status_bars"), labels).properties(
        width=WIDTH, height=24 * len(order), title="Training jobs by status (every tuning job in the report)")
    return _spec(chart, data)


def two_way_params(data: ChartData, importance: dict[str, Any]) -> list[Param]:
    """The two most important numeric hyperparameters (by the importance analysis, else the first two)."""
    numeric = {p.name: p for p in data.params if p.kind != "Categorical"}
    ranked = [e["name"] for e in sorted(importance.get("parameters") or [], key=lambda e: -e.get("importance", 0))]
    order = [n for n in ranked if n in numeric] + [n for n in numeric if n not in ranked]
    return [numeric[n] for n in order[:2]]


def _unit(values: np.ndarray, p: Param) -> tuple[np.ndarray, float, float]:
    u = np.log10(values) if p.log else values
    lo, hi = float(np.nanmin(u)), float(np.nanmax(u))
    return u, lo, hi if hi > lo else lo + 1.0


def surface_rows(data: ChartData, a: Param, b: Param) -> list[dict[str, Any]]:
    """The objective smoothed over a GRID x GRID grid (Gaussian kernel average); a cell with fewer than
    NEAR_TRIALS trials within NEAR of its centre is left out (blank), however far the kernel reaches."""
    scored = data.trials[data.trials["objective"].notna()]
    xa = pd.to_numeric(scored[a.field], errors="coerce").to_numpy(float)
    xb = pd.to_numeric(scored[b.field], errors="coerce").to_numpy(float)
    z = scored["objective"].to_numpy(float)
    ok = np.isfinite(xa) & np.isfinite(xb) & np.isfinite(z)
    if ok.sum() < 5:
        return []
    ua, alo, ahi = _unit(xa[ok], a)
    ub, blo, bhi = _unit(xb[ok], b)
    ua, ub, z = (ua - alo) / (ahi - alo), (ub - blo) / (bhi - blo), z[ok]
    centres = (np.arange(GRID) + 0.5) / GRID
    gx, gy = np.meshgrid(centres, centres, indexing="ij")
    d2 = (gx[..., None] - ua) ** 2 + (gy[..., None] - ub) ** 2
    w = np.exp(-d2 / (2 * BANDWIDTH**2))
    total = w.sum(axis=-1)
    value = (w * z).sum(axis=-1) / np.maximum(total, 1e-12)
    near = (d2 <= NEAR**2).sum(axis=-1)  # one lone trial coloured a whole corner of the map

    def back(u: float, lo: float, hi: float, p: Param) -> float:
        v = lo + u * (hi - lo)
        return float(f"{10**v if p.log else v:.5g}")

    rows = []
    for i in range(GRID):
        for j in range(GRID):
            if near[i, j] < NEAR_TRIALS:
                continue
            rows.append({"a": back(i / GRID, alo, ahi, a), "a2": back((i + 1) / GRID, alo, ahi, a),
                         "b": back(j / GRID, blo, bhi, b), "b2": back((j + 1) / GRID, blo, bhi, b),
                         "z": float(f"{value[i, j]:.5g}")})
    return rows


def _axis_scale(p: Param) -> alt.Scale:
    return alt.Scale(type="log") if p.log else alt.Scale(zero=False, nice=False)


def _axis(p: Param) -> Any:
    return whole_axis() if p.kind == "Integer" else alt.Undefined


def contour_spec(data: ChartData, a: Param, b: Param) -> dict[str, Any]:
    """A heat map of the (smoothed) objective over two hyperparameters, the trials on top."""
    maximize = data.objective is None or data.objective.maximize
    title_a = f"{a.title} (log scale)" if a.log else a.title
    title_b = f"{b.title} (log scale)" if b.log else b.title
    heat = alt.Chart(SURFACE).mark_rect(opacity=0.9).encode(
        x=alt.X("a:Q", title=title_a, scale=_axis_scale(a), axis=_axis(a)),
        x2="a2:Q",
        y=alt.Y("b:Q", title=title_b, scale=_axis_scale(b), axis=_axis(b)),
        y2="b2:Q",
        color=alt.Color("z:Q", title=f"{data.objective_title} (smoothed)",
                        scale=alt.Scale(scheme="viridis", reverse=not maximize)),
        tooltip=[alt.Tooltip("z:Q", title=f"{data.objective_title} (smoothed)", format=NUMBER)],
    ).properties(name="contour_cells")
    points = trials_base(scatter=True).transform_filter("isValid(datum.objective)").mark_point(
        filled=False, stroke="black", strokeWidth=0.8, size=28
    ).encode(x=f"{a.field}:Q", y=f"{b.field}:Q", tooltip=_tooltip(data)).properties(name="contour_trials")
    chart = alt.layer(heat, points).properties(
        width=WIDTH + 80, height=HEIGHT + 60,
        title=f"Two-way effect: {data.objective_title} over {a.title} and {b.title} (brighter = better)",
    )
    return _spec(chart, data)


def _position(p: Param, data: ChartData) -> str:
    """A Vega expression: the trial's position 0..1 in this hyperparameter's searched values."""
    if p.kind == "Categorical":
        return f"max(indexof(levels_{p.field}, datum.{p.field}), 0) / {max(len(_levels(p, data)) - 1, 1)}"
    values = pd.to_numeric(data.trials[p.field], errors="coerce").dropna()
    values = values[values > 0] if p.log else values
    if values.empty:
        return "0.5"
    lo, hi = float(values.min()), float(values.max())
    if not hi > lo:
        return "0.5"
    if p.log:
        return f"(log(datum.{p.field}) - {math.log(lo)!r}) / {math.log(hi) - math.log(lo)!r}"
    return f"(datum.{p.field} - {lo!r}) / {hi - lo!r}"


def _levels(p: Param, data: ChartData) -> list[str]:
    return list(p.values) or sorted(data.trials[p.field].dropna().astype(str).unique())


def _parallel_title(data: ChartData) -> str:
    scored = int(data.trials["objective"].notna().sum())
    which = (f"the best {PARALLEL_MAX_LINES:,} of the {scored:,} scored trials" if scored > PARALLEL_MAX_LINES
             else "every scored trial" if scored != 1 else "the one scored trial")
    return f"Parallel coordinates of {which} (brighter = better)"


def parallel_spec(data: ChartData) -> dict[str, Any]:
    """Parallel coordinates of the best PARALLEL_MAX_LINES trials, from the shared trials dataset."""
    order = [p.title for p in data.params]
    maximize = data.objective is None or data.objective.maximize
    base = trials_base().transform_filter(f"isValid(datum.objective) && datum.rank <= {PARALLEL_MAX_LINES}")
    for p in data.params:
        base = base.transform_calculate(**{f"p_{p.field}": _position(p, data)})
    chart = (
        base.transform_fold([f"p_{p.field}" for p in data.params], as_=["key", "position"])
        .transform_calculate(hyperparameter="hp_names[datum.key]", value="datum[slice(datum.key, 2)]")
        .mark_line(opacity=0.5, strokeWidth=1.2)
        .encode(
            x=alt.X("hyperparameter:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("position:Q", title="position in the searched range (log where scaled so)",
                    scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("objective:Q", title=data.objective_title,
                            scale=alt.Scale(scheme="viridis", reverse=not maximize)),
            detail="job:N",
            tooltip=[alt.Tooltip("job:N", title="Training job"), alt.Tooltip("hyperparameter:N"),
                     alt.Tooltip("value:N", title="value"),
                     alt.Tooltip("objective:Q", title=data.objective_title, format=NUMBER)],
        )
        .properties(width=max(2 * WIDTH, 120 * len(order)), height=HEIGHT + 60, name="parallel_lines",
                    title=_parallel_title(data))
    )
    spec = _spec(chart, data)
    spec["params"] += [{"name": "hp_names", "value": {f"p_{p.field}": p.title for p in data.params}}]
    spec["params"] += [{"name": f"levels_{p.field}", "value": _levels(p, data)}
                       for p in data.params if p.kind == "Categorical"]
    return spec


def curves_spec(data: ChartData) -> dict[str, Any]:
    """Learning curves of the trials CloudWatch had (the best 25), filtered with the trials they belong to."""
    chart = (
        alt.Chart(CURVES)
        .transform_lookup(lookup="job", from_=alt.LookupData(data=TRIALS, key="job",
                                                             fields=["pct", "status", "tuning_job", "shown", "rank"]))
        .transform_filter("isValid(datum.status) && " + FILTER)
        .transform_calculate(trial="'#' + datum.rank + ' ' + datum.job")
        # SageMaker reads one value a boosting round from the training log and CloudWatch keeps one point a
        # second: a series' n-th point is its n-th round unless rounds came faster (locally: one a second).
        .transform_window(round="row_number()", groupby=["job", "metric"], sort=[alt.SortField("x")])
        .mark_line(opacity=0.7)
        .encode(
            x=alt.X("round:Q", title="Boosting round", axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y("value:Q", scale=alt.Scale(zero=False), title="metric value"),
            color=alt.Color("trial:N", title="Trial (# rank by the objective)",
                            sort=alt.EncodingSortField("rank", order="ascending"),
                            legend=alt.Legend(orient="right", columns=1, symbolLimit=25, labelLimit=260)),
            strokeDash=alt.StrokeDash("metric:N", title="Metric", legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("job:N", title="Training job"), alt.Tooltip("metric:N", title="Metric"),
                     alt.Tooltip("round:Q", title="Round", format="d"),
                     alt.Tooltip("value:Q", title="Value", format=NUMBER)],
        )
        .properties(width=2 * WIDTH - 280, height=HEIGHT, title="Learning curves", name="curves_lines")
    )
    return _spec(chart, data)
