"""Whole local runs with the REAL engine: `LocalPipeline` provisions template.yaml in the emulator,
runs the state machine and the handlers, and the local SageMaker engine trains real XGBoost models.

A small budget (examples/quick.json: 6 trials, 2 in parallel, plus the baseline) keeps each run to a
few seconds. Runs are shared by the module's tests: one per seed through `LocalPipeline`, and the CLI
test's run (the first seed again) serves the determinism check as the second run of that seed.
"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from amt.cli import main
from amt.local.runtime import LocalPipeline, LocalRunResult
from tests.xgboost_oracle import model_accuracy, plain_accuracy

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
QUICK = json.loads((ROOT / "examples" / "quick.json").read_text())
SEED, OTHER_SEED = 3, 4


def run_local(out_dir: Path, seed: int) -> LocalRunResult:
    return LocalPipeline(out_dir, workers=2, poll_seconds=0.05).run(
        {**QUICK, "random_seed": seed}, timeout_seconds=300
    )


class Runs:
    """`runs(seed, k)`: the k-th `LocalPipeline` run with that seed, run once for the whole module.
    `runs.reports[(seed, k)]`: the reports/ folder of a run made otherwise (the CLI test's)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory):
        self.tmp_path_factory = tmp_path_factory
        self.runs: dict[tuple[int, int], LocalRunResult] = {}
        self.reports: dict[tuple[int, int], Path] = {}

    def __call__(self, seed: int, k: int = 0) -> LocalRunResult:
        if (seed, k) not in self.runs:
            self.runs[(seed, k)] = run_local(self.tmp_path_factory.mktemp(f"seed{seed}-run{k}"), seed)
        return self.runs[(seed, k)]


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory)


@pytest.fixture(scope="module")
def result(local_run: Runs) -> LocalRunResult:
    return local_run(SEED)


def reports_dir(result: LocalRunResult) -> Path:
    return result.bucket_dir / "runs" / str(result.run_id) / "reports"


def stored_trials(result: LocalRunResult) -> dict[str, Any]:
    return json.loads((reports_dir(result) / "trials.json").read_text())


def stored_summary(result: LocalRunResult) -> dict[str, Any]:
    return json.loads((reports_dir(result) / "summary.json").read_text())


def trial_index(trial: dict[str, Any]) -> int:
    """SageMaker names a tuning job's training jobs `<tuning job>-NNN-xxxxxxxx`: NNN is the trial's order."""
    pattern = rf"{re.escape(trial['TuningJobName'])}-(\d{{3}})-[0-9a-z]+"
    match = re.fullmatch(pattern, trial["TrainingJobName"])
    assert match, trial["TrainingJobName"]
    return int(match.group(1))


def tuned(reports: Path) -> list[tuple[dict[str, float], float]]:
    """(tuned hyperparameters, objective) of every trial a run's reports/trials.json holds, in trial order."""
    trials = sorted(json.loads((reports / "trials.json").read_text())["trials"], key=trial_index)
    return [({name: t[name] for name in QUICK_RANGES}, t["FinalObjectiveValue"]) for t in trials]


def _ranges() -> dict[str, Any]:
    from amt_pipeline.run.execution_input import parse_execution_input

    return parse_execution_input(QUICK).model_dump(mode="json")["hyperparameter_ranges"]


QUICK_RANGES = _ranges()


def plain_xgboost_accuracy(result: LocalRunResult, hyperparameters: dict[str, float]) -> float:
    """Train the post's static hyperparameters + a trial's tuned ones with plain xgboost in the 1.5-1
    image's environment (XGBoost 1.5.2), on the run's own CSV files, as the container does."""
    data = result.bucket_dir / "runs" / str(result.run_id) / "data"
    return plain_accuracy(data / "train" / "train.csv", data / "validation" / "validation.csv", hyperparameters)


