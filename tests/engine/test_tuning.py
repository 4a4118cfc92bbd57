"""Tuning behaviour with real (tiny) training: strategies, parallelism, determinism, rules."""

from __future__ import annotations

import json

import pytest

from amt.local.engine import LocalSageMakerError
from tests.engine.conftest import run, trials, tuning_request

pytestmark = pytest.mark.slow


def _overlap(jobs: list[dict]) -> int:
    """The most jobs that ran at the same time."""
    points = sorted(
        [(j["TrainingStartTime"], 1) for j in jobs] + [(j["TrainingEndTime"], -1) for j in jobs],
        key=lambda p: (p[0], p[1]),
    )
    most = cur = 0
    for _, step in points:
        cur += step
        most = max(most, cur)
    return most


@pytest.mark.parametrize("strategy", ["Bayesian", "Random"])
def test_strategy_runs_every_job_within_ranges(engine, events, strategy) -> None:
    # Given the post's ranges, 6 jobs, 2 in parallel
    desc = run(engine, tuning_request(f"amt-{strategy.lower()}", strategy=strategy))
    # Then all 6 trained, the best is among them and every value lies in its range
    assert desc["HyperParameterTuningJobStatus"] == "Completed"
    assert desc["TrainingJobStatusCounters"]["Completed"] == 6
    assert desc["ObjectiveStatusCounters"]["Succeeded"] == 6
    jobs = trials(engine, desc["HyperParameterTuningJobName"])
    best = max(jobs, key=lambda j: j["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    assert (
        desc["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        == best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    )
    for j in jobs:
        hp = j["TunedHyperParameters"]
        assert 0.01 <= float(hp["alpha"]) <= 0.5 and 0.1 <= float(hp["eta"]) <= 0.5
        assert 0 <= float(hp["min_child_weight"]) <= 2 and hp["max_depth"] in {str(i) for i in range(1, 11)}
        assert 0.5 < j["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] <= 1
        assert j["TrainingJobName"].startswith(desc["HyperParameterTuningJobName"] + "-")
    assert sorted(j["TrainingJobName"].split("-")[-2] for j in jobs) == [f"{i:03d}" for i in range(1, 7)]
    # and the model artifacts are where SageMaker writes them
    for j in jobs:
        model = engine.describe_training_job(TrainingJobName=j["TrainingJobName"])["ModelArtifacts"][
            "S3ModelArtifacts"
        ]
        assert (
            model
            == f"s3://amt-pipeline-data-123456789012/runs/amt-test/output/{j['TrainingJobName']}/output/model.tar.gz"
        )
        assert engine.storage.get(model)[:2] == b"\x1f\x8b"
    # and the events: InProgress then Completed for the tuning job, two per training job
    tuning_events = [
        e for e in events if e["detail-type"] == "SageMaker HyperParameter Tuning Job State Change"
    ]
    assert [e["detail"]["HyperParameterTuningJobStatus"] for e in tuning_events] == [
        "InProgress",
        "Completed",
    ]
    assert "BestTrainingJob" not in tuning_events[-1]["detail"]
    assert tuning_events[-1]["detail"]["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"].endswith(
        "/output/"
    )
    assert tuning_events[-1]["detail"]["TrainingJobStatusCounters"]["Completed"] == 6
    assert len([e for e in events if e["detail-type"] == "SageMaker Training Job State Change"]) == 12


def test_same_seed_same_trials_despite_parallelism(make_engine, tmp_path) -> None:
    runs = []
    for k in range(2):
        engine = make_engine(state_dir=tmp_path / f"state{k}")
        run(engine, tuning_request("amt-seeded", max_jobs=14, parallel=2, seed=42))
        jobs = trials(engine, "amt-seeded", SortBy="CreationTime")
        runs.append(
            [
                (j["TunedHyperParameters"], j["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
                for j in jobs
            ]
        )
    assert runs[0] == runs[1]
    assert len({json.dumps(hp, sort_keys=True) for hp, _ in runs[0]}) == 14


def test_max_parallel_is_respected(make_engine) -> None:
    engine = make_engine(workers=2)
    run(engine, tuning_request("amt-serial", max_jobs=4, parallel=1, strategy="Random"))
    jobs = trials(engine, "amt-serial")
    assert _overlap(jobs) == 1
    run(engine, tuning_request("amt-parallel", max_jobs=6, parallel=2, strategy="Random"))
    assert _overlap(trials(engine, "amt-parallel")) <= 2


def test_failed_trials_are_recorded_and_the_job_goes_on(engine) -> None:
    # Given a categorical range where one value makes xgboost raise (num_class 3 for 10 labels)
    ranges = {
        "CategoricalParameterRanges": [{"Name": "num_class", "Values": ["10", "3"]}],
        "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "2", "MaxValue": "4"}],
    }
    desc = run(engine, tuning_request("amt-failing", strategy="Random", max_jobs=8, ranges=ranges))
    jobs = trials(engine, "amt-failing")
    failed = [j for j in jobs if j["TrainingJobStatus"] == "Failed"]
    ok = [j for j in jobs if j["TrainingJobStatus"] == "Completed"]
    assert failed and ok and len(jobs) == 8
    assert all(j["TunedHyperParameters"]["num_class"] == "3" for j in failed)
    assert all(j["FailureReason"].startswith("AlgorithmError: XGB train call failed") for j in failed)
    assert all(
        j["ObjectiveStatus"] == "Failed" and "FinalHyperParameterTuningJobObjectiveMetric" not in j
        for j in failed
    )
    assert desc["HyperParameterTuningJobStatus"] == "Completed"
    assert desc["TrainingJobStatusCounters"]["NonRetryableError"] == len(failed)
    assert desc["ObjectiveStatusCounters"]["Failed"] == len(failed)
    assert trials(engine, "amt-failing", StatusEquals="Failed") == sorted(
        failed, key=lambda j: j["TrainingJobName"]
    )
    # sorting by the objective drops jobs without one
    assert len(trials(engine, "amt-failing", SortBy="FinalObjectiveMetricValue")) == len(ok)


def test_all_trials_failing_fails_the_tuning_job(engine, events) -> None:
    request = tuning_request("amt-allfail", strategy="Random", max_jobs=2)
    request["TrainingJobDefinition"]["StaticHyperParameters"]["subsample"] = "0"  # out of (0, 1]
    desc = run(engine, request)
    assert desc["HyperParameterTuningJobStatus"] == "Failed"
    assert "ClientError: Hyperparameter subsample" in desc["FailureReason"]
    assert events[-1]["detail"]["HyperParameterTuningJobStatus"] == "Failed"


def test_grid_runs_every_combination_once(engine) -> None:
    ranges = {
        "CategoricalParameterRanges": [
            {"Name": "max_depth", "Values": ["2", "3", "4"]},
            {"Name": "eta", "Values": ["0.1", "0.3"]},
        ]
    }
    request = tuning_request("amt-grid", strategy="Grid", ranges=ranges)
    request["HyperParameterTuningJobConfig"]["ResourceLimits"].pop("MaxNumberOfTrainingJobs")
    desc = run(engine, request)
    combos = sorted(
        (j["TunedHyperParameters"]["max_depth"], j["TunedHyperParameters"]["eta"])
        for j in trials(engine, "amt-grid")
    )
    assert combos == sorted((d, e) for d in ("2", "3", "4") for e in ("0.1", "0.3"))
    assert desc["TrainingJobStatusCounters"]["Completed"] == 6


def test_grid_with_its_size_as_the_job_limit_and_parallel_trials_completes(engine) -> None:
    # As the execution input fills it in: MaxNumberOfTrainingJobs = the grid's size, 3 in parallel.
    ranges = {
        "CategoricalParameterRanges": [
            {"Name": "max_depth", "Values": ["2", "3", "4"]},
            {"Name": "eta", "Values": ["0.1", "0.3", "0.5"]},
        ]
    }
    request = tuning_request("amt-grid-full", strategy="Grid", ranges=ranges, max_jobs=9, parallel=3)
    desc = run(engine, request)
    assert desc["HyperParameterTuningJobStatus"] == "Completed", desc.get("FailureReason")
    assert desc["TrainingJobStatusCounters"]["Completed"] == 9


def test_hyperband_halves_over_num_round(engine) -> None:
    request = tuning_request(
        "amt-hyperband",
        strategy="Hyperband",
        max_jobs=12,
        parallel=2,
        StrategyConfig={"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 27}},
    )
    static = request["TrainingJobDefinition"]["StaticHyperParameters"]
    static.pop("early_stopping_rounds")
    desc = run(engine, request)
    jobs = trials(engine, "amt-hyperband")
    stopped = [j for j in jobs if j["TrainingJobStatus"] == "Stopped"]
    assert len(jobs) == 12 and stopped
    for j in stopped:
        rounds = len(engine.metric_history(j["TrainingJobName"])["validation:accuracy"])
        assert rounds in (1, 3, 9)
        assert j["ObjectiveStatus"] == "Succeeded"
    assert desc["TrainingJobStatusCounters"]["Stopped"] == len(stopped)
    assert all(
        engine.describe_training_job(TrainingJobName=j["TrainingJobName"])["HyperParameters"]["num_round"]
        == "27"
        for j in jobs
    )


def test_early_stopping_auto_stops_some_trials(engine) -> None:
    # Given ranges wide enough that some trials are plainly worse (min_child_weight up to 120)
    ranges = {
        "ContinuousParameterRanges": [{"Name": "min_child_weight", "MinValue": "0", "MaxValue": "120"}],
        "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "1", "MaxValue": "6"}],
    }
    request = tuning_request(
        "amt-autostop",
        strategy="Random",
        max_jobs=12,
        parallel=2,
        ranges=ranges,
        TrainingJobEarlyStoppingType="Auto",
    )
    request["TrainingJobDefinition"]["StaticHyperParameters"].update(num_round="30")
    request["TrainingJobDefinition"]["StaticHyperParameters"].pop("early_stopping_rounds")
    desc = run(engine, request)
    jobs = trials(engine, "amt-autostop")
    stopped = [j for j in jobs if j["TrainingJobStatus"] == "Stopped"]
    assert stopped, "the median rule stopped nothing"
    assert desc["TrainingJobStatusCounters"]["Stopped"] == len(stopped)
    for j in stopped:
        assert len(engine.metric_history(j["TrainingJobName"])["validation:accuracy"]) < 30
        assert j["ObjectiveStatus"] == "Succeeded"


def test_target_objective_value_completes_early(engine) -> None:
    request = tuning_request(
        "amt-target",
        strategy="Random",
        max_jobs=20,
        parallel=2,
        TuningJobCompletionCriteria={"TargetObjectiveMetricValue": 0.5},
    )
    desc = run(engine, request)
    assert desc["HyperParameterTuningJobStatus"] == "Completed"
    n = sum(desc["TrainingJobStatusCounters"].values())
    assert n <= 2  # the first trial reaches 0.5; only the one already running finishes too


def test_best_objective_not_improving_completes_early(engine) -> None:
    request = tuning_request(
        "amt-flat",
        strategy="Random",
        max_jobs=20,
        parallel=1,
        TuningJobCompletionCriteria={"BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 3}},
    )
    desc = run(engine, request)
    assert sum(desc["TrainingJobStatusCounters"].values()) < 20
    assert desc["TuningJobCompletionDetails"]["NumberOfTrainingJobsObjectiveNotImproving"] == 3


def test_warm_start_seeds_the_study_with_parent_trials(engine, tmp_path) -> None:
    run(engine, tuning_request("amt-parent", max_jobs=4, parallel=2))
    child = tuning_request("amt-child", max_jobs=2, parallel=2, WarmStartConfig=None)
    child["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "amt-parent"}],
        "WarmStartType": "IdenticalDataAndAlgorithm",
    }
    child["HyperParameterTuningJobConfig"].pop("WarmStartConfig")
    desc = run(engine, child)
    assert desc["HyperParameterTuningJobStatus"] == "Completed"
    assert (
        desc["WarmStartConfig"]["ParentHyperParameterTuningJobs"][0]["HyperParameterTuningJobName"]
        == "amt-parent"
    )
    record = json.loads((tmp_path / "state" / "tuning-jobs" / "amt-child.json").read_text())
    assert record["WarmStartTrials"] == 4


def test_stop_tuning_job(engine, events) -> None:
    request = tuning_request("amt-stopme", strategy="Random", max_jobs=50, parallel=2)
    request["TrainingJobDefinition"]["StaticHyperParameters"].update(
        num_round="200", early_stopping_rounds="200"
    )
    engine.create_hyper_parameter_tuning_job(**request)
    engine.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="amt-stopme")
    engine.wait(60)
    desc = engine.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="amt-stopme")
    assert desc["HyperParameterTuningJobStatus"] == "Stopped"
    assert sum(desc["TrainingJobStatusCounters"].values()) < 50
    statuses = [e["detail"]["HyperParameterTuningJobStatus"] for e in events if "Tuning" in e["detail-type"]]
    assert statuses == ["InProgress", "Stopping", "Stopped"]
    with pytest.raises(LocalSageMakerError):
        engine.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="amt-stopme")


def test_progress_after_every_trial(make_engine) -> None:
    seen = []
    engine = make_engine(on_progress=seen.append)
    run(engine, tuning_request("amt-progress", max_jobs=4, parallel=2, strategy="Random"))
    assert [p.completed for p in seen][:4] == [1, 2, 3, 4]
    assert seen[-1].total == 4 and seen[-1].best_objective is not None and seen[-1].running == 0
