"""DecideFollowUp's step: after a round's report, record the decision and start the next round.

Idempotent without a lock: the decision is written to the chain's record with a version
condition (a second delivery finds its round already decided and reuses that decision), and
the next round's execution has a deterministic name (Step Functions starts a name once).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from amt_pipeline.aws.adapters import EventPublisher, ObjectStore
from amt_pipeline.aws.chain_table import ChainTable, RoundStarter
from amt_pipeline.chain.decision import Decision, RoundOutcome, chain_best, decide
from amt_pipeline.chain.next_round import NoJobsLeft, next_round_input
from amt_pipeline.chain.state import ChainRecord, RoundRecord, round_execution_name
from amt_pipeline.events import ROUND_DECIDED, RoundDecidedDetail, RunStepDetail

_ATTEMPTS = 5


class FollowUpResult(BaseModel):
    run_id: str
    chain_id: str | None = None
    round: int | None = None
    decision: str  # "continue" | "stop" | "none" (not a round of a chain)
    reason: str
    next_run_id: str | None = None
    started: bool = False


def decide_follow_up(table: ChainTable, store: ObjectStore, rounds: RoundStarter, events: EventPublisher, *,
                     step: RunStepDetail) -> FollowUpResult:
    entry = table.round(step.run_id)
    if entry is None:
        return FollowUpResult(run_id=step.run_id, decision="none", reason="not-a-chain")
    layout = step.layout
    summary = store.get_json(layout.summary_key)
    record, chain = _decided(table, entry.input, summary, chain_id=entry.chain_id, round_number=entry.round,
                             step=step)
    store.put_json(layout.chain_json_key, chain.model_dump(mode="json"))
    _write_decision_into_report(store, layout.report_html_key, record)
    started = False
    if record.decision == "continue" and record.next_input is not None:
        _, started = rounds.start(round_execution_name(entry.chain_id, entry.round + 1), record.next_input)
    events.publish(ROUND_DECIDED, RoundDecidedDetail(**step.model_dump(), chain_id=entry.chain_id,
                                                     round=entry.round, decision=record.decision,
                                                     reason=record.reason).model_dump())
    return FollowUpResult(run_id=step.run_id, chain_id=entry.chain_id, round=entry.round, decision=record.decision,
                          reason=record.reason, next_run_id=record.next_run_id, started=started)


def _decided(table: ChainTable, round_input: dict[str, Any], summary: dict[str, Any], *, chain_id: str,
             round_number: int, step: RunStepDetail) -> tuple[RoundRecord, ChainRecord]:
    """This round's record in the chain: the one already written, or a new decision, written once."""
    for _attempt in range(_ATTEMPTS):
        stored = table.chain(chain_id)
        chain = stored.record or ChainRecord(chain_id=chain_id, objective_name=round_input["objective_metric_name"],
                                             objective_type=round_input["objective_type"])
        existing = chain.round_of(step.run_id)
        if existing is not None:
            return existing, chain
        earlier = chain.model_copy(update={"rounds": [r for r in chain.rounds if r.round < round_number]})
        outcome = RoundOutcome.from_summary(summary, round_number=round_number, run_id=step.run_id)
        first_jobs = int(round_input["follow_up"].get("round_jobs") or round_input["max_jobs"])
        decision = decide(round_input["follow_up"], earlier, outcome, first_round_jobs=first_jobs,
                          stop_requested=stored.stop_requested)
        record = _round_record(outcome, decision, earlier, round_input)
        if decision.continues and decision.next_jobs:
            with_this = earlier.with_round(record)
            parents = {r.run_id: _input_of(table, r.run_id) for r in earlier.rounds}
            try:
                next_input, changes = next_round_input(round_input, with_this, layout=step.layout,
                                                       boundaries=outcome.boundaries, next_jobs=decision.next_jobs,
                                                       parent_inputs={k: v for k, v in parents.items() if v})
            except NoJobsLeft as error:
                stop = Decision("stop", "budget-spent", f"Stop: the budget is spent ({error}).")
                record = _round_record(outcome, stop, earlier, round_input)
            else:
                record = record.model_copy(update={"changes": changes, "next_run_id": next_input["job_name"],
                                                   "next_input": next_input})
        chain = chain.with_round(record)
        if table.save(chain, expected_version=stored.version):
            return record, chain
    raise RuntimeError(f"chain {chain_id}: the record kept changing under {_ATTEMPTS} attempts to write it")


def _write_decision_into_report(store: ObjectStore, key: str, record: RoundRecord) -> None:
    """The round's report, rendered before the decision, with the decision in its conversation section."""
    from amt_pipeline.aws.adapters import HTML_CONTENT_TYPE
    from amt_pipeline.chain.report_section import fill_decision
    from amt_pipeline.errors import ReportInputMissing

    try:
        page = store.get_text(key)
    except ReportInputMissing:
        return
    filled = fill_decision(page, record.model_dump(mode="json"))
    if filled is not None:  # None: filled already (a duplicate event), or a page without the section
        store.put_text(key, filled, HTML_CONTENT_TYPE)


def _round_record(outcome: RoundOutcome, decision: Decision, earlier: ChainRecord,
                  round_input: dict[str, Any]) -> RoundRecord:
    return RoundRecord(round=outcome.round, run_id=outcome.run_id, status=outcome.status,
                       training_jobs=outcome.training_jobs, best_objective=outcome.best_objective,
                       best_hyperparameters=dict(outcome.best_hyperparameters),
                       best_so_far=chain_best(earlier, outcome), ranges=round_input["hyperparameter_ranges"],
                       estimated_cost=outcome.estimated_cost, decision=decision.decision,  # type: ignore[arg-type]
                       reason=decision.reason, explanation=decision.explanation)


def _input_of(table: ChainTable, run_id: str) -> dict[str, Any] | None:
    entry = table.round(run_id)
    return entry.input if entry else None
