"""After a round's report: start the next round, or stop the chain, and why.

The rule, in this order (the first that applies decides):

1. the user stopped the chain (``amt stop`` on any round, or the round's job ended Stopped)
   -> stop, ``stopped-by-user``;
2. the round's job failed, or none of its trials reported an objective -> stop, ``round-failed``;
3. a later round raised the chain's best by less than ``min_improvement`` (or not at all)
   -> stop, ``improvement-below-threshold``;
4. no range edge is crowded on evidence and movable within the container's domain
   (trials.boundaries.boundary_analysis) -> stop, ``no-edge-crowded``;
5. the budget leaves no round: ``max_rounds`` run, fewer than one training job left of
   ``max_total_jobs``, or the next round's estimated cost would pass ``max_estimated_cost``
   -> stop, ``budget-spent``;
6. otherwise -> continue, ``edge-crowded``: the next round, of ``round_jobs`` training jobs
   (fewer if the budget has fewer left), warm-starts from the earlier rounds with the widened ranges.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from amt_pipeline.chain.state import STOP_REASONS, ChainRecord, better_of
from amt_pipeline.facts import format_dollars


@dataclass(frozen=True)
class RoundOutcome:
    """What a round's report says about it (its summary.json) and how it was set up (its input)."""

    round: int
    run_id: str
    status: str
    training_jobs: int
    best_objective: float | None
    estimated_cost: float | None
    boundaries: Sequence[Mapping[str, Any]]
    best_hyperparameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def movable_edges(self) -> list[Mapping[str, Any]]:
        return [f for f in self.boundaries if f.get("edge") and not f.get("at_limit")]

    @classmethod
    def from_summary(cls, summary: Mapping[str, Any], *, round_number: int, run_id: str) -> RoundOutcome:
        best = summary.get("best") or {}
        spend = summary.get("spend") or {}
        return cls(round=round_number, run_id=run_id, status=str(summary.get("status")),
                   training_jobs=int(summary.get("trial_count") or 0),
                   best_objective=best.get("objective"), estimated_cost=spend.get("estimated_cost_usd"),
                   boundaries=summary.get("boundaries") or [],
                   best_hyperparameters=best.get("hyperparameters") or {})


@dataclass(frozen=True)
class Decision:
    decision: str  # "continue" | "stop"
    reason: str  # "edge-crowded" or a chain.state.StopReason
    explanation: str
    next_jobs: int | None = None  # the next round's training jobs

    @property
    def continues(self) -> bool:
        return self.decision == "continue"


def _stop(reason: str, detail: str) -> Decision:
    return Decision("stop", reason, f"Stop: {STOP_REASONS[reason]} ({detail}).")


def decide(follow_up: Mapping[str, Any], chain: ChainRecord, outcome: RoundOutcome, *, first_round_jobs: int,
           stop_requested: bool = False) -> Decision:
    """The module's rule. ``chain`` holds the rounds before this one; ``follow_up`` is the round's
    input block (every default filled); ``first_round_jobs`` the first round's max_jobs."""
    if stop_requested or outcome.status == "Stopped":
        how = "amt stop on a round of the chain" if stop_requested else f"round {outcome.round}'s job was stopped"
        return _stop("stopped-by-user", how)
    if outcome.status == "Failed":
        return _stop("round-failed", f"round {outcome.round}'s tuning job ended {outcome.status}")
    if outcome.best_objective is None:
        return _stop("round-failed", f"no trial of round {outcome.round} reported an objective")
    before = chain.best_so_far()
    if outcome.round > 1 and before is not None:
        gain = outcome.best_objective - before
        gain = gain if chain.objective_type == "Maximize" else -gain
        threshold = float(follow_up.get("min_improvement") or 0.0)
        if gain <= 0 or gain < threshold:
            return _stop("improvement-below-threshold",
                         f"round {outcome.round} moved the best by {_signed(gain)}, "
                         f"{'not above 0' if gain <= 0 else f'under {threshold:g}'}")
    movable = outcome.movable_edges
    if not movable:
        at_limit = [f["name"] for f in outcome.boundaries if f.get("edge")]
        detail = (f"the crowded edges of {', '.join(at_limit)} are already as far as XGBoost allows" if at_limit
                  else "the best trials sit inside every range")
        return _stop("no-edge-crowded", detail)
    next_jobs, why_not = _next_round_size(follow_up, chain, outcome, first_round_jobs)
    if next_jobs < 1:
        return _stop("budget-spent", why_not)
    names = ", ".join(f"{f['name']} ({f['edge']} edge)" for f in movable)
    return Decision("continue", "edge-crowded",
                    f"Continue: the best trials crowd {names}; round {outcome.round + 1} searches past it with "
                    f"{next_jobs} training jobs, warm-started from the earlier rounds.", next_jobs)


def _next_round_size(follow_up: Mapping[str, Any], chain: ChainRecord, outcome: RoundOutcome,
                     first_round_jobs: int) -> tuple[int, str]:
    """(the next round's training jobs, why none if 0): the round size within what the budget leaves."""
    max_rounds = int(follow_up.get("max_rounds") or 1)
    if outcome.round >= max_rounds:
        return 0, f"all {max_rounds} rounds ran"
    size = int(follow_up.get("round_jobs") or first_round_jobs)
    used = chain.training_jobs + outcome.training_jobs
    total = int(follow_up.get("max_total_jobs") or max_rounds * size)
    size = min(size, total - used)
    if size < 1:
        return 0, f"{used} of the chain's {total} training jobs used"
    max_cost = follow_up.get("max_estimated_cost")
    if max_cost is not None:
        costs = [r.estimated_cost for r in chain.rounds] + [outcome.estimated_cost]
        if any(c is None for c in costs) or used == 0:
            return 0, "the reports have no cost estimate to keep the cost budget with"
        spent = float(sum(c for c in costs if c is not None))
        per_job = spent / used
        affordable = math.floor((float(max_cost) - spent) / per_job) if per_job > 0 else size
        if affordable < 1:
            return 0, f"an estimated {format_dollars(spent)} of {format_dollars(float(max_cost))} spent"
        size = min(size, affordable)
    return size, ""


def _signed(value: float) -> str:
    return f"{value:+.4g}"


def chain_best(chain: ChainRecord, outcome: RoundOutcome) -> float | None:
    """The chain's best objective once this round is counted."""
    return better_of(chain.objective_type, chain.best_so_far(), outcome.best_objective)
