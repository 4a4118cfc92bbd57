"""The container's own evaluation metrics (``sagemaker_xgboost_container.metrics.custom_metrics``).

XGBoost has no ``accuracy``, ``f1``, ``mse``... metric: the container computes them itself with
scikit-learn and passes them to ``xgb.train`` as a custom metric. From XGBoost 1.2 a custom metric
receives the raw margin, which the container turns into class labels without computing
probabilities: argmax over classes, or ``margin > 0`` for a binary objective.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import metrics as skm

MetricFn = Callable[[np.ndarray, np.ndarray], float]


def margin_to_class_label(preds: np.ndarray) -> np.ndarray:
    if preds.ndim == 2:
        return np.argmax(preds, axis=-1)
    return (preds > 0.0).astype(int)


def _classification(score: Callable[..., float], **kwargs: Any) -> MetricFn:
    def compute(preds: np.ndarray, labels: np.ndarray) -> float:
        if preds.size == 0:
            return 0.0
        return float(score(labels, margin_to_class_label(preds), **kwargs))

    return compute


def _regression(score: Callable[..., float]) -> MetricFn:
    def compute(preds: np.ndarray, labels: np.ndarray) -> float:
        return float(score(labels, preds))

    return compute


def _rmse(labels: np.ndarray, preds: np.ndarray) -> float:
    return float(np.sqrt(skm.mean_squared_error(labels, preds)))


# name -> metric, as custom_metrics.CUSTOM_METRICS names them.
CUSTOM_METRICS: dict[str, MetricFn] = {
    "accuracy": _classification(skm.accuracy_score),
    "balanced_accuracy": _classification(skm.balanced_accuracy_score),
    "f1": _classification(skm.f1_score, average="macro"),
    "f1_binary": _classification(skm.f1_score, average="binary"),
    "f1_macro": _classification(skm.f1_score, average="macro"),
    "mae": _regression(skm.mean_absolute_error),
    "mse": _regression(skm.mean_squared_error),
    "precision": _classification(skm.precision_score),
    "precision_macro": _classification(skm.precision_score, average="macro"),
    "precision_micro": _classification(skm.precision_score, average="micro"),
    "r2": _regression(skm.r2_score),
    "recall": _classification(skm.recall_score),
    "recall_macro": _classification(skm.recall_score, average="macro"),
    "recall_micro": _classification(skm.recall_score, average="micro"),
    "rmse": _regression(_rmse),
}


def custom_metric(names: list[str]) -> Callable[[np.ndarray, Any], list[tuple[str, float]]] | None:
    """One xgboost feval / custom_metric computing every named container metric."""
    if not names:
        return None

    def evaluate(preds: np.ndarray, dmatrix: Any) -> list[tuple[str, float]]:
        labels = dmatrix.get_label()
        return [(name, CUSTOM_METRICS[name](preds, labels)) for name in names]

    return evaluate
