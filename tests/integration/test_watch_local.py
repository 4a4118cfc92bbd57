"""`amt watch --local` follows a real local run (examples/quick.json: 6 trials, real XGBoost) from
another thread to its end, while `amt local run`'s own live view copies the in-progress report
out of the emulated bucket; the final report replaces it."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from amt.cli.local_live import LocalLiveView
from amt.cli.local_state import LocalState
from amt.cli.watch import exit_code, follow
from amt.cli.watch_view import LiveView
from amt.local.runtime import LocalPipeline

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
QUICK = json.loads((ROOT / "examples" / "quick.json").read_text())


def test_watch_local_follows_a_run_to_its_end_and_the_final_report_replaces_the_live_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = Path("run")  # relative, as `amt local run`'s default (amt-local) is
    live_stream = io.StringIO()
    live = LocalLiveView(out, stream=live_stream, terminal=False, min_seconds=0.2)
    result: dict[str, Any] = {}

    def run() -> None:
        with live:
            result["run"] = LocalPipeline(out, workers=2, poll_seconds=0.05, on_progress=live.update).run(
                {**QUICK, "random_seed": 3}, timeout_seconds=300)

    runner = threading.Thread(target=run)
    runner.start()
    deadline = time.monotonic() + 120
    while not list((out / "state" / "tuning-jobs").glob("*.json")):
        assert time.monotonic() < deadline and runner.is_alive(), "the run never started its tuning job"
        time.sleep(0.1)
    job = next((out / "state" / "tuning-jobs").glob("*.json")).stem

    watched = io.StringIO()
    with LocalState.open(out) as state:  # a reader of the run's state folder, as another process would be
        progress = follow(state.engine, job, interval=0.3, view=LiveView(watched, terminal=False))
    runner.join(timeout=300)

    lines = watched.getvalue().splitlines()
    assert progress.status == "Completed" and exit_code(progress.status) == 0
    assert "done=6/6" in lines[-1] and "Completed" in lines[-1]
    dones = [int(line.split("done=")[1].split("/")[0]) for line in lines]
    assert dones == sorted(dones) and len(lines) >= 2  # it watched the job move, never backwards

    run_result = result["run"]
    assert run_result.succeeded and run_result.report_path is not None
    assert live.copies >= 1  # the in-progress report was there to open while the job ran
    assert f"report so far: {(tmp_path / 'run' / 'bucket').as_uri()}/runs/" in live_stream.getvalue()
    assert "Traceback" not in live_stream.getvalue()
    final = run_result.report_path.read_text()
    assert "amt-in-progress" not in final and "http-equiv='refresh'" not in final
