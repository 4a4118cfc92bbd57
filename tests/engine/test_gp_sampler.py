"""The Bayesian strategy's Gaussian-process sampler, on synthetic objectives (no training)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence

import numpy as np
import optuna
import pytest

from amt.local.engine import search
from amt.local.engine.gp_sampler import GPSampler, _Coder, uses_log
from amt.local.engine.ranges import Range, parse_ranges

POST_RANGES = {
    "ContinuousParameterRanges": [
        {"Name": "alpha", "MinValue": "0.01", "MaxValue": "0.5", "ScalingType": "Auto"},
        {"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5", "ScalingType": "Auto"},
        {"Name": "min_child_weight", "MinValue": "0", "MaxValue": "2", "ScalingType": "Auto"},
    ],
    "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"}],
}

MIXED_RANGES = {
    "ContinuousParameterRanges": [
        {"Name": "lin", "MinValue": "-1", "MaxValue": "3", "ScalingType": "Linear"},
        {"Name": "lr", "MinValue": "0.0001", "MaxValue": "1", "ScalingType": "Logarithmic"},
        {"Name": "momentum", "MinValue": "0.5", "MaxValue": "0.999", "ScalingType": "ReverseLogarithmic"},
    ],
    "IntegerParameterRanges": [
        {"Name": "depth", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"},
        {"Name": "units", "MinValue": "8", "MaxValue": "1024", "ScalingType": "Logarithmic"},
    ],
    "CategoricalParameterRanges": [{"Name": "booster", "Values": ["gbtree", "dart", "gblinear"]}],
}


def _ranges(spec: dict) -> list[Range]:
    return parse_ranges(spec, "Bayesian")


def _run(
    sampler: optuna.samplers.BaseSampler,
    ranges: Sequence[Range],
    objective: Callable[[dict[str, str]], float],
    total: int,
    parallel: int = 3,
    direction: str = "minimize",
) -> list[tuple[dict[str, str], float]]:
    """The engine's order: trial i is asked once trials 0..i-P are told, tells in trial order."""
    study = optuna.create_study(direction=direction, sampler=sampler)
    asked: dict[int, tuple[optuna.Trial, dict[str, str]]] = {}
    out: list[tuple[dict[str, str], float]] = []
    launched = told = 0
    while told < total:
        while launched < total and told >= launched - parallel + 1:
            trial = study.ask()
            asked[launched] = (trial, search.suggest(trial, ranges))
            launched += 1
        trial, hps = asked.pop(told)
        value = objective(hps)
        study.tell(trial, value)
        out.append((hps, value))
        told += 1
    return out


def _bowl(hps: dict[str, str]) -> float:
    """A quadratic bowl over the post's ranges, minimum 0 at alpha .05, eta .43, mcw .2, depth 3."""
    return (
        (math.log(float(hps["alpha"])) - math.log(0.05)) ** 2 / 4
        + ((float(hps["eta"]) - 0.43) / 0.4) ** 2
        + ((float(hps["min_child_weight"]) - 0.2) / 2) ** 2
        + ((int(hps["max_depth"]) - 3) / 9) ** 2
    )


def _mixed(hps: dict[str, str]) -> float:
    return (
        (float(hps["lin"]) - 1.7) ** 2
        + (math.log10(float(hps["lr"])) + 2.5) ** 2 / 4
        + (math.log10(1 - float(hps["momentum"])) + 2) ** 2
        + (int(hps["depth"]) - 7) ** 2 / 20
        + (math.log2(int(hps["units"])) - 6) ** 2 / 10
        + {"gbtree": 0.0, "dart": 0.3, "gblinear": 1.0}[hps["booster"]]
    )


def test_make_sampler_bayesian_is_the_gp_sampler() -> None:
    ranges = _ranges(POST_RANGES)
    assert isinstance(search.make_sampler("Bayesian", 1, ranges), GPSampler)
    assert isinstance(search.make_sampler("Random", 1, ranges), optuna.samplers.RandomSampler)


def test_scaling_choices() -> None:
    by_name = {r.name: r for r in _ranges(POST_RANGES) + _ranges(MIXED_RANGES)}
    # Auto: log only when positive and wider than one order of magnitude
    assert uses_log(by_name["alpha"]) and not uses_log(by_name["eta"])
    assert not uses_log(by_name["min_child_weight"]) and not uses_log(by_name["max_depth"])
    assert uses_log(by_name["lr"]) and uses_log(by_name["momentum"]) and uses_log(by_name["units"])
    assert not uses_log(by_name["lin"])
    coder = _Coder(_ranges(MIXED_RANGES))
    assert coder.dim == 5 + 3  # one coordinate per numeric range, one-hot for the categorical
    mid = coder.decode(np.full(coder.dim, 0.5))
    assert mid["lin"] == pytest.approx(1.0)
    assert mid["lr"] == pytest.approx(0.01)  # geometric middle of 1e-4..1
    # ReverseLogarithmic: optuna's internal value is 1 - x, log-scaled over [0.001, 0.5]
    assert mid["momentum"] == pytest.approx(math.sqrt(0.001 * 0.5))
    assert isinstance(mid["depth"], int) and isinstance(mid["units"], int)
    assert mid["units"] == round(math.sqrt(7.5 * 1024.5))
    # integers: each value owns an equal share of its coordinate, the ends included
    xs = np.linspace(0, 1, 10_001)
    col = coder.slices[[r.name for r in coder.ranges].index("depth")].start
    depths = []
    for x in xs:
        point = np.full(coder.dim, 0.5)
        point[col] = x
        depths.append(coder.decode(point)["depth"])
    counts = np.bincount(depths, minlength=11)[1:]
    assert counts.min() > 0.9 * counts.max()


