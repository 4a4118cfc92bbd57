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
    STATUS_COLORS,
    TRIALS,
    WIDTH,
    _tooltip,
    trials_base,
    with_filters,
)
from amt_pipeline.report.frame import PARALLEL_MAX_LINES, STATUS_ORDER, ChartData, Param

BASELINE = alt.NamedData(name="baseline")
SURFACE = alt.NamedData(name="surface")
CURVES = alt.NamedData(name="curves")
GRID = 24
BANDWIDTH = 0.12  # of the unit square (log where the range is logarithmic)


def _status_colour(legend: bool = True) -> alt.Color:
    return alt.Color("status:N", title="Status", scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLORS),
                     legend=alt.Legend(orient="bottom") if legend else None)


def timeline_spec(data: ChartData, baseline_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A Gantt of the trials: one row per parallel slot, bars from start to end, coloured by status."""
    slots = int(data.trials["slot"].max()) if len(data.trials) else 1
    axis = alt.Axis(labelExpr="datum.value == 0 ? 'baseline' : 'slot ' + datum.value", title="parallel slot")
    bars = trials_base().mark_bar(height={"band": 0.7}, stroke="white", strokeWidth=0.3).encode(
        x=alt.X("start:T", title="Time"),
        x2="end:T",
        y=alt.Y("slot:O", axis=axis),
        color=_status_colour(),
        tooltip=_tooltip(data),
    )
    layers: list[Any] = [bars]
    if baseline_rows:
        layers.append(
            alt.Chart(BASELINE).mark_bar(height={"band": 0.7}, color="#54a24b", strokeDash=[4, 2], stroke="#222")
            .encode(x="start:T", x2="end:T", y=alt.Y("slot:O", axis=axis),
                    tooltip=[alt.Tooltip("job:N", title="Baseline job"),
                             alt.Tooltip("start:T", title="Started", format="%H:%M:%S"),
                             alt.Tooltip("end:T", title="Ended", format="%H:%M:%S")])
        )
    chart = alt.layer(*layers).properties(
        width=2 * WIDTH + 60, height=max(80, min(600, 22 * (slots + 1))),
        title="Timeline: each training job from start to end, one row per parallel slot (green: baseline)",
    )
    return with_filters(chart.to_dict(), data)


def status_spec(data: ChartData) -> dict[str, Any]:
    """How many training jobs ended in each status (after the filters)."""
    base = trials_base().encode(
        y=alt.Y("status:N", sort=STATUS_ORDER, title=None),
        x=alt.X("count():Q", title="Training jobs"),
    )
    bars = base.mark_bar().encode(color=_status_colour(legend=False),
                                  tooltip=["status:N", alt.Tooltip("count():Q", title="Training jobs")])
    labels = base.mark_text(align="left", dx=3).encode(text="count():Q")
    chart = alt.layer(bars, labels).properties(width=WIDTH, height=24 * len(STATUS_ORDER),
                                               title="Training jobs by status (every tuning job in the report)")
    return with_filters(chart.to_dict(), data)


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
    """The objective smoothed over a GRID x GRID grid (Gaussian kernel average); cells far from any trial left out."""
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

    def back(u: float, lo: float, hi: float, p: Param) -> float:
        v = lo + u * (hi - lo)
        return float(f"{10**v if p.log else v:.5g}")

    rows = []
    for i in range(GRID):
        for j in range(GRID):
            if total[i, j] < 0.05:
                continue
            rows.append({"a": back(i / GRID, alo, ahi, a), "a2": back((i + 1) / GRID, alo, ahi, a),
                         "b": back(j / GRID, blo, bhi, b), "b2": back((j + 1) / GRID, blo, bhi, b),
                         "z": float(f"{value[i, j]:.5g}")})
    return rows


def _axis_scale(p: Param) -> alt.Scale:
    return alt.Scale(type="log") if p.log else alt.Scale(zero=False, nice=False)


def contour_spec(data: ChartData, a: Param, b: Param) -> dict[str, Any]:
    """A heat map of the (smoothed) objective over two hyperparameters, the trials on top."""
    maximize = data.objective is None or data.objective.maximize
    title_a = f"{a.name} (log scale)" if a.log else a.name
    title_b = f"{b.name} (log scale)" if b.log else b.name
    heat = alt.Chart(SURFACE).mark_rect(opacity=0.9).encode(
        x=alt.X("a:Q", title=title_a, scale=_axis_scale(a)),
        x2="a2:Q",
        y=alt.Y("b:Q", title=title_b, scale=_axis_scale(b)),
        y2="b2:Q",
        color=alt.Color("z:Q", title=f"{data.objective_title} (smoothed)",
                        scale=alt.Scale(scheme="viridis", reverse=not maximize)),
        tooltip=[alt.Tooltip("z:Q", title=f"{data.objective_title} (smoothed)", format=".4f")],
    )
    points = trials_base(scatter=True).transform_filter("isValid(datum.objective)").mark_point(
        filled=False, stroke="black", strokeWidth=0.8, size=28
    ).encode(x=f"{a.field}:Q", y=f"{b.field}:Q", tooltip=_tooltip(data))
    chart = alt.layer(heat, points).properties(
        width=WIDTH + 80, height=HEIGHT + 60,
        title=f"Two-way effect: {data.objective_title} over {a.name} and {b.name} (brighter = better)",
    )
    return with_filters(chart.to_dict(), data)


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


def parallel_spec(data: ChartData) -> dict[str, Any]:
    """Parallel coordinates of the best PARALLEL_MAX_LINES trials, from the shared trials dataset."""
    order = [p.name for p in data.params]
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
                     alt.Tooltip("objective:Q", title=data.objective_title, format=".5f")],
        )
        .properties(width=max(2 * WIDTH, 120 * len(order)), height=HEIGHT + 60,
                    title=f"Parallel coordinates of the best {PARALLEL_MAX_LINES} trials at most (brighter = better)")
    )
    spec = with_filters(chart.to_dict(), data)
    spec["params"] += [{"name": "hp_names", "value": {f"p_{p.field}": p.name for p in data.params}}]
    spec["params"] += [{"name": f"levels_{p.field}", "value": _levels(p, data)}
                       for p in data.params if p.kind == "Categorical"]
    return spec


def curves_spec(data: ChartData) -> dict[str, Any]:
    """Learning curves of the trials CloudWatch had (the best 25), filtered with the trials they belong to."""
    chart = (
        alt.Chart(CURVES)
        .transform_lookup(lookup="job", from_=alt.LookupData(data=TRIALS, key="job",
                                                             fields=["pct", "status", "tuning_job", "shown"]))
        .transform_filter("isValid(datum.status) && " + FILTER)
        .mark_line(opacity=0.7)
        .encode(
            x=alt.X("x:Q", title="seconds since the first point"),
            y=alt.Y("value:Q", scale=alt.Scale(zero=False), title="metric value"),
            color=alt.Color("job:N", title="Training job", legend=None),
            strokeDash=alt.StrokeDash("metric:N", title="Metric"),
            tooltip=["job:N", "metric:N", "x:Q", alt.Tooltip("value:Q", format=".5f")],
        )
        .properties(width=2 * WIDTH, height=HEIGHT, title="Learning curves")
    )
    return with_filters(chart.to_dict(), data)

