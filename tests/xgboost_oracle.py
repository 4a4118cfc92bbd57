"""An oracle independent of the engine: plain ``xgb.train`` in an image's environment.

It trains as the 1.x containers do (the container's ``accuracy`` as a ``feval`` on the raw margin,
early stopping on the validation channel, the last evaluated round's value rounded to 5 decimals),
with none of the engine's or ``amt_container``'s code, in a subprocess of the image's own Python.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from amt.local.images import image_spec, prepare_image

_TRAIN = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import numpy as np, xgboost as xgb
job = json.loads(sys.stdin.read())
def load(path):
    rows = np.loadtxt(path, delimiter=",", ndmin=2)
    return xgb.DMatrix(np.ascontiguousarray(rows[:, 1:]), label=np.ascontiguousarray(rows[:, 0]), nthread=1)
if job["op"] == "train":
    dtrain, dvalid = load(job["train"]), load(job["validation"])
    def accuracy(margin, dmat):
        return "accuracy", float((np.argmax(margin, axis=1) == dmat.get_label()).mean())
    history = {}
    xgb.train({**job["params"], "nthread": 1, "verbosity": 0}, dtrain, job["num_round"],
              evals=[(dtrain, "train"), (dvalid, "validation")], feval=accuracy, evals_result=history,
              verbose_eval=False, callbacks=[xgb.callback.EarlyStopping(
                  rounds=5, data_name="validation", metric_name="accuracy", maximize=True, save_best=True)])
    print(round(history["validation"]["accuracy"][-1], 5))
else:
    booster = xgb.Booster(model_file=job["model"])
    dvalid = load(job["validation"])
    print(float((booster.predict(dvalid) == dvalid.get_label()).mean()))
"""


