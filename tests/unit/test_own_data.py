"""The user's own files: found, staged under the run's data/ prefix, uploaded by `amt start`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from amt.cli import main
from amt.cli.aws import Stack
from amt.cli.own_data import (
    emulated_bucket_sources,
    find_local_channels,
    run_id_for,
    stage,
    with_channel_options,
)
from amt_pipeline.errors import InvalidExecutionInput

BUCKET = "amt-bucket"
REGION = "eu-west-1"
STARTED = datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)


def _data(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "data" / "train"
    (folder / "more").mkdir(parents=True)
    (folder / "b.csv").write_text("1,2\n")
    (folder / "a.csv").write_text("0,3\n")
    (folder / "more" / "c.csv").write_text("1,4\n")
    validation = tmp_path / "data" / "validation.csv"
    validation.write_text("0,5\n")
    return folder, validation


def _fields(error: pytest.ExceptionInfo[InvalidExecutionInput]) -> dict[str, str]:
    return {e.field: e.message for e in error.value.errors}


def test_a_folder_and_a_file_uri_are_staged_under_the_runs_data_prefix(tmp_path: Path) -> None:
    # Given a folder (with a sub-folder) for train and a file:// URI for validation, relative to the input's folder
    folder, validation = _data(tmp_path)
    raw = {"dataset": {"train_uri": "data/train", "validation_uri": validation.as_uri()}}
    # When they are found and staged for a run
    channels = find_local_channels(raw, tmp_path)
    staged = stage(raw, channels, bucket=BUCKET, run_id=run_id_for(raw, "exec-1", STARTED))
    # Then the input names the run's data/ prefixes, the run id is fixed, and every file has its key
    run_id = staged.execution_input["job_name"]
    assert run_id.startswith("amt-20261202-100000-")
    assert staged.execution_input["dataset"] == {
        "train_uri": f"s3://{BUCKET}/runs/{run_id}/data/train/",
        "validation_uri": f"s3://{BUCKET}/runs/{run_id}/data/validation/",
    }
    assert staged.objects == {
        f"runs/{run_id}/data/train/a.csv": folder / "a.csv",
        f"runs/{run_id}/data/train/b.csv": folder / "b.csv",
        f"runs/{run_id}/data/train/more/c.csv": folder / "more" / "c.csv",
        f"runs/{run_id}/data/validation/validation.csv": validation,
    }
    assert staged.data_uri == f"s3://{BUCKET}/runs/{run_id}/data/"
    assert raw["dataset"]["train_uri"] == "data/train"  # the user's input is left as it was


def test_a_named_job_keeps_its_name() -> None:
    assert run_id_for({"job_name": "my-run"}, "exec", STARTED) == "my-run"


def test_s3_uris_are_not_local_channels(tmp_path: Path) -> None:
    raw = {"dataset": {"train_uri": "s3://b-1/x/", "validation_uri": "s3://b-1/y.csv"}}
    assert find_local_channels(raw, tmp_path) == {}
    assert stage(raw, {}, bucket=BUCKET, run_id="r").execution_input is raw


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: None, "no such file or folder"),
    (lambda p: p.mkdir(), "no file in the folder"),
    (lambda p: p.write_bytes(b""), "is an empty file"),
], ids=["missing", "empty-folder", "empty-file"])
def test_an_unusable_path_names_its_field(tmp_path: Path, make, message: str) -> None:
    make(tmp_path / "train")
    (tmp_path / "v.csv").write_text("1,2\n")
    with pytest.raises(InvalidExecutionInput) as error:
        find_local_channels({"dataset": {"train_uri": "train", "validation_uri": "v.csv"}}, tmp_path)
    assert list(_fields(error)) == ["dataset.train_uri"] and message in _fields(error)["dataset.train_uri"]


def test_options_replace_the_built_in_dataset_and_need_each_other(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    raw = with_channel_options({"dataset": {"name": "digits"}}, "t.csv", "v.csv")
    assert raw["dataset"] == {"train_uri": str(tmp_path / "t.csv"), "validation_uri": str(tmp_path / "v.csv")}
    with pytest.raises(InvalidExecutionInput) as error:
        with_channel_options({}, "t.csv", None)
    assert "--train needs --validation" in _fields(error)["dataset.validation_uri"]


def test_an_earlier_local_runs_uris_come_back_from_its_folder_at_their_keys(tmp_path: Path) -> None:
    # Given the bucket an earlier local run mirrored to its --out folder
    mirror = tmp_path / "bucket"
    (mirror / "runs/old/data/train").mkdir(parents=True)
    (mirror / "runs/old/data/train/train.csv").write_text("1,2\n")
    (mirror / "runs/old/data/validation").mkdir(parents=True)
    (mirror / "runs/old/data/validation/validation.csv").write_text("0,2\n")
    raw = {"dataset": {"train_uri": "s3://amt-local-databucket/runs/old/data/train/train.csv",
                       "validation_uri": "s3://amt-local-databucket/runs/old/data/validation/"}}
    # When its suggested next input is run locally
    objects = emulated_bucket_sources(raw, "amt-local-databucket", mirror)
    # Then its objects go back at the same keys (the URIs, and a warm start's data, stay identical)
    assert objects == {"runs/old/data/train/train.csv": mirror / "runs/old/data/train/train.csv",
                       "runs/old/data/validation/validation.csv": mirror / "runs/old/data/validation/validation.csv"}


def test_real_s3_in_a_local_run_says_what_to_do_instead(tmp_path: Path) -> None:
    raw = {"dataset": {"train_uri": "s3://user-data/train/", "validation_uri": "s3://amt-local-databucket/runs/x/"}}
    with pytest.raises(InvalidExecutionInput) as error:
        emulated_bucket_sources(raw, "amt-local-databucket", tmp_path / "bucket")
    fields = _fields(error)
    assert "a local run cannot read s3://user-data/train/" in fields["dataset.train_uri"]
    assert "aws s3 cp --recursive s3://user-data/train/ data/train/" in fields["dataset.train_uri"]
    assert "--train data/train" in fields["dataset.train_uri"] and "amt start" in fields["dataset.train_uri"]
    assert "stays in the --out folder it ran with" in fields["dataset.validation_uri"]


def test_validate_checks_local_files_and_shows_the_paths_given(tmp_path: Path, capsys) -> None:
    _data(tmp_path)
    config = tmp_path / "in.json"
    config.write_text(json.dumps({"dataset": {"train_uri": "data/train", "validation_uri": "data/validation.csv"}}))
    assert main(["validate", str(config)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["dataset"] == {"train_uri": "data/train", "validation_uri": "data/validation.csv",
                                "content_type": "text/csv"}
    assert shown["job_name"] is None
    assert main(["validate", str(config), "--train", str(tmp_path / "nope")]) == 1
    assert "dataset.train_uri: no such file or folder" in capsys.readouterr().err


def test_a_path_that_reaches_the_state_machine_says_amt_start_uploads_it() -> None:
    from amt_pipeline.run.execution_input import parse_execution_input

    with pytest.raises(InvalidExecutionInput) as error:
        parse_execution_input({"dataset": {"train_uri": "data/train", "validation_uri": "file:///v.csv"}})
    fields = _fields(error)
    assert "is a path on your machine" in fields["dataset.train_uri"] and "amt start" in fields["dataset.train_uri"]
    assert "is a path on your machine" in fields["dataset.validation_uri"]


@pytest.fixture(name="stack")
def deployed_stack(monkeypatch):
    """A stack's bucket (the template's default encryption) and a state machine, in moto."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/aws/s3"},
             "BucketKeyEnabled": True}]})
        sfn = boto3.client("stepfunctions", region_name=REGION)
        arn = sfn.create_state_machine(
            name="TuningPipeline", roleArn="arn:aws:iam::123456789012:role/sm",
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
        outputs = {"StateMachineArn": arn, "DataBucketName": BUCKET}
        monkeypatch.setenv("AWS_REGION", REGION)
        monkeypatch.setattr("amt.cli.pipeline.load_stack",
                            lambda aws, name: Stack(name, REGION, "CREATE_COMPLETE", dict(outputs)))
        yield s3, sfn, outputs


def test_start_uploads_local_files_encrypted_then_starts_on_their_s3_uris(tmp_path: Path, stack, capsys) -> None:
    s3, sfn, _ = stack
    folder, validation = _data(tmp_path)
    config = tmp_path / "in.json"
    config.write_text(json.dumps({"max_jobs": 4}))
    # When the user starts a run on their files
    code = main(["start", str(config), "--stack", "amt", "--name", "mine",
                 "--train", str(folder), "--validation", validation.as_uri()])
    # Then the files are in the stack's bucket under the run's data/ prefix, SSE-KMS encrypted
    assert code == 0, capsys.readouterr().err
    executions = sfn.list_executions(stateMachineArn=stack[2]["StateMachineArn"])["executions"]
    started = json.loads(sfn.describe_execution(executionArn=executions[0]["executionArn"])["input"])
    run_id = started["job_name"]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == [f"runs/{run_id}/data/train/a.csv", f"runs/{run_id}/data/train/b.csv",
                    f"runs/{run_id}/data/train/more/c.csv", f"runs/{run_id}/data/validation/validation.csv"]
    assert all(s3.head_object(Bucket=BUCKET, Key=k)["ServerSideEncryption"] == "aws:kms" for k in keys)
    assert s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == b"0,3\n"
    # And the execution runs on those S3 prefixes, its run id fixed where the data went
    assert started["dataset"] == {"train_uri": f"s3://{BUCKET}/runs/{run_id}/data/train/",
                                  "validation_uri": f"s3://{BUCKET}/runs/{run_id}/data/validation/"}
    assert executions[0]["name"] == "mine" and started["max_jobs"] == 4
    assert f"Uploading 4 files (16 bytes) to s3://{BUCKET}/runs/{run_id}/data/" in capsys.readouterr().out


def test_start_that_fails_leaves_no_uploaded_file(tmp_path: Path, stack, monkeypatch, capsys) -> None:
    s3, _, outputs = stack
    folder, validation = _data(tmp_path)
    outputs["StateMachineArn"] += "-gone"  # StartExecution fails: StateMachineDoesNotExist
    assert main(["start", "--stack", "amt", "--train", str(folder), "--validation", str(validation)]) != 0
    assert s3.list_objects_v2(Bucket=BUCKET).get("Contents") is None


def test_validate_warns_of_a_header_and_refuses_a_string_label_in_the_users_words(tmp_path: Path, capsys) -> None:
    # Given the user's own CSVs, the training file with a header row
    (tmp_path / "train.csv").write_text("label,x\n1,0.5\n0,0.25\n")
    (tmp_path / "v.csv").write_text("1,0.4\n")
    # When they validate: valid, with a warning naming their file and what SageMaker will do
    assert main(["validate", "--json", "--train", str(tmp_path / "train.csv"), "--validation",
                 str(tmp_path / "v.csv")]) == 0
    captured = capsys.readouterr()
    (warning,) = json.loads(captured.out)["warnings"]
    assert warning.startswith(f"{tmp_path / 'train.csv'}: the first row 'label,x' is a header")
    assert f"warning: {warning}" in captured.err
    # And a string label is refused, naming the field, the file and the row
    (tmp_path / "train.csv").write_text("yes,0.5\n")
    assert main(["validate", "--train", str(tmp_path / "train.csv"), "--validation", str(tmp_path / "v.csv")]) == 1
    err = capsys.readouterr().err
    assert f"dataset.train_uri: {tmp_path / 'train.csv'} row 1: the label (first column) 'yes' is not a number" in err
