"""`amt watch` against botocore Stubber responses: one describe and one list page per refresh,
backoff while nothing changes, plain lines off a terminal, exit 0 / 1 by the job's end."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest

from amt.cli import main
from amt.cli.watch import follow
from amt.cli.watch_view import LiveView, bar
from tests.simulated_job import SimulatedTuningJob
from tests.synthetic import START
from tests.unit.cli_stubs import StubbedSession, stubbed_aws  # noqa: F401 (fixture)

JOB = "amt-watch"


def moments(job: SimulatedTuningJob, *minutes: float) -> list[tuple[dict, dict]]:
    """(describe, first list page) as SageMaker answers them at these minutes of the job's life."""
    answers = []
    for minute in minutes:
        job.at(START + timedelta(minutes=minute))
        describe = job.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=JOB)
        describe.pop("ResponseMetadata", None)
        page = job.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=JOB, MaxResults=10)
        answers.append((describe, page))
    return answers


def stub_refreshes(aws: StubbedSession, answers: list[tuple[dict, dict]]) -> None:
    stub = aws.stub("sagemaker")
    for describe, page in answers:
        stub.add_response("describe_hyper_parameter_tuning_job", describe, {"HyperParameterTuningJobName": JOB})
        stub.add_response("list_training_jobs_for_hyper_parameter_tuning_job", page, {
            "HyperParameterTuningJobName": JOB, "MaxResults": 10, "SortBy": "CreationTime", "SortOrder": "Descending"})


def test_watch_follows_a_job_to_completion_with_one_describe_and_one_page_per_refresh(
        aws: StubbedSession, capsys: pytest.CaptureFixture) -> None:
    job = SimulatedTuningJob(JOB, 20, bucket="amt-bucket")
    end = (job.end_time - START).total_seconds() / 60 + 1
    aws.stub("sagemaker").add_response(  # the existence check
        "describe_hyper_parameter_tuning_job", moments(job, 0.1)[0][0], {"HyperParameterTuningJobName": JOB})
    stub_refreshes(aws, moments(job, 0.1, 2, 3, end))

    code = main(["watch", JOB, "--interval", "0"])

    out = capsys.readouterr().out.splitlines()
    assert code == 0
    aws.assert_done()  # exactly the stubbed calls: nothing else was asked of SageMaker
    progress_lines = [line for line in out if f" {JOB} " in line and not line.startswith("Report:")]
    assert len(progress_lines) == 4  # not a terminal: one plain line per change
    assert "InProgress done=0/20" in progress_lines[0] and "best=-" in progress_lines[0]
    assert "Completed done=20/20 running=0" in progress_lines[-1] and "remaining=0m00s" in progress_lines[-1]
    assert "\033[" not in "\n".join(out)
    assert out[-1].startswith("Report: runs/amt-watch/reports/index.html")


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_watch_exits_non_zero_when_the_job_failed_or_was_stopped(aws: StubbedSession, status: str,
                                                                  capsys: pytest.CaptureFixture) -> None:
    job = SimulatedTuningJob(JOB, 5, bucket="amt-bucket")
    (describe, page), = moments(job, 500)
    describe["HyperParameterTuningJobStatus"] = status
    aws.stub("sagemaker").add_response("describe_hyper_parameter_tuning_job", describe,
                                       {"HyperParameterTuningJobName": JOB})
    stub_refreshes(aws, [(describe, page)])

    assert main(["watch", JOB, "--interval", "0"]) == 1
    assert f"{JOB} {status} done=5/5" in capsys.readouterr().out