def test_the_execution_succeeds_and_the_report_holds_every_trial(result: LocalRunResult) -> None:
    assert result.execution_status == "SUCCEEDED", (result.error, result.cause)
    assert result.succeeded, result.dead_letters
    assert result.tuning_job is not None
    assert result.tuning_job["HyperParameterTuningJobStatus"] == "Completed"
    # the report is in the emulated bucket's folder, under the run's reports/
    assert result.report_path == reports_dir(result) / "index.html"
    assert result.report_path.is_relative_to(result.bucket_dir)
    html = result.report_path.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    trials = stored_trials(result)["trials"]
    assert len(trials) == QUICK["max_jobs"]
    assert sorted(trial_index(t) for t in trials) == list(range(1, QUICK["max_jobs"] + 1))
    assert all(t["TrainingJobStatus"] == "Completed" for t in trials)
    assert all(t["TrainingJobName"] in html for t in trials)  # the report shows every trial
    assert stored_summary(result)["trial_count"] == QUICK["max_jobs"]


def test_the_trials_are_real_training_within_the_ranges(result: LocalRunResult) -> None:
    trials = tuned(reports_dir(result))
    objectives = [objective for _, objective in trials]
    # accuracies of a real model on Digits (chance is 0.1), not one constant
    assert all(0.5 < objective <= 1.0 for objective in objectives), objectives
    assert len(set(objectives)) > 1, objectives
    # every trial its own point of the search space, inside the post's ranges
    assert len({json.dumps(hp, sort_keys=True) for hp, _ in trials}) == len(trials)
    for hyperparameters, _ in trials:
        for name, spec in QUICK_RANGES.items():
            assert spec["min_value"] <= hyperparameters[name] <= spec["max_value"], (name, hyperparameters)
            if spec["type"] == "Integer":
                assert hyperparameters[name] == int(hyperparameters[name]), (name, hyperparameters)
    # and each accuracy is what XGBoost gives for those hyperparameters: retrain the best and the worst
    by_objective = sorted(trials, key=lambda t: t[1])
    for hyperparameters, objective in (by_objective[0], by_objective[-1]):
        assert plain_xgboost_accuracy(result, hyperparameters) == pytest.approx(objective, abs=1e-5)


def test_the_best_trial_beats_the_baseline(result: LocalRunResult) -> None:
    summary = stored_summary(result)
    baseline = stored_trials(result)["baseline"]
    assert baseline["training_job_name"] == summary["baseline"]["training_job_name"]
    assert baseline["status"] == "Completed"
    baseline_accuracy = baseline["objective_value"]
    assert baseline_accuracy == summary["baseline"]["objective"]
    best = summary["best"]["objective"]
    assert best == max(objective for _, objective in tuned(reports_dir(result)))
    assert best > baseline_accuracy, (best, baseline_accuracy)
    assert summary["gain_over_baseline"]["tuned_is_better"] is True
    # the baseline is a real model too: the post's static hyperparameters, trained on the same data
    # (min_child_weight is not static: XGBoost's default, 1)
    static = {name: float(baseline["hyperparameters"].get(name, 1.0)) for name in QUICK_RANGES}
    assert static == {"alpha": 0.2, "eta": 0.2, "min_child_weight": 1.0, "max_depth": 5}
    assert plain_xgboost_accuracy(result, static) == pytest.approx(baseline_accuracy, abs=1e-5)
    # XGBoost 1.5.2, as in SageMaker's 1.5-1 image: the post's own baseline figure
    assert baseline_accuracy == 0.84815


def test_each_training_job_leaves_a_model_artifact(result: LocalRunResult) -> None:
    run_dir = result.bucket_dir / "runs" / str(result.run_id)
    summary = stored_summary(result)
    jobs = [t["TrainingJobName"] for t in stored_trials(result)["trials"]]
    jobs.append(summary["baseline"]["training_job_name"])
    for job in jobs:
        assert (run_dir / "output" / job / "output" / "model.tar.gz").is_file(), job
    # the best job's artifact is the built-in algorithm's: a tarball with an XGBoost model that predicts
    artifact = run_dir / "output" / summary["best"]["training_job_name"] / "output" / "model.tar.gz"
    with tarfile.open(artifact) as tar:
        member = tar.extractfile("xgboost-model")
        assert member is not None
        raw = member.read()
    model_file = run_dir.parent.parent / "best-xgboost-model"
    model_file.write_bytes(raw)
    accuracy = model_accuracy(model_file, run_dir / "data" / "validation" / "validation.csv")
    # early stopping keeps the best round's model; the reported objective is the last round's
    assert summary["best"]["objective"] - 1e-9 <= round(accuracy, 5) <= summary["best"]["objective"] + 0.05


