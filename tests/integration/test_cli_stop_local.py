"""`amt stop` on a running job of the local runtime: the pipeline's Stopped path then reports and
notifies as on AWS; then `amt runs --local`, `amt report --local` and `amt cleanup --local` on the
same folder."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from amt.cli import main
from amt.local.runtime import LocalPipeline

pytestmark = pytest.mark.slow

JOB = "stop-me"


def test_stop_then_the_stopped_notification_and_the_report(tmp_path: Path, capsys) -> None:
    # Given a local run of a 30-trial job, one trial at a time
    first_trial = threading.Event()
    stop_codes: list[int] = []

    def on_progress(progress) -> None:
        if progress.completed >= 1:
            first_trial.set()

    def stop_after_the_first_trial() -> None:
        if first_trial.wait(timeout=240):
            stop_codes.append(main(["stop", JOB, "--json"]))  # boto3 -> the emulator -> the local engine

    stopper = threading.Thread(target=stop_after_the_first_trial, daemon=True)
    stopper.start()
    # When the user stops its job with `amt stop` once the first trial is done
    result = LocalPipeline(tmp_path, workers=1, poll_seconds=0.05, on_progress=on_progress).run(
        {"job_name": JOB, "max_jobs": 30, "max_parallel_jobs": 1, "random_seed": 1}, timeout_seconds=300)
    stopper.join(timeout=10)

    # Then the job ends Stopped, and the Stopped path renders the report and notifies, as on AWS
    assert stop_codes == [0]
    stopped = json.loads(capsys.readouterr().out)
    assert stopped["stopping"] == JOB and stopped["previous_status"] == "InProgress"
    assert result.tuning_job and result.tuning_job["HyperParameterTuningJobStatus"] == "Stopped"
    assert len(result.notifications) == 1 and "Stopped" in result.notifications[0]["subject"]
    assert result.report_path and result.report_path.is_file()
    done = result.tuning_job["TrainingJobStatusCounters"]
    assert 1 <= done["Completed"] < 30

    # And `amt runs --local` shows the stopped job with its report
    assert main(["runs", "--local", str(tmp_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["runs"]
    assert [(r["tuning_job"], r["tuning_job_status"]) for r in rows] == [(JOB, "Stopped")]
    assert rows[0]["report"] == str(result.report_path.resolve())

    # And `amt report --local` draws the learning curves the run's own report drew (the run's emulated
    # CloudWatch is gone: the engine's metric histories are read back the same way)
    again = tmp_path / "again.html"
    assert main(["report", JOB, "--local", str(tmp_path), "--out", str(again)]) == 0
    drawn = _payload(result.report_path.read_text())["datasets"]["curves"]
    assert drawn and {p["metric"] for p in drawn} == {"validation:accuracy", "train:accuracy"}
    assert _payload(again.read_text())["datasets"]["curves"] == drawn

    # And `amt cleanup --local` removes its reports
    assert main(["cleanup", JOB, "--local", str(tmp_path), "--parts", "reports", "--yes"]) == 0
    assert "4 object(s) deleted" in capsys.readouterr().out and not result.report_path.exists()
    assert main(["runs", "--local", str(tmp_path), "--json"]) == 0
    assert "removed by a cleanup" in json.loads(capsys.readouterr().out)["runs"][0]["why_no_report"]


def _payload(page: str) -> dict:
    match = re.search(r"<script type='application/json' id='amt-report-data'>(.*?)</script>", page, re.S)
    assert match, "the report's data element is missing"
    return json.loads(match.group(1))