def test_proposals_honour_ranges_integers_and_categoricals() -> None:
    ranges = _ranges(MIXED_RANGES)
    history = _run(GPSampler(ranges, seed=3), ranges, _mixed, total=25)
    assert len(history) == 25
    for hps, _ in history:
        assert -1 <= float(hps["lin"]) <= 3
        assert 0.0001 <= float(hps["lr"]) <= 1
        assert 0.5 <= float(hps["momentum"]) <= 0.999
        assert hps["depth"] == str(int(hps["depth"])) and 1 <= int(hps["depth"]) <= 10
        assert hps["units"] == str(int(hps["units"])) and 8 <= int(hps["units"]) <= 1024
        assert hps["booster"] in {"gbtree", "dart", "gblinear"}
    assert len({tuple(sorted(h.items())) for h, _ in history}) == 25
    # the GP part explores every category and finds the good one
    assert {h["booster"] for h, _ in history} == {"gbtree", "dart", "gblinear"}
    assert min(history, key=lambda hv: hv[1])[0]["booster"] == "gbtree"


def test_same_seed_same_trials_other_seed_other_trials() -> None:
    ranges = _ranges(POST_RANGES)
    runs = [_run(GPSampler(ranges, seed=s), ranges, _bowl, total=15) for s in (11, 11, 12)]
    assert runs[0] == runs[1]
    assert [h for h, _ in runs[0]] != [h for h, _ in runs[2]]


def test_parallel_asks_differ() -> None:
    ranges = _ranges(POST_RANGES)
    study = optuna.create_study(sampler=GPSampler(ranges, seed=5, n_startup=4))
    for _ in range(8):
        trial = study.ask()
        study.tell(trial, _bowl(search.suggest(trial, ranges)))
    pending = [search.suggest(study.ask(), ranges) for _ in range(3)]  # none told yet
    assert len({tuple(sorted(h.items())) for h in pending}) == 3


def test_warm_start_trials_seed_the_gp() -> None:
    ranges = _ranges(POST_RANGES)
    rng = np.random.default_rng(0)
    parents = []
    for _ in range(12):
        hps = {
            "alpha": repr(float(rng.uniform(0.01, 0.5))),
            "eta": repr(float(rng.uniform(0.1, 0.5))),
            "min_child_weight": repr(float(rng.uniform(0, 2))),
            "max_depth": str(int(rng.integers(1, 11))),
        }
        parents.append((hps, _bowl(hps)))
    firsts = []
    for seed in range(1, 6):
        study = optuna.create_study(sampler=GPSampler(ranges, seed=seed))
        for hps, value in parents:
            frozen = search.warm_start_trial(ranges, hps, value)
            assert frozen is not None
            study.add_trial(frozen)
        firsts.append(_bowl(search.suggest(study.ask(), ranges)))
    # the first asks already use the parents (no random startup): better than the parents' median
    assert statistics.median(firsts) < statistics.median(v for _, v in parents)


def test_beats_random_on_a_quadratic_bowl() -> None:
    ranges = _ranges(POST_RANGES)
    gp, rnd = [], []
    for seed in range(1, 8):
        gp.append(min(v for _, v in _run(GPSampler(ranges, seed=seed), ranges, _bowl, total=30)))
        rnd.append(min(v for _, v in _run(search.make_sampler("Random", seed, ranges), ranges, _bowl, total=30)))
    assert statistics.median(gp) < statistics.median(rnd) / 3


def test_maximize_direction() -> None:
    ranges = _ranges(POST_RANGES)
    best = [
        max(v for _, v in _run(GPSampler(ranges, seed=s), ranges, lambda h: -_bowl(h), 25, direction="maximize"))
        for s in (1, 2, 3)
    ]
    worst_random = [
        max(
            v
            for _, v in _run(
                search.make_sampler("Random", s, ranges), ranges, lambda h: -_bowl(h), 25, direction="maximize"
            )
        )
        for s in (1, 2, 3)
    ]
    assert statistics.median(best) > statistics.median(worst_random)
