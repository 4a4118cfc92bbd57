"""Trial extraction: paginated list calls, rows equal to the SageMaker SDK's dataframe, ReportInput."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber

from amt_pipeline.errors import TuningJobNotFound
from amt_pipeline.trials.report_input import ReportInput, collect_report_input, trials_csv
from amt_pipeline.trials.table import (
    EXTRA_COLUMNS,
    fetch_training_jobs,
    objective_of,
    parameter_ranges,
    sdk_columns,
    trials_table,
)
from tests.synthetic import START, training_job_summaries, tuning_job_describe


@pytest.fixture
def sagemaker():
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber


def _stub_list(stubber, name, summaries, page=100):
    pages = [summaries[i : i + page] for i in range(0, len(summaries), page)] or [[]]
    for i, chunk in enumerate(pages):
        expected = {"HyperParameterTuningJobName": name, "MaxResults": 100}
        if i:
            expected["NextToken"] = f"token-{i}"
        response = {"TrainingJobSummaries": chunk}
        if i < len(pages) - 1:
            response["NextToken"] = f"token-{i + 1}"
        stubber.add_response("list_training_jobs_for_hyper_parameter_tuning_job", response, expected)
    return len(pages)


def test_500_trials_take_five_list_calls_and_none_is_lost(sagemaker):
    # Given a tuning job with 500 training jobs, some failed (no objective)
    client, stubber = sagemaker
    summaries = training_job_summaries("big", 500, failed_every=9)
    calls = _stub_list(stubber, "big", summaries)

    # When every training job is fetched
    jobs = fetch_training_jobs(client, "big")

    # Then 5 list calls (no sort, so trials without an objective are kept) return all 500
    assert calls == 5
    stubber.assert_no_pending_responses()
    assert len(jobs) == 500
    assert sum(1 for j in jobs if "FinalHyperParameterTuningJobObjectiveMetric" not in j) == 500 // 9


def test_a_missing_tuning_job_raises_tuning_job_not_found(sagemaker):
    # Given SageMaker answers ResourceNotFound
    client, stubber = sagemaker
    stubber.add_client_error(
        "list_training_jobs_for_hyper_parameter_tuning_job",
        "ResourceNotFound",
        "Amazon SageMaker can't find a tuning job",
    )
    # When / Then
    with pytest.raises(TuningJobNotFound):
        fetch_training_jobs(client, "nope")


def _summary(**overrides):
    base = {
        "TrainingJobName": "job-001-aaaaaaaa",
        "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-001-aaaaaaaa",
        "TuningJobName": "job",
        "CreationTime": START,
        "TrainingStartTime": START + timedelta(seconds=30),
        "TrainingEndTime": START + timedelta(seconds=95),
        "TrainingJobStatus": "Completed",
        "TunedHyperParameters": {"eta": "0.25", "max_depth": "3", "booster": "gbtree"},
        "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:accuracy", "Value": 0.9},
        "ObjectiveStatus": "Succeeded",
    }
    base.update(overrides)
    return base


def test_rows_convert_like_the_sdk_numbers_to_float_categoricals_stay_strings():
    # Given one completed training job summary
    # When it becomes a row
    [row] = trials_table({"HyperParameterTuningJobName": "job"}, [_summary()])
    # Then hyperparameters are floats (ints too) except the categorical; elapsed is end - start
    assert row["eta"] == 0.25 and row["max_depth"] == 3.0 and isinstance(row["max_depth"], float)
    assert row["booster"] == "gbtree"
    assert row["FinalObjectiveValue"] == 0.9
    assert row["TrainingElapsedTimeSeconds"] == 65.0
    # And the columns are the SDK's, in its order, then ours
    assert list(row) == [
        "eta",
        "max_depth",
        "booster",
        "TrainingJobName",
        "TrainingJobStatus",
        "FinalObjectiveValue",
        "TrainingStartTime",
        "TrainingEndTime",
        "TrainingElapsedTimeSeconds",
        *EXTRA_COLUMNS,
    ]


def test_a_failed_trial_has_no_objective_and_no_elapsed_time_column_of_its_own():
    # Given a failed job that never started training and one from a multi-definition tuning job
    failed = _summary(
        TrainingJobName="job-002-bbbbbbbb",
        TrainingJobStatus="Failed",
        ObjectiveStatus="Failed",
        FailureReason="ClientError: bad",
        TrainingStartTime=None,
        TrainingEndTime=None,
    )
    del failed["FinalHyperParameterTuningJobObjectiveMetric"]
    multi = _summary(TrainingJobName="job-003-cccccccc", TrainingJobDefinitionName="xgb-def")

    # When they become rows
    rows = trials_table({"HyperParameterTuningJobName": "job"}, [failed, multi])

    # Then the failed row has FinalObjectiveValue None and, as in the SDK, no elapsed-time key
    assert rows[0]["FinalObjectiveValue"] is None
    assert "TrainingElapsedTimeSeconds" not in rows[0]
    assert rows[0]["FailureReason"] == "ClientError: bad"
    # And TrainingJobDefinitionName appears only where the summary has it
    assert "TrainingJobDefinitionName" not in rows[0] and rows[1]["TrainingJobDefinitionName"] == "xgb-def"
    # And a frame of the SDK subset has the SDK's columns (NaN where a row lacks a key)
    frame = pd.DataFrame(rows)[sdk_columns(rows)]
    assert list(frame.columns) == [
        "eta",
        "max_depth",
        "booster",
        "TrainingJobName",
        "TrainingJobStatus",
        "FinalObjectiveValue",
        "TrainingStartTime",
        "TrainingEndTime",
        "TrainingElapsedTimeSeconds",
        "TrainingJobDefinitionName",
    ]
    assert (
        pd.isna(frame.loc[0, "TrainingElapsedTimeSeconds"])
        and frame.loc[1, "TrainingElapsedTimeSeconds"] == 65
    )


def test_ranges_and_objective_are_read_from_the_describe_response():
    # Given the post's tuning job with a categorical range
    describe = tuning_job_describe("job", categorical=("gbtree", "dart"))
    # When
    ranges, objective = parameter_ranges(describe), objective_of(describe)
    # Then
    assert set(ranges) == {"alpha", "eta", "min_child_weight", "max_depth", "booster"}
    assert ranges["alpha"].is_log and ranges["eta"].min_value == 0.1 and ranges["max_depth"].kind == "Integer"
    assert ranges["booster"].values == ("gbtree", "dart")
    assert objective is not None and objective.metric_name == "validation:accuracy" and objective.maximize


# --- ReportInput -------------------------------------------------------------------------------


def test_collect_resolves_warm_start_parents_and_the_baseline(sagemaker):
    # Given a job warm-started from a parent, which was warm-started from a grandparent
    client, stubber = sagemaker
    jobs = {"child": ("parent",), "parent": ("grand",), "grand": ()}
    for name, parents in jobs.items():
        stubber.add_response(
            "describe_hyper_parameter_tuning_job",
            tuning_job_describe(name, max_jobs=3, parents=parents),
            {"HyperParameterTuningJobName": name},
        )
        _stub_list(stubber, name, training_job_summaries(name, 3))
    stubber.add_response(
        "describe_training_job",
        {
            "TrainingJobName": "child-baseline",
            "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/child-baseline",
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "img"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "CreationTime": START,
            "ModelArtifacts": {"S3ModelArtifacts": "s3://b/m.tar.gz"},
            "FinalMetricDataList": [
                {"MetricName": "train:accuracy", "Value": 0.99, "Timestamp": START},
                {"MetricName": "validation:accuracy", "Value": 0.848, "Timestamp": START},
            ],
        },
        {"TrainingJobName": "child-baseline"},
    )

    # When the report input is collected
    ri = collect_report_input(client, "child", baseline_job_name="child-baseline")

    # Then all three jobs' trials are there, the parents' apart, and the baseline is the objective metric
    stubber.assert_no_pending_responses()
    assert [j["HyperParameterTuningJobName"] for j in ri.tuning_jobs] == ["child", "parent", "grand"]
    assert len(ri.trials) == 3 and len(ri.parent_trials) == 6
    assert {t["TuningJobName"] for t in ri.parent_trials} == {"parent", "grand"}
    assert ri.baseline is not None and ri.baseline.objective_value == 0.848
    assert "ResponseMetadata" not in ri.tuning_jobs[0]


@pytest.mark.parametrize("code", ["ValidationException", "ResourceNotFound"])
def test_a_missing_baseline_is_not_an_error(sagemaker, code):
    # Given a tuning job whose baseline job does not exist
    client, stubber = sagemaker
    stubber.add_response(
        "describe_hyper_parameter_tuning_job",
        tuning_job_describe("job", max_jobs=2),
        {"HyperParameterTuningJobName": "job"},
    )
    _stub_list(stubber, "job", training_job_summaries("job", 2))
    stubber.add_client_error(
        "describe_training_job",
        code,
        "Requested resource not found.",
        expected_params={"TrainingJobName": "job-baseline"},
    )
    # When
    ri = collect_report_input(client, "job", baseline_job_name="job-baseline")
    # Then
    assert ri.baseline is None and len(ri.trials) == 2


def test_a_missing_tuning_job_is_reported_by_name(sagemaker):
    client, stubber = sagemaker
    stubber.add_client_error(
        "describe_hyper_parameter_tuning_job",
        "ResourceNotFound",
        "not found",
        expected_params={"HyperParameterTuningJobName": "ghost"},
    )
    with pytest.raises(TuningJobNotFound, match="ghost"):
        collect_report_input(client, "ghost")


def test_report_input_survives_a_json_round_trip_with_datetimes_back():
    # Given a report input with failed trials (None objectives) and tz-aware times
    describe = tuning_job_describe("job", max_jobs=20)
    rows = trials_table(describe, training_job_summaries("job", 20, failed_every=4))
    ri = ReportInput(tuning_job_name="job", tuning_jobs=[describe], trials=rows)
    # When it is written to JSON and read back
    text = ri.to_json()
    again = ReportInput.from_json(text)
    # Then the JSON is strict (no NaN) and the rows are equal, datetimes included
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert again.trials == rows
    assert isinstance(again.trials[0]["TrainingStartTime"], datetime)
    assert again.trials[0]["TrainingStartTime"].tzinfo is not None
    assert again.status == "Completed" and again.tuning_job["CreationTime"] == START.isoformat()


def test_trials_csv_has_one_row_per_trial_parents_included():
    describe = tuning_job_describe("job", max_jobs=5)
    rows = trials_table(describe, training_job_summaries("job", 5, failed_every=2))
    parent_rows = trials_table(describe, training_job_summaries("p", 2))
    ri = ReportInput(tuning_job_name="job", tuning_jobs=[describe], trials=rows, parent_trials=parent_rows)
    frame = pd.read_csv(__import__("io").StringIO(trials_csv(ri)))
    assert len(frame) == 7
    assert list(frame.columns[:4]) == ["alpha", "eta", "max_depth", "min_child_weight"]
    assert frame["FinalObjectiveValue"].isna().sum() == 2  # jobs 2 and 4 failed
    assert set(frame["TuningJobName"]) == {"job", "p"}
    assert frame["TrainingStartTime"].iloc[0].endswith("+00:00")


def test_times_from_boto3_local_timezone_are_kept():
    # boto3 parses timestamps with tzlocal(); elapsed seconds must not depend on it
    t0 = datetime(2024, 1, 1, tzinfo=UTC).astimezone()
    [row] = trials_table({}, [_summary(TrainingStartTime=t0, TrainingEndTime=t0 + timedelta(seconds=7))])
    assert row["TrainingElapsedTimeSeconds"] == 7.0 and row["TuningJobName"] == "job"
