"""Our trials table equals the SageMaker Python SDK's ``HyperparameterTuningJobAnalytics(...).dataframe()``.

The SDK cannot live in ``.venv`` (its pins clash with moto), so it runs in its
own virtualenv, ``.venv-sdk`` (SDK v3, ``sagemaker.core.analytics``), through
``scripts/sdk_trials_dataframe.py``. Both sides get the SAME bytes: what
SageMaker sends on the wire (JSON, epoch-second timestamps), answered at
botocore's ``before-send`` hook, so botocore parses them for the SDK exactly as
it does for our ``fetch_training_jobs`` (tzlocal datetimes, floats). One
subprocess per SDK serves every job (the SDK imports once).

Without ``.venv-sdk`` the test skips, unless CI is set: then it fails, so a CI
run can never pass without the oracle. SDK v2 (``sagemaker.analytics``, in
``.venv-amtviz``, the benchmark's amtviz virtualenv) is checked too when present.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pandas as pd
import pytest

from amt_pipeline.trials.table import fetch_training_jobs, sdk_columns, trials_table
from tests.synthetic import START, training_job_summaries, tuning_job_describe

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "sdk_trials_dataframe.py"
SDK_VENVS = {
    "v3": ROOT / ".venv-sdk",  # required: the oracle (skips locally, fails in CI when missing)
    "v2": ROOT / ".venv-amtviz",  # optional: SDK v2, where amtviz lives
}
PAGE = 100


def _load_script():
    spec = importlib.util.spec_from_file_location("sdk_trials_dataframe", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


oracle = _load_script()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# --- Emulated SageMaker responses, as sent on the wire -----------------------------------------


def job(describe: dict[str, Any], summaries: list[dict[str, Any]]) -> dict[str, Any]:
    return oracle.wire_job(describe, summaries, page=PAGE)


def _never_started(summary: dict[str, Any], reason: str) -> dict[str, Any]:
    out = {k: v for k, v in summary.items() if k not in ("TrainingStartTime", "TrainingEndTime")}
    out.pop("FinalHyperParameterTuningJobObjectiveMetric", None)
    out.update(TrainingJobStatus="Failed", ObjectiveStatus="Failed", FailureReason=reason)
    return out


def case_post_ranges() -> dict[str, Any]:
    """The post's job: 4 ranges (alpha, eta, min_child_weight Continuous; max_depth Integer), 50 trials."""
    return job(tuning_job_describe("post"), training_job_summaries("post", 50))


def case_categorical_and_log() -> dict[str, Any]:
    """A Categorical range, a Logarithmic one, numeric-looking and JSON-quoted categorical values."""
    describe = tuning_job_describe("cat-log", categorical=("gbtree", "dart", "gblinear"))
    ranges = describe["HyperParameterTuningJobConfig"]["ParameterRanges"]
    ranges["ContinuousParameterRanges"][1]["ScalingType"] = "ReverseLogarithmic"  # eta
    ranges["IntegerParameterRanges"][0]["ScalingType"] = "Logarithmic"  # max_depth
    ranges["CategoricalParameterRanges"] += [
        {"Name": "num_parallel_tree", "Values": ["1", "2", "4"]},  # the SDK makes these floats
        {"Name": "tree_method", "Values": ['"hist"', '"approx"']},  # estimator-style JSON strings
    ]
    summaries = training_job_summaries("cat-log", 30, categorical=("gbtree", "dart", "gblinear"))
    for i, summary in enumerate(summaries):
        summary["TunedHyperParameters"]["num_parallel_tree"] = ("1", "2", "4")[i % 3]
        summary["TunedHyperParameters"]["tree_method"] = ('"hist"', '"approx"')[i % 2]
        summary["TunedHyperParameters"]["alpha"] = f"{float(summary['TunedHyperParameters']['alpha']):.3e}"
    return job(describe, summaries)


def case_failed_without_objective() -> dict[str, Any]:
    """Failed trials with no objective; some never started (no times), one listed first; one in progress."""
    summaries = training_job_summaries("failures", 40, failed_every=3)
    summaries[0] = _never_started(summaries[0], "CapacityError: no ml.m5.large")
    summaries[7] = _never_started(summaries[7], "ClientError: bad channel")
    running = summaries[1]
    for key in ("TrainingEndTime", "FinalHyperParameterTuningJobObjectiveMetric"):
        running.pop(key, None)
    running.update(TrainingJobStatus="InProgress", ObjectiveStatus="Pending")
    return job(tuning_job_describe("failures", status="InProgress", max_jobs=40), summaries)


def case_stopped() -> dict[str, Any]:
    """Trials stopped early (with their last objective) and a stopped one without any objective."""
    summaries = training_job_summaries("stopped", 24, stopped_every=4, failed_every=5)
    bare = summaries[2]
    bare.pop("FinalHyperParameterTuningJobObjectiveMetric", None)
    bare.update(TrainingJobStatus="Stopped", ObjectiveStatus="Pending")
    return job(tuning_job_describe("stopped", status="Stopped", max_jobs=24), summaries)


