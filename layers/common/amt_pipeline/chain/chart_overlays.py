"""A chain's rounds drawn over a round's report charts (report.charts layers them in).

* the ranges of each round, on each per-hyperparameter chart: a band along the top, one row per
  round (round 1 topmost), from the round's minimum to its maximum;
* the chain's best so far across rounds, on the objective-over-time chart: a point per round at
  its last trial's start, at the chain's best after that round, joined by a step line.

Each round's trials are a series of their own already: its tuning job (the earlier rounds are the
round's warm-start parents, jobs of the report). The overlays take the charts' colour by tuning
job, so a round's band and point have its trials' colour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import pandas as pd

BAND_ROW = 7  # px between the rows of the range bands


@dataclass(frozen=True)
class RoundOverlay:
    """One round as the charts draw it."""

    round: int
    tuning_job: str
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # numeric ranges by hyperparameter
    best_so_far: float | None = None
    at_ms: float | None = None  # its last trial's start (epoch ms): its point on the best-so-far line

    @property
    def label(self) -> str:
        return f"round {self.round} ({self.tuning_job})"


def round_overlays(rounds: Sequence[Mapping[str, Any]], trials: pd.DataFrame) -> list[RoundOverlay]:
    """The rounds (each ``{round, run_id, ranges, best_so_far}``, as the chain's record and this round
    give them), each placed at its last trial's start, from the report's trials (columns tuning_job, start)."""
    overlays = []
    for r in sorted(rounds, key=lambda r: int(r["round"])):
        job = str(r["run_id"])
        ranges = {name: (float(spec["min_value"]), float(spec["max_value"]))
                  for name, spec in (r.get("ranges") or {}).items()
                  if spec.get("min_value") is not None and spec.get("max_value") is not None}
        at = None
        if len(trials) and "tuning_job" in trials:
            starts = pd.to_numeric(trials.loc[trials["tuning_job"] == job, "start"], errors="coerce").dropna()
            at = float(starts.max()) if not starts.empty else None
        best = r.get("best_so_far")
        overlays.append(RoundOverlay(round=int(r["round"]), tuning_job=job, ranges=ranges,
                                     best_so_far=None if best is None or not math.isfinite(best) else float(best),
                                     at_ms=at))
    return overlays


def widened_domain(domain: Any, rounds: Sequence[RoundOverlay], name: str, *, log: bool) -> Any:
    """The x domain of a hyperparameter's chart, wide enough for every round's range."""
    bounds = [v for r in rounds if name in r.ranges for v in r.ranges[name] if not log or v > 0]
    if not bounds:
        return domain
    low, high = min(bounds), max(bounds)
    if isinstance(domain, list):
        low, high = min(low, domain[0]), max(high, domain[1])
    return [low, high]


def range_bands(rounds: Sequence[RoundOverlay], name: str, x_scale: alt.Scale, colour: alt.Color, *,
                view: str) -> alt.Chart | None:
    """Each round's range of ``name``: a band along the chart's top, one row per round."""
    rows = [{"round_label": r.label, "tuning_job": r.tuning_job, "low": r.ranges[name][0],
             "high": r.ranges[name][1], "y": 3 + BAND_ROW * i}
            for i, r in enumerate(rounds) if name in r.ranges]
    if len(rows) < 2:  # one round is the chart's own range: nothing to compare
        return None
    return (
        alt.Chart(pd.DataFrame(rows)).mark_rule(strokeWidth=5, opacity=0.75, strokeCap="butt")
        .encode(x=alt.X("low:Q", scale=x_scale), x2="high:Q", y=alt.Y("y:Q", scale=None),
                color=colour,
                tooltip=[alt.Tooltip("round_label:N", title="Round"), alt.Tooltip("low:Q", title="From", format=".4~g"),
                         alt.Tooltip("high:Q", title="To", format=".4~g")])
        .properties(name=view)
    )


def chain_best_line(rounds: Sequence[RoundOverlay], colour: alt.Color, *, view: str) -> Any:
    """The chain's best so far after each round: a point per round, joined by a step line."""
    rows = [{"round_label": r.label, "tuning_job": r.tuning_job, "at": r.at_ms, "chain_best": r.best_so_far}
            for r in rounds if r.at_ms is not None and r.best_so_far is not None]
    if len(rows) < 2:
        return None
    base = alt.Chart(pd.DataFrame(rows)).encode(
        x=alt.X("at:T"), y=alt.Y("chain_best:Q"),
        tooltip=[alt.Tooltip("round_label:N", title="After"),
                 alt.Tooltip("chain_best:Q", title="Chain's best so far", format=".5~g")])
    line = base.mark_line(interpolate="step-after", strokeWidth=2, strokeDash=[2, 2], color="#111").properties(
        name=f"{view}_line")
    points = base.mark_point(shape="square", size=90, filled=True).encode(color=colour).properties(name=view)
    return alt.layer(line, points)
