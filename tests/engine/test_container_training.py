"""amt_container.training in the image's own environment: a job the tuner stops is Stopped, never Failed."""

from __future__ import annotations

import json
import subprocess

import pytest

from amt.local.images import image_spec, prepare_image

# Runs in the image's interpreter: train on a tiny problem with early stopping on, the tuner's rule
# stopping the job after its first round (StopHyperParameterTuningJob's stop, or the median rule's).
_TRAIN = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
import numpy as np, xgboost as xgb
from amt_container.training import train
rng = np.random.default_rng(0)
x = rng.normal(size=(60, 3)); y = (x[:, 0] > 0).astype(float)
dtrain, dvalidation = xgb.DMatrix(x[:40], y[:40]), xgb.DMatrix(x[40:], y[40:])
hp = {"num_round": 20, "early_stopping_rounds": 5, "objective": "binary:logistic",
      "_tuning_objective_metric": "validation:logloss"}
outcome = train(hp, dtrain, dvalidation, "validation:logloss", lambda epoch, value: "stopped" if epoch == 0 else None)
print(json.dumps({"status": outcome.status, "reason": outcome.failure_reason, "rounds": outcome.rounds}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("version", ["1.5-1", "3.2-0"])
def test_a_job_stopped_in_its_first_round_with_early_stopping_on_ends_stopped(version: str) -> None:
    env = prepare_image(image_spec(version))
    done = subprocess.run([str(env.python), "-I", "-c", _TRAIN, str(env.code_root)], capture_output=True, text=True,
                          check=True)
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    # (it failed with "XGB train call failed with exception: int() argument must be ... not 'NoneType'":
    # early stopping's after_training read a best iteration it had never recorded)
    assert outcome == {"status": "Stopped", "reason": None, "rounds": 1}
