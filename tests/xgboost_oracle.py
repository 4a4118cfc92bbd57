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
