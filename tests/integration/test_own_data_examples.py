"""The own-data examples, as a user runs them: `amt local run examples/own-data/<name>.json` on the CSVs
make_data.py writes, and every job's figures equal a plain xgb.train of its hyperparameters in the
image's environment, reading the files with XGBoost's own CSV reader as the container does
(tests/xgboost_oracle.plain_trainings). Then the data checks as a user meets them: a header row warned
about and trained on, unusable data refused before anything is written."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from amt.cli import main
from tests.xgboost_oracle import plain_trainings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "own-data"
sys.path.insert(0, str(EXAMPLES))
import make_data  # noqa: E402  (examples/own-data/make_data.py)


@pytest.fixture
def engines(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every engine a local run makes, kept for the test to ask what its jobs did."""
    import amt.local.engine as engine_package

    made: list[Any] = []

    class Kept(engine_package.LocalSageMaker):  # type: ignore[misc,name-defined]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            made.append(self)

    monkeypatch.setattr(engine_package, "LocalSageMaker", Kept)
    return made


def example(tmp_path: Path, name: str, **changes: Any) -> Path:
    """The example's input beside the CSVs make_data writes (its paths are relative to its folder)."""
    make_data.write(name, tmp_path / "data")
    config = tmp_path / f"{name}.json"
    config.write_text(json.dumps({**json.loads((EXAMPLES / f"{name}.json").read_text()), **changes}))
    return config


def finished_jobs(engine: Any) -> list[dict[str, Any]]:
    (job,) = engine.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"]
    name = job["HyperParameterTuningJobName"]
    trials = engine.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name, MaxResults=100)["TrainingJobSummaries"]
    names = [t["TrainingJobName"] for t in trials] + [f"{name}-baseline"]
    described = [engine.describe_training_job(TrainingJobName=n) for n in names]
    return [d for d in described if d["TrainingJobStatus"] == "Completed"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["breast-cancer", "diabetes", "wine"])
def test_each_example_runs_locally_and_equals_a_plain_training(tmp_path: Path, engines: list[Any], capsys,
                                                               name: str) -> None:
    # Given the example's CSVs, as `make example-<name>` writes them
    config = example(tmp_path, name, max_jobs=4, max_parallel_jobs=2)
    metric = json.loads(config.read_text())["objective_metric_name"]
    # When the user runs it with one command
    code = main(["local", "run", str(config), "--out", str(tmp_path / "out"), "--seed", "3"])
    # Then it completes, with no warning about its data
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "warning:" not in err and "Completed" in out
    # And every job (the trials and the baseline) scored what plain xgb.train scores with its hyperparameters
    jobs = finished_jobs(engines[-1])
    assert len(jobs) == 5
    data = tmp_path / "data" / name
    expected = plain_trainings(data / "train", data / "validation.csv", [j["HyperParameters"] for j in jobs])
    for job, plain in zip(jobs, expected, strict=True):
        final = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
        assert final[metric] == plain[metric], job["TrainingJobName"]


@pytest.mark.slow
def test_own_csv_with_a_header_and_a_folder_warns_then_trains_as_sagemaker_would(tmp_path: Path, engines, capsys):
    # Given diabetes as a new user has it: a folder of three files, and a validation file with a header row
    config = example(tmp_path, "diabetes", max_jobs=2, max_parallel_jobs=2)
    validation = tmp_path / "data" / "diabetes" / "validation.csv"
    validation.write_text("target," + ",".join(f"f{i}" for i in range(10)) + "\n" + validation.read_text())
    # When they run it
    code = main(["local", "run", str(config), "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    # Then they are told what SageMaker will do with the header, before the run, and the run trains on it
    assert code == 0, err
    assert f"warning: {validation}: the first row 'target,f0,f1" in err
    assert "reads it as a data row (label 0, its values missing) and trains on it" in err
    jobs = finished_jobs(engines[-1])
    assert len(jobs) == 3
    # as the container does: the header is one more validation row, labelled 0
    expected = plain_trainings(validation.parent / "train", validation, [j["HyperParameters"] for j in jobs])
    for job, plain in zip(jobs, expected, strict=True):
        final = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
        assert final["validation:rmse"] == plain["validation:rmse"]


@pytest.mark.slow
@pytest.mark.parametrize(("broken", "message"), [
    ("0.5,yes\n", "'yes' is not a number"),
    ("7,0.5\n", "label 7 is not a class of num_class=3"),
], ids=["string-column", "class-beyond-num-class"])
def test_unusable_data_starts_nothing_and_writes_nothing(tmp_path: Path, engines, capsys, broken: str,
                                                         message: str) -> None:
    config = example(tmp_path, "wine")
    (tmp_path / "data" / "wine" / "train" / "part-0.csv").write_text(broken)
    out_dir = tmp_path / "out"
    assert main(["local", "run", str(config), "--out", str(out_dir)]) == 1
    err = capsys.readouterr().err
    assert "dataset.train_uri" in err and message in err
    assert not out_dir.exists() and engines == []  # no bucket, no state, no engine: nothing started


def test_make_data_writes_headerless_label_first_csv(tmp_path: Path) -> None:
    folder = make_data.write("wine", tmp_path)
    rows = [line.split(",") for line in (folder / "validation.csv").read_text().splitlines()]
    assert len(rows) == 54 and {len(r) for r in rows} == {14} and {r[0] for r in rows} == {"0", "1", "2"}
    assert [p.name for p in sorted((make_data.write("diabetes", tmp_path) / "train").iterdir())] == [
        "part-0.csv", "part-1.csv", "part-2.csv"]
    shutil.rmtree(tmp_path / "diabetes")
