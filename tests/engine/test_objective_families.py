"""Every objective family, exact: a local training job's final metrics and learning curves equal the
container's training of the same job (tests/xgboost_oracle.container_trainings: plain xgb.train in the
image's environment, set up as the container's train.py sets it up, measured where SageMaker measures it,
in the log its EvaluationMonitor prints, with the container's metric regexes). One value a round.

Data: scikit-learn's breast cancer (binary), diabetes (regression; scaled to [0, 1] for reg:logistic,
counts for count:poisson), wine (3 classes); ranking needs query groups, which only LIBSVM's ``qid:``
carries among the container's formats (CSV has no group column), so the ranking case is the breast
cancer data as LIBSVM, 10 rows a query, relevance = the label. The table of what is compared is in
docs/objective-families.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from amt.local.engine import InMemoryUriStore
from tests.engine.conftest import IMAGE, TRAIN_URI, VALIDATION_URI, channel, training_request
from tests.xgboost_oracle import container_trainings

IMAGES = ("1.5-1", "1.7-1", "3.2-0")
COMMON = {"num_round": "40", "early_stopping_rounds": "3", "max_depth": "3", "eta": "0.3"}

# family -> (data set, content type, hyperparameters as SageMaker passes them to a trial)
CASES: dict[str, tuple[str, str, dict[str, str]]] = {
    "binary": ("breast_cancer", "csv", {
        "objective": "binary:logistic", "eval_metric": "logloss,error,error@0.3,aucpr,accuracy,f1_binary",
        "_tuning_objective_metric": "validation:auc"}),
    "regression": ("diabetes", "csv", {
        "objective": "reg:squarederror", "eval_metric": "rmse,mae,mse,r2",
        "_tuning_objective_metric": "validation:rmse"}),
    "regression-logistic": ("diabetes_unit", "csv", {
        "objective": "reg:logistic", "eval_metric": "rmse,logloss", "_tuning_objective_metric": "validation:logloss"}),
    "regression-poisson": ("diabetes_counts", "csv", {
        "objective": "count:poisson", "eval_metric": "poisson-nloglik,mae",
        "_tuning_objective_metric": "validation:poisson-nloglik"}),
    "multiclass-softmax": ("wine", "csv", {
        "objective": "multi:softmax", "num_class": "3", "eval_metric": "merror,mlogloss,accuracy,f1",
        "_tuning_objective_metric": "validation:merror"}),
    "multiclass-softprob": ("wine", "csv", {
        "objective": "multi:softprob", "num_class": "3", "eval_metric": "mlogloss,accuracy,f1",
        "_tuning_objective_metric": "validation:accuracy"}),
    "ranking": ("breast_cancer", "libsvm", {
        "objective": "rank:pairwise", "eval_metric": "ndcg,map", "_tuning_objective_metric": "validation:ndcg"}),
    "ranking-ndcg": ("breast_cancer", "libsvm", {
        "objective": "rank:ndcg", "eval_metric": "map", "_tuning_objective_metric": "validation:ndcg"}),
    "ranking-map": ("breast_cancer", "libsvm", {
        "objective": "rank:map", "eval_metric": "ndcg", "_tuning_objective_metric": "validation:map"}),
}


def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    loaders = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine}
    x, y = loaders.get(name, datasets.load_diabetes)(return_X_y=True)
    if name == "diabetes_unit":
        y = (y - y.min()) / (y.max() - y.min())
    elif name == "diabetes_counts":
        y = np.round(y / 25.0)
    order = np.random.default_rng(0).permutation(len(y))  # wine and breast cancer are sorted by class
    return x[order], y[order]


def _write(x: np.ndarray, y: np.ndarray, content_type: str) -> bytes:
    def fields(i: int, row: np.ndarray, label: float) -> list[str]:
        if content_type == "csv":
            return [repr(float(label)), *(repr(float(v)) for v in row)]
        return [repr(float(label)), f"qid:{i // 10 + 1}", *(f"{j + 1}:{float(v)!r}" for j, v in enumerate(row))]

    separator = "," if content_type == "csv" else " "
    rows = (separator.join(fields(i, row, label)) for i, (row, label) in enumerate(zip(x, y, strict=True)))
    return ("\n".join(rows) + "\n").encode()


def _files(tmp_path: Path, dataset: str, content_type: str) -> tuple[Path, Path]:
    x, y = _data(dataset)
    cut = int(len(y) * 0.7) // 10 * 10  # whole queries on each side
    paths = tmp_path / f"train.{content_type}", tmp_path / f"validation.{content_type}"
    paths[0].write_bytes(_write(x[:cut], y[:cut], content_type))
    paths[1].write_bytes(_write(x[cut:], y[cut:], content_type))
    return paths


def _local(make_engine: Any, train: Path, validation: Path, content_type: str, version: str,
           hyperparameters: dict[str, str]) -> tuple[dict[str, float], dict[str, list[float]], dict[str, Any]]:
    """The job's final metrics, its learning curves (what CloudWatch holds) and its stored record."""
    store = InMemoryUriStore({TRAIN_URI + train.name: train.read_bytes(),
                                 VALIDATION_URI + validation.name: validation.read_bytes()})
    engine = make_engine(storage=store, workers=1)
    request = training_request("amt-family", hyperparameters, image=IMAGE.replace(":1.5-1", f":{version}"))
    request["InputDataConfig"] = [{**channel(c, uri), "ContentType": f"text/{content_type}"}
                                  for c, uri in (("train", TRAIN_URI), ("validation", VALIDATION_URI))]
    engine.create_training_job(**request)
    engine.wait(120)
    job = engine.describe_training_job(TrainingJobName="amt-family")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    final = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    return final, engine.metric_history("amt-family"), engine._jobs.state.load("training-jobs", "amt-family")


