"""What the trials say about the search: which hyperparameters matter (and the helpers the range
advice, ``trials.boundaries``, and the next input, ``trials.next_input``, share).

Pure numpy, no scipy or scikit-learn (they do not fit in the Lambda layer).

* Importance is a main-effects analysis of variance, the first-order part of
  fANOVA without the random forest: each hyperparameter's values are cut into
  quantile bins (in log space for logarithmic ranges), the objective's
  variance between bins is measured with omega-squared (which subtracts what
  chance alone would explain), and a seeded permutation test says how often
  shuffled objectives explain as much. Interactions are ignored, and with few
  trials the figures are said to be indicative, or not given at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from amt_pipeline.trials.table import Objective, ParameterRange

MIN_TRIALS_FOR_IMPORTANCE = 10
FEW_TRIALS_FOR_IMPORTANCE = 30
PERMUTATIONS = 200
SIGNIFICANCE = 0.05



# --- Helpers --------------------------------------------------------------------------------------


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def scored_trials(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Trials that reported a finite objective (failed trials and trials without one are left out)."""
    return [row for row in rows if _finite(row.get("FinalObjectiveValue")) is not None]


def rank_trials(rows: Sequence[Mapping[str, Any]], objective: Objective | None) -> list[Mapping[str, Any]]:
    """Scored trials, best first (ties keep the listing order)."""
    sign = -1.0 if objective is None or objective.maximize else 1.0
    scored = scored_trials(rows)
    order = sorted(range(len(scored)), key=lambda i: (sign * float(scored[i]["FinalObjectiveValue"]), i))
    return [scored[i] for i in order]


def _scaled(values: np.ndarray, spec: ParameterRange) -> np.ndarray:
    """Values mapped to the space SageMaker searches in (log10 for logarithmic ranges)."""
    if spec.scaling == "Logarithmic" and np.all(values > 0):
        return np.log10(values)
    if spec.scaling == "ReverseLogarithmic" and np.all(values < 1):
        return -np.log10(1 - values)
    return values


def _position(values: np.ndarray, spec: ParameterRange) -> np.ndarray:
    """Where values sit in the range, 0 (min) to 1 (max), in the range's scaling."""
    assert spec.min_value is not None and spec.max_value is not None
    bounds = np.array([spec.min_value, spec.max_value], dtype=float)
    if spec.scaling in {"Logarithmic", "ReverseLogarithmic"}:
        both = _scaled(np.concatenate([bounds, values]), spec)
        bounds, values = both[:2], both[2:]
    width = bounds[1] - bounds[0]
    if width <= 0:
        return np.full(values.shape, 0.5)
    return np.asarray((values - bounds[0]) / width, dtype=float)


def _number(value: float, kind: str) -> float | int:
    return int(round(value)) if kind == "Integer" else float(f"{value:.6g}")


# --- Importance -----------------------------------------------------------------------------------


def _groups(column: Sequence[Any], spec: ParameterRange | None, bins: int) -> np.ndarray | None:
    """Group index of each trial for one hyperparameter (None: the column cannot be grouped)."""
    numeric = [_finite(v) for v in column]
    if spec is not None and spec.is_numeric and all(v is not None for v in numeric):
        values = np.array(numeric, dtype=float)
        values = _scaled(values, spec)
        distinct = np.unique(values)
        if distinct.size <= bins:
            return np.searchsorted(distinct, values)
        edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1))[1:-1])
        return np.searchsorted(edges, values, side="right")
    labels = ["" if v is None else str(v) for v in column]
    _, index = np.unique(np.array(labels, dtype=object).astype(str), return_inverse=True)
    return index


def _omega_squared(groups: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Omega-squared of y (shape (..., n)) between groups (shape (n,)); clipped at 0."""
    k = int(groups.max()) + 1
    n = y.shape[-1]
    if k < 2 or n <= k:
        return np.zeros(y.shape[:-1])
    counts = np.bincount(groups, minlength=k).astype(float)
    one_hot = np.zeros((n, k))
    one_hot[np.arange(n), groups] = 1.0
    sums = y @ one_hot  # (..., k)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    grand = y.mean(axis=-1, keepdims=True)
    ss_total = ((y - grand) ** 2).sum(axis=-1)
    ss_between = (counts * (means - grand) ** 2).sum(axis=-1)
    ss_within = ss_total - ss_between
    ms_within = ss_within / (n - k)
    denominator = ss_total + ms_within
    omega = np.divide(
        ss_between - (k - 1) * ms_within, denominator, out=np.zeros_like(ss_total), where=denominator > 0
    )
    return np.clip(omega, 0.0, 1.0)


def hyperparameter_importance(
    rows: Sequence[Mapping[str, Any]], ranges: Mapping[str, ParameterRange], *, seed: int = 0
) -> dict[str, Any]:
    """How much of the objective's variation each tuned hyperparameter explains on its own."""
    scored = scored_trials(rows)
    n = len(scored)
    result: dict[str, Any] = {
        "method": "main-effects ANOVA (omega-squared over quantile bins) with a permutation test",
        "n_trials": n,
        "enough_trials": n >= MIN_TRIALS_FOR_IMPORTANCE,
        "parameters": [],
    }
    names = [name for name in ranges if any(name in row for row in scored)]
    if n < MIN_TRIALS_FOR_IMPORTANCE:
        result["message"] = (
            f"Too few trials with an objective ({n}) to estimate importance: "
            f"at least {MIN_TRIALS_FOR_IMPORTANCE} are needed."
        )
        return result
    y = np.array([float(row["FinalObjectiveValue"]) for row in scored])
    if np.ptp(y) == 0:
        result["message"] = "Every trial reached the same objective: no hyperparameter made a difference."
        result["parameters"] = [
            {"name": name, "importance": 0.0, "omega_squared": 0.0, "p_value": 1.0, "significant": False}
            for name in names
        ]
        return result
    bins = int(min(5, max(2, n // 8)))
    rng = np.random.default_rng(seed)
    shuffled = np.stack([rng.permutation(y) for _ in range(PERMUTATIONS)])
    entries: list[dict[str, Any]] = []
    for name in names:
        groups = _groups([row.get(name) for row in scored], ranges.get(name), bins)
        if groups is None:
            continue
        observed = float(_omega_squared(groups, y[None, :])[0])
        null = _omega_squared(groups, shuffled)
        p_value = float((1 + np.sum(null >= observed - 1e-12)) / (PERMUTATIONS + 1)) if observed > 0 else 1.0
        entries.append(
            {
                "name": name,
                "omega_squared": round(observed, 4),
                "p_value": round(p_value, 4),
                "significant": bool(observed > 0 and p_value < SIGNIFICANCE),
            }
        )
    total = sum(e["omega_squared"] for e in entries)
    for entry in entries:
        entry["importance"] = round(entry["omega_squared"] / total, 4) if total > 0 else 0.0
    entries.sort(key=lambda e: (-float(e["importance"]), str(e["name"])))
    result["parameters"] = entries
    if total == 0:
        result["message"] = (
            f"{n} trials with an objective, and no tuned hyperparameter explains more of its spread than "
            "shuffled objectives do (omega squared 0 for each): no importance to draw."
        )
    elif n < FEW_TRIALS_FOR_IMPORTANCE:
        result["message"] = (
            f"Indicative only: {n} trials with an objective. Main effects only; interactions are ignored."
        )
    else:
        result["message"] = f"{n} trials with an objective. Main effects only; interactions are ignored."
    return result
