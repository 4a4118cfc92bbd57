"""Range boundaries: whether the best trials crowd an edge of a numeric range, and the range past it.

Boundary analysis asks, for each numeric range, whether the best trials crowd
  an edge (the post's question about ``eta`` near 0.5), and proposes a range
  that extends past the crowded edge, within what XGBoost accepts. The follow-up
  rounds (amt_pipeline.chain) act on it with no person in the loop, so an edge
  counts as crowded only on evidence (the rule: ``crowded_edge``, then ``trend_toward_edge``):

  1. at least MIN_TRIALS_FOR_BOUNDARIES (10) trials with an objective;
  2. either a crowd at the edge: the top trials (the best max(5, 20%)) include the
     best of all in the edge zone (the outer EDGE_ZONE of the range, in its
     scaling), and at least MIN_TOP_NEAR_EDGE (3) of them lie in that zone, a
     count that trials spread evenly over the range would reach with probability
     below CROWD_SIGNIFICANCE (a binomial tail; the chance of one trial falling in
     the zone is the zone's share of the range, or of an integer range's values);
  3. or a trend toward the edge: the top trials lean toward it (their median
     position is in that half of the range, and at least MIN_TOP_NEAR_EDGE_FOR_TREND
     (2) of them lie in its edge zone) and, over every trial, the objective
     gets better toward it: the rank correlation between position and objective
     (Spearman's) is one that shuffled objectives beat less than TREND_SIGNIFICANCE
     of the time (a seeded permutation test, one-sided toward that edge). This is
     what a narrow range that misses the optimum shows when the objective is noisy
     (validation accuracy moves by one row: the best trial, a single draw, may sit
     anywhere in a plateau while the trend is plain). On pure noise (20 trials, an
     objective that ignores the hyperparameter) the crowd moves an edge in about 9% of
     jobs and the trend in about 4% more (tests/unit/test_analysis.py measures it);
  4. past the edge the hyperparameter means "more of the same": the widened range
     stops inside the container's domain (an open end such as subsample's 0 is
     never reached) and short of a value where its meaning changes (max_depth 0
     is "no depth limit", not a shallower tree: xgboost_algorithm.MEANING_CHANGES_AT).
     An edge that cannot move is reported "at its limit", with no new range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from amt_pipeline.run.xgboost_algorithm import HYPERPARAMETER_DOMAINS as XGBOOST_DOMAINS
from amt_pipeline.run.xgboost_algorithm import MEANING_CHANGES_AT
from amt_pipeline.trials.analysis import _finite, _number, _position, rank_trials
from amt_pipeline.trials.table import Objective, ParameterRange

MIN_TRIALS_FOR_BOUNDARIES = 10
EDGE_ZONE = 0.2  # outer fraction of a range (in its scaling) that counts as "near the edge"
TOP_SHARE = 0.2  # the top trials: the best 20% (at least MIN_TOP_TRIALS)
MIN_TOP_TRIALS = 5
MIN_TOP_NEAR_EDGE = 3  # top trials in the edge zone, at the least
CROWD_SIGNIFICANCE = 0.1  # how unlikely that count must be if the top trials were spread evenly
TREND_SIGNIFICANCE = 0.05  # how unlikely the rank correlation toward an edge must be with shuffled objectives
TREND_PERMUTATIONS = 999
MIN_TOP_NEAR_EDGE_FOR_TREND = 2  # top trials in the edge zone a trend needs
# How far past a crowded edge the next range reaches, as a fraction of its width (in its scaling): 1 doubles
# it. Half the width was too slow for a narrow start: eta 0.1-0.25 took 3 rounds to pass 0.5 (bench_chain),
# and a round that widens too little gains nothing and ends the chain.
EXTEND_FRACTION = 1.0


# --- Boundaries -----------------------------------------------------------------------------------


def _binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), in log space (a 20,000-trial job has 4,000 top trials)."""
    if p <= 0:
        return 1.0 if k <= 0 else 0.0
    if p >= 1:
        return 1.0
    log_p, log_q, log_n = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    return float(min(1.0, sum(math.exp(log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p
                                       + (n - i) * log_q) for i in range(k, n + 1))))


def _zone_chance(spec: ParameterRange) -> float:
    """The chance that one trial, spread evenly over the range, falls in one edge zone."""
    assert spec.min_value is not None and spec.max_value is not None
    if spec.kind == "Integer":
        values = np.arange(math.ceil(spec.min_value), math.floor(spec.max_value) + 1, dtype=float)
        if values.size == 0:
            return 1.0
        return float(np.mean(_position(values, spec) <= EDGE_ZONE))
    return EDGE_ZONE


