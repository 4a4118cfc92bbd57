"""The tuning conversation's domain: names, the decision rule, the next round and AWS's warm-start restrictions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amt_pipeline.chain.decision import Decision, RoundOutcome, decide
from amt_pipeline.chain.next_round import (
    MAX_PARENTS,
    ParentInput,
    check_warm_start,
    choose_parents,
    next_round_input,
)
from amt_pipeline.chain.state import ChainRecord, RoundRecord, round_execution_name, round_run_id
from amt_pipeline.errors import FollowUpRefused
from amt_pipeline.run.execution_input import parse_execution_input
from amt_pipeline.run.layout import RunLayout
from tests.layer_helpers import plan_run

BUCKET = "amt-bucket"
CHAIN = "amt-20261202-101500-ab12"
ETA_CROWDED = {"name": "eta", "edge": "upper", "at_limit": False, "suggested_min_value": 0.1,
               "suggested_max_value": 0.325, "warning": "eta: the best trials lie near the maximum (0.25)"}
DEPTH_AT_LIMIT = {"name": "max_depth", "edge": "lower", "at_limit": True, "suggested_min_value": 1,
                  "suggested_max_value": 10, "warning": "max_depth: ... as far as XGBoost allows"}
NARROW = {"eta": {"type": "Continuous", "min_value": 0.1, "max_value": 0.25},
          "max_depth": {"type": "Integer", "min_value": 5, "max_value": 10}}


def _first_round_input(**follow_up):
    raw = {"max_jobs": 10, "max_parallel_jobs": 2, "hyperparameter_ranges": NARROW, "follow_up": follow_up}
    return parse_execution_input(raw).model_dump(mode="json")


def _record(number, best, jobs=10, cost=0.05, decision="continue", run_id=None):
    return RoundRecord(round=number, run_id=run_id or round_run_id(CHAIN, number), status="Completed",
                       training_jobs=jobs, best_objective=best, best_so_far=best, ranges=NARROW,
                       estimated_cost=cost, decision=decision, reason="edge-crowded", explanation="")


def _chain(*rounds):
    return ChainRecord(chain_id=CHAIN, objective_name="validation:accuracy", objective_type="Maximize",
                       rounds=list(rounds))


def _outcome(number=1, best=0.85, status="Completed", boundaries=(ETA_CROWDED,), jobs=10, cost=0.05):
    return RoundOutcome(round=number, run_id=round_run_id(CHAIN, number), status=status, training_jobs=jobs,
                        best_objective=best, estimated_cost=cost, boundaries=list(boundaries))


FOLLOW_UP = {"max_rounds": 3, "max_total_jobs": None, "max_estimated_cost": None, "min_improvement": 0.001,
             "round_jobs": None, "notify": "every_round", "chain_id": None, "round": 1}


def _decide(chain, outcome, stop_requested=False, **follow_up) -> Decision:
    return decide({**FOLLOW_UP, **follow_up}, chain, outcome, first_round_jobs=10, stop_requested=stop_requested)


# --- names -----------------------------------------------------------------------------------


def test_round_names_are_deterministic_and_fit_sagemakers_32_characters():
    assert round_run_id(CHAIN, 1) == CHAIN
    assert round_run_id(CHAIN, 2) == f"{CHAIN}-r2"
    long = "a" * 30 + "-b"
    assert round_run_id(long, 10) == "a" * 28 + "-r10" and len(round_run_id(long, 10)) == 32
    assert round_execution_name(CHAIN, 2) == f"follow-up-{CHAIN}-r2"


# --- the decision rule: each reason ---------------------------------------------------------------


def test_a_crowded_movable_edge_within_budget_continues_with_a_round_of_the_first_rounds_size():
    decision = _decide(_chain(), _outcome())
    assert decision.continues and decision.reason == "edge-crowded" and decision.next_jobs == 10
    assert "eta (upper edge)" in decision.explanation


def test_the_user_stopping_the_chain_stops_it_before_anything_else():
    assert _decide(_chain(), _outcome(), stop_requested=True).reason == "stopped-by-user"
    assert _decide(_chain(), _outcome(status="Stopped")).reason == "stopped-by-user"


def test_a_failed_round_or_one_without_any_objective_stops_the_chain():
    assert _decide(_chain(), _outcome(status="Failed")).reason == "round-failed"
    assert _decide(_chain(), _outcome(best=None)).reason == "round-failed"


def test_a_later_round_that_gains_less_than_the_threshold_stops_the_chain():
    chain = _chain(_record(1, 0.85))
    stop = _decide(chain, _outcome(2, best=0.8505))
    assert stop.reason == "improvement-below-threshold" and "+0.0005" in stop.explanation
    assert _decide(chain, _outcome(2, best=0.84)).reason == "improvement-below-threshold"
    assert _decide(chain, _outcome(2, best=0.86)).continues


def test_no_edge_crowded_or_only_edges_at_their_limit_stops_the_chain():
    assert _decide(_chain(), _outcome(boundaries=[])).reason == "no-edge-crowded"
    stop = _decide(_chain(), _outcome(boundaries=[DEPTH_AT_LIMIT]))
    assert stop.reason == "no-edge-crowded" and "max_depth" in stop.explanation


def test_the_budget_of_rounds_jobs_and_cost_each_stops_the_chain():
    two_rounds = _chain(_record(1, 0.85), _record(2, 0.86))
    assert _decide(two_rounds, _outcome(3, best=0.87)).reason == "budget-spent"  # max_rounds 3
    assert _decide(_chain(), _outcome(), max_total_jobs=10).reason == "budget-spent"  # 10 of 10 used
    assert _decide(_chain(), _outcome(cost=0.5), max_estimated_cost=0.5).reason == "budget-spent"
    # said with the digits a local-sized cost needs (it read "$0.00 of $0.00 spent")
    small = _decide(_chain(), _outcome(cost=0.0017), max_estimated_cost=0.0017)
    assert small.reason == "budget-spent" and "an estimated $0.0017 of $0.0017 spent" in small.explanation
    # And a cost estimate that is missing cannot keep a cost budget
    assert _decide(_chain(), _outcome(cost=None), max_estimated_cost=1.0).reason == "budget-spent"


def test_the_last_round_is_cut_to_what_the_budget_leaves():
    assert _decide(_chain(), _outcome(), max_total_jobs=14).next_jobs == 4
    # $0.05 for 10 jobs spent of $0.08: 6 more jobs fit
    assert _decide(_chain(), _outcome(), max_estimated_cost=0.08).next_jobs == 6


# --- parents ---------------------------------------------------------------------------------


def test_parents_are_the_round_just_ended_then_the_best_earlier_rounds_at_most_five():
    rounds = [_record(i, best) for i, best in enumerate([0.80, 0.86, 0.84, 0.83, 0.85, 0.81, 0.82], start=1)]
    parents = choose_parents(rounds, "Maximize", next_jobs=10)
    assert len(parents) == MAX_PARENTS
    assert [p.round for p in parents] == [7, 2, 5, 3, 4]


def test_parents_whose_training_jobs_would_pass_500_are_left_out():
    rounds = [_record(1, 0.86, jobs=301), _record(2, 0.85, jobs=150), _record(3, 0.84, jobs=100)]
    parents = choose_parents(rounds, "Maximize", next_jobs=100)
    assert [p.round for p in parents] == [3, 2]  # 100 + 100 + 150 = 350; round 1's 301 would pass 500


# --- the next round ------------------------------------------------------------------------------


def test_the_next_round_warm_starts_on_the_same_data_with_the_widened_ranges():
    first = _first_round_input()
    layout = RunLayout(BUCKET, CHAIN)
    chain = _chain(_record(1, 0.85))
    # When
    next_input, changes = next_round_input(first, chain, layout=layout, boundaries=[ETA_CROWDED, DEPTH_AT_LIMIT],
                                           next_jobs=10, parent_inputs={})
    # Then it is round 2 of the chain, on the first round's data, with no baseline
    assert next_input["job_name"] == f"{CHAIN}-r2"
    assert next_input["follow_up"] | {} == {**first["follow_up"], "chain_id": CHAIN, "round": 2, "round_jobs": 10}
    assert next_input["dataset"] == {"train_uri": f"s3://{BUCKET}/runs/{CHAIN}/data/train/",
                                     "validation_uri": f"s3://{BUCKET}/runs/{CHAIN}/data/validation/"}
    assert next_input["baseline"] is False
    # And only the movable edge moved
    assert next_input["hyperparameter_ranges"]["eta"]["max_value"] == 0.325
    assert next_input["hyperparameter_ranges"]["max_depth"] == NARROW["max_depth"] | {"scaling_type": "Auto"}
    assert changes == [ETA_CROWDED["warning"]]
    # And only ranges and the budget changed, so the type is IdenticalDataAndAlgorithm
    assert next_input["warm_start"] == {"parents": [CHAIN], "type": "IdenticalDataAndAlgorithm"}
    # And it is a valid execution input whose request warm-starts from the first round
    plan = plan_run(next_input, bucket=BUCKET, role_arn="arn:aws:iam::123456789012:role/r", region="us-east-1",
                    execution_name="e", started_at=datetime(2026, 1, 1, tzinfo=UTC), stack_name="s")
    request = plan["tuning"]["request"]
    assert request["WarmStartConfig"]["ParentHyperParameterTuningJobs"] == [{"HyperParameterTuningJobName": CHAIN}]
    assert plan["dataset"]["kind"] == "s3" and plan["baseline"]["enabled"] is False
    assert {"Key": "amt-pipeline:chain-id", "Value": CHAIN} in request["Tags"]
    assert {"Key": "amt-pipeline:round", "Value": "2"} in request["Tags"]
    assert plan["chain"] == {"enabled": True, "chain_id": CHAIN, "round": 2,
                             "round_key": f"chain-round#{CHAIN}-r2", "expiration": None}


def test_a_last_round_with_fewer_jobs_than_in_parallel_needs_transfer_learning():
    first = _first_round_input()
    next_input, _ = next_round_input(first, _chain(_record(1, 0.85)), layout=RunLayout(BUCKET, CHAIN),
                                     boundaries=[ETA_CROWDED], next_jobs=1, parent_inputs={})
    assert next_input["max_parallel_jobs"] == 1
    assert next_input["warm_start"]["type"] == "TransferLearning"


def _parent(**changes):
    return ParentInput(CHAIN, {**_first_round_input(), **changes}, RunLayout(BUCKET, CHAIN))


def _round_two():
    next_input, _ = next_round_input(_first_round_input(), _chain(_record(1, 0.85)), layout=RunLayout(BUCKET, CHAIN),
                                     boundaries=[ETA_CROWDED], next_jobs=10, parent_inputs={})
    return next_input


@pytest.mark.parametrize(("changes", "words"), [
    ({"objective_metric_name": "validation:mlogloss"}, "optimised validation:mlogloss"),
    ({"hyperparameter_ranges": {**NARROW, "eta": {"type": "Categorical", "values": [0.1, 0.2]}}}, "eta was"),
    ({"hyperparameters": {"num_round": 200}}, "static plus tunable"),
    ({"algorithm_version": "1.7-1"}, "data and algorithm"),
])
def test_each_warm_start_restriction_is_enforced(changes, words):
    with pytest.raises(FollowUpRefused, match=words):
        check_warm_start([_parent(**changes)], _round_two(), RunLayout(BUCKET, f"{CHAIN}-r2"))


def test_more_than_five_parents_or_none_are_refused():
    with pytest.raises(FollowUpRefused, match="1 to 5"):
        check_warm_start([_parent()] * 6, _round_two(), RunLayout(BUCKET, f"{CHAIN}-r2"))
    with pytest.raises(FollowUpRefused, match="1 to 5"):
        check_warm_start([], _round_two(), RunLayout(BUCKET, f"{CHAIN}-r2"))


def test_more_than_ten_static_changes_are_refused():
    statics = {f"hp{i}": i for i in range(6)}
    before = _parent(hyperparameters={**_first_round_input()["hyperparameters"], **statics})
    after = _round_two()
    after["hyperparameters"] = {**after["hyperparameters"], **{k: v + 1 for k, v in statics.items()}}
    with pytest.raises(FollowUpRefused, match="more than 10"):
        check_warm_start([before], after, RunLayout(BUCKET, f"{CHAIN}-r2"))


# --- the report's conversation section ---------------------------------------------------------


def test_the_conversation_lists_earlier_rounds_then_this_one_and_its_decision_is_filled_in_once():
    from amt_pipeline.chain.report_section import DECISION_PLACEHOLDER, conversation_html, fill_decision

    earlier = _chain(_record(1, 0.85)).model_dump(mode="json")
    section = conversation_html(earlier, round_number=2, run_id=f"{CHAIN}-r2", ranges=NARROW, best=0.86)
    assert section.count("<tr>") == 3 and "eta [0.1, 0.25]" in section and "0.86000" in section
    page = f"<html>{section}</html>"
    hostile = {"decision": "stop", "reason": "round-failed", "explanation": "<script>x</script>", "changes": []}
    filled = fill_decision(page, hostile)
    assert filled is not None and DECISION_PLACEHOLDER not in filled and "&lt;script&gt;" in filled
    assert fill_decision(filled, hostile) is None  # a duplicate event changes nothing
