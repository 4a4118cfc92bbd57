"""Every error a newcomer meets ends in a message and a documented exit code, never a traceback.

Through main(), as a user runs `amt`: botocore Stubbers stand in for AWS, or no
credentials and an endpoint nothing listens on. 1: the input or job; 2: usage;
3: AWS or configuration.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import TokenRetrievalError

from amt.cli import main
from amt.cli.errors import EXIT_AWS, EXIT_FAILED, EXIT_USAGE
from tests.unit.cli_stubs import StubbedSession, stubbed_aws  # noqa: F401 (fixture)

AWS_COMMANDS = {
    "start": ["start", "--stack", "amt"],
    "report": ["report", "some-job"],
    "runs": ["runs", "--stack", "amt"],
    "cleanup": ["cleanup", "some-run", "--stack", "amt", "--dry-run"],
    "stop": ["stop", "some-job"],
}


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


# ------------------------------------------------------------ credentials
@pytest.mark.parametrize("command", AWS_COMMANDS, ids=str)
def test_no_credentials_says_how_to_configure_them(no_credentials: None, capsys, command: str) -> None:
    code, _, err = run(capsys, AWS_COMMANDS[command])
    assert code == EXIT_AWS
    assert "no AWS credentials found" in err and "aws configure" in err and "AWS_PROFILE" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_debug_shows_the_traceback(no_credentials: None, capsys) -> None:
    code, _, err = run(capsys, ["--debug", "start", "--stack", "amt"])
    assert code == EXIT_AWS
    assert "Traceback" in err and "NoCredentialsError" in err and "no AWS credentials found" in err
    code, _, err = run(capsys, ["start", "--stack", "amt", "--debug"])  # after the command too
    assert code == EXIT_AWS and "Traceback" in err


def test_an_unknown_profile(capsys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    code, _, err = run(capsys, ["runs", "--stack", "amt", "--profile", "nosuchprofile"])
    assert code == EXIT_AWS and "'nosuchprofile' not found" in err


def test_expired_credentials(aws: StubbedSession, capsys) -> None:
    aws.stub("cloudformation").add_client_error(
        "describe_stacks", "ExpiredToken", "The security token included in the request is expired")
    code, _, err = run(capsys, ["start", "--stack", "amt"])
    assert code == EXIT_AWS and "credentials have expired" in err and "aws sso login" in err


def test_an_expired_sso_login(aws: StubbedSession, capsys) -> None:
    aws.raises["cloudformation"] = TokenRetrievalError(provider="sso", error_msg="Token has expired")
    code, _, err = run(capsys, ["runs", "--stack", "amt"])
    assert code == EXIT_AWS and "login has expired" in err and "aws sso login" in err


# ---------------------------------------------------------------- network
def test_no_route_to_aws(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    code, _, err = run(capsys, ["start", "--stack", "amt"])
    assert code == EXIT_AWS
    assert "cannot reach http://127.0.0.1:9" in err and "network" in err and "Traceback" not in err


def test_no_region(capsys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    code, _, err = run(capsys, ["stop", "some-job"])
    assert code == EXIT_AWS and "no AWS region" in err and "--region" in err


def test_region_comes_from_the_option_then_aws_region(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    seen: list[dict] = []

    def session(**kwargs: str) -> StubbedSession:
        seen.append(kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(boto3, "Session", session)
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    main(["runs", "--stack", "amt"])
    main(["runs", "--stack", "amt", "--region", "eu-north-1", "--profile", "dev"])
    assert seen == [{"region_name": "ap-south-1"}, {"region_name": "eu-north-1", "profile_name": "dev"}]


# ------------------------------------------------------------------ stack
@pytest.mark.parametrize("command", ["start", "runs", "cleanup"], ids=str)
def test_a_stack_that_does_not_exist(aws: StubbedSession, capsys, command: str) -> None:
    aws.stub("cloudformation").add_client_error("describe_stacks", "ValidationError",
                                                "Stack with id amt does not exist")
    code, _, err = run(capsys, AWS_COMMANDS[command])
    assert code == EXIT_AWS
    assert "stack 'amt' does not exist in eu-west-1" in err and "--stack" in err


def test_a_stack_not_deployed_from_this_template(aws: StubbedSession, capsys) -> None:
    aws.stack({"WebsiteURL": "https://example.com"})
    code, _, err = run(capsys, ["start", "--stack", "amt"])
    assert code == EXIT_AWS and "was not deployed from AMT Pipeline's template" in err


def test_a_stack_missing_an_output(aws: StubbedSession, capsys) -> None:
    aws.stack({"StateMachineArn": "arn:aws:states:eu-west-1:1:stateMachine:x", "DataBucketName": "b"})
    code, _, err = run(capsys, ["cleanup", "some-run", "--stack", "amt", "--yes"])
    assert code == EXIT_AWS and "has no CleanupFunctionName output" in err and "sam deploy" in err


# ------------------------------------------------------------ permissions
def test_access_denied_names_the_action_aws_names(aws: StubbedSession, capsys) -> None:
    aws.stack()
    aws.stub("stepfunctions").add_client_error(
        "start_execution", "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/ann is not authorized to perform: states:StartExecution on "
        "resource: arn:aws:states:eu-west-1:123456789012:stateMachine:TuningPipeline-abc")
    code, _, err = run(capsys, ["start", "--stack", "amt"])
    assert code == EXIT_AWS and "access denied" in err and "states:StartExecution" in err


def test_access_denied_without_the_action_in_the_message(aws: StubbedSession, capsys) -> None:
    aws.stub("cloudformation").add_client_error("describe_stacks", "AccessDenied", "Access Denied", 403)
    code, _, err = run(capsys, ["runs", "--stack", "amt"])
    assert code == EXIT_AWS and "cloudformation:DescribeStacks" in err


def test_throttling_that_outlasts_the_retries(aws: StubbedSession, capsys) -> None:
    aws.stack()
    aws.stub("stepfunctions").add_client_error("list_executions", "ThrottlingException", "Rate exceeded", 400)
    code, _, err = run(capsys, ["runs", "--stack", "amt"])
    assert code == EXIT_AWS and "throttled ListExecutions" in err and "retry" in err


# ------------------------------------------------------------------ files
@pytest.mark.parametrize("argv", [["validate"], ["start", "--stack", "amt"], ["local", "run"]],
                         ids=["validate", "start", "local-run"])
def test_a_missing_file(capsys, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boto3, "Session", lambda **_: pytest.fail("AWS was called"))
    code, _, err = run(capsys, [*argv[:1], *argv[1:2], "missing.json", *argv[2:]] if argv[0] == "local"
                       else [argv[0], "missing.json", *argv[1:]])
    assert code == EXIT_FAILED and "no such file: missing.json" in err and "Traceback" not in err


def test_an_unreadable_file(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, ["validate", str(tmp_path)])
    assert code == EXIT_FAILED and "is a folder" in err
    binary = tmp_path / "input.json"
    binary.write_bytes(b"\xff\xfe\x00")
    code, _, err = run(capsys, ["validate", str(binary)])
    assert code == EXIT_FAILED and "not UTF-8" in err


def test_a_file_that_is_not_json(capsys, tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_text("{'max_jobs': 3}")
    code, _, err = run(capsys, ["validate", str(path)])
    assert code == EXIT_FAILED and "is not JSON" in err


def test_report_out_in_a_missing_folder(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, ["report", "job", "--local", str(tmp_path / "nothing")])
    assert code == EXIT_FAILED and "holds no local run" in err and "amt local run --out" in err


# ------------------------------------------------------ unknown names
def test_stop_an_unknown_job(aws: StubbedSession, capsys) -> None:
    aws.stub("sagemaker").add_client_error("describe_hyper_parameter_tuning_job", "ResourceNotFound",
                                           "Amazon SageMaker can't find a tuning job with name nosuch")
    code, _, err = run(capsys, ["stop", "nosuch"])
    assert code == EXIT_FAILED and "no tuning job named 'nosuch'" in err


def test_report_an_unknown_job(aws: StubbedSession, capsys) -> None:
    aws.stub("sagemaker").add_client_error("describe_hyper_parameter_tuning_job", "ResourceNotFound",
                                           "Amazon SageMaker can't find a tuning job with name nosuch")
    code, _, err = run(capsys, ["report", "nosuch"])
    assert code == EXIT_FAILED and "no tuning job named 'nosuch'" in err


def test_runs_of_an_unknown_execution(aws: StubbedSession, capsys) -> None:
    from tests.unit.cli_stubs import STATE_MACHINE

    aws.stack()
    aws.stub("stepfunctions").add_client_error(
        "describe_execution", "ExecutionDoesNotExist", "Execution Does Not Exist",
        expected_params={"executionArn": STATE_MACHINE.replace(":stateMachine:", ":execution:") + ":nosuch"})
    code, _, err = run(capsys, ["runs", "nosuch", "--stack", "amt"])
    assert code == EXIT_FAILED and "no execution named 'nosuch' in stack amt" in err


# ------------------------------------------------------------------ usage
def test_usage_errors_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["start"])  # --stack is required
    assert exited.value.code == EXIT_USAGE
    code, _, err = run(capsys, ["runs"])
    assert code == EXIT_USAGE and "--stack NAME" in err and "--local DIR" in err


def test_help_lists_the_exit_codes_and_version(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for line in ("0    success", "1    the run or job failed", "2    usage", "3    AWS or configuration"):
        assert line in out
    for command in ("validate", "start", "runs", "stop", "report", "cleanup", "local"):
        assert command in out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("amt ")


def test_json_errors_are_one_document_on_stdout(aws: StubbedSession, capsys) -> None:
    aws.stub("cloudformation").add_client_error("describe_stacks", "ValidationError",
                                                "Stack with id amt does not exist")
    code, out, err = run(capsys, ["runs", "--stack", "amt", "--json"])
    assert code == EXIT_AWS and json.loads(out)["exit_code"] == EXIT_AWS and "does not exist" in err
