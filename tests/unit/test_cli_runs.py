"""`amt runs`, `amt start --json` and `amt stop` against Stubber-backed AWS, through main()."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from amt.cli import main
from amt_pipeline.run.plan import default_run_id
from tests.unit.cli_stubs import BUCKET, STATE_MACHINE, TOPIC, StubbedSession, stubbed_aws  # noqa: F401 (fixture)

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def execution(index: int, status: str) -> dict:
    return {"executionArn": f"{STATE_MACHINE.replace(':stateMachine:', ':execution:')}:run-{index}",
            "stateMachineArn": STATE_MACHINE, "name": f"run-{index}", "status": status,
            "startDate": T0 - timedelta(hours=index)}


def tuning_job(name: str, status: str, completed: int, best: float | None = None) -> dict:
    job = {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobArn": f"arn:aws:sagemaker:eu-west-1:123456789012:hyper-parameter-tuning-job/{name}",
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:accuracy"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 50, "MaxParallelTrainingJobs": 3}},
        "HyperParameterTuningJobStatus": status,
        "CreationTime": T0,
        "TrainingJobStatusCounters": {"Completed": completed, "InProgress": 0, "RetryableError": 0,
                                      "NonRetryableError": 1, "Stopped": 0},
        "ObjectiveStatusCounters": {"Succeeded": completed, "Pending": 0, "Failed": 1},
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "xgboost"},
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/runs/{name}/output"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600}},
    }
    if best is not None:
        job["BestTrainingJob"] = {
            "TrainingJobName": f"{name}-001-abc", "TrainingJobArn": "arn:aws:sagemaker:eu-west-1:1:training-job/x",
            "CreationTime": T0, "TrainingJobStatus": "Completed", "TunedHyperParameters": {"eta": "0.4"},
            "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:accuracy", "Value": best}}
    return job


def test_runs_pages_through_three_pages_newest_first(aws: StubbedSession, capsys) -> None:
    # Given a stack with six executions, listed by Step Functions in three pages of two
    aws.stack()
    sfn, sagemaker, s3 = aws.stub("stepfunctions"), aws.stub("sagemaker"), aws.stub("s3")
    statuses = ["RUNNING", "SUCCEEDED", "SUCCEEDED", "FAILED", "SUCCEEDED", "ABORTED"]
    executions = [execution(i, status) for i, status in enumerate(statuses)]
    for page in range(3):
        response = {"executions": executions[2 * page: 2 * page + 2]}
        if page < 2:
            response["nextToken"] = f"token-{page + 1}"
        expected = {"stateMachineArn": STATE_MACHINE, **({"nextToken": f"token-{page}"} if page else {})}
        sfn.add_response("list_executions", response, expected)
    running_id = default_run_id("run-0", executions[0]["startDate"])
    answers = [
        # running: no output yet; the run id is the plan's default one
        ({"input": "{}"}, tuning_job(running_id, "InProgress", 10), None),
        ({"input": "{}", "output": json.dumps({"run_id": "job-1"})}, tuning_job("job-1", "Completed", 49, 0.89815),
         True),
        ({"input": "{}", "output": json.dumps({"run_id": "job-2"})}, tuning_job("job-2", "Stopped", 5, 0.85), False),
        ({"input": json.dumps({"job_name": "job-3"}), "error": "InvalidExecutionInput",
          "cause": json.dumps({"errorMessage": "max_jobs: must be at least 1"})}, None, None),
        ({"input": "{}", "output": json.dumps({"run_id": "job-4"})}, tuning_job("job-4", "Failed", 0), False),
        ({"input": json.dumps({"job_name": "job-5"})}, None, None),
    ]
    for summary, (described, job, report) in zip(executions, answers, strict=True):
        sfn.add_response("describe_execution", {**summary, **described}, {"executionArn": summary["executionArn"]})
        name = job["HyperParameterTuningJobName"] if job else (json.loads(described["input"]).get("job_name"))
        if job:
            sagemaker.add_response("describe_hyper_parameter_tuning_job", job, {"HyperParameterTuningJobName": name})
        else:
            sagemaker.add_client_error("describe_hyper_parameter_tuning_job", "ResourceNotFound",
                                       f"Amazon SageMaker can't find a tuning job with name {name}")
        if report is True:
            s3.add_response("head_object", {"ContentLength": 10}, {"Bucket": BUCKET,
                                                                   "Key": f"runs/{name}/reports/index.html"})
        elif report is False:
            s3.add_client_error("head_object", "404", "Not Found", 404)

    # When the user lists every run
    assert main(["runs", "--stack", "amt", "--limit", "0", "--json"]) == 0
    out, err = capsys.readouterr()

    # Then every execution of the three pages is there, newest first, each with its job and report (or why not)
    runs = json.loads(out)["runs"]
    assert [r["execution"] for r in runs] == [f"run-{i}" for i in range(6)]
    by_name = {r["execution"]: r for r in runs}
    assert by_name["run-0"]["run_id"] == running_id and "still running" in by_name["run-0"]["why_no_report"]
    assert by_name["run-0"]["trials_done"] == 11 and by_name["run-0"]["trials_max"] == 50
    assert by_name["run-1"]["report"] == f"s3://{BUCKET}/runs/job-1/reports/index.html"
    assert by_name["run-1"]["best_objective"] == 0.89815 and by_name["run-1"]["tuning_job_status"] == "Completed"
    assert "removed by a cleanup" in by_name["run-2"]["why_no_report"]
    assert by_name["run-3"]["tuning_job"] is None
    assert "InvalidExecutionInput: max_jobs: must be at least 1" in by_name["run-3"]["why_no_report"]
    assert "aborted before its tuning job started" in by_name["run-5"]["why_no_report"]
    assert json.loads(out)["more"] is False
    aws.assert_done()


def test_runs_limit_stops_listing_early(aws: StubbedSession, capsys) -> None:
    aws.stack()
    sfn = aws.stub("stepfunctions")
    sfn.add_response("list_executions", {"executions": [execution(0, "FAILED"), execution(1, "FAILED")],
                                         "nextToken": "more"}, {"stateMachineArn": STATE_MACHINE})
    summary = execution(0, "FAILED")
    sfn.add_response("describe_execution", {**summary, "input": json.dumps({"job_name": "j"}), "error": "E"},
                     {"executionArn": summary["executionArn"]})
    aws.stub("sagemaker").add_client_error("describe_hyper_parameter_tuning_job", "ResourceNotFound", "none")
    assert main(["runs", "--stack", "amt", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "run-0" in out and "run-1" not in out and "--limit 0" in out  # no second page was asked for
    aws.assert_done()


def test_stop_a_running_job_of_the_stack(aws: StubbedSession, capsys) -> None:
    aws.stub("sagemaker").add_response("describe_hyper_parameter_tuning_job",
                                       tuning_job("job-1", "InProgress", 3), {"HyperParameterTuningJobName": "job-1"})
    aws.stack()
    aws.stub("sagemaker").add_response("stop_hyper_parameter_tuning_job", {}, {"HyperParameterTuningJobName": "job-1"})
    assert main(["stop", "job-1", "--stack", "amt", "--json"]) == 0
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document["stopping"] == "job-1" and document["reported_by_stack"] is True
    assert document["notification_topic"] == TOPIC and "notifies" in err
    aws.assert_done()


def test_stop_refuses_a_job_that_ended(aws: StubbedSession, capsys) -> None:
    aws.stub("sagemaker").add_response("describe_hyper_parameter_tuning_job", tuning_job("job-1", "Completed", 50))
    assert main(["stop", "job-1"]) == 1
    assert "job-1 is Completed: only a job in progress can be stopped" in capsys.readouterr().err
    aws.assert_done()


def test_start_json_is_one_document(aws: StubbedSession, capsys, tmp_path: Path) -> None:
    aws.stack()
    arn = STATE_MACHINE.replace(":stateMachine:", ":execution:") + ":first"
    aws.stub("stepfunctions").add_response("start_execution", {"executionArn": arn, "startDate": T0})
    assert main(["start", "--stack", "amt", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["execution_arn"] == arn and f"Started {arn}" in err


def test_validate_json(capsys, tmp_path: Path) -> None:
    assert main(["validate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"strategy": "Genetic"}))
    assert main(["validate", str(bad), "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["errors"][0]["field"] == "strategy" and "  strategy" in err


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch) -> None:
    import io

    from amt.cli.output import Output, colour_enabled

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert colour_enabled(Terminal()) and not colour_enabled(io.StringIO())
    monkeypatch.setattr("sys.stdout", Terminal())
    assert Output().status("FAILED") == "\033[31mFAILED\033[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled(Terminal()) and Output().status("FAILED") == "FAILED"