def _run(version: str, job: dict[str, Any]) -> float:
    env = prepare_image(image_spec(version))
    done = subprocess.run(
        [str(env.python), "-I", "-c", _TRAIN], input=json.dumps(job), capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def plain_accuracy(train_csv: Path, validation_csv: Path, hyperparameters: dict[str, float],
                   version: str = "1.5-1") -> float:
    """The post's static hyperparameters + these tuned ones, trained with plain xgb.train."""
    params = {"objective": "multi:softmax", "num_class": 10, **hyperparameters}
    if "max_depth" in params:
        params["max_depth"] = int(params["max_depth"])
    return _run(version, {"op": "train", "train": str(train_csv), "validation": str(validation_csv),
                          "params": params, "num_round": 200})


def model_accuracy(model_file: Path, validation_csv: Path, version: str = "1.5-1") -> float:
    """Validation accuracy of a saved ``xgboost-model``, loaded by the image's own XGBoost."""
    return _run(version, {"op": "predict", "model": str(model_file), "validation": str(validation_csv)})


_PLAIN_JOBS = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import xgboost as xgb
job = json.loads(sys.stdin.read())
def load(path, csv_weights):  # the container's CSV: XGBoost's own reader, the label first (a folder: all its files)
    weights = "&weight_column=1" if csv_weights == 1 else ""
    return xgb.DMatrix(path + "?format=csv&label_column=0&delimiter=," + weights)
import numpy as np
read = {}
def channels(csv_weights):  # each job reads its data with its own csv_weights (1: the second column is weights)
    if csv_weights not in read:
        read[csv_weights] = load(job["train"], csv_weights), load(job["validation"], csv_weights)
    return read[csv_weights]
from sklearn import metrics as skm
def container_metrics(names):  # the container's own rmse / mae, after XGBoost's: custom_metrics.py's
    def evaluate(preds, dmatrix):  # scikit-learn on XGBoost's float32 labels and predictions, as it computes them
        labels = dmatrix.get_label()
        values = {"rmse": float(np.sqrt(skm.mean_squared_error(labels, preds))),
                  "mae": float(skm.mean_absolute_error(labels, preds))}
        return [(name, values[name]) for name in names]
    return evaluate if names else None
answers = []
for trial in job["trials"]:
    history = {}
    dtrain, dvalid = channels(trial["params"].pop("csv_weights", 0))
    callbacks = [xgb.callback.EarlyStopping(rounds=trial["early_stopping_rounds"], data_name="validation",
                                            metric_name=trial["metric"], maximize=trial["maximize"], save_best=True)]
    custom = [m for m in trial["params"]["eval_metric"] if m in ("rmse", "mae")]
    params = {**trial["params"], "eval_metric": [m for m in trial["params"]["eval_metric"] if m not in custom]}
    if not params["eval_metric"]:
        del params["eval_metric"]  # XGBoost's default metric, as in the container
    xgb.train({**params, "nthread": 1, "verbosity": 0}, dtrain, trial["num_round"],
              evals=[(dtrain, "train"), (dvalid, "validation")], evals_result=history, verbose_eval=False,
              feval=container_metrics(custom), callbacks=callbacks if trial["early_stopping_rounds"] else [])
    answers.append({f"{c}:{m}": round(v[-1], 5) for c, ms in history.items() for m, v in ms.items()})
print(json.dumps(answers))
"""
MAXIMIZE = {"auc", "aucpr", "map", "ndcg"}


def _typed(value: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def plain_trainings(train: Path, validation: Path, trials: list[dict[str, str]],
                    version: str = "1.5-1") -> list[dict[str, float]]:
    """Each trial's SageMaker hyperparameters (strings, ``_tuning_objective_metric`` included), trained with
    plain ``xgb.train`` (1.x: rmse and mae are the container's own, computed after XGBoost's same-named
    ones, so theirs is the round's last value, which SageMaker's metric regex reads), data read by
    XGBoost's own CSV reader as the container reads it: every metric's last round, rounded to 5
    decimals as the container's log prints it."""
    jobs = []
    for hyperparameters in trials:
        params = {k: _typed(v) for k, v in hyperparameters.items()}
        objective = str(params.pop("_tuning_objective_metric", "")).split(":", 1)[-1]
        metrics = sorted({*str(params.pop("eval_metric", "")).split(","), objective} - {""})
        jobs.append({"params": {**params, "eval_metric": metrics}, "num_round": params.pop("num_round"),
                     "early_stopping_rounds": params.pop("early_stopping_rounds", None),
                     "metric": objective or metrics[-1], "maximize": (objective or metrics[-1]) in MAXIMIZE})
        jobs[-1]["params"] = {k: v for k, v in jobs[-1]["params"].items()
                              if k not in ("num_round", "early_stopping_rounds")}
    env = prepare_image(image_spec(version))
    done = subprocess.run([str(env.python), "-I", "-c", _PLAIN_JOBS], capture_output=True, text=True, check=True,
                          input=json.dumps({"train": str(train), "validation": str(validation), "trials": jobs}))
    return json.loads(done.stdout.strip().splitlines()[-1])


# The container's training job as SageMaker reads it, re-written from the container's code
# (algorithm_mode/train.py, train_utils.get_eval_metrics_and_feval, metrics/custom_metrics.py,
# callback.get_callbacks) and measured where SageMaker measures it: the log XGBoost's own
# EvaluationMonitor prints (a tab is '#011' in it), read with the regexes of the built-in algorithm's
# MetricDefinitions as DescribeTrainingJob shows them, e.g. '.*\[[0-9]+\].*#011train-mae:([-+]?[0-9]*\.?[0-9]+
# (?:[eE][-+]?[0-9]+)?).*' (aws/sagemaker-xgboost-container issue #121; the container's own
# algorithm_mode/metrics.py writes '(\S+)', which would run on into the next '#011' field).
_CONTAINER_LOG = r"""
import json, os, re, sys, tempfile, warnings
warnings.simplefilter("ignore")
import numpy as np, xgboost as xgb
from sklearn import metrics as skm
job = json.loads(sys.stdin.read())
suffix = "?format=csv&label_column=0" if job["content_type"] == "csv" else "?format=libsvm"
def load(path):
    if int(xgb.__version__.split(".")[0]) < 2 and job["content_type"] == "libsvm":
        return xgb.DMatrix(path)  # the 1.x containers: a LIBSVM file by its path alone
    return xgb.DMatrix(path + suffix)
dtrain, dvalid = load(job["train"]), load(job["validation"])

def labels_of(preds):  # custom_metrics.margin_to_class_label
    return np.argmax(preds, axis=-1) if type(preds[0]) is np.ndarray else (preds > 0.0).astype(int)
def classification(score):
    return lambda preds, d: score(d.get_label(), labels_of(preds)) if preds.size > 0 else 0.0
def regression(score):
    return lambda preds, d: score(d.get_label(), preds)
CUSTOM = {
    "accuracy": classification(skm.accuracy_score),
    "balanced_accuracy": classification(skm.balanced_accuracy_score),
    "f1": classification(lambda y, p: skm.f1_score(y, p, average="macro")),
    "f1_binary": classification(lambda y, p: skm.f1_score(y, p, average="binary")),
    "f1_macro": classification(lambda y, p: skm.f1_score(y, p, average="macro")),
    "mse": regression(skm.mean_squared_error),
    "rmse": regression(lambda y, p: np.sqrt(skm.mean_squared_error(y, p))),
    "mae": regression(skm.mean_absolute_error),
    "precision": classification(skm.precision_score),
    "precision_macro": classification(lambda y, p: skm.precision_score(y, p, average="macro")),
    "precision_micro": classification(lambda y, p: skm.precision_score(y, p, average="micro")),
    "r2": regression(skm.r2_score),
    "recall": classification(skm.recall_score),
    "recall_macro": classification(lambda y, p: skm.recall_score(y, p, average="macro")),
    "recall_micro": classification(lambda y, p: skm.recall_score(y, p, average="micro")),
}
def typed(value):
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value
answers = []
for hyperparameters in job["trials"]:
    params = {k: typed(v) for k, v in hyperparameters.items()}
    num_round = params.pop("num_round")
    early_rounds = params.pop("early_stopping_rounds", None)
    eval_metric = [m for m in str(params.pop("eval_metric", "")).split(",") if m] or None
    tuning = params.pop("_tuning_objective_metric", None)
    tuning = tuning.split(":")[1].split(",") if tuning else None
    union = sorted(set(tuning) | set(eval_metric)) if tuning and eval_metric else (tuning or eval_metric)
    feval_names = [m for m in union or [] if m in CUSTOM]
    cleaned = list(set(union) - set(feval_names)) if union else None
    if cleaned:
        params["eval_metric"] = cleaned
    def feval(preds, d):
        return [(name, CUSTOM[name](preds, d)) for name in feval_names]
    es_metric = (tuning[-1] if tuning else eval_metric[-1] if eval_metric else None) if early_rounds else None
    callbacks = [xgb.callback.EvaluationMonitor()]
    if es_metric:
        callbacks.append(xgb.callback.EarlyStopping(rounds=early_rounds, data_name="validation",
                                                    metric_name=es_metric, maximize=es_metric in job["maximize"],
                                                    save_best=True))
    metric_argument = {}
    if feval_names:
        metric_argument = {"custom_metric" if int(xgb.__version__.split(".")[0]) >= 3 else "feval": feval}
    evals_result = {}
    with tempfile.TemporaryFile("w+") as log:  # the container's stdout, where EvaluationMonitor prints
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(log.fileno(), 1)
        try:
            xgb.train({**params, "nthread": 1, "verbosity": 0}, dtrain, num_round,
                      evals=[(dtrain, "train"), (dvalid, "validation")], callbacks=callbacks,
                      evals_result=evals_result, verbose_eval=False, **metric_argument)
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
        log.seek(0)
        lines = [line.replace("\t", "#011") for line in log.read().splitlines() if line.startswith("[")]
    curves = {}
    for channel in ("train", "validation"):
        for metric in job["metrics"]:
            regex = re.compile(".*\\[[0-9]+\\].*#011" + channel + "-" + re.escape(metric)
                               + ":([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*")
            values = [float(m.group(1)) for m in map(regex.match, lines) if m]
            if values:
                curves[f"{channel}:{metric}"] = values
    answers.append({"curves": curves, "printed_rounds": len(lines),
                    "last_recorded": {f"{c}:{m}": float(f"{v[-1]:.5f}") for c, ms in evals_result.items()
                                      for m, v in ms.items()}})
print(json.dumps(answers))
"""


# constants/xgb_constants.py (the same on branches 1.5-1, 1.7-1 and master): the metrics SageMaker's regexes read
CONTAINER_MAXIMIZE = ["accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "map", "ndcg",
                      "precision", "r2", "recall", "precision_macro", "precision_micro", "recall_macro", "recall_micro"]
CONTAINER_MINIMIZE = ["aft-nloglik", "cox-nloglik", "error", "gamma-deviance", "gamma-nloglik",
                      "interval-regression-accuracy", "logloss", "mae", "mape", "merror", "mlogloss", "mphe", "mse",
                      "poisson-nloglik", "rmse", "rmsle", "tweedie-nloglik"]


def container_trainings(train: Path, validation: Path, trials: list[dict[str, str]], version: str = "1.5-1",
                        content_type: str = "csv") -> list[dict[str, Any]]:
    """Each job's SageMaker hyperparameters trained as the container trains them, in the image's environment:
    ``curves`` holds what SageMaker's metric regexes read from the log, every round (``train:`` and
    ``validation:`` for each of the container's metrics); ``printed_rounds`` the log's lines, and
    ``last_recorded`` each metric's value in the round training ended on, printed or not (XGBoost 1.x keeps
    the container's EvaluationMonitor and EarlyStopping in a set: which runs first varies)."""
    env = prepare_image(image_spec(version))
    job = {"train": str(train), "validation": str(validation), "trials": trials, "content_type": content_type,
           "metrics": CONTAINER_MAXIMIZE + CONTAINER_MINIMIZE, "maximize": CONTAINER_MAXIMIZE}
    done = subprocess.run([str(env.python), "-I", "-c", _CONTAINER_LOG], capture_output=True, text=True,
                          input=json.dumps(job))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
