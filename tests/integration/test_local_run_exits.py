"""How `amt local run` ends, as `amt --help` promises: exit 1 when the tuning job ends Failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amt.cli import main

pytestmark = pytest.mark.slow


def test_a_tuning_job_that_ends_failed_exits_1_and_the_summary_says_so(tmp_path: Path, capsys) -> None:
    # Given an input every trial fails on (gpu_hist: the container's XGBoost finds no GPU), valid as input
    config = tmp_path / "gpu.json"
    config.write_text(json.dumps({"max_jobs": 2, "max_parallel_jobs": 2, "hyperparameters": {
        "num_class": 10, "max_depth": 5, "eta": 0.2, "alpha": 0.2, "objective": "multi:softmax",
        "eval_metric": "accuracy", "num_round": 5, "early_stopping_rounds": 5, "tree_method": "gpu_hist"}}))
    # When it runs locally
    code = main(["local", "run", str(config), "--out", str(tmp_path / "out")])
    # Then the exit code says the run failed, and so does the summary, with the job's reason
    out, err = capsys.readouterr()
    assert code == 1
    assert "ended Failed: All training jobs failed. First failure: AlgorithmError" in err
    assert "No visible GPU" in err and "Status: Failed" in out