def test_exactly_one_notification_with_the_status_and_the_report_link(result: LocalRunResult) -> None:
    assert len(result.notifications) == 1, result.notifications
    (note,) = result.notifications
    assert "Completed" in note["subject"]
    assert "Status: Completed" in note["message"]
    assert f"{stored_summary(result)['best']['objective']:.5f}" in note["message"]
    # the report link: the local link function's URL with a token for this run (issue 11)
    link = re.search(r"^Report: (http://127\.0\.0\.1:\d+/\?\S+)$", note["message"], re.MULTILINE)
    assert link, note["message"]
    assert f"run={result.run_id}&" in link.group(1)


def test_amt_local_run_through_the_cli(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    local_run: Runs,
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path_factory.mktemp("cli-run")
    code = main(["local", "run", "examples/quick.json", "--out", str(out), "--seed", str(SEED)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    match = re.search(r"^Report: (file://\S+)$", printed, re.MULTILINE)
    assert match, printed
    report = Path(unquote(urlparse(match.group(1)).path))
    assert report.is_file() and report.is_relative_to(out.resolve() / "bucket")
    assert report.name == "index.html" and report.parent.name == "reports"
    assert "--- notification (SNS) ---" in printed and "Completed" in printed
    assert "sagemaker-xgboost:1.5-1 trains with XGBoost 1.5.2" in printed  # examples/quick.json: the default image
    local_run.reports[(SEED, 1)] = report.parent  # a second run of SEED: the determinism test compares it


def test_same_seed_same_trials_other_seed_other_trials(local_run: Runs) -> None:
    first, other = local_run(SEED), local_run(OTHER_SEED)
    again = local_run.reports.get((SEED, 1)) or reports_dir(local_run(SEED, 1))  # the CLI's run, if it ran
    for run in (first, other):
        assert run.succeeded, (run.error, run.cause, run.dead_letters)
    assert reports_dir(first) != again  # two separate runs...
    assert tuned(reports_dir(first)) == tuned(again)  # ...same hyperparameters, same objectives, same order
    assert [hp for hp, _ in tuned(reports_dir(other))] != [hp for hp, _ in tuned(reports_dir(first))]
    assert {json.dumps(hp, sort_keys=True) for hp, _ in tuned(reports_dir(other))}.isdisjoint(
        {json.dumps(hp, sort_keys=True) for hp, _ in tuned(reports_dir(first))})


def test_the_posts_best_hyperparameters_score_the_posts_best_through_amt_local_run(tmp_path: Path) -> None:
    """SageMaker's 1.5-1 image scored the post's best trial 0.89815: so does a local run. The baseline trains
    the static hyperparameters, here the post's best trial's (the tuned ranges override them in the
    tuning job only)."""
    post_best = {"alpha": 0.05246, "eta": 0.4335, "max_depth": 3, "min_child_weight": 0.21881}
    config = tmp_path / "post-best.json"
    config.write_text(json.dumps({
        "hyperparameters": {"num_class": 10, "objective": "multi:softmax", "eval_metric": "accuracy",
                            "num_round": 200, "early_stopping_rounds": 5, **post_best},
        "max_jobs": 2, "max_parallel_jobs": 2, "random_seed": 1,
    }))
    out = tmp_path / "out"
    assert main(["local", "run", str(config), "--out", str(out)]) == 0
    # the baseline may end after the 2-trial tuning job (and so after the report): ask SageMaker, as a user would
    from amt.local.engine import InMemoryUriStore, LocalSageMaker

    (run_dir,) = (out / "bucket" / "runs").iterdir()
    engine = LocalSageMaker(storage=InMemoryUriStore(), state_dir=out / "state")
    try:
        baseline = engine.describe_training_job(TrainingJobName=f"{run_dir.name}-baseline")
    finally:
        engine.close()
    metrics = {m["MetricName"]: m["Value"] for m in baseline["FinalMetricDataList"]}
    assert metrics["validation:accuracy"] == 0.89815
