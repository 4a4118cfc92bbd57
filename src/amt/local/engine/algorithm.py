"""SageMaker's built-in XGBoost 1.5-1, as its container trains: the process-side half of the engine.

What this reproduces of ``aws/sagemaker-xgboost-container`` (algorithm mode), on xgboost 3.x:

- Input: headerless CSV, label in the first column; every object of a channel concatenated.
- Hyperparameters arrive as strings and are parsed as the container parses them (int / float /
  categorical / comma-separated list, with the container's ranges). A bad value fails the job
  with ``ClientError: ...``, an xgboost exception with ``AlgorithmError: XGB train call failed ...``.
- Metrics: the container adds ``_tuning_objective_metric`` to ``eval_metric``; ``accuracy``, ``f1``
  and ``mse`` are not xgboost metrics but the container's own (``accuracy`` = share of rounded /
  argmax predictions equal to the label, i.e. ``1 - merror`` for multi:softmax). When no xgboost
  metric remains, xgboost 1.5's default applies (``merror`` for multi:softmax: xgboost 3 would
  use mlogloss). Values are rounded to 5 decimals, as the container's log lines print them
  and SageMaker's metric regexes read them.
- Early stopping: ``early_stopping_rounds`` on the ``validation`` channel, on the tuning objective
  (else the last ``eval_metric``), maximising accuracy/auc/aucpr/f1/map/ndcg. The saved model is the
  best iteration's (``save_best``); the reported final metrics are the LAST evaluated round's,
  because SageMaker reads metrics from the log, whose last line is the last evaluated round.
- ``tree_method`` ``auto`` (the 1.5 default) means ``exact`` below 2**22 rows, as in xgboost 1.5;
  xgboost 3 would use ``hist``.
- ``nthread`` is forced to 1: trials run in parallel processes instead.

The model artifact is ``model.tar.gz`` holding ``xgboost-model`` (xgboost's UBJSON format).
"""

from __future__ import annotations

import io
import math
import tarfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from amt_pipeline.run.xgboost_algorithm import HYPERPARAMETERS, OBJECTIVE_METRICS

MODEL_FILE = "xgboost-model"
# sagemaker_xgboost_container.constants.xgb_constants.XGB_MAXIMIZE_METRICS
MAXIMIZE_METRICS = frozenset({"accuracy", "auc", "aucpr", "f1", "map", "ndcg"})
CONTAINER_METRICS = ("accuracy", "f1", "mse")  # computed by the container, not by xgboost
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
# Defaults of xgboost 1.5 that xgboost 3 changed.
DEFAULT_METRIC_1_5 = {"multi:softmax": "merror", "binary:hinge": "error"}
METRIC_DECIMALS = 5


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
# Accepted by the container, no effect on this engine.
_IGNORED = frozenset(
    {
        "csv_weights",
        "nthread",
        "use_dask_gpu_training",
        "deterministic_histogram",
        "single_precision_histogram",
        "lambda_bias",
        "verbosity",
    }
)


def unknown_hyperparameters(names: Mapping[str, Any] | list[str]) -> list[str]:
    """Names the 1.5-1 algorithm does not accept (``_``-prefixed names are SageMaker's own)."""
    return sorted(n for n in names if n not in HYPERPARAMETERS and not n.startswith("_"))


