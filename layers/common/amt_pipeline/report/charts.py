"""The report's charts, as Vega-Lite specs (dicts) built with Altair.

Every chart reads the named dataset ``trials`` (or ``parallel``); the page
supplies the data once and hands it to every chart, so 5,000 trials are
embedded once, not once per chart. Titles carry the real hyperparameter and
metric names: Vega draws them as text, never as markup.

The explorer is one linked view (amtviz's layout): brushing a time or value
interval in any scatter fades the other trials everywhere, and hovering a trial
outlines it in every chart.
"""

from __future__ import annotations

import warnings
from typing import Any

import altair as alt
import pandas as pd

from amt_pipeline.report.frame import STATUS_ORDER, ChartData, Param

TRIALS = alt.NamedData(name="trials")
PARALLEL = alt.NamedData(name="parallel")
WIDTH = 360
HEIGHT = 220
STATUS_SHAPES = ["circle", "triangle-up", "cross", "square", "diamond"]
STATUS_COLORS = ["#4c78a8", "#f58518", "#e45756", "#9d9d9d", "#bab0ac"]


def _status_shape() -> alt.Shape:
    return alt.Shape("status:N", title="Status", scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_SHAPES))


def _tooltip(data: ChartData) -> list[alt.Tooltip]:
    tips = [
        alt.Tooltip("job:N", title="Training job"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("objective:Q", title=data.objective_title, format=".5f"),
    ]
    if data.multiple_jobs:
        tips.insert(1, alt.Tooltip("tuning_job:N", title="Tuning job"))
    for p in data.params:
        if p.kind == "Categorical":
            tips.append(alt.Tooltip(f"{p.field}:N", title=p.name))
        elif p.kind == "Integer":
            tips.append(alt.Tooltip(f"{p.field}:Q", title=p.name, format="d"))
        else:
            tips.append(alt.Tooltip(f"{p.field}:Q", title=p.name, format=".4g"))
    tips += [
        alt.Tooltip("start:T", title="Started", format="%Y-%m-%d %H:%M:%S"),
        alt.Tooltip("elapsed:Q", title="Seconds", format=".0f"),
        alt.Tooltip("failure:N", title="Failure reason"),
    ]
    return tips


def _colour(data: ChartData) -> alt.Color:
    if data.multiple_jobs:
        return alt.Color("tuning_job:N", title="Tuning job", scale=alt.Scale(domain=data.tuning_jobs))
    return alt.Color("status:N", title="Status", scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLORS))


def _objective_y(data: ChartData, field: str = "objective") -> alt.Y:
    return alt.Y(f"{field}:Q", title=data.objective_title, scale=alt.Scale(zero=False, padding=8))


class Selections:
    """The brush (interval, per view, intersected) and the hover (point, shared by all views)."""

    def __init__(self) -> None:
        self.brush = alt.selection_interval(name="brush", encodings=["x"], resolve="intersect", empty=True)
        self.hover = alt.selection_point(
            name="hover", on="pointerover", fields=["job"], empty=False, clear="pointerout"
        )

    def marks(self) -> dict[str, Any]:
        return {
            "opacity": alt.condition(self.brush, alt.value(0.9), alt.value(0.15)),
            "size": alt.condition(self.hover, alt.value(180), alt.value(55)),
            "stroke": alt.condition(self.hover, alt.value("black"), alt.value(None)),
        }


def _baseline_rule(data: ChartData, *, axis: str = "y") -> alt.Chart | None:
    if data.baseline is None:
        return None
    frame = pd.DataFrame({"baseline": [data.baseline], "label": ["baseline"]})
    rule = alt.Chart(frame).mark_rule(color="#54a24b", strokeDash=[6, 4], strokeWidth=2)
    encoding = {
        axis: alt.X("baseline:Q") if axis == "x" else alt.Y("baseline:Q"),
        "tooltip": [alt.Tooltip("baseline:Q", title="Baseline", format=".5f")],
    }
    return rule.encode(**encoding)


