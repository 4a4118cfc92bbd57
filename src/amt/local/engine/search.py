"""The search: SageMaker's strategies and tuner rules on optuna, in a deterministic order.

- Bayesian -> Gaussian-process Bayesian optimisation (gp_sampler.GPSampler: Matern kernel,
  expected improvement, kriging believer for the trials still running, its own scaling);
  Random -> RandomSampler; Grid -> GridSampler (categorical ranges only, every combination);
  Hyperband -> TPE plus successive halving over ``num_round`` (the resource), decided per trial
  from earlier trials' curves (see worker.py).
- Scaling (Random, TPE): Logarithmic -> log sampling; ReverseLogarithmic -> 1 - x with x
  log-sampled in (1 - max, 1 - min]; Integer ranges -> ints; Auto/Linear -> uniform.
- Determinism: trial i is asked only once trials 0..i-P are told (P = parallel slots), and tells
  happen in trial order; so the optimizer sees the same history for the same seed whatever the
  timing.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from amt.local.engine.errors import validation
from amt.local.engine.gp_sampler import GPSampler

optuna.logging.set_verbosity(optuna.logging.WARNING)

HYPERBAND_ETA = 3
MEDIAN_RULE_MIN_TRIALS = 3


@dataclass(frozen=True)
class Range:
    name: str
    kind: str  # Integer | Continuous | Categorical
    scaling: str = "Auto"
    low: float = 0.0
    high: float = 0.0
    values: tuple[str, ...] = ()

    def distribution(self) -> BaseDistribution:
        if self.kind == "Categorical":
            return CategoricalDistribution(list(self.values))
        if self.kind == "Integer":
            return IntDistribution(int(self.low), int(self.high), log=self.scaling == "Logarithmic")
        if self.scaling == "ReverseLogarithmic":
            return FloatDistribution(1.0 - self.high, 1.0 - self.low, log=True)
        return FloatDistribution(self.low, self.high, log=self.scaling == "Logarithmic")

    def to_hyperparameter(self, internal: Any) -> str:
        """optuna's value -> the string SageMaker passes to the training job."""
        if self.kind == "Categorical":
            return str(internal)
        if self.kind == "Integer":
            return str(int(internal))
        value = 1.0 - float(internal) if self.scaling == "ReverseLogarithmic" else float(internal)
        return repr(min(max(value, self.low), self.high))

    def to_internal(self, text: str) -> Any | None:
        """A recorded hyperparameter string -> optuna's value, or None when outside this range."""
        try:
            if self.kind == "Categorical":
                return text if text in self.values else None
            if self.kind == "Integer":
                v = int(float(text))
                return v if self.low <= v <= self.high else None
            f = float(text)
            if not self.low <= f <= self.high:
                return None
            if self.scaling == "ReverseLogarithmic":
                f = 1.0 - f
                d = self.distribution()
                assert isinstance(d, FloatDistribution)
                return f if d.low <= f <= d.high else None
            return f
        except ValueError:
            return None