def parse_hyperparameters(raw: Mapping[str, str]) -> dict[str, Any]:
    """String hyperparameters -> typed values, as the container validates them (ClientError if not)."""
    bad = unknown_hyperparameters(list(raw))
    if bad:
        raise ClientError(
            f"Additional hyperparameters are not allowed ({', '.join(map(repr, bad))} were unexpected)"
        )
    out: dict[str, Any] = {}
    for name, value in raw.items():
        kind, rule = _SPEC.get(name, ("raw", None))
        text = str(value).strip()
        if kind == "int":
            try:
                v: Any = int(text)
            except ValueError:
                raise ClientError(f"Hyperparameter {name}: value {text!r} is not an integer") from None
        elif kind == "float":
            try:
                v = float(text)
            except ValueError:
                raise ClientError(f"Hyperparameter {name}: value {text!r} is not a float") from None
            if math.isnan(v):
                raise ClientError(f"Hyperparameter {name}: value {text!r} is not a number")
        elif kind == "cat":
            if text not in rule:
                raise ClientError(f"Hyperparameter {name}: value {text!r} not in {list(rule)}")
            v = text
        elif kind == "list":
            v = [p.strip() for p in text.split(",") if p.strip()]
        else:
            v = text
        if kind in ("int", "float") and rule is not None and v not in rule:
            raise ClientError(f"Hyperparameter {name}: value {text} not in range {rule}")
        out[name] = v
    if "num_round" not in out:
        raise ClientError("Missing required hyperparameter: num_round")
    objective = out.get("objective")
    if objective in ("multi:softmax", "multi:softprob") and "num_class" not in out:
        raise ClientError("Require input for parameter 'num_class' for multi-classification")
    for metric in out.get("eval_metric", []):
        base = metric.split("@")[0]
        if base not in XGB_METRICS and base not in CONTAINER_METRICS:
            raise ClientError(f"Hyperparameter eval_metric: value {metric!r} is not supported")
    return out


def maximize(metric: str) -> bool:
    return metric.split("@")[0] in MAXIMIZE_METRICS


# --- data -------------------------------------------------------------------------------------


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


# --- container metrics ------------------------------------------------------------------------


def _rounded(predt: np.ndarray) -> np.ndarray:
    return predt.argmax(axis=1) if predt.ndim == 2 else np.rint(predt)


def _accuracy(predt: np.ndarray, labels: np.ndarray) -> float:
    return float((_rounded(predt) == labels).mean())


def _f1_macro(predt: np.ndarray, labels: np.ndarray) -> float:
    pred = _rounded(predt)
    scores = []
    for c in np.union1d(labels, pred):
        tp = float(((pred == c) & (labels == c)).sum())
        fp = float(((pred == c) & (labels != c)).sum())
        fn = float(((pred != c) & (labels == c)).sum())
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def _mse(predt: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean((predt - labels) ** 2))


_CONTAINER_FN = {"accuracy": _accuracy, "f1": _f1_macro, "mse": _mse}


def _custom_metric(names: list[str]) -> Callable | None:
    if not names:
        return None

    def metric(predt: np.ndarray, dmat: Any) -> list[tuple[str, float]]:
        labels = dmat.get_label()
        return [(n, _CONTAINER_FN[n](predt, labels)) for n in names]

    return metric


# --- training ---------------------------------------------------------------------------------


@dataclass
class Controller:
    """Decides after each round whether the tuner stops the job (early stopping, Hyperband, StopX)."""

    objective_metric: str | None = None  # "validation:accuracy"
    should_stop: Callable[[int, float | None], str | None] = lambda _round, _value: None


@dataclass
class TrainingOutcome:
    status: str  # Completed | Failed | Stopped
    failure_reason: str | None = None
    stop_reason: str | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    final_metrics: dict[str, float] = field(default_factory=dict)
    model_tar_gz: bytes | None = None
    best_iteration: int | None = None
    rounds: int = 0
    seconds: float = 0.0


def model_tar_gz(raw_model: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo(MODEL_FILE)
        info.size = len(raw_model)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(raw_model))
    return buf.getvalue()


def xgb_params(hp: dict[str, Any], n_rows: int) -> tuple[dict[str, Any], int, int | None, list[str]]:
    """Typed hyperparameters -> (xgboost params, num_round, early_stopping_rounds, container metrics)."""
    params = {k: v for k, v in hp.items() if k not in _IGNORED}
    num_round = params.pop("num_round")
    early = params.pop("early_stopping_rounds", None)
    tuning = params.pop("_tuning_objective_metric", None)
    eval_metric = list(params.pop("eval_metric", []))
    union = list(eval_metric)
    if tuning:
        tuning_metric = tuning.split(":", 1)[1]
        if tuning_metric not in union:
            union.append(tuning_metric)
    custom = [m for m in CONTAINER_METRICS if m in union]
    native = sorted(set(union) - set(custom))
    objective = params.get("objective", "reg:squarederror")
    if not native and objective in DEFAULT_METRIC_1_5:
        native = [DEFAULT_METRIC_1_5[objective]]
    if native:
        params["eval_metric"] = native
    if params.get("tree_method", "auto") == "auto":
        params["tree_method"] = "exact" if n_rows < 2**22 else "approx"
    if "updater" in params:
        params["updater"] = ",".join(params["updater"])
    if "monotone_constraints" in params:
        params["monotone_constraints"] = params["monotone_constraints"].replace("[", "(").replace("]", ")")
    params["nthread"] = 1
    params.setdefault("verbosity", 0)
    params["verbosity"] = 0
    return params, num_round, early, custom


