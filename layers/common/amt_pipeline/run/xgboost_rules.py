"""The SageMaker XGBoost container's own hyperparameter validation, in one place.

After aws/sagemaker-xgboost-container, ``src/sagemaker_xgboost_container/algorithm_mode/
hyperparameter_validation.py`` (branches 1.5-1, 1.7-1 and master for 3.x) and
``constants/xgb_constants.py`` (the metrics). Used by the execution input (refuse before
spending), the local engine (fail a trial with the container's message) and the report's
next-range suggestions (stay inside the domain). Pure Python: no numpy, no engine code.

Values arrive as strings, as SageMaker passes them. Aliases are replaced first, names the
container does not declare are "Extraneous", values are parsed (``int("200.0")`` fails), then
checked against their range, then against each other.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

# Read from aws/sagemaker-xgboost-container, algorithm_mode/hyperparameter_validation.py (one branch per image).


class ContainerUserError(ValueError):
    """What the container raises as ``UserError``: the training job fails with this message."""


@dataclass(frozen=True)
class Interval:
    min_open: float | None = None
    min_closed: float | None = None
    max_open: float | None = None
    max_closed: float | None = None

    def __contains__(self, v: float) -> bool:
        return not (
            (self.min_open is not None and v <= self.min_open)
            or (self.min_closed is not None and v < self.min_closed)
            or (self.max_open is not None and v >= self.max_open)
            or (self.max_closed is not None and v > self.max_closed)
        )

    @property
    def lower(self) -> float | None:
        return self.min_open if self.min_open is not None else self.min_closed

    @property
    def upper(self) -> float | None:
        return self.max_open if self.max_open is not None else self.max_closed

    def __str__(self) -> str:  # the container's own wording: "[0, 1]", "(0, +inf)"
        left = f"({self.min_open}, " if self.min_open is not None else (
            f"[{self.min_closed}, " if self.min_closed is not None else "(-inf, ")
        right = f"{self.max_open})" if self.max_open is not None else (
            f"{self.max_closed}]" if self.max_closed is not None else "+inf)")
        return left + right


Kind = Literal["int", "float", "cat", "list", "tuple", "nested"]


@dataclass(frozen=True)
class Spec:
    kind: Kind
    domain: Interval | tuple[str, ...] | None = None


_GE0, _GE1, _BIT = Interval(min_closed=0), Interval(min_closed=1), Interval(min_closed=0, max_closed=1)
_UNIT_OPEN_LOW = Interval(min_open=0, max_closed=1)
_BOOL = ("true", "false")

XGB_MAXIMIZE_METRICS = (
    "accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "map", "ndcg",
    "precision", "r2", "recall", "precision_macro", "precision_micro", "recall_macro", "recall_micro",
)
XGB_MINIMIZE_METRICS = (
    "aft-nloglik", "cox-nloglik", "error", "gamma-deviance", "gamma-nloglik", "interval-regression-accuracy",
    "logloss", "mae", "mape", "merror", "mlogloss", "mphe", "mse", "poisson-nloglik", "rmse", "rmsle",
    "tweedie-nloglik",
)
# The container's tuning metrics (algorithm_mode/metrics.py): validation:<metric> only.
OBJECTIVE_METRICS: dict[str, Literal["Maximize", "Minimize"]] = {
    **{f"validation:{m}": "Maximize" for m in XGB_MAXIMIZE_METRICS},
    **{f"validation:{m}": "Minimize" for m in XGB_MINIMIZE_METRICS},
}
THRESHOLD_METRICS = ("error", "ndcg", "map")  # "<metric>@<t>"

OBJECTIVES_1_5 = (
    "aft_loss_distribution", "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson",
    "multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:linear",
    "reg:squarederror", "reg:logistic", "reg:gamma", "reg:pseudohubererror", "reg:squaredlogerror",
    "reg:tweedie", "survival:aft", "survival:cox",
)
_UPDATERS = (
    "grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker", "grow_skmaker", "sync", "refresh",
    "prune", "grow_quantile_histmaker", "shotgun", "coord_descent",
)

_SPEC_1_5: dict[str, Spec] = {
    "num_round": Spec("int", _GE1),
    "csv_weights": Spec("int", _BIT),
    "early_stopping_rounds": Spec("int", _GE1),
    "booster": Spec("cat", ("gbtree", "gblinear", "dart")),
    "verbosity": Spec("int", Interval(min_closed=0, max_closed=3)),
    "nthread": Spec("int", _GE1),
    "eta": Spec("float", _BIT),
    "gamma": Spec("float", _GE0),
    "max_depth": Spec("int", _GE0),
    "min_child_weight": Spec("float", _GE0),
    "max_delta_step": Spec("float", _GE0),
    "subsample": Spec("float", _UNIT_OPEN_LOW),
    "colsample_bytree": Spec("float", _UNIT_OPEN_LOW),
    "colsample_bylevel": Spec("float", _UNIT_OPEN_LOW),
    "colsample_bynode": Spec("float", _UNIT_OPEN_LOW),
    "lambda": Spec("float", _GE0),
    "alpha": Spec("float", _GE0),
    "tree_method": Spec("cat", ("auto", "exact", "approx", "hist", "gpu_hist")),
    "sketch_eps": Spec("float", Interval(min_open=0, max_open=1)),
    "scale_pos_weight": Spec("float", Interval(min_open=0)),
    "updater": Spec("list", _UPDATERS),
    "dsplit": Spec("cat", ("row", "col")),
    "refresh_leaf": Spec("int", _BIT),
    "process_type": Spec("cat", ("default", "update")),
    "grow_policy": Spec("cat", ("depthwise", "lossguide")),
    "max_leaves": Spec("int", _GE0),
    "max_bin": Spec("int", _GE0),
    "predictor": Spec("cat", ("auto", "cpu_predictor", "gpu_predictor")),
    "monotone_constraints": Spec("tuple"),
    "interaction_constraints": Spec("nested"),
    "sample_type": Spec("cat", ("uniform", "weighted")),
    "normalize_type": Spec("cat", ("tree", "forest")),
    "rate_drop": Spec("float", _BIT),
    "one_drop": Spec("int", _BIT),
    "skip_drop": Spec("float", _BIT),
    "lambda_bias": Spec("float", _BIT),
    "tweedie_variance_power": Spec("float", Interval(min_open=1, max_open=2)),
    "objective": Spec("cat", OBJECTIVES_1_5),
    "num_class": Spec("int", Interval(min_closed=2)),
    "base_score": Spec("float", _GE0),
    "_kfold": Spec("int", Interval(min_closed=2)),
    "_num_cv_round": Spec("int", _GE1),
    "_tuning_objective_metric": Spec("cat", tuple(OBJECTIVE_METRICS)),
    "eval_metric": Spec("list"),
    "seed": Spec("int", Interval(min_open=-(2**31), max_open=2**31 - 1)),
    "num_parallel_tree": Spec("int", _GE1),
    "save_model_on_termination": Spec("cat", _BOOL),
    "aft_loss_distribution": Spec("cat", ("normal", "logistic", "extreme")),
    "aft_loss_distribution_scale": Spec("float", _GE0),
    "single_precision_histogram": Spec("cat", _BOOL),
    "deterministic_histogram": Spec("cat", _BOOL),
    "sampling_method": Spec("cat", ("uniform", "gradient_based")),
    "prob_buffer_row": Spec("int", Interval(min_open=1.0)),
    "use_dask_gpu_training": Spec("cat", _BOOL),
}
# 1.7-1 and master (3.x): reg:absoluteerror added, single_precision_histogram and
# grow_local_histmaker removed.
_SPEC_1_7 = {
    **{k: v for k, v in _SPEC_1_5.items() if k != "single_precision_histogram"},
    "objective": Spec("cat", (*OBJECTIVES_1_5, "reg:absoluteerror")),
    "updater": Spec("list", tuple(u for u in _UPDATERS if u != "grow_local_histmaker")),
}
ALIASES = {"learning_rate": "eta", "min_split_loss": "gamma", "reg_lambda": "lambda", "reg_alpha": "alpha"}


def hyperparameter_specs(version: str) -> dict[str, Spec]:
    """The container's hyperparameters for an image version (1.5-1 and older: the 1.5-1 rules)."""
    major_minor = tuple(int(p) for p in version.split("-")[0].split(".")[:2] if p.isdigit())
    return _SPEC_1_5 if major_minor < (1, 7) else _SPEC_1_7


