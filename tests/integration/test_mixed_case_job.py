"""A tuning job named with capitals (``Digits-Mixed-A``) works end to end locally: SageMaker's ARNs
hold the name lowercased, and the live report, runs, link and cleanup take it from the event's and
the run's own name fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amt.cli import main

pytestmark = pytest.mark.slow
NAME = "Digits-Mixed-A"


def test_a_capitalised_job_renders_its_in_progress_and_final_reports_with_no_error_logged(tmp_path: Path,
                                                                                           capsys) -> None:
    # Given an input naming its tuning job with capitals
    config = tmp_path / "mixed.json"
    config.write_text(json.dumps({"job_name": NAME, "max_jobs": 3, "max_parallel_jobs": 1}))
    out_dir = tmp_path / "out"
    # When it runs locally
    assert main(["local", "run", str(config), "--out", str(out_dir)]) == 0
    # Then TrackProgress rendered the in-progress report, and no handler logged an error
    records = [json.loads(line) for line in (out_dir / "logs" / "lambdas.log").read_text().splitlines()
               if line.startswith("{")]
    tracked = [r for r in records if r.get("message") == "Trial tracked"]
    assert tracked and all(r["run_id"] == NAME for r in tracked)
    assert any(r["rendered"] for r in tracked)
    assert [r for r in records if r.get("level") in ("ERROR", "CRITICAL")] == []
    # And the final report is the run's, under its own name
    assert (out_dir / "bucket" / "runs" / NAME / "reports" / "index.html").is_file()
    capsys.readouterr()
    # And amt runs, link and cleanup find it by that name
    assert main(["runs", "--local", str(out_dir), "--json"]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert run["tuning_job"] == NAME and run["tuning_job_status"] == "Completed" and run["report"]
    assert main(["link", NAME, "--local", str(out_dir)]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["cleanup", NAME, "--local", str(out_dir), "--dry-run"]) == 0
    assert f"runs/{NAME}/" in capsys.readouterr().out
