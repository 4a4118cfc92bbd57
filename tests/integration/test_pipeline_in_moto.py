"""The deployed pipeline's own definition, handlers and rules, executed in moto.

The state machine from statemachine/ (with template.yaml's substitutions) runs
in moto's interpreter; its Lambda tasks reach the real handlers, its SageMaker
tasks a fake; the tuning job's end travels through the template's EventBridge
rules to the extract, render and notify handlers.
"""

from __future__ import annotations

from pathlib import Path

from amt.local.runtime import LocalPipeline
from tests.integration.fake_sagemaker import FakeSageMaker


class Recorder:
    """Builds the fake for the pipeline and keeps it for the test's assertions."""

    def __init__(self, **options):
        self.options = options
        self.fake: FakeSageMaker | None = None

    def __call__(self, **kwargs) -> FakeSageMaker:
        self.fake = FakeSageMaker(**kwargs, **self.options)
        return self.fake


def run_pipeline(tmp_path: Path, execution_input: dict, **fake_options):
    recorder = Recorder(**fake_options)
    result = LocalPipeline(tmp_path / "run", engine_factory=recorder, poll_seconds=0.02).run(
        execution_input, execution_name="test-execution", timeout_seconds=120
    )
    return result, recorder.fake


def bucket_keys(result) -> list[str]:
    return sorted(str(p.relative_to(result.bucket_dir)) for p in result.bucket_dir.rglob("*") if p.is_file())


