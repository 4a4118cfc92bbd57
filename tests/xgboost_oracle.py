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
def load(path):  # the container's CSV: XGBoost's own reader, the label first (a folder: all its files)
    return xgb.DMatrix(path + "?format=csv&label_column=0&delimiter=,")
import numpy as np
dtrain, dvalid = load(job["train"]), load(job["validation"])
def container_metrics(names):  # the container's own rmse / mae (scikit-learn's, in float64), after XGBoost's
    def evaluate(preds, dmatrix):
        error = dmatrix.get_label().astype(np.float64) - preds.astype(np.float64)
        values = {"rmse": float(np.sqrt(np.mean(error ** 2))), "mae": float(np.mean(np.abs(error)))}
        return [(name, values[name]) for name in names]
    return evaluate if names else None
answers = []
for trial in job["trials"]:
    history = {}
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