def user_hyperparameter_names(version: str) -> frozenset[str]:
    """What a user may set or tune: the container's names and aliases (``_`` names are SageMaker's)."""
    return frozenset(n for n in hyperparameter_specs(version) if not n.startswith("_")) | frozenset(ALIASES)


def canonical(name: str) -> str:
    return ALIASES.get(name, name)


def spec_of(name: str, version: str) -> Spec | None:
    return hyperparameter_specs(version).get(canonical(name))


def _number(name: str, text: str, kind: Kind) -> float:
    try:
        value = int(text) if kind == "int" else float(text)
    except ValueError:
        raise ContainerUserError(
            f"Hyperparameter {name}: could not parse value {text!r} as {'an integer' if kind == 'int' else 'a float'}"
        ) from None
    if isinstance(value, float) and math.isnan(value):
        raise ContainerUserError(f"Hyperparameter {name}: could not parse value {text!r} as a number")
    return value


def _eval_metric_ok(metric: str) -> bool:
    if "@" in metric:
        base, _, threshold = metric.partition("@")
        if base.strip() not in THRESHOLD_METRICS:
            raise ContainerUserError(
                f"Metric '{metric}' is not supported. Parameter 'eval_metric' with customized threshold "
                "should be one of these options: 'error', 'ndcg', 'map'."
            )
        try:
            float(threshold.strip())
        except ValueError:
            raise ContainerUserError(f"Threshold value 't' in '{base}@t' expects float input.") from None
        return True
    return metric in XGB_MAXIMIZE_METRICS + XGB_MINIMIZE_METRICS


