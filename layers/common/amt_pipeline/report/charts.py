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
# The page's filters (top k % by the objective, hide stopped/failed, one tuning job) as Vega signals that
# every chart reading the trials declares; the page sets them on every chart at once (report.page_script).
FILTER = (
    "(f_top >= 100 || datum.pct <= f_top) && (!f_hide || (datum.status != 'Stopped' && datum.status != 'Failed'))"
    " && (f_job == '' || datum.tuning_job == f_job)"
)
SHOWN = "datum.shown == 1"  # the scatter plots' sample past frame.SCATTER_MAX_POINTS trials


def filter_params(data: ChartData) -> list[dict[str, Any]]:
    """The top-level params of every chart that reads the trials: the filters and the chosen metric."""
    return [
        {"name": "f_top", "value": 100},
        {"name": "f_hide", "value": False},
        {"name": "f_job", "value": ""},
        {"name": "f_metric", "value": "objective"},
        {"name": "f_metric_title", "value": data.objective_title},
    ]


METRIC_TITLE = "\u2063metric"  # replaced by the f_metric_title signal (Altair's schema wants a string here)


def _signal_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: ({"expr": "f_metric_title"} if k == "title" and v == METRIC_TITLE else _signal_titles(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_signal_titles(v) for v in node]
    return node


def with_filters(spec: dict[str, Any], data: ChartData) -> dict[str, Any]:
    spec = _signal_titles(spec)
    spec["params"] = [*spec.get("params", []), *filter_params(data)]
    return spec


def trials_base(*, scatter: bool = False) -> alt.Chart:
    """The trials after the page's filters (and, for a scatter plot, its sample)."""
    base = alt.Chart(TRIALS).transform_filter(FILTER)
    return base.transform_filter(SHOWN) if scatter else base
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
    tips += [alt.Tooltip(f"{m.field}:Q", title=m.name, format=".5f") for m in data.metrics
             if m.name != data.objective_title]
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


def _domain(data: ChartData, field: str) -> Any:
    values = pd.to_numeric(data.trials[field], errors="coerce").dropna()
    if field.startswith("hp") and any(p.log for p in data.params if p.field == field):
        values = values[values > 0]
    if values.empty:
        return alt.Undefined
    return [float(values.min()), float(values.max())]


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
    base = trials_base().transform_filter("isValid(datum.objective)")
    points = (
        base.transform_filter(SHOWN).mark_point(filled=True)
        .encode(
            x=alt.X("start:T", title="Training start", scale=alt.Scale(domain=_domain(data, "start"))),
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
    base = trials_base().transform_filter("isValid(datum.objective)")
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
    base = (
        trials_base(scatter=True)
        .transform_calculate(metric="datum[f_metric]")
        .transform_filter("isValid(datum.metric)")
    )
    y = alt.Y("metric:Q", scale=alt.Scale(zero=False, padding=8), axis=alt.Axis(title=METRIC_TITLE))
    if p.kind == "Categorical":
        x = alt.X(f"{p.field}:N", title=p.name, sort=list(p.values) or "ascending")
        colour = alt.Color(f"{p.field}:N", title=p.name, legend=alt.Legend(orient="right"))
    else:
        # Fixed domains: a filter changes the data, not the x scales (a brush on a changing scale breaks).
        domain = _domain(data, p.field)
        scale = alt.Scale(type="log", domain=domain) if p.log else alt.Scale(zero=False, padding=8, domain=domain)
        x = alt.X(f"{p.field}:Q", title=f"{p.name} (log scale)" if p.log else p.name, scale=scale)
        colour = _colour(data)
    chart = (
        base.mark_point(filled=True)
        .encode(
            x=x,
            y=y,
            color=colour,
            shape=_status_shape(),
            tooltip=_tooltip(data),
            **sel.marks(),
        )
        .properties(width=WIDTH, height=HEIGHT, title=f"The chosen metric vs {p.name}")
    )
    if p.kind != "Categorical":
        return chart.add_params(sel.brush, sel.hover)
    # Each categorical value's own distribution of the objective, behind its trials.
    # The same colour encoding as the points (one legend): a second one with legend=None makes Vega warn
    # 'Conflicting legend property "disable"' when it merges the layers' shared colour scale.
    box = base.mark_boxplot(opacity=0.35, extent="min-max", size=24).encode(x=x, y=y, color=colour)
    return alt.layer(box, chart.add_params(sel.hover))


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
    chart = alt.vconcat(*rows).resolve_scale(color="independent", shape="independent")
    return with_filters(chart.configure_legend(orient="bottom", columns=4).to_dict(), data)


def importance_spec(importance: dict[str, Any]) -> dict[str, Any] | None:
    entries = importance.get("parameters") or []
    # No bars to draw when nothing explains the spread: the section's message says so instead.
    if not importance.get("enough_trials") or not any(e.get("importance") for e in entries):
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

