"""Train one job as the built-in XGBoost container's algorithm mode trains it, on this environment's XGBoost.

What this reproduces of ``aws/sagemaker-xgboost-container`` (``algorithm_mode/train.py``):

- ``_tuning_objective_metric`` joins ``eval_metric`` (sorted union); the container's own metrics
  (``accuracy``, ``f1``, ``mse``, ...) go to xgboost as a custom metric, the rest as ``eval_metric``.
  With no xgboost metric left, the release's own default metric applies.
- Early stopping: ``early_stopping_rounds`` on the ``validation`` channel, on the tuning objective
  (else the last ``eval_metric``), maximising the container's XGB_MAXIMIZE_METRICS. The saved model
  is the best iteration's; the reported final metrics are the LAST evaluated round's, because
  SageMaker reads them from the log, whose last line is the last round.
- The per-round metrics are what the container's log prints: its ``EvaluationMonitor`` writes one
  value per channel and metric a round, the LAST one XGBoost recorded under that name, with 5
  decimals, and SageMaker's metric regexes read that line. A container metric named like XGBoost's
  default metric (``rmse`` with ``reg:squarederror``, whose ``eval_metric`` is then left empty)
  is computed twice a round, XGBoost's first and the container's last: the log, and so SageMaker,
  keeps the container's.
- Order: the container lists ``EvaluationMonitor`` before ``EarlyStopping``; XGBoost 1.5 and 1.7
  keep callbacks in a ``set``, so on those images the round on which early stopping ends training
  is printed or not depending on object addresses. Here the round is always recorded before the
  stopping rules run (the container's listed order, which XGBoost 3 keeps).
- ``nthread`` is forced to 1: the engine runs trials in parallel processes instead.

The hyperparameters arrive typed and validated (the engine checks them as the container's
``hyperparameter_validation.py`` does before a trial starts): a failure here is the algorithm's own.
"""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Callable, Mapping
from typing import Any

from amt_container.metrics import CUSTOM_METRICS, custom_metric
from amt_container.outcome import TrainingOutcome

MODEL_FILE = "xgboost-model"
METRIC_DECIMALS = 5  # EvaluationMonitor: f"{score:.5f}"
# sagemaker_xgboost_container.constants.xgb_constants.XGB_MAXIMIZE_METRICS
MAXIMIZE_METRICS = frozenset(
    {
        "accuracy",
        "auc",
        "aucpr",
        "balanced_accuracy",
        "f1",
        "f1_binary",
        "f1_macro",
        "map",
        "ndcg",
        "precision",
        "precision_macro",
        "precision_micro",
        "r2",
        "recall",
        "recall_macro",
        "recall_micro",
    }
)
# Accepted by the container, no effect on a local CPU trial.
IGNORED = frozenset(
    {
        "csv_weights",  # the data's, read with the channels (amt_container.data), not the booster's
        "nthread",
        "use_dask_gpu_training",
        "deterministic_histogram",
        "single_precision_histogram",
        "lambda_bias",
        "verbosity",
        "save_model_on_termination",
    }
)


# After each round: (round index, objective value or None) -> a stop reason, or None to go on.
StopRule = Callable[[int, float | None], str | None]


def maximize(metric: str) -> bool:
    return metric.split("@")[0] in MAXIMIZE_METRICS


def model_tar_gz(raw_model: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo(MODEL_FILE)
        info.size = len(raw_model)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(raw_model))
    return buf.getvalue()


def xgb_params(hp: Mapping[str, Any]) -> tuple[dict[str, Any], int, int | None, list[str]]:
    """Typed hyperparameters -> (xgboost params, num_round, early_stopping_rounds, container metrics)."""
    params = {k: v for k, v in hp.items() if k not in IGNORED}
    num_round = params.pop("num_round")
    early = params.pop("early_stopping_rounds", None)
    tuning = params.pop("_tuning_objective_metric", None)
    eval_metric = list(params.pop("eval_metric", []))
    union = sorted(set(eval_metric) | {tuning.split(":", 1)[1]}) if tuning else eval_metric
    custom = [m for m in union if m in CUSTOM_METRICS]
    native = [m for m in union if m not in CUSTOM_METRICS]
    if native:
        params["eval_metric"] = native
    if "updater" in params:
        params["updater"] = ",".join(params["updater"])
    if "monotone_constraints" in params:
        params["monotone_constraints"] = params["monotone_constraints"].replace("[", "(").replace("]", ")")
    params["nthread"] = 1
    params["verbosity"] = 0
    return params, num_round, early, custom


