"""SageMaker's Bayesian strategy locally: Gaussian-process Bayesian optimisation as an optuna sampler.

Why our own and not ``optuna.samplers.GPSampler``: on the post's example (XGBoost 1.5.2, 10 seeds x
50 trials, 3 running at a time; bench/bench_samplers.py, figures in bench/README.md) this one
reaches a higher median best than optuna's, which also needs torch (~GBs with its CUDA wheels) in
the engine's environment and asks several times slower. It follows what SageMaker describes for its
own Bayesian strategy (Perrone et al., "Amazon SageMaker Automatic Model Tuning", KDD 2021): a GP
with a Matern 5/2 kernel, learned input warping, log scaling for Auto ranges, expected improvement,
fantasies for the jobs still running.

- Space: every range becomes coordinates in [0, 1]. Continuous and Integer ranges are scaled
  linearly or logarithmically (Logarithmic; ReverseLogarithmic as log(1 - x); Auto picks log when
  the range is positive and spans more than one order of magnitude, the point where SageMaker's
  guide stops recommending linear). Integer ranges cover [low - 0.5, high + 0.5] and are rounded,
  so each integer owns an equal share; Categorical ranges are one-hot. Every candidate is snapped
  (decoded, then encoded again) before it is scored, so the surrogate only ever sees values a
  training job can receive.
- Surrogate (numpy, no scikit-learn): Matern 5/2 with one length scale per coordinate, a signal and
  a noise variance, over inputs warped per numeric coordinate by a Kumaraswamy CDF (Snoek et al.
  2014: the GP learns a log-like or other monotone rescaling where the ranges' scaling is off).
  Hyperparameters by maximum a posteriori (log-normal priors, analytic gradient, L-BFGS-B from two
  starts). The objective is seen through its ranks (normal scores: ``_copula``), so a few very bad
  trials (max_depth 1) do not flatten the region where the best trials differ.
- Acquisition: expected improvement over the best trial, with the fitted noise in the predictive
  spread (the metric is noisy: a good region deserves more than one draw), maximised over a few
  thousand seeded uniform candidates plus Gaussian perturbations of the best trials.
- Trials still running: fantasies. Their outcomes are drawn ``n_fantasies`` times from the GP's joint
  posterior and EI is averaged over the draws (``pending="believer"``: the posterior mean instead).
- Startup: the first ``n_startup`` trials (10; warm-start parents count) are scrambled-Halton points.
- Determinism: the random stream of trial n is derived from (seed, n) alone, and the engine asks
  trial n only once trials 0..n-P are told, in order: same seed -> same trials.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from amt.local.engine.ranges import Range

AUTO_LOG_RATIO = 10.0  # Auto -> log when high / low > this (more than one order of magnitude)


def uses_log(r: Range) -> bool:
    """Whether the GP searches this numeric range on a log scale."""
    if r.scaling in ("Logarithmic", "ReverseLogarithmic"):
        return True
    if r.scaling == "Auto":
        return r.low > 0 and r.high / r.low > AUTO_LOG_RATIO
    return False


class _Coder:
    """Ranges <-> points of the unit cube (optuna's internal values on one side)."""

    def __init__(self, ranges: Sequence[Range]) -> None:
        self.ranges = list(ranges)
        self.slices: list[slice] = []
        self.bounds: list[tuple[float, float, bool]] = []  # (lo, hi, log) in optuna's internal space
        d = 0
        for r in self.ranges:
            if r.kind == "Categorical":
                self.slices.append(slice(d, d + len(r.values)))
                self.bounds.append((0.0, 0.0, False))
                d += len(r.values)
                continue
            dist = r.distribution()
            lo, hi = float(dist.low), float(dist.high)  # type: ignore[attr-defined]
            if r.kind == "Integer":
                lo, hi = lo - 0.5, hi + 0.5
            log = uses_log(r)
            if log:
                lo, hi = math.log(max(lo, 1e-300)), math.log(hi)
            self.bounds.append((lo, hi, log))
            self.slices.append(slice(d, d + 1))
            d += 1
        self.dim = d

    def encode(self, params: dict[str, Any]) -> np.ndarray:
        x = np.zeros(self.dim)
        for r, s, (lo, hi, log) in zip(self.ranges, self.slices, self.bounds, strict=True):
            v = params[r.name]
            if r.kind == "Categorical":
                x[s.start + r.values.index(v)] = 1.0
                continue
            t = math.log(max(float(v), 1e-300)) if log else float(v)
            x[s.start] = (t - lo) / (hi - lo) if hi > lo else 0.5
        return np.clip(x, 0.0, 1.0)

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for r, s, (lo, hi, log) in zip(self.ranges, self.slices, self.bounds, strict=True):
            if r.kind == "Categorical":
                out[r.name] = r.values[int(np.argmax(x[s]))]
                continue
            dist = r.distribution()
            t = lo + float(np.clip(x[s.start], 0.0, 1.0)) * (hi - lo)
            v = math.exp(t) if log else t
            if r.kind == "Integer":
                out[r.name] = int(min(max(round(v), dist.low), dist.high))  # type: ignore[attr-defined]
            else:
                out[r.name] = float(min(max(v, dist.low), dist.high))  # type: ignore[attr-defined]
        return out

    def snap(self, xs: np.ndarray) -> np.ndarray:
        """Points of the cube -> the points of the values they decode to (vectorised decode+encode)."""
        out = np.clip(np.asarray(xs, dtype=float), 0.0, 1.0)
        for r, s, (lo, hi, log) in zip(self.ranges, self.slices, self.bounds, strict=True):
            if r.kind == "Categorical":
                block = np.zeros_like(out[:, s])
                block[np.arange(len(out)), np.argmax(out[:, s], axis=1)] = 1.0
                out[:, s] = block
            elif r.kind == "Integer" and hi > lo:
                dist = r.distribution()
                t = lo + out[:, s.start] * (hi - lo)
                v = np.clip(np.rint(np.exp(t) if log else t), dist.low, dist.high)  # type: ignore[attr-defined]
                out[:, s.start] = np.clip(((np.log(v) if log else v) - lo) / (hi - lo), 0.0, 1.0)
        return out


# --- the surrogate: a Gaussian process in numpy, fitted by maximum a posteriori ----------------

SQRT5 = math.sqrt(5.0)


def _kumaraswamy(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Input warping (Snoek et al. 2014): the Kumaraswamy CDF 1 - (1 - x^a)^b per coordinate."""
    x = np.clip(x, 1e-6, 1 - 1e-6)
    return 1.0 - (1.0 - x**a) ** b


def _matern52(A: np.ndarray, B: np.ndarray, ls: np.ndarray) -> np.ndarray:
    A, B = A / ls, B / ls
    d2 = (A * A).sum(axis=1)[:, None] + (B * B).sum(axis=1)[None, :] - 2.0 * A @ B.T
    r = SQRT5 * np.sqrt(np.maximum(d2, 0.0))
    return (1.0 + r + r * r / 3.0) * np.exp(-r)


class _GP:
    """Matern 5/2 with one length scale per coordinate, a signal variance and a noise variance, over
    inputs warped per numeric coordinate; hyperparameters by MAP (L-BFGS-B from two starts).
    Log-normal priors keep a small history from fitting length scales of 0 or infinity."""

    def __init__(self, X: np.ndarray, y: np.ndarray, warp: np.ndarray | None, noise0: float = 0.05) -> None:
        self.X, self.y, self.dim = X, y, X.shape[1]
        self.noise0 = noise0  # the noise prior's median
        self.warp = warp  # bool mask of the warped coordinates (None: no warping)
        self.nw = int(warp.sum()) if warp is not None else 0
        self._fit()

    def _unpack(self, t: np.ndarray) -> tuple[np.ndarray, float, float, np.ndarray, np.ndarray]:
        d, k = self.dim, self.nw
        return np.exp(t[:d]), math.exp(t[d]), math.exp(t[d + 1]), np.exp(t[d + 2 : d + 2 + k]), np.exp(t[d + 2 + k :])

    def _inputs(self, X: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if self.warp is None or not self.nw:
            return X
        out = X.copy()
        out[:, self.warp] = _kumaraswamy(X[:, self.warp], a, b)
        return out

    def _nlp(self, t: np.ndarray) -> tuple[float, np.ndarray]:
        """Negative log posterior of the hyperparameters (log scale) and its gradient."""
        ls, s2, noise, a, b = self._unpack(t)
        d, k, n = self.dim, self.nw, len(self.X)
        U = self._inputs(self.X, a, b)
        D = U[:, None, :] - U[None, :, :]  # n x n x d
        r = SQRT5 * np.sqrt(np.maximum(((D / ls) ** 2).sum(axis=2), 0.0))
        e = np.exp(-r)
        Kf = s2 * (1.0 + r + r * r / 3.0) * e
        G = -s2 * (5.0 / 6.0) * (1.0 + r) * e  # dK / d(r^2 / 5 * 5): d k / d (squared scaled distance)
        K = Kf + (noise + 1e-8) * np.eye(n)
        try:
            L = np.linalg.cholesky(K)
        except np.linalg.LinAlgError:
            return 1e10, np.zeros_like(t)
        alpha = np.linalg.solve(L.T, np.linalg.solve(L, self.y))
        Kinv = np.linalg.solve(L.T, np.linalg.solve(L, np.eye(n)))
        W = Kinv - np.outer(alpha, alpha)
        grad = np.zeros_like(t)
        WG = W * G
        grad[:d] = 0.5 * np.einsum("ik,ikj->j", WG, -2.0 * D**2) / ls**2
        grad[d] = 0.5 * float((W * Kf).sum())
        grad[d + 1] = 0.5 * noise * float(np.trace(W))
        if k:
            x = np.clip(self.X[:, self.warp], 1e-6, 1 - 1e-6)
            xa = x**a
            ga = b * (1.0 - xa) ** (b - 1.0) * xa * np.log(x) * a  # d warped / d log a
            gb = -((1.0 - xa) ** b) * np.log1p(-xa) * b  # d warped / d log b
            rows = np.einsum("ik,ikj->ij", WG, D[:, :, self.warp]) * (2.0 / ls[self.warp] ** 2)
            grad[d + 2 : d + 2 + k] = (ga * rows).sum(axis=0)
            grad[d + 2 + k :] = (gb * rows).sum(axis=0)
        nll = 0.5 * float(self.y @ alpha) + float(np.log(np.diag(L)).sum())
        # priors: length scales ~ logN(log 0.5, 1), signal ~ logN(0, 1), noise ~ logN(log 0.05, 1.5),
        # warping exponents ~ logN(0, 0.5) (centred on no warping)
        mu = np.concatenate([np.full(d, math.log(0.5)), [0.0, math.log(self.noise0)], np.zeros(2 * k)])
        sd = np.concatenate([np.ones(d), [1.0, 1.5], np.full(2 * k, 0.5)])
        return nll + 0.5 * float((((t - mu) / sd) ** 2).sum()), grad + (t - mu) / sd**2

    def _fit(self) -> None:
        from scipy.optimize import minimize

        d, k = self.dim, self.nw
        starts = [
            np.concatenate([np.full(d, math.log(0.5)), [0.0, math.log(self.noise0)], np.zeros(2 * k)]),
            np.concatenate([np.full(d, math.log(0.2)), [0.0, math.log(0.3)], np.zeros(2 * k)]),
        ]
        bounds = [(math.log(0.01), math.log(20.0))] * d + [(math.log(0.05), math.log(20.0))]
        bounds += [(math.log(1e-4), math.log(2.0))] + [(math.log(0.2), math.log(5.0))] * (2 * k)
        best = None
        for t0 in starts:
            res = minimize(self._nlp, t0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 200})
            if best is None or res.fun < best.fun:
                best = res
        assert best is not None
        self.theta = best.x
        self.condition(self.X, self.y)

    def condition(self, X: np.ndarray, y: np.ndarray) -> _GP:
        """This GP (same hyperparameters) given the observations (X, y)."""
        ls, s2, noise, a, b = self._unpack(self.theta)
        self._ls, self._s2, self.noise, self._a, self._b = ls, s2, noise, a, b
        self._Xw = self._inputs(X, a, b)
        K = s2 * _matern52(self._Xw, self._Xw, ls) + (noise + 1e-8) * np.eye(len(X))
        self._L = np.linalg.cholesky(K)
        self._alpha = np.linalg.solve(self._L.T, np.linalg.solve(self._L, y))
        return self

    def predict(self, C: np.ndarray, ys: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Latent means and variances at C, given the conditioned y or, for each row of ``ys``, the
        conditioned inputs with those values instead (fantasies: the variances do not change)."""
        Cw = self._inputs(C, self._a, self._b)
        Ks = self._s2 * _matern52(self._Xw, Cw, self._ls)
        if ys is None:
            mu = Ks.T @ self._alpha
        else:
            alphas = np.linalg.solve(self._L.T, np.linalg.solve(self._L, ys.T))
            mu = (Ks.T @ alphas).T
        v = np.linalg.solve(self._L, Ks)
        return mu, np.maximum(self._s2 - (v * v).sum(axis=0), 1e-12)

    def joint(self, C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Latent mean and covariance at the few points C."""
        Cw = self._inputs(C, self._a, self._b)
        Ks = self._s2 * _matern52(self._Xw, Cw, self._ls)
        v = np.linalg.solve(self._L, Ks)
        return Ks.T @ self._alpha, self._s2 * _matern52(Cw, Cw, self._ls) - v.T @ v


def _copula(y: np.ndarray) -> np.ndarray:
    """Values -> normal scores of their ranks (ties share a rank): the surrogate sees the order
    of the trials, not the scale, so a few very bad trials do not flatten the top."""
    from scipy.stats import norm, rankdata

    return norm.ppf((rankdata(y) - 0.5) / len(y))


def _ei(mu: np.ndarray, sd: np.ndarray, best: float, xi: float) -> np.ndarray:
    from scipy.stats import norm

    imp = mu - best - xi
    u = imp / sd
    return imp * norm.cdf(u) + sd * norm.pdf(u)


class GPSampler(BaseSampler):
    """Gaussian-process EI sampler over SageMaker ranges (see the module docstring).

    Its settings are the benchmark's winners (bench/README.md). The variants that lost (no warping,
    z-scores for ranks, a kriging believer, EI without the noise, boundary candidates, a minimum
    distance, an EI margin) are bench/gp_variants.py's, which overrides the steps below."""

    N_STARTUP = 10  # scrambled-Halton trials before the GP (warm-start parents count)
    N_CANDIDATES = 2000  # uniform candidates of the cube
    N_LOCAL = 1000  # Gaussian steps around the best five trials, shared by the scales
    LOCAL_SCALES: tuple[float, ...] = (0.02, 0.08)
    N_FANTASIES = 8  # outcome draws for the trials still running
    NOISE0 = 0.05  # the noise prior's median
    XI = 0.0  # EI's margin over the best

    def __init__(self, ranges: Sequence[Range], seed: int | None = None) -> None:
        self._ranges = list(ranges)
        self._coder = _Coder(ranges)
        self._seed = int(np.random.SeedSequence().entropy) % 2**32 if seed is None else int(seed)  # type: ignore[arg-type]
        self._fallback = RandomSampler(seed=self._seed)
        self._categorical = [s for r, s in zip(ranges, self._coder.slices, strict=True) if r.kind == "Categorical"]
        self._warp_mask = np.zeros(self._coder.dim, dtype=bool)  # numeric coordinates
        for r, s in zip(self._coder.ranges, self._coder.slices, strict=True):
            self._warp_mask[s.start] = r.kind != "Categorical"

    def reseed_rng(self) -> None:
        self._fallback.reseed_rng()

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return {r.name: r.distribution() for r in self._ranges if not r.distribution().single()}

    def sample_independent(
        self, study: optuna.Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        return self._fallback.sample_independent(study, trial, param_name, param_distribution)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        names = {r.name for r in self._ranges}
        done, pending = [], []
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.RUNNING)):
            if t.number == trial.number or not names <= t.params.keys():
                continue
            if t.state == TrialState.COMPLETE and t.value is not None and math.isfinite(t.value):
                done.append(t)
            elif t.state == TrialState.RUNNING:
                pending.append(t)
        rng = np.random.default_rng([self._seed, trial.number])
        if len(done) + len(pending) < self.N_STARTUP or len(done) < 2:
            x = self._startup_point(len(done) + len(pending))
        else:
            sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
            X = np.array([self._coder.encode(t.params) for t in done])
            y = sign * np.array([float(t.value) for t in done if t.value is not None])  # maximised
            P = np.array([self._coder.encode(t.params) for t in pending]).reshape(-1, self._coder.dim)
            x = self._propose(X, y, P, rng)
        params = self._coder.decode(x)
        return {k: v for k, v in params.items() if k in search_space}

    # --- internals --------------------------------------------------------------------------

    def _startup_point(self, k: int) -> np.ndarray:
        from scipy.stats import qmc

        halton = qmc.Halton(d=self._coder.dim, scramble=True, seed=self._seed)
        return halton.random(k + 1)[k]

    def _candidates(self, X: np.ndarray, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Uniform points of the cube, plus Gaussian perturbations of the best few trials."""
        cands = [rng.random((self.N_CANDIDATES, self._coder.dim))]
        top = X[np.argsort(-z)[: min(5, len(z))]]
        per = max(1, self.N_LOCAL // (len(self.LOCAL_SCALES) * len(top)))
        for scale in self.LOCAL_SCALES:
            local = np.clip(np.repeat(top, per, axis=0) + rng.normal(0, scale, (len(top) * per, X.shape[1])), 0, 1)
            for s in self._categorical:  # neighbours in another category too
                flip = rng.random(len(local)) < 0.3
                local[flip, s] = rng.random((int(flip.sum()), s.stop - s.start))
            cands.append(local)
        return self._coder.snap(np.vstack(cands))

    def _scores(self, y: np.ndarray) -> np.ndarray:
        """What the GP models: the objective's ranks as normal scores."""
        return _copula(y)

    def _surrogate(self, X: np.ndarray, z: np.ndarray) -> _GP:
        return _GP(X, z, self._warp_mask, self.NOISE0)

    def _acquisition(self, gp: _GP, C: np.ndarray, z: np.ndarray, P: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
        """Expected improvement of each candidate, with the fitted noise in its spread; with trials
        running, averaged over fantasies: their outcomes drawn from the GP's joint posterior."""
        if not len(P):
            mu, var = gp.predict(C)
            return _ei(mu, self._spread(gp, var), float(z.max()), self.XI)
        m, cov = gp.joint(P)
        cov = cov + gp.noise * np.eye(len(P))
        draws = rng.multivariate_normal(m, (cov + cov.T) / 2, size=self.N_FANTASIES, method="eigh")
        gp.condition(np.vstack([gp.X, P]), np.concatenate([z, draws[0]]))
        mus, var = gp.predict(C, np.hstack([np.tile(z, (len(draws), 1)), draws]))
        sd = self._spread(gp, var)
        return np.mean([_ei(mu, sd, max(float(z.max()), float(f.max())), self.XI)
                        for mu, f in zip(mus, draws, strict=True)], axis=0)

    def _spread(self, gp: _GP, var: np.ndarray) -> np.ndarray:
        """EI's spread: the fitted noise with the latent variance (the metric is noisy: a good region
        deserves more than one draw)."""
        return np.sqrt(var + gp.noise)

    def _fresh(self, C: np.ndarray, seen: np.ndarray) -> np.ndarray:
        """The candidates no trial has tried (asked or told) already."""
        return ~(np.abs(C[:, None, :] - seen[None, :, :]).max(axis=2) < 1e-9).any(axis=1)

    def _propose(self, X: np.ndarray, y: np.ndarray, P: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        z = self._scores(y)
        gp = self._surrogate(X, z)
        C = self._candidates(X, z, rng)
        acq = self._acquisition(gp, C, z, P, rng)
        fresh = self._fresh(C, np.vstack([X, P]) if len(P) else X)
        if fresh.any():
            acq = np.where(fresh, acq, -np.inf)
        return C[int(np.argmax(acq))]
