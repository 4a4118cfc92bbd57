"""A tuned ``csv_weights``: each SageMaker training job reads its channels with its own value (the
container reads ``csv_weights`` from the job's hyperparameters before it loads the data), so a trial
with 1 trains on the CSV's second column as instance weights and a trial with 0 on it as a feature."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from amt.local.engine import InMemoryUriStore
from tests.engine.conftest import TRAIN_URI, VALIDATION_URI, run, trials, tuning_request
from tests.xgboost_oracle import plain_trainings

pytestmark = pytest.mark.slow


def _weighted_csv(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> bytes:
    rows = (",".join([repr(float(label)), repr(float(w)), *(repr(float(v)) for v in row)])
            for row, label, w in zip(x, y, weights, strict=True))
    return ("\n".join(rows) + "\n").encode()


def test_each_trial_reads_the_data_with_its_own_csv_weights(make_engine, tmp_path: Path) -> None:
    from sklearn.datasets import load_diabetes

    # Given diabetes as label, weight, features: the weight favours the high targets
    x, y = load_diabetes(return_X_y=True)
    weights = np.where(y > np.median(y), 5.0, 0.2)
    train, validation = tmp_path / "train.csv", tmp_path / "validation.csv"
    train.write_bytes(_weighted_csv(x[:300], y[:300], weights[:300]))
    validation.write_bytes(_weighted_csv(x[300:], y[300:], weights[300:]))
    store = InMemoryUriStore({TRAIN_URI + "train.csv": train.read_bytes(),
                                 VALIDATION_URI + "validation.csv": validation.read_bytes()})
    engine = make_engine(storage=store, workers=2)
    # When a job tunes csv_weights (static 0) and eta, on validation:rmse
    static = {"objective": "reg:squarederror", "num_round": "20", "max_depth": "3", "csv_weights": "0"}
    ranges = {"CategoricalParameterRanges": [{"Name": "csv_weights", "Values": ["0", "1"]}],
              "ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5"}],
              "IntegerParameterRanges": []}
    request = tuning_request("amt-weights", strategy="Random", max_jobs=6, parallel=2, static=static, ranges=ranges,
                             HyperParameterTuningJobObjective={"Type": "Minimize", "MetricName": "validation:rmse"})
    assert run(engine, request)["HyperParameterTuningJobStatus"] == "Completed"
    # Then each trial scored what a plain training with its own csv_weights scores
    jobs = [engine.describe_training_job(TrainingJobName=t["TrainingJobName"]) for t in trials(engine, "amt-weights")]
    assert {j["HyperParameters"]["csv_weights"] for j in jobs} == {"0", "1"}
    expected = plain_trainings(train, validation, [j["HyperParameters"] for j in jobs])
    for job, plain in zip(jobs, expected, strict=True):
        final = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
        assert final["validation:rmse"] == plain["validation:rmse"], job["HyperParameters"]