def early_stopping_metric(hp: Mapping[str, Any]) -> str | None:
    tuning = hp.get("_tuning_objective_metric")
    if tuning:
        return tuning.split(":", 1)[1]
    metrics = hp.get("eval_metric") or []
    return metrics[-1] if metrics else None


def _metric_argument(xgb: Any, evaluate: Callable | None) -> dict[str, Any]:
    """How the container hands its metrics to ``xgb.train``: ``feval`` up to the 1.x images,
    ``custom_metric`` from 3.0-5. The two differ: ``feval`` receives the raw margin, while
    ``custom_metric`` receives the objective's transformed output (class labels for
    ``multi:softmax``), which the container's ``margin_to_class_label`` still reads as margins."""
    if evaluate is None:
        return {}
    if int(xgb.__version__.split(".")[0]) >= 3:
        return {"custom_metric": evaluate}
    return {"feval": evaluate}


class RoundLog:
    """Each round's metrics as the container's ``EvaluationMonitor`` prints them: per channel and
    metric the last value XGBoost recorded that round (``evals_log[channel][metric][-1]``) with 5
    decimals (``f"{score:.5f}"``), read back as SageMaker's metric regexes read the line."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}

    def record(self, evals_log: Mapping[str, Mapping[str, list[Any]]]) -> None:
        for channel, metrics in evals_log.items():
            for metric, values in metrics.items():
                printed = f"{float(values[-1]):.{METRIC_DECIMALS}f}"
                self.history.setdefault(f"{channel}:{metric}", []).append(float(printed))

    def last(self, name: str) -> float | None:
        values = self.history.get(name)
        return values[-1] if values else None


def _failed(message: str, started: float) -> TrainingOutcome:
    return TrainingOutcome.failed(f"AlgorithmError: XGB train call failed with exception:\n {message}", started)


def train(hp: Mapping[str, Any], dtrain: Any, dvalidation: Any | None, objective_metric: str | None,
          stop_rule: StopRule | None = None) -> TrainingOutcome:
    """Train one job; never raises for the job's own failures."""
    import xgboost as xgb

    started = time.time()
    params, num_round, early_rounds, custom = xgb_params(hp)
    evals = [(dtrain, "train")] + ([(dvalidation, "validation")] if dvalidation is not None else [])
    stop: dict[str, str] = {}
    rule: StopRule = stop_rule or (lambda _round, _value: None)

    es_metric = early_stopping_metric(hp)
    early_stopping = (
        xgb.callback.EarlyStopping(
            rounds=early_rounds,
            data_name="validation",
            metric_name=es_metric,
            maximize=maximize(es_metric),
            save_best=True,
        )
        if early_rounds and dvalidation is not None and es_metric
        else None
    )
    logged = RoundLog()

    class _ContainerRound(xgb.callback.TrainingCallback):
        """The round as the container's log prints it, then the tuner's rule, then early stopping:
        one callback, so XGBoost's callback set cannot reorder them (see the module's docstring)."""

        def before_training(self, model: Any) -> Any:
            return early_stopping.before_training(model) if early_stopping else model

        def after_training(self, model: Any) -> Any:
            return early_stopping.after_training(model) if early_stopping else model

        def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
            logged.record(evals_log)
            reason = rule(epoch, logged.last(objective_metric) if objective_metric else None)
            # Early stopping sees every round, also the one the tuner stops on: its after_training reads
            # the best iteration it recorded (int(None) on a job stopped in its first round).
            early_stop = bool(early_stopping and early_stopping.after_iteration(model, epoch, evals_log))
            if reason:
                stop["reason"] = reason
                return True
            return early_stop

    try:
        bst = xgb.train(
            params,
            dtrain,
            num_boost_round=num_round,
            evals=evals,
            callbacks=[_ContainerRound()],
            verbose_eval=False,
            **_metric_argument(xgb, custom_metric(custom)),
        )
    except xgb.core.XGBoostError as e:
        text = str(e).strip()
        return _failed(text.splitlines()[0] if text else type(e).__name__, started)
    except Exception as e:  # noqa: BLE001 - the container reports any training exception the same way
        return _failed(str(e), started)

    history = logged.history
    final = {name: values[-1] for name, values in history.items() if values}
    rounds = max((len(v) for v in history.values()), default=0)
    best_iteration = getattr(bst, "best_iteration", None) if early_rounds else None
    return TrainingOutcome(
        status="Stopped" if stop else "Completed",
        stop_reason=stop.get("reason"),
        history=history,
        final_metrics=final,
        model_tar_gz=model_tar_gz(bytes(bst.save_raw())),
        best_iteration=best_iteration,
        rounds=rounds,
        start=started,
        end=time.time(),
    )
