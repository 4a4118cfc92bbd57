"""plan_run: the plan the state machine consumes, pure and deterministic."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from amt_pipeline.errors import InvalidExecutionInput
from amt_pipeline.facts import RUN_ID_PATTERN
from amt_pipeline.run.layout import RunLayout
from amt_pipeline.run.plan import default_run_id
from tests.layer_helpers import plan_run

STARTED = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
CONTEXT = {
    "bucket": "amt-bucket",
    "role_arn": "arn:aws:iam::123456789012:role/amt-sagemaker",
    "region": "eu-west-1",
    "execution_name": "exec-1",
    "started_at": STARTED,
    "stack_name": "amt-pipeline",
}


def plan(raw: object = None, **overrides: object) -> dict:
    return plan_run({} if raw is None else raw, **{**CONTEXT, **overrides})  # type: ignore[arg-type]


def test_plan_has_exactly_the_agreed_shape() -> None:
    p = plan()
    assert set(p) == {
        "run_id",
        "bucket",
        "run_prefix",
        "input",
        "dataset",
        "baseline",
        "tuning",
        "report",
        "follow",
        "data_warnings",
        "chain",
    }
    assert p["data_warnings"] == []  # the input-data check (ValidateInput) fills them
    assert set(p["baseline"]) == {"enabled", "training_job_name", "request"}
    assert set(p["tuning"]) == {"job_name", "warm_start", "request"}
    assert set(p["report"]) == {"html_uri", "reports_prefix_uri"}
    assert set(p["follow"]) == {"console_url", "describe_command"}
    assert p["chain"] == {"enabled": False, "chain_id": None, "round": 1, "round_key": None, "expiration": None}


def test_a_run_with_follow_up_is_the_first_round_of_its_own_chain() -> None:
    # Given a stack whose runs expire after 90 days (RunRetentionDays)
    p = plan({"follow_up": {}}, run_retention_days=90)
    # Then the round's record expires with the run: 90 days after the execution started (the table's TTL)
    assert p["chain"] == {"enabled": True, "chain_id": p["run_id"], "round": 1,
                          "round_key": f"chain-round#{p['run_id']}",
                          "expiration": int((STARTED + timedelta(days=90)).timestamp())}
    tags = {t["Key"]: t["Value"] for t in p["tuning"]["request"]["Tags"]}
    assert tags["amt-pipeline:chain-id"] == p["run_id"] and tags["amt-pipeline:round"] == "1"


def test_default_run_id_is_time_plus_execution_hash() -> None:
    # Given no job_name / When planned
    p = plan()
    # Then the run id is amt-<start>-<sha1(execution name)[:4]>, a valid tuning job name
    digest = hashlib.sha1(b"exec-1").hexdigest()[:4]
    assert p["run_id"] == f"amt-20250304-050607-{digest}"
    assert RUN_ID_PATTERN.fullmatch(p["run_id"])
    assert p["tuning"]["job_name"] == p["run_id"] == p["tuning"]["request"]["HyperParameterTuningJobName"]


def test_run_id_is_deterministic_per_execution_and_uses_utc() -> None:
    # Given the same instant in another time zone, and a naive UTC time
    cet = STARTED.astimezone(timezone(timedelta(hours=1)))
    naive = STARTED.replace(tzinfo=None)
    # Then the run id is the same; another execution name gives another id
    assert (
        default_run_id("exec-1", cet) == default_run_id("exec-1", naive) == default_run_id("exec-1", STARTED)
    )
    assert default_run_id("exec-2", STARTED) != default_run_id("exec-1", STARTED)
    assert plan() == plan()


def test_job_name_is_the_run_id() -> None:
    p = plan({"job_name": "my-tuning-1"})
    assert p["run_id"] == "my-tuning-1"
    assert p["run_prefix"] == "runs/my-tuning-1/"
    assert p["baseline"]["training_job_name"] == "my-tuning-1-baseline"


def test_builtin_dataset_plan_points_at_the_run_prefix() -> None:
    p = plan({"job_name": "r1"})
    layout = RunLayout("amt-bucket", "r1")
    assert p["dataset"] == {
        "kind": "builtin",
        "name": "digits",
        "split": "post",
        "seed": 0,
        "validation_fraction": 0.3,
        "train_key": layout.train_key,
        "validation_key": layout.validation_key,
    }
    channels = {
        c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"]
        for c in p["tuning"]["request"]["TrainingJobDefinition"]["InputDataConfig"]
    }
    assert channels == {
        "train": "s3://amt-bucket/runs/r1/data/train/",
        "validation": "s3://amt-bucket/runs/r1/data/validation/",
    }


def test_user_dataset_plan_keeps_the_uris() -> None:
    p = plan({"dataset": {"train_uri": "s3://theirs/t/", "validation_uri": "s3://theirs/v.csv"}})
    assert p["dataset"] == {
        "kind": "s3",
        "train_uri": "s3://theirs/t/",
        "validation_uri": "s3://theirs/v.csv",
        "content_type": "text/csv",
    }
    libsvm = plan({"dataset": {"train_uri": "s3://theirs/t/", "validation_uri": "s3://theirs/v.svm",
                               "content_type": "text/libsvm"}})
    channels = libsvm["tuning"]["request"]["TrainingJobDefinition"]["InputDataConfig"]
    assert [c["ContentType"] for c in channels] == ["text/libsvm", "text/libsvm"]


def test_input_is_normalised_with_every_default() -> None:
    p = plan({"max_jobs": 2})
    assert p["input"]["max_jobs"] == 2 and p["input"]["max_parallel_jobs"] == 2
    assert p["input"]["hyperparameters"]["num_round"] == 200
    assert p["input"]["dataset"]["split"] == "post"
    assert set(p["input"]) >= {"strategy", "hyperparameter_ranges", "baseline", "tags", "warm_start"}


def test_baseline_can_be_turned_off() -> None:
    p = plan({"baseline": False})
    assert p["baseline"] == {"enabled": False, "training_job_name": None, "request": None}


def test_warm_start_flag_follows_the_input() -> None:
    assert plan()["tuning"]["warm_start"] is False
    assert plan({"warm_start": {"parents": ["old-run"]}})["tuning"]["warm_start"] is True


def test_report_and_follow_links() -> None:
    p = plan({"job_name": "r1"})
    assert p["report"] == {
        "html_uri": "s3://amt-bucket/runs/r1/reports/index.html",
        "reports_prefix_uri": "s3://amt-bucket/runs/r1/reports/",
    }
    assert p["follow"] == {
        "console_url": "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1"
        "#/hyper-tuning-jobs/r1",
        "describe_command": "aws sagemaker describe-hyper-parameter-tuning-job "
        "--hyper-parameter-tuning-job-name r1",
    }


def test_plan_is_json_serialisable() -> None:
    p = plan(
        {"warm_start": {"parents": ["a"]}, "completion_criteria": {"target_objective_metric_value": 0.9}}
    )
    assert json.loads(json.dumps(p)) == p


def test_bad_input_fails_the_plan() -> None:
    with pytest.raises(InvalidExecutionInput) as exc:
        plan({"max_jobs": 0})
    assert [e.field for e in exc.value.errors] == ["max_jobs"]


def test_a_runs_keys_need_no_bucket_and_the_layout_adds_only_its_uris() -> None:
    from fnmatch import fnmatch

    from amt_pipeline.run.layout import RunKeys, reports_glob

    keys, layout = RunKeys("r1"), RunLayout("amt-bucket", "r1")
    for name in ("train_key", "validation_key", "trials_csv_key", "trials_json_key", "summary_key",
                 "report_html_key", "chain_json_key"):
        assert getattr(keys, name) == getattr(layout, name)
    assert (keys.report_html_key, keys.chain_json_key) == ("runs/r1/reports/index.html", "runs/r1/reports/chain.json")
    assert layout.uri(layout.summary_key) == "s3://amt-bucket/runs/r1/reports/summary.json"
    assert layout.output_uri == "s3://amt-bucket/runs/r1/output/"
    assert fnmatch(keys.report_html_key, reports_glob("index.html")) and not fnmatch(keys.train_key, reports_glob())
    with pytest.raises(ValueError, match="run id"):
        RunKeys("-r1")