def parse_ranges(parameter_ranges: Mapping[str, Any], strategy: str) -> list[Range]:
    """ParameterRanges -> Ranges; ValidationException where SageMaker refuses them."""
    out: list[Range] = []
    for key, kind in (
        ("IntegerParameterRanges", "Integer"),
        ("ContinuousParameterRanges", "Continuous"),
        ("CategoricalParameterRanges", "Categorical"),
    ):
        items = parameter_ranges.get(key) or []
        if len(items) > 30:
            raise validation(f"{key} can hold at most 30 ranges")
        for r in items:
            name = r["Name"]
            if kind == "Categorical":
                values = tuple(r.get("Values") or ())
                if not values:
                    raise validation(f"Categorical range {name!r} needs at least one value")
                if len(set(values)) != len(values):
                    raise validation(f"Categorical range {name!r} has duplicate values")
                out.append(Range(name, kind, values=values))
                continue
            scaling = r.get("ScalingType", "Auto")
            try:
                low, high = float(r["MinValue"]), float(r["MaxValue"])
                if kind == "Integer" and (low != int(low) or high != int(high)):
                    raise ValueError
            except (KeyError, ValueError):
                raise validation(
                    f"Range {name!r}: MinValue and MaxValue must be {kind.lower()} numbers"
                ) from None
            if low > high:
                raise validation(
                    f"Range {name!r}: MinValue {r['MinValue']} is greater than MaxValue {r['MaxValue']}"
                )
            if scaling == "Logarithmic" and low <= 0:
                raise validation(f"Range {name!r}: Logarithmic scaling needs MinValue > 0")
            if scaling == "ReverseLogarithmic" and (kind != "Continuous" or low < 0 or high >= 1):
                raise validation(
                    f"Range {name!r}: ReverseLogarithmic scaling needs a Continuous range within [0, 1)"
                )
            out.append(Range(name, kind, scaling, low, high))
    names = [r.name for r in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise validation(f"Hyperparameters {dupes} appear in more than one range")
    if strategy == "Grid" and any(r.kind != "Categorical" for r in out):
        raise validation("The Grid strategy supports categorical parameter ranges only")
    if not out:
        raise validation("ParameterRanges must hold at least one range")
    return out


class _AskTellGridSampler(optuna.samplers.GridSampler):
    """GridSampler that leaves stopping to the engine. Optuna's stops the study once the
    grid is exhausted, which raises outside ``study.optimize``; the engine already runs
    exactly as many trials as the grid has points."""

    def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
        return None


def make_sampler(
    strategy: str, seed: int | None, ranges: Sequence[Range], n_startup: int = 10
) -> optuna.samplers.BaseSampler:
    if strategy == "Random":
        return optuna.samplers.RandomSampler(seed=seed)
    if strategy == "Grid":
        space = {r.name: list(r.values) for r in ranges}
        return _AskTellGridSampler(space, seed=seed)
    if strategy == "Bayesian":
        return GPSampler(ranges, seed=seed)
    return optuna.samplers.TPESampler(
        seed=seed,
        multivariate=True,
        n_startup_trials=n_startup,
        constant_liar=True,
    )


def grid_size(ranges: Sequence[Range]) -> int:
    return math.prod(len(r.values) for r in ranges)


def suggest(trial: optuna.Trial, ranges: Sequence[Range]) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in ranges:
        d = r.distribution()
        if isinstance(d, CategoricalDistribution):
            v: Any = trial.suggest_categorical(r.name, d.choices)  # type: ignore[arg-type]
        elif isinstance(d, IntDistribution):
            v = trial.suggest_int(r.name, d.low, d.high, log=d.log)
        else:
            assert isinstance(d, FloatDistribution)
            v = trial.suggest_float(r.name, d.low, d.high, log=d.log)
        out[r.name] = r.to_hyperparameter(v)
    return out


def warm_start_trial(
    ranges: Sequence[Range], tuned: Mapping[str, str], value: float
) -> optuna.trial.FrozenTrial | None:
    """A parent's trial as an optuna trial of this study, or None when it lies outside the ranges."""
    params: dict[str, Any] = {}
    for r in ranges:
        if r.name not in tuned:
            return None
        internal = r.to_internal(str(tuned[r.name]))
        if internal is None:
            return None
        params[r.name] = internal
    return optuna.trial.create_trial(
        params=params, distributions={r.name: r.distribution() for r in ranges}, value=value
    )


# --- tuner rules, computed in the parent from told trials ------------------------------------


def median_curve(curves: Sequence[Sequence[float]], length: int) -> list[float | None]:
    """SageMaker's median stopping rule: per round t, the median over earlier trials that reached t
    of their running average up to t (None where fewer than MEDIAN_RULE_MIN_TRIALS did)."""
    running: list[list[float]] = []
    for c in curves:
        acc, avgs = 0.0, []
        for i, v in enumerate(c):
            acc += v
            avgs.append(acc / (i + 1))
        running.append(avgs)
    out: list[float | None] = []
    for t in range(length):
        vals = [r[t] for r in running if len(r) > t]
        out.append(statistics.median(vals) if len(vals) >= MEDIAN_RULE_MIN_TRIALS else None)
    return out


def hyperband_rungs(min_resource: int, max_resource: int, eta: int = HYPERBAND_ETA) -> list[int]:
    rungs, r = [], max(1, min_resource)
    while r < max_resource:
        rungs.append(r)
        r *= eta
    return rungs


def rung_thresholds(
    curves: Sequence[Sequence[float]], rungs: Sequence[int], maximize: bool, eta: int = HYPERBAND_ETA
) -> dict[int, float]:
    """Successive halving: at each rung, the value of the (n // eta)-th best earlier trial that
    reached it; a trial below that is not promoted. No threshold until eta trials reached a rung."""
    out: dict[int, float] = {}
    for r in rungs:
        vals = sorted((c[r - 1] for c in curves if len(c) >= r), reverse=maximize)
        if len(vals) >= eta:
            out[r] = vals[max(1, len(vals) // eta) - 1]
    return out


def improves(value: float, best: float | None, maximize: bool) -> bool:
    return best is None or (value > best if maximize else value < best)
