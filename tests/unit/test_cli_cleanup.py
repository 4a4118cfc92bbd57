"""`amt cleanup` in moto: the stack's real cleanup function behind lambda:Invoke, through main()."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import boto3
import pytest

from amt.cli import main
from amt.local.emulator import AwsEmulator
from tests.conftest import FakeLambdaContext, load_function

BUCKET = "amt-data-bucket"
RUN = "amt-20261128-101500-ab12"
KEYS = [f"runs/{RUN}/data/train/train.csv", f"runs/{RUN}/data/validation/validation.csv",
        f"runs/{RUN}/output/{RUN}-001-abcdef01/output/model.tar.gz", f"runs/{RUN}/reports/index.html",
        f"runs/{RUN}x/data/train/train.csv", "runs/other/reports/index.html"]
TEMPLATE = {
    "Resources": {"DataBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": BUCKET}}},
    "Outputs": {
        "DataBucketName": {"Value": BUCKET},
        "CleanupFunctionName": {"Value": "CleanupFunction"},
        "StateMachineArn": {"Value": "arn:aws:states:us-east-1:123456789012:stateMachine:TuningPipeline"},
    },
}


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch):
    """A moto stack with this template's outputs; Invoke runs functions/cleanup/app.py on moto's S3."""
    monkeypatch.setenv("BUCKET_NAME", BUCKET)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "cleanup")
    handler = load_function("cleanup").lambda_handler
    invocations: list[dict] = []

    def invoke(function: str, payload: bytes) -> tuple[bytes, str | None]:
        event = json.loads(payload)
        invocations.append({"function": function, **event})
        with contextlib.redirect_stdout(io.StringIO()):  # the handler's structured logs
            try:
                return json.dumps(handler(event, FakeLambdaContext())).encode(), None
            except Exception as error:  # noqa: BLE001 - a function error, as Lambda reports it
                return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)}).encode(), "Unhandled"

    with AwsEmulator(region="us-east-1", lambda_invoker=invoke, sagemaker=None):
        boto3.client("cloudformation").create_stack(StackName="amt", TemplateBody=json.dumps(TEMPLATE))
        s3 = boto3.client("s3")
        for key in KEYS:
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        yield invocations


def keys() -> list[str]:
    return sorted(o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_dry_run_shows_what_would_go_and_deletes_nothing(stack: list[dict], capsys) -> None:
    assert main(["cleanup", RUN, "--stack", "amt", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"Run {RUN}, data, output, reports: 4 object(s) would be deleted" in out
    assert f"runs/{RUN}/reports/index.html" in out and f"runs/{RUN}x/" not in out
    assert keys() == sorted(KEYS)
    assert [call["dry_run"] for call in stack] == [True]
    assert stack[0]["function"] == "CleanupFunction"


def test_yes_deletes_the_parts_asked_for_only(stack: list[dict], capsys) -> None:
    assert main(["cleanup", RUN, "--stack", "amt", "--parts", "data", "reports", "--yes", "--json"]) == 0
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document["deleted"]["object_count"] == 3 and document["deleted"]["parts"] == ["data", "reports"]
    assert "3 object(s) deleted" in err
    assert keys() == sorted([f"runs/{RUN}/output/{RUN}-001-abcdef01/output/model.tar.gz",
                             f"runs/{RUN}x/data/train/train.csv", "runs/other/reports/index.html"])
    assert [call["dry_run"] for call in stack] == [True, False]


def test_the_user_confirms_or_declines(stack: list[dict], capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda *_: "n")
    assert main(["cleanup", RUN, "--stack", "amt"]) == 1
    assert "Nothing deleted" in capsys.readouterr().out and keys() == sorted(KEYS)
    monkeypatch.setattr("builtins.input", lambda *_: "y")
    assert main(["cleanup", RUN, "--stack", "amt", "--parts", "output"]) == 0
    assert f"runs/{RUN}/output/{RUN}-001-abcdef01/output/model.tar.gz" not in keys()


def test_no_terminal_and_no_yes_deletes_nothing(stack: list[dict], capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert main(["cleanup", RUN, "--stack", "amt"]) == 2
    assert "--yes" in capsys.readouterr().err and keys() == sorted(KEYS)


@pytest.mark.parametrize("run_id", ["", "runs/x", "..", "*", "a/../b", "x" * 33, "x-"])
def test_an_unsafe_run_id_is_refused_before_any_call(stack: list[dict], capsys, monkeypatch, run_id: str) -> None:
    monkeypatch.setattr(boto3, "Session", lambda **_: pytest.fail("AWS was called"))
    assert main(["cleanup", run_id, "--stack", "amt", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "refused, nothing was called" in err and "is not a run id" in err
    assert stack == [] and keys() == sorted(KEYS)


def test_cleanup_of_a_run_that_names_nothing_is_exit_1(tmp_path: Path, capsys) -> None:
    # Given a local folder without the run
    (tmp_path / "state").mkdir()
    (tmp_path / "bucket" / "runs" / "other").mkdir(parents=True)
    # When its cleanup is asked for, dry run or not, Then it fails naming the run, and nothing is deleted
    for extra in (["--dry-run"], ["--yes"]):
        assert main(["cleanup", "nope", "--local", str(tmp_path), *extra]) == 1
        assert "run nope: nothing under runs/nope/" in capsys.readouterr().err
    assert (tmp_path / "bucket" / "runs" / "other").is_dir()


def test_cleanup_of_a_local_runs_folder(tmp_path: Path, capsys) -> None:
    (tmp_path / "state").mkdir()
    for key in KEYS:
        path = tmp_path / "bucket" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    assert main(["cleanup", RUN, "--local", str(tmp_path), "--dry-run"]) == 0
    assert "4 object(s) would be deleted" in capsys.readouterr().out
    assert main(["cleanup", RUN, "--local", str(tmp_path), "--yes"]) == 0
    left = sorted(p.relative_to(tmp_path / "bucket").as_posix() for p in (tmp_path / "bucket").rglob("*")
                  if p.is_file())
    assert left == [f"runs/{RUN}x/data/train/train.csv", "runs/other/reports/index.html"]
    assert not (tmp_path / "bucket" / "runs" / RUN).exists()
