"""The search: SageMaker's strategies and tuner rules on optuna, in a deterministic order.

- Bayesian -> Gaussian-process Bayesian optimisation (gp_sampler.GPSampler: Matern 5/2 kernel with
  learned input warping, expected improvement averaged over fantasies of the trials still running);
  Random -> RandomSampler; Grid -> GridSampler (categorical ranges only, every combination);
  Hyperband -> TPE plus successive halving over ``num_round`` (the resource), decided per trial
  from earlier trials' curves (see amt_container/stopping.py).
- Scaling (Random, TPE): as each Range's optuna distribution says (see ranges.py).
- Determinism: trial i is asked only once trials 0..i-P are told (P = MaxParallelTrainingJobs), and tells
  happen in trial order; so the optimizer sees the same history for the same seed whatever the
  timing.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from amt.local.engine.gp_sampler import GPSampler
from amt.local.engine.ranges import Range

optuna.logging.set_verbosity(optuna.logging.WARNING)

HYPERBAND_ETA = 3
MEDIAN_RULE_MIN_TRIALS = 3


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
            v: Any = trial.suggest_categorical(r.name, d.choices)
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
