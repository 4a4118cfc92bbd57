"""The Bayesian strategy's Gaussian-process sampler, on synthetic objectives (no training)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence

import numpy as np
import optuna
import pytest

from amt.local.engine import search
from amt.local.engine.gp_sampler import _GP, GPSampler, _Coder, _copula, _kumaraswamy, uses_log
from amt.local.engine.ranges import Range, parse_ranges
from bench.gp_variants import VariantGPSampler
from tests.engine.conftest import POST_RANGES

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
    # every category is tried
    assert {h["booster"] for h, _ in history} == {"gbtree", "dart", "gblinear"}


def test_mixed_space_beats_random() -> None:
    ranges = _ranges(MIXED_RANGES)
    gp = [min(v for _, v in _run(GPSampler(ranges, seed=s), ranges, _mixed, total=25)) for s in range(1, 6)]
    rnd = [
        min(v for _, v in _run(search.make_sampler("Random", s, ranges), ranges, _mixed, total=25)) for s in range(1, 6)
    ]
    assert statistics.median(gp) < statistics.median(rnd)


def test_same_seed_same_trials_other_seed_other_trials() -> None:
    ranges = _ranges(POST_RANGES)
    runs = [_run(GPSampler(ranges, seed=s), ranges, _bowl, total=15) for s in (11, 11, 12)]
    assert runs[0] == runs[1]
    assert [h for h, _ in runs[0]] != [h for h, _ in runs[2]]


def test_parallel_asks_differ() -> None:
    ranges = _ranges(POST_RANGES)
    study = optuna.create_study(sampler=VariantGPSampler(ranges, seed=5, n_startup=4))
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


def test_gp_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.random((15, 4)), rng.standard_normal(15)
    for warp in (np.array([True, True, False, True]), None):
        gp = _GP(X, y, warp)
        theta = rng.normal(0.0, 0.5, len(gp.theta))
        _, grad = gp._nlp(theta)
        step = 1e-6
        numeric = [(gp._nlp(theta + h)[0] - gp._nlp(theta - h)[0]) / (2 * step) for h in np.eye(len(theta)) * step]
        assert np.allclose(grad, numeric, rtol=1e-4, atol=1e-5)


def test_gp_fits_a_smooth_function() -> None:
    rng = np.random.default_rng(1)
    X = rng.random((30, 2))
    f = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    gp = _GP(X, f, np.array([True, True]))
    C = rng.random((200, 2))
    mu, var = gp.predict(C)
    assert np.abs(mu - (np.sin(3 * C[:, 0]) + C[:, 1] ** 2)).mean() < 0.05
    assert gp.noise < 0.01  # no noise in the data: the fitted noise is small
    # fantasies: one posterior mean per row of values, the variance unchanged
    gp.condition(X, f)
    mus, var2 = gp.predict(C, np.vstack([f, f + 1.0]))
    assert np.allclose(mus[0], mu) and np.allclose(var2, var)
    assert np.allclose(mus[1] - mus[0], (mus[1] - mus[0]).mean(), atol=0.3)  # shifted data, shifted mean


def test_copula_and_warping() -> None:
    z = _copula(np.array([0.5, 0.9, 0.7, 0.7, 0.1]))
    assert z[4] < z[0] < z[2] == z[3] < z[1]  # the order kept, ties share their rank
    assert z[1] == pytest.approx(-z[4]) and z[1] == pytest.approx(1.2816, abs=1e-4)  # normal scores of 0.9, 0.1
    x = np.linspace(0.0, 1.0, 11)
    assert np.allclose(_kumaraswamy(x, np.ones(1), np.ones(1)), x, atol=1e-5)  # a = b = 1: no warping
    warped = _kumaraswamy(x, np.full(1, 0.5), np.full(1, 2.0))
    assert np.all(np.diff(warped) > 0) and warped[1] > x[1]  # monotone, stretches the low end


@pytest.mark.parametrize("pending", ["fantasies", "believer", "none"])
def test_pending_trials_modes(pending: str) -> None:
    # production's fantasies, and the benchmark's variants (bench/gp_variants.py)
    ranges = _ranges(POST_RANGES)
    sampler = GPSampler(ranges, seed=4) if pending == "fantasies" else VariantGPSampler(ranges, seed=4, pending=pending)
    history = _run(sampler, ranges, _bowl, total=16)
    assert len({tuple(sorted(h.items())) for h, _ in history}) == 16
    assert min(v for _, v in history[10:]) < min(v for _, v in history[:10])


def test_candidates_steps_and_faces() -> None:
    """Local steps at every scale asked for, and (``boundary``) candidates on the bounds of the
    continuous ranges, never of the integer one; all snapped to values a job can receive."""
    ranges = _ranges(POST_RANGES)
    sampler = VariantGPSampler(ranges, seed=3, boundary=300, local_scales=(0.005, 0.02, 0.08))
    rng = np.random.default_rng(0)
    X = sampler._coder.snap(rng.random((12, sampler._coder.dim)))
    z = _copula(rng.random(12))
    C = sampler._candidates(X, z, rng)
    assert len(C) == 2000 + 5 * (1000 // 15) * 3 + 300
    assert np.array_equal(C, sampler._coder.snap(C))
    best = X[int(np.argmax(z))]
    assert (np.abs(C - best).max(axis=1) < 0.02).sum() > 30  # the smallest steps stay near the best
    names = [r.name for r in sampler._coder.ranges]
    depth = names.index("max_depth")
    faces = C[-300:]
    cont = [i for i in range(len(names)) if i != depth]
    assert ((faces[:, cont] == 0.0) | (faces[:, cont] == 1.0)).any(axis=1).mean() > 0.5
    assert np.isin(np.round(faces[:, depth], 6), [0.05, 0.95]).mean() < 0.3  # max_depth 1 or 10: not pushed there


def test_min_dist_keeps_proposals_apart() -> None:
    ranges = _ranges(POST_RANGES)
    sampler = VariantGPSampler(ranges, seed=6, min_dist=0.05)
    history = _run(sampler, ranges, _bowl, total=16)
    xs = np.array([sampler._coder.encode({k: float(v) for k, v in h.items()}) for h, _ in history])
    for i in range(10, len(xs)):
        assert np.sqrt(((xs[:i] - xs[i]) ** 2).sum(axis=1)).min() >= 0.05


def test_options_keep_determinism() -> None:
    ranges = _ranges(POST_RANGES)
    opts = {"boundary": 200, "min_dist": 0.01, "local_scales": (0.005, 0.02, 0.08), "noise0": 0.3}
    runs = [_run(VariantGPSampler(ranges, seed=s, **opts), ranges, _bowl, total=14) for s in (2, 2)]
    assert runs[0] == runs[1]


def test_the_benchmark_variant_with_no_switch_is_the_production_sampler() -> None:
    # bench/gp_variants.py overrides the production steps: with its defaults it asks the same trials
    ranges = _ranges(POST_RANGES)
    production = _run(GPSampler(ranges, seed=8), ranges, _bowl, total=14)
    assert _run(VariantGPSampler(ranges, seed=8), ranges, _bowl, total=14) == production
    # and a switch changes what it asks
    assert _run(VariantGPSampler(ranges, seed=8, output="standard"), ranges, _bowl, total=14) != production
