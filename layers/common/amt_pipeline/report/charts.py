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

import math
import re
import warnings
from typing import Any, cast

import altair as alt
import pandas as pd

from amt_pipeline.chain.chart_overlays import chain_best_line, range_bands, widened_domain
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
WIDTH = 470  # two charts side by side fill the page's 1,180 px
HEIGHT = 240
STATUS_SHAPES = ["circle", "triangle-up", "cross", "square", "diamond"]
STATUS_COLORS = ["#4c78a8", "#f58518", "#e45756", "#9d9d9d", "#bab0ac"]
# Job-supplied text drawn by Vega (titles, labels, legends) is cut to these pixels, never wider.
# Tick labels at least 4 px apart: Vega hides the ones that would touch ('0.070.08' on a log axis).
CONFIG = {"title": {"limit": 2 * WIDTH + 60}, "axis": {"titleLimit": WIDTH, "labelLimit": 180, "labelSeparation": 4},
          "legend": {"labelLimit": 240, "titleLimit": 240}}
NUMBER = ".5~g"  # every number in a tooltip: 5 significant digits, no trailing zeros


def whole_axis() -> alt.Axis:
    """An axis of counts or of an integer hyperparameter: whole numbers only (no '1 1 2 2' for ticks at 0.5).
    Vega may still place ticks at halves on a short span (tickMinStep does not prevent it), so a tick
    between whole numbers is drawn without label, tick or grid line."""
    between = "datum.value % 1 != 0"
    hidden = {"condition": {"test": between, "value": 0}, "value": 1}
    return alt.Axis(format="d", tickMinStep=1, labelExpr=f"{between} ? '' : datum.label",
                    tickOpacity=hidden, gridOpacity=hidden)


def with_config(spec: dict[str, Any]) -> dict[str, Any]:
    config = spec.setdefault("config", {})
    for key, value in CONFIG.items():
        config[key] = {**value, **config.get(key, {})}
    return spec


def statuses(data: ChartData) -> tuple[list[str], list[str], list[str]]:
    """The statuses the trials have (in STATUS_ORDER), with their shapes and colours: a legend of
    what occurs, not of every status there is."""
    present = set(data.trials["status"].dropna().astype(str)) if len(data.trials) else set()
    order = [s for s in STATUS_ORDER if s in present] + sorted(present - set(STATUS_ORDER))
    index = {s: i for i, s in enumerate(STATUS_ORDER)}
    shapes = [STATUS_SHAPES[index[s]] if s in index else "circle" for s in order]
    colours = [STATUS_COLORS[index[s]] if s in index else "#888888" for s in order]
    return order or ["Completed"], shapes or ["circle"], colours or [STATUS_COLORS[0]]


def _status_shape(data: ChartData) -> alt.Shape:
    order, shapes, _ = statuses(data)
    return alt.Shape("status:N", title="Status", scale=alt.Scale(domain=order, range=shapes))


TICK_STEPS = [s * 1000 for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
                                  43200, 86400)]


def time_span(data: ChartData, *extra: float | None) -> tuple[float, float] | None:
    """The trials' first start and last end (epoch ms), with any extra times (the baseline's)."""
    times = [float(v) for column in ("start", "end") if len(data.trials)
             for v in pd.to_numeric(data.trials[column], errors="coerce").dropna()]
    times += [float(v) for v in extra if v is not None]
    return (min(times), max(times)) if times else None