def early_stopping_metric(hp: dict[str, Any]) -> str | None:
    tuning = hp.get("_tuning_objective_metric")
    if tuning:
        return tuning.split(":", 1)[1]
    metrics = hp.get("eval_metric") or []
    return metrics[-1] if metrics else None


def train(
    raw_hyperparameters: Mapping[str, str],
    dtrain: Any,
    dvalidation: Any | None,
    controller: Controller | None = None,
) -> TrainingOutcome:
    """Train one job as the container does; never raises for the job's own failures."""
    import xgboost as xgb

    started = time.perf_counter()
    ctl = controller or Controller()
    try:
        hp = parse_hyperparameters(raw_hyperparameters)
        params, num_round, early_rounds, custom = xgb_params(hp, dtrain.num_row())
    except ClientError as e:
        return TrainingOutcome(
            "Failed", failure_reason=f"ClientError: {e}", seconds=time.perf_counter() - started
        )

    evals = [(dtrain, "train")] + ([(dvalidation, "validation")] if dvalidation is not None else [])
    objective = ctl.objective_metric
    stop: dict[str, str] = {}

    class _Tuner(xgb.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
            value = None
            if objective:
                channel, metric = objective.split(":", 1)
                series = evals_log.get(channel, {}).get(metric)
                value = round(float(series[-1]), METRIC_DECIMALS) if series else None
            reason = ctl.should_stop(epoch, value)
            if reason:
                stop["reason"] = reason
                return True
            return False

    callbacks: list[Any] = [_Tuner()]
    es_metric = early_stopping_metric(hp)
    if early_rounds and dvalidation is not None and es_metric:
        callbacks.append(
            xgb.callback.EarlyStopping(
                rounds=early_rounds,
                data_name="validation",
                metric_name=es_metric,
                maximize=maximize(es_metric),
                save_best=True,
            )
        )
    evals_result: dict[str, dict[str, list[float]]] = {}
    try:
        bst = xgb.train(
            params,
            dtrain,
            num_boost_round=num_round,
            evals=evals,
            evals_result=evals_result,
            custom_metric=_custom_metric(custom),
            callbacks=callbacks,
            verbose_eval=False,
        )
    except xgb.core.XGBoostError as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return TrainingOutcome(
            "Failed",
            failure_reason=f"AlgorithmError: XGB train call failed with exception:\n {msg}",
            seconds=time.perf_counter() - started,
        )
    except Exception as e:  # noqa: BLE001 - the container reports any training exception the same way
        return TrainingOutcome(
            "Failed",
            failure_reason=f"AlgorithmError: XGB train call failed with exception:\n {e}",
            seconds=time.perf_counter() - started,
        )

    history = {
        f"{channel}:{metric}": [round(float(v), METRIC_DECIMALS) for v in values]
        for channel, metrics in evals_result.items()
        for metric, values in metrics.items()
    }
    final = {name: values[-1] for name, values in history.items() if values and name in OBJECTIVE_METRICS}
    rounds = max((len(v) for v in history.values()), default=0)
    best_iteration = getattr(bst, "best_iteration", None) if early_rounds else None
    return TrainingOutcome(
        status="Stopped" if stop else "Completed",
        stop_reason=stop.get("reason"),
        history=history,
        final_metrics=final,
        model_tar_gz=model_tar_gz(bytes(bst.save_raw("ubj"))),
        best_iteration=best_iteration,
        rounds=rounds,
        seconds=time.perf_counter() - started,
    )
