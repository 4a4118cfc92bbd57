"""SageMaker's figures, locally: each image trains with the XGBoost release it ships.

The post ("Optimize hyperparameters with Amazon SageMaker Automatic Model Tuning") ran the built-in
XGBoost 1.5-1 on Digits, unshuffled 1,257/540 split: its baseline scored validation:accuracy
~0.848 (0.84815 = 458/540) and its best trial 0.89815 (485/540).
"""

from __future__ import annotations

import pytest

from amt.local.images import IMAGES
from tests.engine.conftest import IMAGE, STATIC, training_request

POST_STATIC = {**STATIC, "num_round": "200"}
POST_BEST = {"alpha": "0.05246", "eta": "0.4335", "max_depth": "3", "min_child_weight": "0.21881"}


def train(engine, name: str, hyperparameters: dict[str, str], image: str = IMAGE) -> dict:
    engine.create_training_job(**training_request(name, hyperparameters, image=image))
    engine.wait(300)
    job = engine.describe_training_job(TrainingJobName=name)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    return {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}


@pytest.mark.parametrize("version", ["1.5-1", "1.7-1"])
def test_the_posts_baseline_and_best_give_the_posts_figures(engine, version) -> None:
    image = IMAGE.replace(":1.5-1", f":{version}")
    assert train(engine, "amt-baseline", POST_STATIC, image)["validation:accuracy"] == 0.84815
    assert train(engine, "amt-best", {**POST_STATIC, **POST_BEST}, image)["validation:accuracy"] == 0.89815


def test_the_newest_image_trains_with_its_own_release(engine) -> None:
    """3.2-0 ships XGBoost 3.2.0, whose default tree method (hist) gives other figures than 1.5.2's.
    multi:softprob: the 3.x containers pass their accuracy to xgboost as ``custom_metric``, which
    receives class labels (not margins) for multi:softmax."""
    newest = max(IMAGES, key=lambda v: tuple(int(p) for p in v.replace("-", ".").split(".")))
    assert newest == "3.2-0" and IMAGES[newest].xgboost == "3.2.0"
    image = IMAGE.replace(":1.5-1", f":{newest}")
    metrics = train(engine, "amt-newest", {**POST_STATIC, "objective": "multi:softprob"}, image)
    assert 0.8 < metrics["validation:accuracy"] < 1 and metrics["validation:accuracy"] != 0.84815


def test_an_image_without_a_local_environment_is_refused_with_the_reason(engine) -> None:
    from amt.local.engine import LocalSageMakerError

    with pytest.raises(LocalSageMakerError, match=r"sagemaker-xgboost:1\.3-1 \(XGBoost 1\.3\.3 needs numpy 1"):
        train(engine, "amt-old", POST_STATIC, IMAGE.replace(":1.5-1", ":1.3-1"))


def test_the_container_side_and_the_layer_agree_on_the_containers_metrics() -> None:
    """amt_container may not import the layer (it runs in the image's environment): its copies of the
    container's constants must stay equal to the layer's (amt_pipeline.run.xgboost_rules)."""
    from amt_container.metrics import CUSTOM_METRICS
    from amt_container.training import MAXIMIZE_METRICS
    from amt_pipeline.run import xgboost_rules

    assert set(MAXIMIZE_METRICS) == set(xgboost_rules.XGB_MAXIMIZE_METRICS)
    assert set(CUSTOM_METRICS) <= set(xgboost_rules.XGB_MAXIMIZE_METRICS + xgboost_rules.XGB_MINIMIZE_METRICS)