def test_rmse_is_one_value_a_round_although_xgboost_and_the_container_both_compute_it(make_engine,
                                                                                       tmp_path: Path) -> None:
    # Given reg:squarederror tuned on validation:rmse: the container leaves eval_metric empty (XGBoost's
    # default metric is rmse) and adds its own rmse, so XGBoost records two rmse values every round
    hyperparameters = {**COMMON, "objective": "reg:squarederror", "eval_metric": "rmse",
                       "_tuning_objective_metric": "validation:rmse"}
    train, validation = _files(tmp_path, "diabetes", "csv")
    # When it trains locally
    final, curves, record = _local(make_engine, train, validation, "csv", "1.5-1", hyperparameters)
    # Then each round has one value, the container's (the last the log prints): early stopping ended training
    # 3 rounds after the best one, and the job's record counts as many rounds as the curves hold
    assert set(curves) == {"train:rmse", "validation:rmse"}
    assert len(curves["train:rmse"]) == len(curves["validation:rmse"]) == record["BestIteration"] + 1 + 3
    assert record["Rounds"] == len(curves["validation:rmse"]) < int(COMMON["num_round"])
    assert final == {"train:rmse": curves["train:rmse"][-1], "validation:rmse": curves["validation:rmse"][-1]}


@pytest.mark.slow
@pytest.mark.parametrize("version", IMAGES)
@pytest.mark.parametrize("family", list(CASES))
def test_each_family_equals_the_containers_training(make_engine, tmp_path: Path, family: str, version: str) -> None:
    # Given a family's data and a trial's hyperparameters
    dataset, content_type, specific = CASES[family]
    hyperparameters = {**COMMON, **specific}
    train, validation = _files(tmp_path, dataset, content_type)
    # When the local engine trains it, and the container's training of the same job runs beside it
    final, curves, _ = _local(make_engine, train, validation, content_type, version, hyperparameters)
    (container,) = container_trainings(train, validation, [hyperparameters], version, content_type)
    expected = container["curves"]
    # Then the container's log read the same metrics, one value a round, as the local learning curves
    assert set(curves) == set(expected) and expected, family
    objective = hyperparameters["_tuning_objective_metric"]
    assert objective in expected
    rounds = {len(v) for v in curves.values()}
    assert len(rounds) == 1, curves
    for name, values in expected.items():
        if len(values) == len(curves[name]):
            assert curves[name] == values, name
        else:
            # XGBoost 1.x ran early stopping before the log line of the round it stopped on (its callbacks
            # are a set); the local engine always records that round, as the container's listed order does
            assert version != "3.2-0" and len(values) == len(curves[name]) - 1, name
            assert curves[name][:-1] == values and curves[name][-1] == container["last_recorded"][name], name
    # And the final metrics are each curve's last value, as SageMaker keeps the last it read
    assert final == {name: values[-1] for name, values in curves.items()}