def time_axis(title: str, span: tuple[float, float] | None) -> alt.Axis:
    """A time axis whose ticks and labels fit the span: whole seconds for a run of seconds, minutes for an
    hour, dates past two days; never Vega's bare fractional seconds ('.500', ':15') on a short span."""
    if span is None:
        return alt.Axis(title=title)
    lo, hi = span
    width = max(hi - lo, 1000.0)
    if width > 2 * 86_400_000:
        return alt.Axis(title=title, format="%b %d %H:%M", labelOverlap=True)
    step = next((s for s in TICK_STEPS if width / s <= 7), TICK_STEPS[-1])
    first = math.ceil(lo / step) * step
    values: list[float] = [first + k * step for k in range(int((hi - first) // step) + 1)] or [lo]
    fmt = "%H:%M:%S" if step < 60_000 else "%H:%M"
    return alt.Axis(title=title, format=fmt, values=values, labelOverlap=True)


def _tooltip(data: ChartData) -> list[alt.Tooltip]:
    tips = [
        alt.Tooltip("job:N", title="Training job"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("objective:Q", title=data.objective_title, format=NUMBER),
    ]
    if data.multiple_jobs:
        tips.insert(1, alt.Tooltip("tuning_job:N", title="Tuning job"))
    for p in data.params:
        if p.kind == "Categorical":
            tips.append(alt.Tooltip(f"{p.field}:N", title=p.title))
        elif p.kind == "Integer":
            tips.append(alt.Tooltip(f"{p.field}:Q", title=p.title, format="d"))
        else:
            tips.append(alt.Tooltip(f"{p.field}:Q", title=p.title, format=NUMBER))
    tips += [alt.Tooltip(f"{m.field}:Q", title=m.title, format=NUMBER) for m in data.metrics
             if m.title != data.objective_title]
    tips += [
        alt.Tooltip("start:T", title="Started", format="%Y-%m-%d %H:%M:%S"),
        alt.Tooltip("elapsed:Q", title="Seconds", format="d"),
        alt.Tooltip("failure:N", title="Failure reason"),  # absent (not "null") when none: report.page_script
    ]
    return tips


def _colour(data: ChartData) -> alt.Color:
    """One colour scale for every scatter plot (so one legend): the tuning job, else the status."""
    if data.multiple_jobs:
        return alt.Color("tuning_job:N", title="Tuning job", scale=alt.Scale(domain=data.tuning_jobs))
    order, _, colours = statuses(data)
    return alt.Color("status:N", title="Status", scale=alt.Scale(domain=order, range=colours))


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

    def params(self, brushed: list[str], hovered: list[str]) -> list[dict[str, Any]]:
        """The two selections with the views (unit names) they are defined on. Set on the spec, not with
        add_params: Altair would lift them onto every layer of a view (Vega: 'Duplicate signal name')."""
        brush, hover = (cast(alt.SelectionParameter, s.param).to_dict() for s in (self.brush, self.hover))
        return [{**brush, "views": brushed}, {**hover, "views": hovered}]

    def marks(self) -> dict[str, Any]:
        return {
            "opacity": alt.condition(self.brush, alt.value(0.9), alt.value(0.15)),
            "size": alt.condition(self.hover, alt.value(180), alt.value(55)),
            "stroke": alt.condition(self.hover, alt.value("black"), alt.value(None)),
        }


def _baseline_rule(data: ChartData, name: str, *, axis: str = "y") -> alt.Chart | None:
    if data.baseline is None:
        return None
    frame = pd.DataFrame({"baseline": [data.baseline], "label": ["baseline"]})
    rule = alt.Chart(frame).mark_rule(color="#54a24b", strokeDash=[6, 4], strokeWidth=2)
    encoding = {
        axis: alt.X("baseline:Q") if axis == "x" else alt.Y("baseline:Q"),
        "tooltip": [alt.Tooltip("baseline:Q", title="Baseline", format=NUMBER)],
    }
    return rule.encode(**encoding).properties(name=name)


def _failed_marks(data: ChartData, x: Any, name: str) -> alt.Chart:
    """Failed trials have no objective: crosses along the bottom edge, where their x says they ran."""
    return (
        trials_base(scatter=True).transform_filter("datum.status == 'Failed'")
        .mark_point(shape="cross", filled=True, size=70, color=STATUS_COLORS[2], opacity=0.9)
        .encode(x=x, y=alt.value(HEIGHT - 4), tooltip=_tooltip(data))
        .properties(name=name)
    )


def _best_mark(base: alt.Chart, x: Any, y: Any, name: str) -> alt.Chart:
    """The best trial, always marked (not only on hover)."""
    return (
        base.transform_filter("datum.rank == 1")
        .mark_point(shape="diamond", size=260, filled=False, stroke="black", strokeWidth=2)
        .encode(x=x, y=y)
        .properties(name=name)
    )


def progress_chart(data: ChartData, sel: Selections) -> Any:
    """Objective over time, the best-so-far line per tuning job, the baseline as a reference."""
    base = trials_base().transform_filter("isValid(datum.objective)")
    domain = _domain(data, "start")
    span = (domain[0], domain[1]) if isinstance(domain, list) else None
    x = alt.X("start:T", axis=time_axis("Training start", span), scale=alt.Scale(domain=domain))
    points = (
        base.transform_filter(SHOWN).mark_point(filled=True)
        .encode(
            x=x,
            y=_objective_y(data),
            color=_colour(data),
            shape=_status_shape(data),
            tooltip=_tooltip(data),
            **sel.marks(),
        )
        .properties(name="progress_points")
    )
    best = base.mark_line(interpolate="step-after", strokeWidth=2, color="#222").encode(
        x="start:T",
        y=alt.Y("best_so_far:Q"),
        detail="tuning_job:N",
        tooltip=[alt.Tooltip("best_so_far:Q", title="Best so far", format=NUMBER)],
    ).properties(name="progress_best_so_far")
    if data.multiple_jobs:
        best = best.encode(color=alt.Color("tuning_job:N", legend=None))
    layers: list[Any] = [best, points, _best_mark(base, "start:T", "objective:Q", "progress_best_trial"),
                         _failed_marks(data, "start:T", "progress_failed")]
    chain = chain_best_line(data.rounds, _colour(data), view="progress_chain_best") if data.multiple_jobs else None
    if chain is not None:  # a chain's round: the chain's best after each round
        layers.append(chain)
    rule = _baseline_rule(data, "progress_baseline")
    if rule is not None:
        layers.append(rule)
    title = "Objective over time (line: best so far" + ("; dashed: baseline)" if rule is not None else ")")
    return alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title=title)


def distribution_chart(data: ChartData, sel: Selections) -> Any:
    """The objective's distribution (the brushed trials over a histogram of all; stacked by tuning job)."""
    base = trials_base().transform_filter("isValid(datum.objective)")
    by_job = {"color": alt.Color("tuning_job:N", title="Tuning job", scale=alt.Scale(domain=data.tuning_jobs))} if (
        data.multiple_jobs) else {}
    hist = base.mark_bar(opacity=0.35, color="#4c78a8").encode(
        x=alt.X("objective:Q", bin=alt.Bin(maxbins=30), title=data.objective_title),
        y=alt.Y("count():Q", title="Trials", axis=whole_axis()),
        **by_job,
    ).properties(name="distribution_all")
    selected = (
        base.transform_filter(sel.brush)
        .mark_bar(color="#4c78a8")
        .encode(
            x=alt.X("objective:Q", bin=alt.Bin(maxbins=30)),
            y="count():Q",
            tooltip=[alt.Tooltip("count():Q", title="Trials (selected)")],
            **by_job,
        )
        .properties(name="distribution_selected")
    )
    layers: list[Any] = [hist, selected]
    rule = _baseline_rule(data, "distribution_baseline", axis="x")
    if rule is not None:
        layers.append(rule)
    return alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title="Distribution of the objective")


def parameter_chart(data: ChartData, p: Param, sel: Selections) -> Any:
    """Objective against one hyperparameter: log x for logarithmic ranges, a box per categorical value."""
    base = (
        trials_base(scatter=True)
        .transform_calculate(metric="datum[f_metric]")
        .transform_filter("isValid(datum.metric)")
    )
    y = alt.Y("metric:Q", scale=alt.Scale(zero=False, padding=8), axis=alt.Axis(title=METRIC_TITLE))
    if p.kind == "Categorical":
        x = alt.X(f"{p.field}:N", title=p.title, sort=list(p.values) or "ascending", axis=alt.Axis(labelAngle=0))
    else:
        # Fixed domains: a filter changes the data, not the x scales (a brush on a changing scale breaks).
        domain = widened_domain(_domain(data, p.field), data.rounds, p.name, log=p.log)
        scale = alt.Scale(type="log", domain=domain) if p.log else alt.Scale(zero=False, padding=8, domain=domain)
        x = alt.X(f"{p.field}:Q", title=f"{p.title} (log scale)" if p.log else p.title, scale=scale,
                  axis=whole_axis() if p.kind == "Integer" else alt.Undefined)
    points = (
        base.mark_point(filled=True)
        .encode(x=x, y=y, color=_colour(data), shape=_status_shape(data), tooltip=_tooltip(data), **sel.marks())
        .properties(name=f"param_{p.field}_points")
    )
    layers: list[Any] = []
    if p.kind == "Categorical":  # each value's own distribution of the metric, behind its trials
        layers.append(base.mark_boxplot(opacity=0.3, extent="min-max", size=24, color="#9d9d9d")
                      .encode(x=x, y=y).properties(name=f"param_{p.field}_box"))
    layers += [points, _best_mark(base, x, "metric:Q", f"param_{p.field}_best_trial"),
               _failed_marks(data, x, f"param_{p.field}_failed")]
    if p.kind != "Categorical" and data.multiple_jobs:  # a chain's round: each round's range, a band per round
        bands = range_bands(data.rounds, p.name, scale, _colour(data), view=f"param_{p.field}_rounds")
        if bands is not None:
            layers.append(bands)
    return alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title=f"The chosen metric vs {p.title}")


def _unit_names(node: Any) -> Any:
    """The views' names as given (Altair suffixes them with their place in a concat: '_0', '_1'),
    for the selections' views and the tests that read the scenegraph (marks '<name>_marks')."""
    if isinstance(node, dict):
        out = {k: _unit_names(v) for k, v in node.items()}
        if "mark" in node and isinstance(node.get("name"), str):
            out["name"] = re.sub(r"_\d+$", "", node["name"])
        return out
    if isinstance(node, list):
        return [_unit_names(v) for v in node]
    return node


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
    # One colour and one shape scale for all the views: one legend, not one per chart.
    chart = alt.vconcat(*rows).resolve_scale(color="shared", shape="shared")
    spec = _unit_names(chart.configure_legend(orient="bottom", columns=5).to_dict())
    numeric = [f"param_{p.field}_points" for p in data.params if p.kind != "Categorical"]
    categorical = [f"param_{p.field}_points" for p in data.params if p.kind == "Categorical"]
    spec["params"] = [*sel.params(["progress_points", *numeric], ["progress_points", *numeric, *categorical]),
                      *spec.get("params", [])]
    return with_config(with_filters(spec, data))


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
                alt.Tooltip("omega_squared:Q", title="omega squared", format=NUMBER),
                alt.Tooltip("p_value:Q", title="p-value", format=NUMBER),
            ],
        )
        .properties(width=WIDTH, height=max(60, 28 * len(frame)), title="Hyperparameter importance",
                    name="importance_bars")
    )
    return with_config(chart.to_dict())

