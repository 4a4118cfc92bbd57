"""SageMaker's built-in XGBoost, the engine's side of it: what the container checks before training.

The training itself runs in the image's own environment (``amt_container``, on the XGBoost
release the image ships). What stays in the engine's process, so that a trial whose input the
container refuses fails at once with the container's message:

- Input: headerless CSV, label in the first column; every object of a channel concatenated.
- Hyperparameters arrive as strings and are parsed as the container parses them (int / float /
  categorical / comma-separated list, with the container's ranges,
  ``algorithm_mode/hyperparameter_validation.py``). A bad value fails the job with
  ``ClientError: ...``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from amt_container.metrics import CUSTOM_METRICS
from amt_pipeline.run.xgboost_algorithm import HYPERPARAMETERS, OBJECTIVE_METRICS

XGB_METRICS = frozenset(
    {
        "rmse",
        "rmsle",
        "mae",
        "mape",
        "mphe",
        "logloss",
        "error",
        "merror",
        "mlogloss",
        "auc",
        "aucpr",
        "ndcg",
        "map",
        "poisson-nloglik",
        "gamma-nloglik",
        "cox-nloglik",
        "gamma-deviance",
        "tweedie-nloglik",
        "aft-nloglik",
        "interval-regression-accuracy",
        "pre",
    }
)
OBJECTIVES = (
    "binary:logistic",
    "binary:logitraw",
    "binary:hinge",
    "count:poisson",
    "multi:softmax",
    "multi:softprob",
    "rank:pairwise",
    "rank:ndcg",
    "rank:map",
    "reg:linear",
    "reg:squarederror",
    "reg:logistic",
    "reg:gamma",
    "reg:squaredlogerror",
    "reg:tweedie",
    "survival:cox",
)


class ClientError(Exception):
    """The job's input is wrong (the container's UserError): the training job fails with it."""


@dataclass(frozen=True)
class _Interval:
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, v: float) -> bool:
        if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo):
            return False
        return not (self.hi is not None and (v >= self.hi if self.hi_open else v > self.hi))

    def __str__(self) -> str:
        lo = "-inf" if self.lo is None else f"{self.lo:g}"
        hi = "inf" if self.hi is None else f"{self.hi:g}"
        left = "(" if self.lo_open or self.lo is None else "["
        right = ")" if self.hi_open or self.hi is None else "]"
        return f"{left}{lo}, {hi}{right}"


_GE0, _GE1, _UNIT = _Interval(0), _Interval(1), _Interval(0, 1)
_OPEN_UNIT = _Interval(0, 1, lo_open=True)
# name -> (kind, interval or categories), after the container's hyperparameter_validation.py.
_SPEC: dict[str, tuple[str, Any]] = {
    "num_round": ("int", _GE1),
    "csv_weights": ("int", _Interval(0, 1)),
    "early_stopping_rounds": ("int", _GE1),
    "verbosity": ("int", _Interval(0, 3)),
    "nthread": ("int", _GE1),
    "max_depth": ("int", _GE0),
    "refresh_leaf": ("int", _Interval(0, 1)),
    "max_leaves": ("int", _GE0),
    "max_bin": ("int", _GE0),
    "one_drop": ("int", _Interval(0, 1)),
    "num_class": ("int", _Interval(2)),
    "seed": ("int", None),
    "num_parallel_tree": ("int", _GE1),
    "eta": ("float", _UNIT),
    "gamma": ("float", _GE0),
    "min_child_weight": ("float", _GE0),
    "max_delta_step": ("float", _GE0),
    "subsample": ("float", _OPEN_UNIT),
    "colsample_bytree": ("float", _OPEN_UNIT),
    "colsample_bylevel": ("float", _OPEN_UNIT),
    "colsample_bynode": ("float", _OPEN_UNIT),
    "lambda": ("float", _GE0),
    "alpha": ("float", _GE0),
    "sketch_eps": ("float", _Interval(0, 1, True, True)),
    "scale_pos_weight": ("float", _Interval(0, lo_open=True)),
    "rate_drop": ("float", _UNIT),
    "skip_drop": ("float", _UNIT),
    "lambda_bias": ("float", _UNIT),
    "tweedie_variance_power": ("float", _Interval(1, 2, True, True)),
    "base_score": ("float", _GE0),
    "booster": ("cat", ("gbtree", "gblinear", "dart")),
    "tree_method": ("cat", ("auto", "exact", "approx", "hist")),
    "process_type": ("cat", ("default", "update")),
    "grow_policy": ("cat", ("depthwise", "lossguide")),
    "sample_type": ("cat", ("uniform", "weighted")),
    "normalize_type": ("cat", ("tree", "forest")),
    "objective": ("cat", OBJECTIVES),
    "deterministic_histogram": ("cat", ("true", "false")),
    "single_precision_histogram": ("cat", ("true", "false")),
    "use_dask_gpu_training": ("cat", ("true", "false")),
    "eval_metric": ("list", None),
    "updater": ("list", None),
    "monotone_constraints": ("raw", None),
    "interaction_constraints": ("raw", None),
    "_tuning_objective_metric": ("cat", tuple(OBJECTIVE_METRICS)),
}
def unknown_hyperparameters(names: Mapping[str, Any] | list[str]) -> list[str]:
    """Names the 1.5-1 algorithm does not accept (``_``-prefixed names are SageMaker's own)."""
    return sorted(n for n in names if n not in HYPERPARAMETERS and not n.startswith("_"))


def _number(name: str, text: str, kind: str) -> Any:
    try:
        value: Any = int(text) if kind == "int" else float(text)
    except ValueError:
        noun = "an integer" if kind == "int" else "a float"
        raise ClientError(f"Hyperparameter {name}: value {text!r} is not {noun}") from None
    if kind == "float" and math.isnan(value):
        raise ClientError(f"Hyperparameter {name}: value {text!r} is not a number")
    return value


def _parse_value(name: str, value: Any) -> Any:
    kind, rule = _SPEC.get(name, ("raw", None))
    text = str(value).strip()
    if kind in ("int", "float"):
        number = _number(name, text, kind)
        if rule is not None and number not in rule:
            raise ClientError(f"Hyperparameter {name}: value {text} not in range {rule}")
        return number
    if kind == "cat":
        if text not in rule:
            raise ClientError(f"Hyperparameter {name}: value {text!r} not in {list(rule)}")
        return text
    if kind == "list":
        return [p.strip() for p in text.split(",") if p.strip()]
    return text


def _check_together(out: Mapping[str, Any]) -> None:
    if "num_round" not in out:
        raise ClientError("Missing required hyperparameter: num_round")
    if out.get("objective") in ("multi:softmax", "multi:softprob") and "num_class" not in out:
        raise ClientError("Require input for parameter 'num_class' for multi-classification")
    for metric in out.get("eval_metric", []):
        base = metric.split("@")[0]
        if base not in XGB_METRICS and base not in CUSTOM_METRICS:
            raise ClientError(f"Hyperparameter eval_metric: value {metric!r} is not supported")


def parse_hyperparameters(raw: Mapping[str, str]) -> dict[str, Any]:
    """String hyperparameters -> typed values, as the container validates them (ClientError if not)."""
    bad = unknown_hyperparameters(list(raw))
    if bad:
        raise ClientError(
            f"Additional hyperparameters are not allowed ({', '.join(map(repr, bad))} were unexpected)"
        )
    out = {name: _parse_value(name, value) for name, value in raw.items()}
    _check_together(out)
    return out


def read_csv(chunks: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Headerless CSV objects (label first) -> (features float32, labels float32)."""
    import pandas as pd

    body = b"".join(c if c.endswith(b"\n") or not c else c + b"\n" for c in chunks)
    if not body.strip():
        raise ClientError("No data in channel")
    try:
        frame = pd.read_csv(io.BytesIO(body), header=None, dtype=np.float32)
    except (ValueError, pd.errors.ParserError) as e:
        raise ClientError(f"Blank or non-numeric CSV value: {e}") from None
    arr = frame.to_numpy(dtype=np.float32)
    if arr.shape[1] < 2:
        raise ClientError("CSV needs a label column and at least one feature column")
    return arr[:, 1:], arr[:, 0]
