"""The Bayesian sampler's variants that lost on the benchmark (bench/README.md), kept to re-run it:
``bench_samplers.py --gp '{"pending": "believer"}'``. Each switch overrides one step of the
production ``GPSampler`` (src/amt/local/engine/gp_sampler.py), whose settings are the winners.

- ``n_startup``, ``n_candidates``, ``n_local``, ``local_scales``, ``n_fantasies``, ``noise0``: its sizes;
- ``warping`` False: no Kumaraswamy input warping;
- ``output`` "standard": z-scores of the objective instead of its ranks' normal scores;
- ``pending`` "believer" (the posterior mean for the running trials) or "none" (ignore them);
- ``noisy_ei`` False: EI's spread without the fitted noise; ``xi``: an EI margin (copula units);
- ``boundary``: that many extra candidates with continuous coordinates moved to their nearer bound;
- ``min_dist``: no proposal closer than this to a trial, in the unit cube.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from amt.local.engine.gp_sampler import _GP, GPSampler, _ei
from amt.local.engine.ranges import Range


class VariantGPSampler(GPSampler):
    def __init__(self, ranges: Sequence[Range], seed: int | None = None, *, n_startup: int = 10,
                 n_candidates: int = 2000, n_local: int = 1000, local_scales: Sequence[float] = (0.02, 0.08),
                 n_fantasies: int = 8, noise0: float = 0.05, warping: bool = True, output: str = "copula",
                 pending: str = "fantasies", noisy_ei: bool = True, xi: float = 0.0, boundary: int = 0,
                 min_dist: float = 0.0) -> None:
        super().__init__(ranges, seed)
        self.N_STARTUP, self.N_CANDIDATES, self.N_LOCAL = n_startup, n_candidates, n_local
        self.LOCAL_SCALES, self.N_FANTASIES, self.NOISE0 = tuple(local_scales), n_fantasies, noise0
        self.warping, self.output, self.pending, self.noisy_ei = warping, output, pending, noisy_ei
        self.XI, self.boundary, self.min_dist = xi, boundary, min_dist
        self._face_mask = np.zeros(self._coder.dim, dtype=bool)  # continuous coordinates: candidates on their bounds
        for r, s in zip(self._coder.ranges, self._coder.slices, strict=True):
            self._face_mask[s.start] = r.kind not in ("Categorical", "Integer")

    def _candidates(self, X: np.ndarray, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        cands = super()._candidates(X, z, rng)
        if not self.boundary:
            return cands
        face = cands[rng.integers(0, len(cands), self.boundary)]
        hit = (rng.random(face.shape) < 0.3) & self._face_mask
        return np.vstack([cands, self._coder.snap(np.where(hit, np.round(face), face))])

    def _scores(self, y: np.ndarray) -> np.ndarray:
        return super()._scores(y) if self.output == "copula" else (y - y.mean()) / (y.std() or 1.0)

    def _surrogate(self, X: np.ndarray, z: np.ndarray) -> _GP:
        return _GP(X, z, self._warp_mask if self.warping else None, self.NOISE0)

    def _spread(self, gp: _GP, var: np.ndarray) -> np.ndarray:
        return super()._spread(gp, var) if self.noisy_ei else np.sqrt(var)

    def _acquisition(self, gp: _GP, C: np.ndarray, z: np.ndarray, P: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
        if not len(P) or self.pending == "fantasies":
            return super()._acquisition(gp, C, z, P, rng)
        if self.pending == "believer":
            believed, _ = gp.predict(P)
            gp.condition(np.vstack([gp.X, P]), np.concatenate([z, believed]))
        mu, var = gp.predict(C)
        return _ei(mu, self._spread(gp, var), float(z.max()), self.XI)

    def _fresh(self, C: np.ndarray, seen: np.ndarray) -> np.ndarray:
        fresh = super()._fresh(C, seen)
        if self.min_dist:
            fresh &= (((C[:, None, :] - seen[None, :, :]) ** 2).sum(axis=2) >= self.min_dist**2).all(axis=1)
        return fresh


def variant(**switches: Any) -> Any:
    """A sampler factory (seed, ranges) -> sampler for bench_samplers' table."""
    return lambda seed, ranges: VariantGPSampler(ranges, seed=seed, **switches)