def progress_chart(data: ChartData, sel: Selections) -> Any:
    """Objective over time, the best-so-far line per tuning job, the baseline as a reference."""
    base = alt.Chart(TRIALS).transform_filter("isValid(datum.objective)")
    points = (
        base.mark_point(filled=True)
        .encode(
            x=alt.X("start:T", title="Training start"),
            y=_objective_y(data),
            color=_colour(data),
            shape=_status_shape(),
            tooltip=_tooltip(data),
            **sel.marks(),
        )
        .add_params(sel.brush, sel.hover)
    )
    best = base.mark_line(interpolate="step-after", strokeWidth=2, color="#222").encode(
        x="start:T",
        y=alt.Y("best_so_far:Q"),
        detail="tuning_job:N",
        tooltip=[alt.Tooltip("best_so_far:Q", title="Best so far", format=".5f")],
    )
    if data.multiple_jobs:
        best = best.encode(color=alt.Color("tuning_job:N", legend=None))
    layers: list[Any] = [best, points]
    rule = _baseline_rule(data)
    if rule is not None:
        layers.append(rule)
    return alt.layer(*layers).properties(
        width=WIDTH, height=HEIGHT, title="Objective over time (line: best so far; dashed: baseline)"
    )


def distribution_chart(data: ChartData, sel: Selections) -> Any:
    """The objective's distribution (density of the brushed trials over a histogram of all)."""
    base = alt.Chart(TRIALS).transform_filter("isValid(datum.objective)")
    hist = base.mark_bar(opacity=0.35, color="#4c78a8").encode(
        x=alt.X("objective:Q", bin=alt.Bin(maxbins=30), title=data.objective_title),
        y=alt.Y("count():Q", title="Trials"),
    )
    selected = (
        base.transform_filter(sel.brush)
        .mark_bar(color="#4c78a8")
        .encode(
            x=alt.X("objective:Q", bin=alt.Bin(maxbins=30)),
            y="count():Q",
            tooltip=[alt.Tooltip("count():Q", title="Trials (selected)")],
        )
    )
    layers: list[Any] = [hist, selected]
    rule = _baseline_rule(data, axis="x")
    if rule is not None:
        layers.append(rule)
    return alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title="Distribution of the objective")


def parameter_chart(data: ChartData, p: Param, sel: Selections) -> alt.Chart | alt.LayerChart | alt.FacetChart:
    """Objective against one hyperparameter: log x for logarithmic ranges, colours for categoricals."""
    base = alt.Chart(TRIALS).transform_filter("isValid(datum.objective)")
    if p.kind == "Categorical":
        x = alt.X(f"{p.field}:N", title=p.name, sort=list(p.values) or "ascending")
        colour = alt.Color(f"{p.field}:N", title=p.name, legend=alt.Legend(orient="right"))
    else:
        scale = alt.Scale(type="log") if p.log else alt.Scale(zero=False, padding=8)
        x = alt.X(f"{p.field}:Q", title=f"{p.name} (log scale)" if p.log else p.name, scale=scale)
        colour = _colour(data)
    chart = (
        base.mark_point(filled=True)
        .encode(
            x=x,
            y=_objective_y(data),
            color=colour,
            shape=_status_shape(),
            tooltip=_tooltip(data),
            **sel.marks(),
        )
        .properties(width=WIDTH, height=HEIGHT, title=f"{data.objective_title} vs {p.name}")
    )
    if p.kind != "Categorical":
        return chart.add_params(sel.brush, sel.hover)
    # Each categorical value's own distribution of the objective, behind its trials.
    box = base.mark_boxplot(opacity=0.35, extent="min-max", size=24).encode(
        x=x, y=_objective_y(data), color=alt.Color(f"{p.field}:N", legend=None)
    )
    return alt.layer(box, chart.add_params(sel.hover))


def timeline_chart(data: ChartData, sel: Selections) -> alt.Chart:
    """One bar per training job, start to end, coloured by status: failed trials show here too."""
    height = max(HEIGHT, min(600, 3 * len(data.trials)))
    return (
        alt.Chart(TRIALS)
        .mark_bar(height={"band": 0.8} if len(data.trials) <= 200 else 1.5)
        .encode(
            x=alt.X("start:T", title="Time"),
            x2="end:T",
            y=alt.Y(
                "trial:O", title="Training jobs (in start order)", axis=alt.Axis(labels=False, ticks=False)
            ),
            color=alt.Color(
                "status:N", title="Status", scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLORS)
            ),
            opacity=alt.condition(sel.brush, alt.value(1.0), alt.value(0.25)),
            stroke=alt.condition(sel.hover, alt.value("black"), alt.value(None)),
            tooltip=_tooltip(data),
        )
        .add_params(sel.hover)
        .properties(width=2 * WIDTH + 60, height=height, title="Training jobs")
    )