def _literal(name: str, text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ContainerUserError(f"Hyperparameter {name}: could not parse value") from None


def _check_structured(name: str, spec: Spec, text: str) -> Any:
    if spec.kind == "list":
        items = text.split(",")
        ok = _eval_metric_ok if name == "eval_metric" else (lambda v: v in (spec.domain or ()))
        if not all(ok(v) for v in items):
            raise ContainerUserError(f"Hyperparameter {name}: value {items} not in range")
        return items
    value = _literal(name, text)
    if spec.kind == "tuple":
        elements = value if isinstance(value, tuple | list) else (value,)
        if any(v not in (-1, 0, 1) for v in elements):
            raise ContainerUserError(f"Hyperparameter {name}: value {value} not in range [-1, 0, 1]")
        return value
    if not isinstance(value, list) or not all(isinstance(inner, list | tuple) for inner in value) or any(
        not isinstance(e, int) or e < 1 for inner in value for e in inner
    ):
        raise ContainerUserError(f"Hyperparameter {name}: value {value} not in range [1, +inf)")
    return value


def check_value(name: str, value: Any, version: str) -> Any:
    """One value (a string, as SageMaker passes it) parsed and range-checked, or ContainerUserError."""
    spec = spec_of(name, version)
    if spec is None:
        raise ContainerUserError(f"Extraneous hyperparameter found: {name}")
    text = str(value)
    if spec.kind in ("int", "float"):
        number = _number(name, text, spec.kind)
        if isinstance(spec.domain, Interval) and number not in spec.domain:
            raise ContainerUserError(f"Hyperparameter {name}: {text} is not in {spec.domain}")
        return number
    if spec.kind == "cat":
        categories = spec.domain if isinstance(spec.domain, tuple) else ()
        if text not in categories:
            raise ContainerUserError(f"Hyperparameter {name}: {text} is not in {list(categories)}")
        return text
    return _check_structured(name, spec, text)


def check_together(values: Mapping[str, Any], present: set[str] | None = None) -> None:
    """The container's rules between hyperparameters (canonical names, parsed values).

    ``present``: names that will have a value (tuned ones too) although their value is unknown.
    """
    names = set(values) | (present or set())
    if "num_round" not in names:
        raise ContainerUserError("Missing required hyperparameter: num_round")
    objective = values.get("objective")
    if objective in ("multi:softmax", "multi:softprob") and "num_class" not in names:
        raise ContainerUserError("Require input for parameter 'num_class' for multi-classification")
    metrics = values.get("eval_metric") or []
    if "auc" in metrics and isinstance(objective, str) and not objective.startswith(("binary:", "rank:")):
        raise ContainerUserError("Metric 'auc' can only be applied for classification and ranking problems.")
    if "aft-nloglik" in metrics and isinstance(objective, str) and objective != "survival:aft":
        raise ContainerUserError("Metric 'aft-nloglik' can only be applied for 'survival:aft' objective.")
    if "monotone_constraints" in values and values.get("tree_method") not in ("exact", "hist"):
        raise ContainerUserError(
            "monotone_constraints can be used only when the tree_method parameter is set to either 'exact' or 'hist'."
        )


def validate_hyperparameters(raw: Mapping[str, Any], version: str) -> dict[str, Any]:
    """The container's validation of a job's hyperparameters: canonical names -> parsed values."""
    canonical_raw = {canonical(k): v for k, v in raw.items()}
    if "num_round" not in canonical_raw:
        raise ContainerUserError("Missing required hyperparameter: num_round")
    parsed = {name: check_value(name, value, version) for name, value in canonical_raw.items()}
    check_together(parsed)
    return parsed
