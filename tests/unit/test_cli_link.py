"""`amt link` (issue 11): a fresh report link, from a stack (its outputs and secret, read with
the user's credentials) or from a local run's folder."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from amt.cli import main
from amt.local.links import LinkState
from amt_pipeline.report.link import DAY_SECONDS, check_link
from tests.unit.cli_stubs import BUCKET, OUTPUTS, REGION, StubbedSession, stubbed_aws  # noqa: F401

SECRET = "s" * 64
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:ReportLinkSecret-abc"
LINK_URL = "https://abcdefghij.lambda-url.eu-west-1.on.aws/"
STACK_OUTPUTS = {**OUTPUTS, "ReportLinkUrl": LINK_URL, "ReportLinkSecretArn": SECRET_ARN}


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_link_mints_a_link_for_the_stacks_function_signed_with_its_secret(aws: StubbedSession, capsys) -> None:
    aws.stack(STACK_OUTPUTS)
    aws.stub("secretsmanager").add_response("get_secret_value", {"SecretString": SECRET, "ARN": SECRET_ARN},
                                            {"SecretId": SECRET_ARN})
    aws.stub("s3").add_response("head_object", {}, {"Bucket": BUCKET, "Key": "runs/my-run/reports/index.html"})

    assert main(["link", "my-run", "--days", "30", "--stack", "amt", "--json"]) == 0

    document = json.loads(capsys.readouterr().out)
    assert document["url"].startswith(LINK_URL + "?") and document["report_found"] is True
    checked = check_link(SECRET.encode(), query(document["url"]), document["expires"] - 30 * DAY_SECONDS + 60)
    assert checked.run_id == "my-run"
    aws.assert_done()


def test_link_on_a_stack_deployed_before_the_link_function_says_to_redeploy(aws: StubbedSession, capsys) -> None:
    aws.stack()  # outputs of a template without the report link
    assert main(["link", "my-run", "--stack", "amt"]) == 3
    assert "ReportLinkUrl" in capsys.readouterr().err


@pytest.mark.parametrize("days", ["0", "366"])
def test_link_days_out_of_range_is_a_usage_error(days: str, tmp_path: Path, capsys) -> None:
    assert main(["link", "my-run", "--days", days, "--local", str(tmp_path)]) == 2


def test_link_refuses_what_is_not_a_run_id(tmp_path: Path, capsys) -> None:
    assert main(["link", "../other", "--local", str(tmp_path)]) == 1
    assert "not a run id" in capsys.readouterr().err


def test_link_for_a_local_run_uses_its_server_and_secret(tmp_path: Path, capsys) -> None:
    LinkState(secret="local-secret-" * 4, port=45678).save(tmp_path / "state")
    report = tmp_path / "bucket" / "runs" / "local-run" / "reports" / "index.html"
    report.parent.mkdir(parents=True)
    report.write_text("<html></html>")

    assert main(["link", "local-run", "--local", str(tmp_path)]) == 0

    printed = capsys.readouterr()
    url = printed.out.splitlines()[0]
    assert url.startswith("http://127.0.0.1:45678/?")
    assert check_link(("local-secret-" * 4).encode(), query(url), 0).run_id == "local-run"
    assert "amt local serve" in printed.out and "warning" not in printed.err


def test_link_to_a_run_the_folder_does_not_hold_mints_nothing(tmp_path: Path, capsys) -> None:
    # Given a local folder with a link server but no run 'nope'
    LinkState(secret="local-secret-" * 4, port=45678).save(tmp_path / "state")
    (tmp_path / "bucket" / "runs" / "local-run").mkdir(parents=True)
    # When the user asks for its link, Then no link is printed and the exit code says the run does not exist
    assert main(["link", "nope", "--local", str(tmp_path)]) == 1
    printed = capsys.readouterr()
    assert "http://" not in printed.out and "holds no run 'nope'" in printed.err and "amt runs --local" in printed.err


def test_link_for_a_folder_with_no_local_run_says_how_to_make_one(tmp_path: Path, capsys) -> None:
    assert main(["link", "local-run", "--local", str(tmp_path)]) == 1
    assert "amt local run" in capsys.readouterr().err


def test_local_serve_of_a_folder_with_no_local_run_is_an_error(tmp_path: Path, capsys) -> None:
    assert main(["local", "serve", str(tmp_path)]) == 1
    assert "holds no local run" in capsys.readouterr().err


def test_local_serve_prints_each_reports_link_not_the_bare_root(tmp_path: Path) -> None:
    from amt.cli.local import report_links

    # Given a folder with a link secret and two runs, one with a report
    LinkState(secret="local-secret-" * 4, port=45678).save(tmp_path / "state")
    report = tmp_path / "bucket" / "runs" / "Run-A" / "reports" / "index.html"
    report.parent.mkdir(parents=True)
    report.write_text("<html></html>")
    (tmp_path / "bucket" / "runs" / "run-b" / "data").mkdir(parents=True)
    # When serve lists the links, Then it prints one signed link, to the run with a report
    (line,) = report_links(tmp_path, "http://127.0.0.1:45678/")
    run, url = line.strip().split(": ", 1)
    assert run == "Run-A" and check_link(("local-secret-" * 4).encode(), query(url), 0).run_id == "Run-A"
