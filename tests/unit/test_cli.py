"""`amt validate`, as a user runs it: exit 0 with the normalised input, or
exit 1 with every field error named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amt.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], execution_input: object) -> tuple[int, str, str]:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(execution_input))
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_no_file_means_the_posts_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    normalised = json.loads(capsys.readouterr().out)
    assert normalised["strategy"] == "Bayesian"
    assert normalised["max_jobs"] == 50 and normalised["max_parallel_jobs"] == 3
    assert normalised["hyperparameter_ranges"]["eta"]["max_value"] == 0.5


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_accepted(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(example)]) == 0, capsys.readouterr().err


@pytest.mark.parametrize(
    ("execution_input", "field"),
    [
        ({"hyperparameter_ranges": {"eta": {"type": "Continuous", "min_value": 0.5, "max_value": 0.1}}},
         "hyperparameter_ranges.eta"),
        ({"strategy": "Genetic"}, "strategy"),
        ({"job_name": "a" * 33}, "job_name"),
        ({"hyperparameter_ranges": {"alpha": {"type": "Continuous", "min_value": 0, "max_value": 1,
                                              "scaling_type": "Logarithmic"}}},
         "hyperparameter_ranges.alpha"),
    ],
    ids=["min-greater-than-max", "unknown-strategy", "name-of-33-chars", "log-scaling-from-zero"],
)
def test_bad_inputs_exit_non_zero_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   execution_input: dict, field: str) -> None:
    code, out, err = validate(tmp_path, capsys, execution_input)
    assert code == 1
    assert out == ""
    assert f"  {field}" in err


def test_every_error_is_listed_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = validate(tmp_path, capsys, {"strategy": "Genetic", "max_jobs": 0, "job_name": "bad name"})
    assert code == 1
    for field in ("strategy", "max_jobs", "job_name"):
        assert f"  {field}" in err


def test_a_tuned_range_overrides_the_static_value_in_the_tuning_job_only() -> None:
    from datetime import UTC, datetime

    from tests.layer_helpers import plan_run

    plan = plan_run({}, bucket="b", role_arn="arn:aws:iam::1:role/r", region="us-east-1",
                    execution_name="e", started_at=datetime(2026, 11, 28, tzinfo=UTC), stack_name="s")
    static = plan["tuning"]["request"]["TrainingJobDefinition"]["StaticHyperParameters"]
    assert not {"eta", "alpha", "max_depth"} & set(static)
    baseline = plan["baseline"]["request"]["HyperParameters"]
    assert (baseline["eta"], baseline["alpha"], baseline["max_depth"]) == ("0.2", "0.2", "5")


class _Clients:
    """boto3.Session stand-in: Stubber-backed clients for amt start."""

    def __init__(self):
        import boto3
        from botocore.stub import Stubber

        self.region_name = "eu-west-1"
        self.cloudformation = boto3.client("cloudformation", region_name="eu-west-1")
        self.stepfunctions = boto3.client("stepfunctions", region_name="eu-west-1")
        self.stubs = {"cloudformation": Stubber(self.cloudformation), "stepfunctions": Stubber(self.stepfunctions)}

    def client(self, name: str):
        return getattr(self, name)


def test_start_validates_then_starts_the_stacks_state_machine(tmp_path: Path, capsys, monkeypatch) -> None:
    import boto3

    # Given a deployed stack whose outputs name the state machine
    clients = _Clients()
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:TuningPipeline-abc"
    clients.stubs["cloudformation"].add_response("describe_stacks", {"Stacks": [{
        "StackName": "amt", "CreationTime": "2026-11-28T10:00:00Z", "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": "StateMachineArn", "OutputValue": arn},
                    {"OutputKey": "DataBucketName", "OutputValue": "amt-bucket"}]}]}, {"StackName": "amt"})
    execution_input = {"max_jobs": 6, "max_parallel_jobs": 2}
    execution_arn = "arn:aws:states:eu-west-1:123456789012:execution:TuningPipeline-abc:first"
    clients.stubs["stepfunctions"].add_response(
        "start_execution", {"executionArn": execution_arn, "startDate": "2026-11-28T10:00:01Z"},
        {"stateMachineArn": arn, "input": json.dumps(execution_input), "name": "first"})
    for stub in clients.stubs.values():
        stub.activate()
    monkeypatch.setattr(boto3, "Session", lambda **_: clients)
    path = tmp_path / "in.json"
    path.write_text(json.dumps(execution_input))
    # When the user starts it
    code = main(["start", str(path), "--stack", "amt", "--name", "first"])
    # Then the execution started with that input, and the user is told how to follow it
    out = capsys.readouterr().out
    assert code == 0
    assert execution_arn in out and "describe-execution" in out and "s3://amt-bucket/runs/" in out
    for stub in clients.stubs.values():
        stub.assert_no_pending_responses()


def test_start_refuses_a_bad_input_before_calling_aws(tmp_path: Path, capsys, monkeypatch) -> None:
    import boto3

    monkeypatch.setattr(boto3, "Session", lambda **_: pytest.fail("AWS was called"))
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"max_parallel_jobs": 9, "max_jobs": 3}))
    assert main(["start", str(path), "--stack", "amt"]) == 1
    assert "max_parallel_jobs" in capsys.readouterr().err
