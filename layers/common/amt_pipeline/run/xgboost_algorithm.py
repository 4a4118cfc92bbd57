"""What SageMaker's built-in XGBoost algorithm (version 1.5-1) accepts and emits.

One source for the execution-input validation (names a user may set or tune,
the objective metrics a tuning job may ask for) and for the local engine, which
rejects what SageMaker rejects. Source: the SageMaker developer guide,
"XGBoost hyperparameters" and "Tune an XGBoost model" (metrics table).
"""

from __future__ import annotations

from typing import Literal

SUPPORTED_VERSIONS = ("1.5-1",)
DEFAULT_VERSION = "1.5-1"

# Every hyperparameter the 1.5-1 container accepts (values are always strings).
HYPERPARAMETERS: frozenset[str] = frozenset(
    {
        "alpha", "base_score", "booster", "colsample_bylevel", "colsample_bynode", "colsample_bytree",
        "csv_weights", "deterministic_histogram", "early_stopping_rounds", "eta", "eval_metric",
        "gamma", "grow_policy", "interaction_constraints", "lambda", "lambda_bias", "max_bin",
        "max_delta_step", "max_depth", "max_leaves", "min_child_weight", "monotone_constraints",
        "normalize_type", "nthread", "num_class", "num_parallel_tree", "num_round", "objective",
        "one_drop", "process_type", "rate_drop", "refresh_leaf", "sample_type", "scale_pos_weight",
        "seed", "single_precision_histogram", "sketch_eps", "skip_drop", "subsample", "tree_method",
        "tweedie_variance_power", "updater", "use_dask_gpu_training", "verbosity",
    }
)
REQUIRED_HYPERPARAMETERS: frozenset[str] = frozenset({"num_round"})

# The bounds XGBoost 1.5-1 accepts (lower, upper; None = unbounded): the analysis keeps
# its proposed ranges within them.
HYPERPARAMETER_LIMITS: dict[str, tuple[float | None, float | None]] = {
    "eta": (0.0, 1.0),
    "subsample": (0.0, 1.0),
    "colsample_bytree": (0.0, 1.0),
    "colsample_bylevel": (0.0, 1.0),
    "colsample_bynode": (0.0, 1.0),
    "alpha": (0.0, None),
    "lambda": (0.0, None),
    "gamma": (0.0, None),
    "min_child_weight": (0.0, None),
    "max_depth": (0.0, None),
    "max_delta_step": (0.0, None),
    "num_round": (1.0, None),
    "max_bin": (2.0, None),
    "max_leaves": (0.0, None),
    "scale_pos_weight": (0.0, None),
}

# Evaluation metrics (xgboost's eval_metric names) and the direction that is better.
METRIC_DIRECTIONS: dict[str, Literal["Maximize", "Minimize"]] = {
    "accuracy": "Maximize",
    "auc": "Maximize",
    "aucpr": "Maximize",
    "error": "Minimize",
    "f1": "Maximize",
    "logloss": "Minimize",
    "mae": "Minimize",
    "map": "Maximize",
    "merror": "Minimize",
    "mlogloss": "Minimize",
    "mse": "Minimize",
    "ndcg": "Maximize",
    "rmse": "Minimize",
}
CHANNELS = ("train", "validation")

# The metric names the algorithm emits, "<channel>:<metric>", e.g. validation:accuracy.
OBJECTIVE_METRICS: dict[str, Literal["Maximize", "Minimize"]] = {
    f"{channel}:{metric}": direction
    for channel in CHANNELS
    for metric, direction in METRIC_DIRECTIONS.items()
}