def test_happy_path_prepares_data_starts_baseline_and_tuning_then_reports_and_notifies(tmp_path: Path) -> None:
    # Given the post's example ({}) and a SageMaker whose job completes with four trials
    result, fake = run_pipeline(tmp_path, {"job_name": "post-example"})

    # Then the execution succeeds and says what started and where the report will be
    assert result.execution_status == "SUCCEEDED", result.cause
    assert result.execution_output["tuning_job_name"] == "post-example"
    assert result.execution_output["report_uri"].endswith("runs/post-example/reports/index.html")
    # and the data, the baseline and the tuning job were created as the post does
    keys = bucket_keys(result)
    assert "runs/post-example/data/train/train.csv" in keys
    assert "runs/post-example/data/validation/validation.csv" in keys
    train = (result.bucket_dir / "runs/post-example/data/train/train.csv").read_text().splitlines()
    assert len(train) == 1257
    (baseline,) = fake.called("CreateTrainingJob")
    assert baseline["TrainingJobName"] == "post-example-baseline"
    assert baseline["HyperParameters"]["eta"] == "0.2"  # the baseline keeps the static values
    (tuning,) = fake.called("CreateHyperParameterTuningJob")
    config = tuning["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Bayesian"
    assert config["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 50
    assert "eta" not in tuning["TrainingJobDefinition"]["StaticHyperParameters"]  # a tuned range overrides it
    # and the job's end event went through the rules: trials, summary, report, one notification
    for name in ("trials.csv", "trials.json", "summary.json", "index.html"):
        assert f"runs/post-example/reports/{name}" in keys
    assert result.report_path is not None
    assert result.report_path.read_text().lstrip().lower().startswith("<!doctype html")
    assert len(result.notifications) == 1
    note = result.notifications[0]
    assert "Completed" in note["subject"]
    assert "0.89" in note["message"] and "0.848" in note["message"]
    assert not result.dead_letters


def test_invalid_input_fails_with_a_named_error_and_creates_nothing(tmp_path: Path) -> None:
    # Given an input whose range has min > max and an unknown strategy
    bad = {"strategy": "Genetic", "hyperparameter_ranges": {
        "eta": {"type": "Continuous", "min_value": 0.5, "max_value": 0.1}}}
    result, fake = run_pipeline(tmp_path, bad)

    # Then the execution fails with the domain error, naming both fields
    assert result.execution_status == "FAILED"
    assert result.error == "InvalidExecutionInput"
    assert "strategy" in result.cause and "hyperparameter_ranges.eta" in result.cause
    # and nothing was written or created
    assert bucket_keys(result) == []
    assert fake.calls == []
    # and the user was told
    assert len(result.notifications) == 1
    assert "failed" in result.notifications[0]["subject"]
    message = result.notifications[0]["message"]
    assert "InvalidExecutionInput" in message
    assert "strategy" in message and "hyperparameter_ranges.eta" in message
    assert "stackTrace" not in message and "Traceback" not in message  # the message, not the Lambda's JSON


def test_sagemaker_refusing_the_job_fails_the_execution_and_notifies(tmp_path: Path) -> None:
    # Given SageMaker refuses the tuning job (a quota)
    result, fake = run_pipeline(
        tmp_path, {"job_name": "over-quota", "baseline": False},
        create_error=("ResourceLimitExceeded", "The account-level service limit is 10 parallel jobs"),
    )
    # Then the execution fails with Step Functions' SageMaker error, keeping SageMaker's message
    assert result.execution_status == "FAILED"
    assert result.error == "SageMaker.AmazonSageMakerException"
    assert "ResourceLimitExceeded" in result.cause and "service limit" in result.cause
    assert len(result.notifications) == 1 and "ResourceLimitExceeded" in result.notifications[0]["message"]
    assert fake.called("CreateTrainingJob") == []  # baseline off


def test_a_failed_tuning_job_still_gets_a_report_and_a_notification(tmp_path: Path) -> None:
    result, _ = run_pipeline(tmp_path, {"job_name": "all-failed", "baseline": False},
                             trials=[None, None], final_status="Failed")
    assert result.execution_status == "SUCCEEDED"
    assert result.report_path is not None
    (note,) = result.notifications
    assert "Failed" in note["subject"]
    assert "All training jobs failed" in note["message"]


def test_warm_start_goes_through_the_warm_start_task(tmp_path: Path) -> None:
    result, fake = run_pipeline(tmp_path, {"job_name": "child", "baseline": False,
                                           "warm_start": {"parents": ["parent-job"]}})
    assert result.execution_status == "SUCCEEDED", result.cause
    (tuning,) = fake.called("CreateHyperParameterTuningJob")
    assert tuning["WarmStartConfig"]["ParentHyperParameterTuningJobs"] == [
        {"HyperParameterTuningJobName": "parent-job"}]


def test_own_s3_data_that_does_not_exist_is_an_input_error(tmp_path: Path) -> None:
    result, fake = run_pipeline(tmp_path, {"dataset": {"train_uri": "s3://nowhere-bucket/train/",
                                                       "validation_uri": "s3://nowhere-bucket/validation/"}})
    assert result.error == "InvalidExecutionInput"
    assert "dataset.train_uri" in result.cause
    assert fake.calls == []


def test_own_files_are_staged_in_the_emulated_bucket_and_the_jobs_read_them(tmp_path: Path) -> None:
    import argparse
    from datetime import UTC, datetime

    from amt.cli.local import stage_local_data

    # Given the user's own CSVs on disk: a folder of two files for train, one file for validation
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "part-1.csv").write_text("1,0.5\n0,0.25\n")
    (tmp_path / "train" / "part-2.csv").write_text("1,0.75\n")
    (tmp_path / "validation.csv").write_text("0,0.1\n")
    args = argparse.Namespace(config=None, train=str(tmp_path / "train"), validation=str(tmp_path / "validation.csv"))
    staged = stage_local_data({"max_jobs": 4, "max_parallel_jobs": 2}, args, execution_name="test-execution",
                              started_at=datetime.now(UTC), out_dir=tmp_path / "run")
    # When the local pipeline runs on them
    recorder = Recorder()
    result = LocalPipeline(tmp_path / "run", engine_factory=recorder, poll_seconds=0.02).run(
        staged.execution_input, execution_name="test-execution", timeout_seconds=120, data=staged.objects)
    # Then they sit under the run's data/ prefix, as the built-in dataset does, and both jobs read them there
    assert result.execution_status == "SUCCEEDED", result.cause
    run_id = result.run_id
    assert [k for k in bucket_keys(result) if "/data/" in k] == [
        f"runs/{run_id}/data/train/part-1.csv", f"runs/{run_id}/data/train/part-2.csv",
        f"runs/{run_id}/data/validation/validation.csv"]
    assert (result.bucket_dir / f"runs/{run_id}/data/train/part-2.csv").read_text() == "1,0.75\n"
    assert recorder.fake is not None
    (tuning,) = recorder.fake.called("CreateHyperParameterTuningJob")
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"]
                for c in tuning["TrainingJobDefinition"]["InputDataConfig"]}
    assert channels == {"train": f"s3://amt-local-databucket/runs/{run_id}/data/train/",
                        "validation": f"s3://amt-local-databucket/runs/{run_id}/data/validation/"}
    (baseline,) = recorder.fake.called("CreateTrainingJob")
    assert baseline["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == channels["train"]


def test_the_reports_suggested_next_input_runs_where_the_job_ran(tmp_path: Path) -> None:
    import argparse
    import json
    from datetime import UTC, datetime

    from amt.cli.local import stage_local_data

    # Given a finished local run on the user's own files, and the next input its report suggests
    (tmp_path / "t.csv").write_text("1,0.5\n0,0.25\n")
    (tmp_path / "v.csv").write_text("0,0.1\n")
    out = tmp_path / "run"
    files = argparse.Namespace(config=None, train=str(tmp_path / "t.csv"), validation=str(tmp_path / "v.csv"))
    first = stage_local_data({"max_jobs": 4, "max_parallel_jobs": 2}, files, execution_name="first",
                             started_at=datetime.now(UTC), out_dir=out)
    result = LocalPipeline(out, engine_factory=Recorder(), poll_seconds=0.02).run(
        first.execution_input, execution_name="first", timeout_seconds=120, data=first.objects)
    summary = json.loads((result.bucket_dir / f"runs/{result.run_id}/reports/summary.json").read_text())
    suggested = summary["next_execution_input"]
    assert suggested["dataset"]["train_uri"] == f"s3://amt-local-databucket/runs/{result.run_id}/data/train/"
    # When it is run locally, in the same folder (a fresh emulator: the earlier bucket is only on disk)
    no_files = argparse.Namespace(config=None, train=None, validation=None)
    second = stage_local_data(suggested, no_files, execution_name="second", started_at=datetime.now(UTC),
                              out_dir=out)
    recorder = Recorder()
    again = LocalPipeline(out, engine_factory=recorder, poll_seconds=0.02).run(
        second.execution_input, execution_name="second", timeout_seconds=120, data=second.objects)
    # Then the earlier run's data is back at its keys and the new job reads the very same URIs
    assert again.execution_status == "SUCCEEDED", again.cause
    assert recorder.fake is not None
    (tuning,) = recorder.fake.called("CreateHyperParameterTuningJob")
    uris = [c["DataSource"]["S3DataSource"]["S3Uri"] for c in tuning["TrainingJobDefinition"]["InputDataConfig"]]
    assert uris == [suggested["dataset"]["train_uri"], suggested["dataset"]["validation_uri"]]
    assert sorted(second.objects) == [f"runs/{result.run_id}/data/train/t.csv",
                                      f"runs/{result.run_id}/data/validation/v.csv"]


def test_each_step_before_the_first_trial_is_said_as_it_happens(tmp_path: Path) -> None:
    # Given a run that reports its steps (amt local run prints them: the ~10 s before the first trial)
    steps: list[str] = []
    recorder = Recorder()
    result = LocalPipeline(tmp_path / "run", engine_factory=recorder, poll_seconds=0.02, on_step=steps.append).run(
        {"job_name": "steps"}, execution_name="test-execution", timeout_seconds=120
    )
    assert result.execution_status == "SUCCEEDED", result.cause
    # Then the stack's set-up, each state the execution entered (in its history's order, once) and the
    # tuning job's creation were said, in that order
    states = [s.removeprefix("state ") for s in steps if s.startswith("state ")]
    assert steps[0].startswith("emulated stack set up")
    assert states[:3] == ["ValidateInput", "IsBuiltInDataset", "PrepareData"]
    assert "StartBaselineTrainingJob" in states and "StartTuningJob" in states
    assert len(states) == len(set(states))
    assert steps[-1] == "tuning job steps created: its first trials are starting"