def case_three_pages() -> dict[str, Any]:
    """250 trials: 3 list pages of at most 100."""
    summaries = training_job_summaries("pages", 250, failed_every=7, stopped_every=11)
    return job(tuning_job_describe("pages", max_jobs=250), summaries)


def case_several_definitions() -> dict[str, Any]:
    """TrainingJobDefinitions (no TrainingJobDefinition): each trial names its definition."""
    base = tuning_job_describe("multi")
    single = base.pop("TrainingJobDefinition")
    ranges = base["HyperParameterTuningJobConfig"].pop("ParameterRanges")
    objective = base["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]
    linear = {
        "ContinuousParameterRanges": [
            {"Name": "lambda", "MinValue": "0.001", "MaxValue": "10", "ScalingType": "Logarithmic"}
        ],
        "CategoricalParameterRanges": [{"Name": "booster", "Values": ["gblinear"]}],
    }
    base["TrainingJobDefinitions"] = [
        {
            **copy.deepcopy(single),
            "DefinitionName": "xgb-tree",
            "HyperParameterRanges": ranges,
            "TuningObjective": objective,
        },
        {
            **copy.deepcopy(single),
            "DefinitionName": "xgb-linear",
            "HyperParameterRanges": linear,
            "TuningObjective": objective,
        },
    ]
    summaries = training_job_summaries("multi", 20, failed_every=6)
    for i, summary in enumerate(summaries):
        if i % 2 == 0:  # the first listed trial is a linear one: its columns come first
            summary["TunedHyperParameters"] = {"lambda": f"{0.001 * 10 ** (i / 5):.6g}", "booster": "gblinear"}
            summary["TrainingJobDefinitionName"] = "xgb-linear"
        else:
            summary["TrainingJobDefinitionName"] = "xgb-tree"
    return job(base, summaries)


def case_no_trials() -> dict[str, Any]:
    """A job that has not started a training job yet: the SDK's frame is empty (no columns)."""
    return job(tuning_job_describe("empty", status="InProgress", max_jobs=10), [])


def case_local_times() -> dict[str, Any]:
    """Times that are not whole seconds and cross a day (elapsed seconds from parsed timestamps)."""
    summaries = training_job_summaries("times", 12, start=START + timedelta(hours=11, minutes=59, seconds=59.5))
    return job(tuning_job_describe("times", max_jobs=12), summaries)


CASES = {
    "post-4-ranges": case_post_ranges,
    "categorical-and-log": case_categorical_and_log,
    "failed-without-objective": case_failed_without_objective,
    "stopped": case_stopped,
    "250-trials-3-pages": case_three_pages,
    "several-definitions": case_several_definitions,
    "no-trials": case_no_trials,
    "fractional-times": case_local_times,
}


def case_empty_page_with_a_token() -> dict[str, Any]:
    """A page with no summaries but a NextToken, then more trials: the SDK stops there, we do not."""
    responses = job(tuning_job_describe("gap", max_jobs=150), training_job_summaries("gap", 150))
    first, last = responses["list_pages"]
    responses["list_pages"] = [first, {"TrainingJobSummaries": [], "NextToken": "gap-page-2"}, last]
    return responses


# Where we knowingly differ from the SDK (checked on its own below, not in the equality test).
DIVERGENT = {"empty-page-with-a-token": case_empty_page_with_a_token}


# --- The two sides ------------------------------------------------------------------------------


def sdk_venv_python(version: str) -> Path:
    python = SDK_VENVS[version] / "bin" / "python"
    if python.exists():
        return python
    reason = f"{SDK_VENVS[version].name} is missing: create it (see bench/README.md / the Makefile's SDK target)"
    if version == "v3" and _in_ci():
        pytest.fail(f"CI is set and the SageMaker SDK oracle {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module", params=sorted(SDK_VENVS, reverse=True))
def sdk_results(request, tmp_path_factory) -> dict[str, dict[str, Any]]:
    """The SDK's frame for every case, from one subprocess of that SDK's virtualenv."""
    python = sdk_venv_python(request.param)
    everything = {**CASES, **DIVERGENT}
    jobs = [factory() for factory in everything.values()]
    path = tmp_path_factory.mktemp("sdk") / "responses.json"
    path.write_text(json.dumps({"jobs": jobs}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    done = subprocess.run([str(python), str(SCRIPT), str(path)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, f"{python} {SCRIPT.name} failed:\n{done.stderr[-4000:]}"
    results = json.loads(done.stdout)["results"]
    expected_module = "sagemaker.core.analytics" if request.param == "v3" else "sagemaker.analytics"
    assert all(expected_module in r["sdk"] for r in results), results[0]["sdk"]
    return dict(zip(everything, results, strict=True))


def ours(responses: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Our table for the same wire responses: boto3 client -> fetch_training_jobs -> trials_table."""
    calls: list[dict[str, Any]] = []
    session = botocore.session.Session()
    session.register("before-send", oracle.wire_handler([responses], calls))
    client = boto3.Session(botocore_session=session, region_name="us-east-1").client("sagemaker")
    name = responses["tuning_job_name"]
    describe = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    rows = trials_table(describe, fetch_training_jobs(client, name))
    frame = pd.DataFrame(rows)[sdk_columns(rows)] if rows else pd.DataFrame()
    return oracle.frame_to_json(frame), calls


def _dtype_kind(dtype: str) -> str:
    if dtype.startswith("datetime64"):
        return "instant"
    if dtype.startswith(("float", "int")):
        return "number"
    return "text"  # object (pandas 2) or str (pandas 3)


@pytest.mark.parametrize("case", list(CASES))
def test_our_trials_table_equals_the_sdk_dataframe(case, sdk_results):
    # Given SageMaker's responses for the job, served to both sides on the wire
    responses = CASES[case]()
    sdk = sdk_results[case]

    # When our table is built from them
    mine, calls = ours(responses)

    # Then it has the SDK's columns, in the SDK's order, and as many rows
    assert mine["columns"] == sdk["columns"], sdk["sdk"]
    assert mine["rows"] == sdk["rows"]
    # And the same dtypes (exactly, when both sides run the same pandas)
    if mine["pandas"] == sdk["pandas"]:
        assert mine["dtypes"] == sdk["dtypes"]
    else:
        assert [_dtype_kind(d) for d in mine["dtypes"]] == [_dtype_kind(d) for d in sdk["dtypes"]]
    # And every value is equal (floats exactly; times as UTC instants; missing as missing)
    for column in sdk["columns"]:
        assert mine["data"][column] == sdk["data"][column], f"{case}: column {column} differs ({sdk['sdk']})"
    # And we make the SDK's list calls, one per page of 100, never more
    ours_list = [c["request"] for c in calls if c["operation"] == oracle.LIST_OPERATION]
    sdk_list = [c["request"] for c in sdk["calls"] if c["operation"] == oracle.LIST_OPERATION]
    assert ours_list == sdk_list


def test_an_empty_page_with_a_token_ends_the_sdks_listing_but_not_ours(sdk_results):
    # Given pages of 100 trials, then an empty page that still carries a NextToken, then 50 more
    responses = case_empty_page_with_a_token()
    sdk = sdk_results["empty-page-with-a-token"]

    # When both sides list the trials
    mine, calls = ours(responses)

    # Then the SDK stops at the empty page (its loop needs a non-empty page to follow a token)
    # and loses the last 50; we follow the token and keep all 150 (a report must not drop trials).
    assert sdk["rows"] == 100 and mine["rows"] == 150
    assert sum(c["operation"] == oracle.LIST_OPERATION for c in calls) == 3
    # And on the rows both have, the columns and values are the SDK's
    assert mine["columns"] == sdk["columns"]
    for column in sdk["columns"]:
        assert mine["data"][column][:100] == sdk["data"][column]


def test_the_cases_cover_what_they_claim():
    # Guards the fixtures themselves: pages, statuses, missing objectives and definitions
    by_case = {name: factory() for name, factory in CASES.items()}
    summaries = {name: [s for p in r["list_pages"] for s in p["TrainingJobSummaries"]] for name, r in by_case.items()}
    assert len(by_case["250-trials-3-pages"]["list_pages"]) == 3 and len(summaries["250-trials-3-pages"]) == 250
    assert {s["TrainingJobStatus"] for s in summaries["stopped"]} >= {"Stopped", "Completed", "Failed"}
    failed = summaries["failed-without-objective"]
    assert "TrainingStartTime" not in failed[0] and "FinalHyperParameterTuningJobObjectiveMetric" not in failed[0]
    assert any(s["TrainingJobStatus"] == "InProgress" for s in failed)
    multi = by_case["several-definitions"]["describe"]
    assert "TrainingJobDefinition" not in multi and len(multi["TrainingJobDefinitions"]) == 2
    ranges = by_case["categorical-and-log"]["describe"]["HyperParameterTuningJobConfig"]["ParameterRanges"]
    assert any(r.get("ScalingType") == "Logarithmic" for r in ranges["ContinuousParameterRanges"])
    assert ranges["CategoricalParameterRanges"]
    assert summaries["no-trials"] == []


def test_the_sdk_venv_rule(monkeypatch, tmp_path):
    # Missing .venv-sdk: a skip locally, a failure under CI=true
    monkeypatch.setitem(SDK_VENVS, "v3", tmp_path / "absent")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="missing"):
        sdk_venv_python("v3")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        sdk_venv_python("v3")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-v"]))