def explorer_spec(data: ChartData) -> dict[str, Any]:
    with warnings.catch_warnings():
        # One brush and one hover shared by every view is the point: Altair merges them, and says so.
        warnings.filterwarnings("ignore", message="Automatically deduplicated selection parameter")
        return _explorer(data)


def _explorer(data: ChartData) -> dict[str, Any]:
    sel = Selections()
    top = alt.hconcat(progress_chart(data, sel), distribution_chart(data, sel))
    rows: list[Any] = [top]
    params = [parameter_chart(data, p, sel) for p in data.params]
    for i in range(0, len(params), 2):
        rows.append(alt.hconcat(*params[i : i + 2]))
    rows.append(timeline_chart(data, sel))
    chart = alt.vconcat(*rows).resolve_scale(color="independent", shape="independent")
    return chart.configure_legend(orient="bottom", columns=4).to_dict()


def parallel_spec(data: ChartData) -> dict[str, Any]:
    """Parallel coordinates: one line per trial across every hyperparameter (positions within range)."""
    order = [p.name for p in data.params]
    maximize = data.objective is None or data.objective.maximize
    chart = (
        alt.Chart(PARALLEL)
        .mark_line(opacity=0.5, strokeWidth=1.2)
        .encode(
            x=alt.X("hyperparameter:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "position:Q",
                title="position in the searched range (log where scaled so)",
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(
                "objective:Q",
                title=data.objective_title,
                scale=alt.Scale(scheme="viridis", reverse=not maximize),
            ),
            detail="job:N",
            tooltip=[
                alt.Tooltip("job:N", title="Training job"),
                alt.Tooltip("hyperparameter:N"),
                alt.Tooltip("value:N", title="value"),
                alt.Tooltip("objective:Q", title=data.objective_title, format=".5f"),
            ],
        )
        .properties(
            width=max(2 * WIDTH, 120 * len(order)),
            height=HEIGHT + 60,
            title="Parallel coordinates (brighter = better)",
        )
    )
    return chart.to_dict()


def importance_spec(importance: dict[str, Any]) -> dict[str, Any] | None:
    entries = importance.get("parameters") or []
    if not importance.get("enough_trials") or not entries:
        return None
    frame = pd.DataFrame(entries)
    frame["evidence"] = frame["significant"].map({True: "p < 0.05", False: "not significant"})
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("importance:Q", title="share of the explained variance", axis=alt.Axis(format="%")),
            y=alt.Y("name:N", sort="-x", title=None),
            color=alt.Color(
                "evidence:N",
                title="Permutation test",
                scale=alt.Scale(domain=["p < 0.05", "not significant"], range=["#4c78a8", "#bab0ac"]),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Hyperparameter"),
                alt.Tooltip("importance:Q", format=".1%"),
                alt.Tooltip("omega_squared:Q", title="omega squared", format=".3f"),
                alt.Tooltip("p_value:Q", title="p-value", format=".3f"),
            ],
        )
        .properties(width=WIDTH, height=max(60, 28 * len(frame)), title="Hyperparameter importance")
    )
    return chart.to_dict()


def learning_curves_spec(curves: dict[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    rows = [{"job": job, **point} for job, points in curves.items() for point in points]
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    chart = (
        alt.Chart(frame)
        .mark_line(opacity=0.7)
        .encode(
            x=alt.X("x:Q", title="iteration"),
            y=alt.Y("value:Q", scale=alt.Scale(zero=False), title="metric value"),
            color=alt.Color("job:N", title="Training job", legend=None),
            strokeDash=alt.StrokeDash("metric:N", title="Metric"),
            tooltip=["job:N", "metric:N", "x:Q", alt.Tooltip("value:Q", format=".5f")],
        )
        .properties(width=2 * WIDTH, height=HEIGHT, title="Learning curves")
    )
    return chart.to_dict()
