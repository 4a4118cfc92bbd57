"""The tuning conversation through the template's rules in the emulator: the real state machine,
handlers (DecideFollowUp included) and rules, with a fast SageMaker fake whose trials follow each
round's ranges. Each stop reason, duplicate events, the parent limit, a failed round, a stop mid-chain."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3

from amt.local.runtime import LocalPipeline
from amt_pipeline.aws.chain_table import ChainTable
from tests.integration.fake_sagemaker import FakeSageMaker

CHAIN = "narrow-chain"
NARROW = {"eta": {"type": "Continuous", "min_value": 0.1, "max_value": 0.25},
          "max_depth": {"type": "Integer", "min_value": 5, "max_value": 10}}
# Where the 10 trials of a round sit in its eta range: the best five near the top, so the top edge crowds.
CROWDED_TOP = [0.97, 0.9, 0.95, 0.85, 0.99, 0.1, 0.3, 0.5, 0.6, 0.4]
INSIDE = [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.2]


def _round_of(request: dict) -> int:
    tags = {t["Key"]: t["Value"] for t in request.get("Tags", [])}
    return int(tags.get("amt-pipeline:round", "1"))


def trials(positions=CROWDED_TOP, gain_per_round=0.01):
    """Objective rising with eta's position in the round's range, and by ``gain_per_round`` a round."""
    def make(request: dict) -> list[tuple[float | None, dict[str, str]]]:
        ranges = {r["Name"]: r for r in request["HyperParameterTuningJobConfig"]["ParameterRanges"]
                  ["ContinuousParameterRanges"]}
        low, high = float(ranges["eta"]["MinValue"]), float(ranges["eta"]["MaxValue"])
        bonus = gain_per_round * (_round_of(request) - 1)
        return [(round(0.80 + 0.05 * p + bonus, 5), {"eta": str(low + p * (high - low)), "max_depth": str(5 + i % 6)})
                for i, p in enumerate(positions)]
    return make


def run_chain(tmp_path: Path, follow_up: dict, *, while_serving=None, ranges=NARROW, **fake_options):
    fakes: list[FakeSageMaker] = []

    def factory(**kwargs):
        fakes.append(FakeSageMaker(**kwargs, **{"trial_maker": trials(), **fake_options}))
        return fakes[-1]

    started: list[str] = []
    execution_input = {"job_name": CHAIN, "max_jobs": 10, "max_parallel_jobs": 2, "hyperparameter_ranges": ranges,
                       "follow_up": follow_up}
    result = LocalPipeline(tmp_path / "run", engine_factory=factory, poll_seconds=0.02, on_round=started.append,
                           while_serving=while_serving).run(execution_input, execution_name="first-round",
                                                            timeout_seconds=240)
    return result, fakes[0], started


def tuning_requests(fake: FakeSageMaker) -> list[dict]:
    return fake.called("CreateHyperParameterTuningJob")


def reasons(result) -> list[tuple[int, str, str]]:
    return [(r["round"], r["decision"], r["reason"]) for r in result.chain["rounds"]]


def test_a_narrow_start_chains_warm_started_rounds_until_the_budget_is_spent(tmp_path: Path) -> None:
    # Given a narrow eta range whose top edge the best trials crowd, round after round
    result, fake, started = run_chain(tmp_path, {"max_rounds": 3})
    # Then three rounds ran, the later two started by the decisions, and the chain stopped on its budget
    assert [r.execution_status for r in result.rounds] == ["SUCCEEDED"] * 3, result.cause
    assert started == [f"follow-up-{CHAIN}-r2", f"follow-up-{CHAIN}-r3"]
    assert reasons(result) == [(1, "continue", "edge-crowded"), (2, "continue", "edge-crowded"),
                               (3, "stop", "budget-spent")]
    first, second, third = tuning_requests(fake)
    # And each later round is a warm start from the earlier ones, on the first round's data, with wider eta
    assert "WarmStartConfig" not in first
    assert second["WarmStartConfig"] == {"ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": CHAIN}],
                                         "WarmStartType": "IdenticalDataAndAlgorithm"}
    assert [p["HyperParameterTuningJobName"] for p in third["WarmStartConfig"]["ParentHyperParameterTuningJobs"]] \
        == [f"{CHAIN}-r2", CHAIN]
    data = [[c["DataSource"]["S3DataSource"]["S3Uri"] for c in r["TrainingJobDefinition"]["InputDataConfig"]]
            for r in (first, second, third)]
    assert data[0] == data[1] == data[2] and f"/runs/{CHAIN}/data/train/" in data[0][0]
    etas = [next(r for r in req["HyperParameterTuningJobConfig"]["ParameterRanges"]["ContinuousParameterRanges"]
                 if r["Name"] == "eta")["MaxValue"] for req in (first, second, third)]
    assert [float(e) for e in etas] == sorted(float(e) for e in etas) and float(etas[2]) > float(etas[1]) > 0.25
    # And no second copy of the data, no second baseline
    keys = [str(p.relative_to(result.bucket_dir)) for p in result.bucket_dir.rglob("*.csv")]
    assert sorted(k for k in keys if "/data/" in k) == [f"runs/{CHAIN}/data/train/train.csv",
                                                       f"runs/{CHAIN}/data/validation/validation.csv"]
    assert len(fake.called("CreateTrainingJob")) == 1
    # And the rounds carry the chain's tags
    assert {"Key": "amt-pipeline:chain-id", "Value": CHAIN} in third["Tags"]
    assert {"Key": "amt-pipeline:round", "Value": "3"} in third["Tags"]
    assert not result.dead_letters
    # And each round is told once its follow-up is decided: short messages, then the chain's result
    subjects = [n["subject"] for n in result.notifications]
    assert len(subjects) == 3 and "round 2 started" in subjects[0] and "round 3 started" in subjects[1]
    assert f"chain {CHAIN} stopped after 3 round(s)" in subjects[2] and "budget-spent" in subjects[2]
    # And the last round's report tells the whole conversation, its own decision included
    page = result.report_path.read_text()
    assert result.report_path.parts[-3] == f"{CHAIN}-r3" and "The tuning conversation" in page
    assert page.count("edge-crowded") >= 2 and "budget-spent" in page and "amt-chain-decision" not in page
    assert "eta [0.1, 0.25]" in page
    final = result.notifications[2]["message"]
    assert "the budget is spent" in final and f"3. {CHAIN}-r3" in final and "Status: Completed" in final


def test_no_crowded_edge_stops_after_the_first_round(tmp_path: Path) -> None:
    result, fake, started = run_chain(tmp_path, {}, trial_maker=trials(INSIDE))
    assert started == [] and len(tuning_requests(fake)) == 1
    assert reasons(result) == [(1, "stop", "no-edge-crowded")]
    [note] = result.notifications
    assert "stopped after 1 round(s)" in note["subject"] and "no range edge is crowded" in note["message"]


def test_notify_last_round_sends_only_the_chains_result(tmp_path: Path) -> None:
    result, _, _ = run_chain(tmp_path, {"max_rounds": 2, "notify": "last_round"})
    assert [n["subject"] for n in result.notifications] == [
        f"AMT Pipeline: chain {CHAIN} stopped after 2 round(s): best 0.85950 (budget-spent)"]


def test_a_round_that_gains_too_little_stops_the_chain(tmp_path: Path) -> None:
    result, fake, _ = run_chain(tmp_path, {"min_improvement": 0.02}, trial_maker=trials(gain_per_round=0.0))
    # Given rounds that score the same (round 2's trials sit where round 1's did in its wider range: +0.0015)
    assert reasons(result)[-1] == (2, "stop", "improvement-below-threshold")
    assert len(tuning_requests(fake)) == 2


def test_a_failed_round_stops_the_chain(tmp_path: Path) -> None:
    result, fake, _ = run_chain(tmp_path, {"max_rounds": 4},
                                status_of=lambda request: "Failed" if _round_of(request) == 2 else "Completed")
    assert reasons(result) == [(1, "continue", "edge-crowded"), (2, "stop", "round-failed")]
    assert len(tuning_requests(fake)) == 2


def test_the_total_jobs_budget_cuts_the_last_round_and_ends_the_chain(tmp_path: Path) -> None:
    result, fake, _ = run_chain(tmp_path, {"max_rounds": 5, "max_total_jobs": 25})
    assert [r["ResourceLimits"]["MaxNumberOfTrainingJobs"]
            for r in (q["HyperParameterTuningJobConfig"] for q in tuning_requests(fake))] == [10, 10, 5]
    assert reasons(result)[-1][2] == "budget-spent"


def test_amt_stop_on_a_round_stops_the_chain(tmp_path: Path) -> None:
    # Given a chain whose second round's job ends Stopped (what `amt stop` does to it)
    result, fake, _ = run_chain(tmp_path, {"max_rounds": 4},
                                status_of=lambda request: "Stopped" if _round_of(request) == 2 else "Completed")
    assert reasons(result) == [(1, "continue", "edge-crowded"), (2, "stop", "stopped-by-user")]


def test_a_stop_requested_on_an_earlier_round_while_the_next_runs_stops_the_chain(tmp_path: Path) -> None:
    # Given `amt stop --stack` on round 1 while round 2 runs: the chain's record is marked stopped
    def mark_stopped(request: dict) -> None:
        if _round_of(request) == 2:
            ChainTable(boto3.client("dynamodb"), "amt-local-IdempotencyTable").request_stop(CHAIN)

    result, fake, _ = run_chain(tmp_path, {"max_rounds": 4}, on_create=mark_stopped)
    # Then round 2 completes, reports, and its decision ends the chain
    assert reasons(result) == [(1, "continue", "edge-crowded"), (2, "stop", "stopped-by-user")]
    assert "amt stop" in result.chain["rounds"][-1]["explanation"]


def test_the_parents_are_at_most_five_however_long_the_chain(tmp_path: Path) -> None:
    # (eta from 0.01 to 0.02: six doublings of the width stay below XGBoost's 1)
    tiny = {**NARROW, "eta": {"type": "Continuous", "min_value": 0.01, "max_value": 0.02}}
    result, fake, _ = run_chain(tmp_path, {"max_rounds": 7}, ranges=tiny)
    requests = tuning_requests(fake)
    assert len(requests) == 7
    parents = [[p["HyperParameterTuningJobName"] for p in r["WarmStartConfig"]["ParentHyperParameterTuningJobs"]]
               for r in requests[1:]]
    assert [len(p) for p in parents] == [1, 2, 3, 4, 5, 5]
    # the round just ended first, then the best of the others (later rounds scored better here)
    assert parents[-1] == [f"{CHAIN}-r6", f"{CHAIN}-r5", f"{CHAIN}-r4", f"{CHAIN}-r3", f"{CHAIN}-r2"]


def test_a_duplicate_report_event_starts_no_second_round(tmp_path: Path) -> None:
    answers: list[dict] = []

    def replay_round_one(result) -> None:
        # Given the chain ran, the first round's "Report Rendered" delivered again, twice
        event = {"version": "0", "id": "dup", "detail-type": "Report Rendered", "source": "amt-pipeline",
                 "account": "123456789012", "time": "2026-11-28T10:20:00Z", "region": "us-east-1", "resources": [],
                 "detail": {"bucket": result.bucket, "run_id": CHAIN, "tuning_job_name": CHAIN,
                            "status": "Completed"}}
        pipeline = replay_round_one.pipeline
        for _ in range(2):
            payload, error = pipeline._functions.invoke("DecideFollowUpFunction", json.dumps(event).encode())
            assert error is None, payload
            answers.append(json.loads(payload))
        executions = boto3.client("stepfunctions").list_executions(
            stateMachineArn=pipeline.stack.arns["TuningPipeline"])["executions"]
        answers.append({"executions": sorted(e["name"] for e in executions)})

    fakes: list[FakeSageMaker] = []

    def factory(**kwargs):
        fakes.append(FakeSageMaker(**kwargs, trial_maker=trials()))
        return fakes[-1]

    pipeline = LocalPipeline(tmp_path / "run", engine_factory=factory, poll_seconds=0.02,
                             while_serving=replay_round_one)
    replay_round_one.pipeline = pipeline  # type: ignore[attr-defined]
    pipeline.run({"job_name": CHAIN, "max_jobs": 10, "max_parallel_jobs": 2, "hyperparameter_ranges": NARROW,
                  "follow_up": {"max_rounds": 2}}, execution_name="first-round", timeout_seconds=240)
    # Then the same decision is answered, and no round is started again
    assert [(a["decision"], a["next_run_id"], a["started"]) for a in answers[:2]] == [
        ("continue", f"{CHAIN}-r2", False)] * 2
    assert answers[2]["executions"] == ["first-round", f"follow-up-{CHAIN}-r2"]
    assert len(fakes[0].called("CreateHyperParameterTuningJob")) == 2


def test_amt_runs_lists_the_chain_and_cleanup_of_the_chain_removes_every_round(tmp_path: Path, capsys) -> None:
    from datetime import UTC, datetime

    from amt.cli import main
    from amt.cli.local_state import record_execution

    result, _, _ = run_chain(tmp_path, {"max_rounds": 3})
    out = tmp_path / "run"
    for execution in result.rounds:
        record_execution(out, execution.execution_name, datetime.now(UTC), execution)
    capsys.readouterr()
    # When `amt runs --local` lists the folder
    assert main(["runs", "--local", str(out), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    # Then it shows the chain: its rounds, best so far, stop reason
    [chain] = listed["chains"]
    assert chain["chain_id"] == CHAIN and chain["rounds"] == [CHAIN, f"{CHAIN}-r2", f"{CHAIN}-r3"]
    assert chain["stop_reason"] == "budget-spent" and chain["best_so_far"] == result.chain["rounds"][-1]["best_so_far"]
    # When the chain is cleaned up
    assert main(["cleanup", CHAIN, "--chain", "--local", str(out), "--yes", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    # Then every round's objects are gone, the shared data last
    runs = out / "bucket" / "runs"
    assert not [p for p in runs.rglob("*") if p.is_file()]
    order = [(d["run_id"], d["parts"]) for d in done["deleted"]]
    assert order[:3] == [(f"{CHAIN}-r3", ["output", "reports"]), (f"{CHAIN}-r2", ["output", "reports"]),
                         (CHAIN, ["output", "reports"])]
    assert order[3:] == [(f"{CHAIN}-r3", ["data"]), (f"{CHAIN}-r2", ["data"]), (CHAIN, ["data"])]


def test_the_chains_records_expire_as_its_runs_do(tmp_path: Path) -> None:
    items: list[dict] = []

    def read_the_table(result) -> None:
        table = boto3.client("dynamodb")
        pages = table.get_paginator("scan").paginate(TableName="amt-local-IdempotencyTable")
        items.extend(i for page in pages for i in page["Items"] if i["id"]["S"].startswith("chain"))

    # Given a stack whose runs expire after RunRetentionDays (the template's default: 90)
    started = time.time()
    run_chain(tmp_path, {"max_rounds": 2}, while_serving=read_the_table)
    # Then the chain's record and each round's carry the table's TTL attribute, 90 days on
    assert sorted(i["id"]["S"] for i in items) == [f"chain#{CHAIN}", f"chain-round#{CHAIN}", f"chain-round#{CHAIN}-r2"]
    days = [(int(i["expiration"]["N"]) - started) / 86400 for i in items]
    assert all(89.9 < d < 90.1 for d in days), days