def test_watch_of_an_unknown_job_is_exit_1(aws: StubbedSession, capsys: pytest.CaptureFixture) -> None:
    aws.stub("sagemaker").add_client_error("describe_hyper_parameter_tuning_job", "ResourceNotFound",
                                           "Amazon SageMaker can't find a tuning job")
    assert main(["watch", "nope"]) == 1
    assert "no tuning job named 'nope'" in capsys.readouterr().err


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_refreshes_back_off_while_nothing_changes_and_on_throttling(aws: StubbedSession) -> None:
    job = SimulatedTuningJob(JOB, 20, bucket="amt-bucket")
    still = moments(job, 1)[0]
    end = (job.end_time - START).total_seconds() / 60 + 1
    stub = aws.stub("sagemaker")
    stub_refreshes(aws, [still, still, still])
    stub.add_client_error("describe_hyper_parameter_tuning_job", "ThrottlingException", "Rate exceeded")
    stub_refreshes(aws, moments(job, 2, end))
    sleep = Recorder()

    progress = follow(aws.client("sagemaker"), JOB, interval=5, sleep=sleep, view=LiveView(io.StringIO()),
                      max_interval=60)

    assert progress.status == "Completed"
    # changed (5), same (10), same (20), throttled (40), changed again (5)
    assert sleep.waits == [5, 10, 20, 40, 5]
    aws.assert_done()


def test_the_terminal_view_redraws_in_place_with_bar_counts_best_and_times() -> None:
    job = SimulatedTuningJob(JOB, 20, bucket="amt-bucket")
    (describe, page), (describe2, page2) = moments(job, 2, 3)
    from amt_pipeline.live.progress import Progress

    stream = io.StringIO()
    view = LiveView(stream, terminal=True)
    view.show(Progress.from_describe(describe, START + timedelta(minutes=2)), page["TrainingJobSummaries"])
    view.show(Progress.from_describe(describe2, START + timedelta(minutes=3)), page2["TrainingJobSummaries"])

    text = stream.getvalue()
    assert "\033[" in text and "F\033[J" in text  # the second frame moved up over the first
    last = text.rsplit("\033[J", 1)[1]
    assert "of 20 done" in last and "running" in last and "Completed " in last and "Failed " in last
    assert "best so far: 0." in last and "eta=" in last and "remaining ~" in last and "latest trials:" in last


def test_a_chains_next_round_gets_a_block_of_its_own_below_the_last_rounds_final_block() -> None:
    from amt_pipeline.live.progress import Progress

    first, second = SimulatedTuningJob(JOB, 20, bucket="amt-bucket"), SimulatedTuningJob(f"{JOB}-r2", 20,
                                                                                       bucket="amt-bucket")
    stream = io.StringIO()
    view = LiveView(stream, terminal=True)
    # Given round 1's block, then lines the run printed as round 2 started
    (describe, page), = moments(first, 30)
    view.show(Progress.from_describe(describe, START + timedelta(minutes=30)), page["TrainingJobSummaries"])
    stream.write("Next round of the chain: execution follow-up-amt-watch-r2\n")
    # When round 2's job is shown
    second.at(START + timedelta(minutes=2))
    describe2 = second.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=f"{JOB}-r2")
    view.show(Progress.from_describe(describe2, START + timedelta(minutes=32)))
    # Then nothing is cleared: round 1's block and the message stay above round 2's block
    text = stream.getvalue()
    assert "F\033[J" not in text
    assert text.index(f"{JOB}  ") < text.index("Next round of the chain") < text.index(f"{JOB}-r2  ")


def test_bar() -> None:
    assert bar(5, 2, 10, width=10) == "[#####>>...]"
    assert bar(0, 0, 0, width=4) == "[....]"


def test_start_watch_follows_the_execution_into_its_job(aws: StubbedSession, capsys: pytest.CaptureFixture,
                                                        tmp_path: Any) -> None:
    import json

    from tests.unit.cli_stubs import STATE_MACHINE

    aws.stack()
    arn = STATE_MACHINE.replace(":stateMachine:", ":execution:") + ":e1"
    sfn = aws.stub("stepfunctions")
    sfn.add_response("start_execution", {"executionArn": arn, "startDate": START})
    base = {"executionArn": arn, "stateMachineArn": STATE_MACHINE, "startDate": START}
    sfn.add_response("describe_execution", {**base, "status": "SUCCEEDED", "stopDate": START,
                                            "output": json.dumps({"tuning_job_name": JOB})})
    job = SimulatedTuningJob(JOB, 4, bucket="amt-bucket")
    stub_refreshes(aws, moments(job, 500))
    config = tmp_path / "quick.json"
    config.write_text("{}")

    assert main(["start", str(config), "--stack", "amt", "--watch"]) == 0
    assert f"{JOB} Completed done=4/4" in capsys.readouterr().out
