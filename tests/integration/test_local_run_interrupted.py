"""Ctrl-C during `amt local run` ends the run as SageMaker's stopped job ends: trials in flight Stopped
(not Failed), the tuning job Stopped with its final report, exit 130, and `amt runs --local` lists it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
AMT = Path(sys.executable).with_name("amt")


def test_ctrl_c_stops_the_jobs_and_the_run_ends_stopped_with_a_final_report(tmp_path: Path) -> None:
    # Given a local run of 30 jobs, 2 in parallel, started as a terminal starts it (its own process group),
    # whose trials each train 1,000 rounds with no early stopping: a trial lasts seconds (Digits' own trials
    # can all end between a progress line and the Ctrl-C on a fast machine)
    config = tmp_path / "long.json"
    config.write_text(json.dumps({
        "max_jobs": 30, "max_parallel_jobs": 2, "early_stopping_type": "Off",
        "hyperparameters": {"num_class": 10, "objective": "multi:softprob", "eval_metric": "accuracy",
                            "num_round": 1000}}))
    out_dir = tmp_path / "out"
    # (SIGINT back to its default: a shell starts background jobs, CI's included, with SIGINT ignored,
    # and an ignored SIGINT is inherited, so Ctrl-C would never reach the run)
    run = subprocess.Popen([str(AMT), "local", "run", str(config), "--out", str(out_dir)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert run.stderr is not None
    # When Ctrl-C reaches the whole group (the CLI and its training workers) once 3 trials are done and
    # the engine's records show a trial in progress
    for line in run.stderr:  # (progress lines may skip a count: two trials can end between two lines)
        done = re.search(r" done=(\d+)/", line)
        if done and int(done.group(1)) >= 3:
            break
    else:
        pytest.fail("the run ended before 3 trials were done")
    assert _wait_for_a_trial_in_progress(out_dir / "state" / "training-jobs"), "no trial in progress after 3"
    os.killpg(run.pid, signal.SIGINT)
    out, err = run.communicate(timeout=300)  # (generous: a loaded machine renders the final report slowly)
    # Then the run exits 130, saying its jobs were stopped
    assert run.returncode == 130, err[-2000:]
    assert "the run's jobs were stopped" in err
    # And the trials in flight ended Stopped, none Failed; the job is Stopped and its report final
    (job,) = (out_dir / "bucket" / "runs").iterdir()
    reports = job / "reports"
    trials = json.loads((reports / "trials.json").read_text())["trials"]
    statuses = {t["TrainingJobStatus"] for t in trials}
    assert "Failed" not in statuses and "Stopped" in statuses, [t.get("FailureReason") for t in trials]
    summary = json.loads((reports / "summary.json").read_text())
    assert "Stopped" in json.dumps(summary)
    assert "Status: Stopped" in out
    # And amt runs --local lists the run with its tuning job, Stopped, and its report
    listed = subprocess.run([str(AMT), "runs", "--local", str(out_dir), "--json"], capture_output=True, text=True,
                            check=True)
    (entry,) = json.loads(listed.stdout)["runs"]
    assert entry["tuning_job"] == job.name and entry["tuning_job_status"] == "Stopped" and entry["report"]


def _wait_for_a_trial_in_progress(records: Path, timeout: float = 60.0) -> bool:
    """Whether a training job's record (the engine's state, saved as it changes) says InProgress."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in records.glob("*.json"):
            try:
                if json.loads(path.read_text()).get("Status") == "InProgress":
                    return True
            except (OSError, ValueError):
                continue  # a record being written
        time.sleep(0.1)
    return False