def crowded_edge(positions: np.ndarray, spec: ParameterRange) -> tuple[str | None, float]:
    """Which edge the top trials (positions in the range, best first) crowd on evidence, and the
    chance of that crowd if they were spread evenly (1.0 when no edge is crowded). The module's rule."""
    chance = _zone_chance(spec)
    for edge, near in (("upper", positions >= 1 - EDGE_ZONE), ("lower", positions <= EDGE_ZONE)):
        count = int(np.sum(near))
        if not near[0] or count < MIN_TOP_NEAR_EDGE or chance >= 1:
            continue
        p_value = _binomial_tail(count, positions.size, chance)
        if p_value < CROWD_SIGNIFICANCE:
            return edge, p_value
    return None, 1.0


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their average rank (as Spearman's correlation ranks)."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(values.size, dtype=float)
    ranks[order] = np.arange(1, values.size + 1)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return np.asarray(sums[inverse] / counts[inverse], dtype=float)


def _correlation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of x (n,) with each row of y (..., n); 0 where either is constant."""
    xc = x - x.mean()
    yc = y - y.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((xc**2).sum() * (yc**2).sum(axis=-1))
    return np.divide(yc @ xc, denominator, out=np.zeros(y.shape[:-1]), where=denominator > 0)


def trend_toward_edge(positions: np.ndarray, scores: np.ndarray, top_positions: np.ndarray,
                      *, seed: int = 0) -> tuple[str | None, float, float]:
    """Which edge the objective gets better toward, on evidence: (edge, one-sided permutation p-value,
    rank correlation), edge None when there is none. ``positions`` and ``scores`` are every scored
    trial's (higher scores better); ``top_positions`` the top trials', which must lean the same way
    and have MIN_TOP_NEAR_EDGE_FOR_TREND of theirs in the edge zone."""
    lean = float(np.median(top_positions)) if top_positions.size else 0.5
    if lean == 0.5 or positions.size < MIN_TRIALS_FOR_BOUNDARIES:
        return None, 1.0, 0.0
    edge, toward = ("upper", 1.0) if lean > 0.5 else ("lower", -1.0)
    near = top_positions >= 1 - EDGE_ZONE if edge == "upper" else top_positions <= EDGE_ZONE
    if int(np.sum(near)) < MIN_TOP_NEAR_EDGE_FOR_TREND:
        return None, 1.0, 0.0
    x, y = _ranks(positions), _ranks(scores)
    observed = float(_correlation(x, y[None, :])[0])
    if toward * observed <= 0:
        return None, 1.0, observed
    rng = np.random.default_rng(seed)
    shuffled = np.stack([rng.permutation(y) for _ in range(TREND_PERMUTATIONS)])
    beaten = int(np.sum(toward * _correlation(x, shuffled) >= toward * observed - 1e-12))
    p_value = (1 + beaten) / (TREND_PERMUTATIONS + 1)
    return (edge if p_value < TREND_SIGNIFICANCE else None), p_value, observed


def _floor_and_ceiling(spec: ParameterRange, low: float) -> tuple[float | None, float | None, bool, bool]:
    """How far a range may reach: (floor, ceiling, floor is open, ceiling is open)."""
    domain = XGBOOST_DOMAINS.get(spec.name)
    if domain is None:
        return (0.0 if low >= 0 else None), None, False, False
    floor, ceiling = domain.lower, domain.upper
    floor_open, ceiling_open = domain.min_open is not None, domain.max_open is not None
    special = MEANING_CHANGES_AT.get(spec.name)
    if special is not None and low > special and (floor is None or special >= floor):
        floor, floor_open = special, True  # stop short of the value that means something else
    return floor, ceiling, floor_open, ceiling_open


def _extend(spec: ParameterRange, edge: str) -> tuple[float, float]:
    """The range extended past the crowded edge, within what XGBoost accepts and means the same."""
    assert spec.min_value is not None and spec.max_value is not None
    low, high = spec.min_value, spec.max_value
    if spec.scaling == "Logarithmic" and low > 0:
        factor = (high / low) ** EXTEND_FRACTION if high > low else 2.0
        new_low, new_high = (low / factor, high) if edge == "lower" else (low, high * factor)
    else:
        step = (high - low) * EXTEND_FRACTION or max(abs(high), 1.0) * EXTEND_FRACTION
        new_low, new_high = (low - step, high) if edge == "lower" else (low, high + step)
    floor, ceiling, floor_open, ceiling_open = _floor_and_ceiling(spec, low)
    integer = spec.kind == "Integer"
    if floor is not None and new_low <= floor:
        # An open end is never reached: an integer stops at the next whole number, a float halfway.
        new_low = (math.floor(floor) + 1 if integer else (floor + low) / 2) if floor_open else floor
        new_low = min(new_low, low)
    if ceiling is not None and new_high >= ceiling:
        new_high = (math.ceil(ceiling) - 1 if integer else (ceiling + high) / 2) if ceiling_open else ceiling
        new_high = max(new_high, high)
    if spec.scaling == "Logarithmic" and new_low <= 0:
        new_low = low
    if integer:
        new_low, new_high = math.floor(new_low), math.ceil(new_high)
    return new_low, new_high


def boundary_analysis(
    rows: Sequence[Mapping[str, Any]], ranges: Mapping[str, ParameterRange], objective: Objective | None
) -> list[dict[str, Any]]:
    """For each tuned hyperparameter: do the best trials crowd an edge of its range? The next range."""
    ranked = rank_trials(rows, objective)
    n = len(ranked)
    top_k = min(n, max(MIN_TOP_TRIALS, math.ceil(TOP_SHARE * n)))
    findings = []
    for name, spec in ranges.items():
        finding: dict[str, Any] = {
            "name": name,
            "kind": spec.kind,
            "scaling": spec.scaling,
            "edge": None,
            "warning": None,
        }
        if not spec.is_numeric:
            finding["values"] = list(spec.values)
            if n:
                top_values = [str(row.get(name)) for row in ranked[:top_k] if row.get(name) is not None]
                if top_values:
                    finding["most_common_in_top"] = max(set(top_values), key=top_values.count)
            findings.append(finding)
            continue
        assert spec.min_value is not None and spec.max_value is not None
        finding.update(
            min_value=spec.min_value,
            max_value=spec.max_value,
            suggested_min_value=spec.min_value,
            suggested_max_value=spec.max_value,
        )
        values = np.array([v for row in ranked[:top_k] if (v := _finite(row.get(name))) is not None])
        if n < MIN_TRIALS_FOR_BOUNDARIES or values.size == 0:
            finding["message"] = (
                f"{name}: too few trials with an objective ({n}) to tell whether the best crowd an edge."
            )
            findings.append(finding)
            continue
        positions = _position(values, spec)
        best_value = float(values[0])
        best_position = float(positions[0])
        share_low = float(np.mean(positions <= EDGE_ZONE))
        share_high = float(np.mean(positions >= 1 - EDGE_ZONE))
        finding.update(
            best_value=best_value,
            best_position=round(best_position, 4),
            top_k=int(values.size),
            top_share_near_min=round(share_low, 4),
            top_share_near_max=round(share_high, 4),
        )
        edge, p_value = crowded_edge(positions, spec)
        evidence = None
        if edge is not None:
            finding["crowd_p_value"] = round(p_value, 4)
            evidence = "crowd"
        else:
            edge, trend_p, correlation = _trend(ranked, name, spec, objective, positions)
            if edge is not None:
                finding.update(trend_p_value=round(trend_p, 4), rank_correlation=round(correlation, 4))
                evidence = "trend"
        if edge is None:
            finding["message"] = (
                f"{name}: the best trials sit inside [{_fmt(spec.min_value)}, {_fmt(spec.max_value)}]; "
                "keep the range."
            )
            findings.append(finding)
            continue
        new_low, new_high = _extend(spec, edge)
        bound = spec.max_value if edge == "upper" else spec.min_value
        share = share_high if edge == "upper" else share_low
        side = "maximum" if edge == "upper" else "minimum"
        finding["edge"], finding["evidence"] = edge, evidence
        if evidence == "crowd":
            crowd = (
                f"{name}: the best trial ({_fmt(best_value)}) and {share:.0%} of the top {values.size} trials "
                f"lie near the {side} of its range ({_fmt(bound)})"
            )
        else:
            crowd = (
                f"{name}: over {n} trials the objective gets better toward the {side} of its range "
                f"({_fmt(bound)}; rank correlation {finding['rank_correlation']:+.2f}, p = "
                f"{finding['trend_p_value']:.3f}), and the top {values.size} trials lean that way"
            )
        if (new_low, new_high) == (spec.min_value, spec.max_value):
            finding["at_limit"] = True
            finding["warning"] = f"{crowd}, which is already as far as XGBoost allows{_why_limit(spec, edge)}."
        else:
            finding["at_limit"] = False
            finding["suggested_min_value"] = _number(new_low, spec.kind)
            finding["suggested_max_value"] = _number(new_high, spec.kind)
            finding["warning"] = (
                f"{crowd}: the optimum may lie beyond it. Next range: "
                f"[{_fmt(finding['suggested_min_value'])}, {_fmt(finding['suggested_max_value'])}]."
            )
        finding["message"] = finding["warning"]
        findings.append(finding)
    return findings


def _trend(ranked: Sequence[Mapping[str, Any]], name: str, spec: ParameterRange, objective: Objective | None,
           top_positions: np.ndarray) -> tuple[str | None, float, float]:
    """trend_toward_edge over every ranked trial that has this hyperparameter."""
    pairs = [(v, float(row["FinalObjectiveValue"])) for row in ranked if (v := _finite(row.get(name))) is not None]
    if not pairs:
        return None, 1.0, 0.0
    sign = 1.0 if objective is None or objective.maximize else -1.0
    positions = _position(np.array([v for v, _ in pairs]), spec)
    scores = sign * np.array([y for _, y in pairs])
    return trend_toward_edge(positions, scores, top_positions)


def _why_limit(spec: ParameterRange, edge: str) -> str:
    special = MEANING_CHANGES_AT.get(spec.name)
    if edge == "lower" and special is not None and spec.min_value is not None and spec.min_value <= special + 1:
        return f" while meaning the same ({spec.name} {_fmt(special)} means no limit, not a smaller one)"
    return ""


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


