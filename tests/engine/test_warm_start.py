"""The warm-start restrictions CreateHyperParameterTuningJob enforces (AWS developer guide, Warm Start
Tuning Restrictions), on ended parent jobs built from their requests: no training."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from amt.local.engine.errors import ResourceLimitExceeded, ResourceNotFound, ValidationException
from amt.local.engine.tuning_job import TuningJob
from amt.local.engine.warm_start import warm_start_parents
from tests.engine.conftest import POST_RANGES, channel, tuning_request


def _parent(name: str, *, status: str = "Completed", total: int = 20, **options: Any) -> TuningJob:
    return TuningJob(name=name, arn=f"arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/{name}",
                     request=tuning_request(name, max_jobs=total, **options), creation_time=0.0,
                     last_modified_time=0.0, status=status, total=total)


PARENTS = {p.name: p for p in (_parent("round-1"), _parent("round-2"), _parent("running", status="InProgress"))}


def _child(*parents: str, kind: str = "IdenticalDataAndAlgorithm", change: Callable[[dict], Any] | None = None,
           **options: Any) -> dict:
    request = tuning_request("round-3", **options)
    request["WarmStartConfig"] = {"ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": p}
                                                                     for p in parents],
                                  "WarmStartType": kind}
    if change:
        change(request)
    return request


def _check(request: dict, parents: dict[str, TuningJob] = PARENTS) -> tuple[str, ...]:
    return warm_start_parents(request, job_limit=500, find_tuning_job=parents.get)


def _widen_eta(request: dict) -> None:
    eta = next(r for r in request["HyperParameterTuningJobConfig"]["ParameterRanges"]["ContinuousParameterRanges"]
               if r["Name"] == "eta")
    eta["MaxValue"] = "0.9"


def test_new_ranges_and_a_new_budget_on_the_same_data_and_image_are_an_identical_data_warm_start() -> None:
    assert _check(_child("round-1", "round-2", change=_widen_eta, max_jobs=40)) == ("round-1", "round-2")


def _retype_max_depth(request: dict) -> None:
    ranges = request["HyperParameterTuningJobConfig"]["ParameterRanges"]
    depth = ranges.pop("IntegerParameterRanges")[0]
    ranges["ContinuousParameterRanges"].append({**depth, "MinValue": "1.0", "MaxValue": "10.0"})


def _one_more_static(request: dict) -> None:
    request["TrainingJobDefinition"]["StaticHyperParameters"]["gamma"] = "0.1"


def _new_data(request: dict) -> None:
    request["TrainingJobDefinition"]["InputDataConfig"][0] = channel("train", "s3://other-bucket/train/")


def _new_image(request: dict) -> None:
    request["TrainingJobDefinition"]["AlgorithmSpecification"]["TrainingImage"] = (
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")


def _other_metric(request: dict) -> None:
    request["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"] = {
        "Type": "Minimize", "MetricName": "validation:mlogloss"}


@pytest.mark.parametrize(("parents", "kind", "change", "error", "words"), [
    (("round-1",) * 6, "IdenticalDataAndAlgorithm", None, ValidationException, "1 to 5 parent"),
    (("no-such-job",), "IdenticalDataAndAlgorithm", None, ResourceNotFound, "does not exist"),
    (("running",), "IdenticalDataAndAlgorithm", None, ValidationException, "has not ended"),
    (("round-1",), "Identical", None, ValidationException, "WarmStartType 'Identical'"),
    (("round-1",), "TransferLearning", _other_metric, ValidationException, "objective metric"),
    (("round-1",), "TransferLearning", _one_more_static, ValidationException, "static plus tunable"),
    (("round-1",), "TransferLearning", _retype_max_depth, ValidationException, "type of hyperparameter max_depth"),
    (("round-1",), "IdenticalDataAndAlgorithm", _new_data, ValidationException, "input data"),
    (("round-1",), "IdenticalDataAndAlgorithm", _new_image, ValidationException, "training image"),
], ids=["six-parents", "parent-missing", "parent-running", "unknown-type", "other-metric", "more-hyperparameters",
        "type-changed", "identical-with-new-data", "identical-with-new-image"])
def test_what_aws_refuses_is_refused_naming_the_restriction(parents, kind, change, error, words) -> None:
    with pytest.raises(error, match=words):
        _check(_child(*parents, kind=kind, change=change))


def test_transfer_learning_may_change_the_data_and_the_image() -> None:
    def both(request: dict) -> None:
        _new_data(request)
        _new_image(request)

    assert _check(_child("round-1", kind="TransferLearning", change=both)) == ("round-1",)


def test_a_hyperparameter_may_move_between_static_and_tunable_if_the_count_stays() -> None:
    # Given a parent that tuned gamma with alpha static, and a child that tunes alpha with gamma static
    ranges = copy.deepcopy(POST_RANGES)
    ranges["ContinuousParameterRanges"][0] = {"Name": "gamma", "MinValue": "0", "MaxValue": "5", "ScalingType": "Auto"}
    parent = _parent("gamma-tuned", ranges=ranges)
    parent.request["TrainingJobDefinition"]["StaticHyperParameters"]["alpha"] = "0.2"
    child = _child("gamma-tuned", change=lambda r: r["TrainingJobDefinition"]["StaticHyperParameters"].update(
        gamma="1"))
    # Then it is accepted (1 change: gamma tunable -> static)
    assert _check(child, {"gamma-tuned": parent}) == ("gamma-tuned",)


def test_more_than_ten_changes_to_static_are_refused() -> None:
    # Given a parent that tuned a categorical range of 11 values, made static in the child
    ranges = {**copy.deepcopy(POST_RANGES), "CategoricalParameterRanges": [
        {"Name": "grow_policy", "Values": ["depthwise", "lossguide"]},
        {"Name": "tree_method", "Values": [f"v{i}" for i in range(9)]}]}
    parent = _parent("categorical", ranges=ranges)
    child = _child("categorical", kind="TransferLearning", change=lambda r: r["TrainingJobDefinition"]
                   ["StaticHyperParameters"].update(grow_policy="depthwise", tree_method="hist"))
    # Then the 11 changes (each value counts) are refused
    with pytest.raises(ValidationException, match="11 changes"):
        _check(child, {"categorical": parent})


def test_the_parents_training_jobs_count_against_the_limit() -> None:
    # Given five parents of 99 training jobs each
    parents = {f"p{i}": _parent(f"p{i}", total=99) for i in range(5)}
    # Then 5 more reach the 500 a tuning job may run, and 6 pass it
    assert _check(_child(*parents, max_jobs=5), parents) == tuple(parents)
    with pytest.raises(ResourceLimitExceeded, match="parents' 495 training jobs plus MaxNumberOfTrainingJobs 6"):
        _check(_child(*parents, max_jobs=6), parents)
