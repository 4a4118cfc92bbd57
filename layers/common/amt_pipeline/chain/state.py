"""A chain of tuning rounds: its names and the record of what each round found and what was decided.

A chain is named after its first round's run id. Round n > 1 is the run
``round_run_id(chain, n)``, started by the execution ``round_execution_name``: the
names are deterministic, so a duplicate event cannot start a round twice
(Step Functions refuses a second execution of the same name).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from amt_pipeline.run.job_names import TUNING_JOB_NAME_MAX_LENGTH

CHAIN_KEY_PREFIX = "chain#"  # the chain's record in the stack's table
ROUND_KEY_PREFIX = "chain-round#"  # a round's own record: its chain, number and execution input
EXECUTION_PREFIX = "follow-up-"

StopReason = Literal[
    "stopped-by-user", "round-failed", "improvement-below-threshold", "no-edge-crowded", "budget-spent"
]
STOP_REASONS: dict[str, str] = {
    "stopped-by-user": "the user stopped the chain",
    "round-failed": "the round failed",
    "improvement-below-threshold": "the improvement was below the threshold",
    "no-edge-crowded": "no range edge is crowded",
    "budget-spent": "the budget is spent",
}


def record_expiration(now: float, retention_days: int) -> int:
    """When a chain's records expire (the table's TTL attribute ``expiration``, epoch seconds): as its
    runs' objects do, RunRetentionDays after the write (a chain's record is rewritten each round)."""
    return int(now) + retention_days * 24 * 3600


def round_run_id(chain_id: str, round_number: int) -> str:
    """The run id (tuning job name) of a chain's round: ``<chain>-r<n>``, the chain's id cut to fit 32."""
    if round_number == 1:
        return chain_id
    suffix = f"-r{round_number}"
    return chain_id[: TUNING_JOB_NAME_MAX_LENGTH - len(suffix)].rstrip("-") + suffix


def round_execution_name(chain_id: str, round_number: int) -> str:
    """The execution that starts a later round (Step Functions names: at most 80 characters)."""
    return f"{EXECUTION_PREFIX}{round_run_id(chain_id, round_number)}"


def chain_key(chain_id: str) -> str:
    return f"{CHAIN_KEY_PREFIX}{chain_id}"


def round_key(run_id: str) -> str:
    return f"{ROUND_KEY_PREFIX}{run_id}"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class RoundRecord(_Record):
    """One round: what it ran and found, and what was decided after it."""

    round: int
    run_id: str
    status: str  # the tuning job's final status
    training_jobs: int  # the training jobs it ran (what the chain's budget counts)
    best_objective: float | None
    best_hyperparameters: dict[str, Any] = Field(default_factory=dict)
    best_so_far: float | None  # the chain's best after this round
    ranges: dict[str, dict[str, Any]]  # its ranges, as the execution input writes them
    estimated_cost: float | None = None
    decision: Literal["continue", "stop"]
    reason: str  # "edge-crowded" or a StopReason
    explanation: str  # the decision in words
    changes: list[str] = Field(default_factory=list)  # the next round's range changes, and why
    next_run_id: str | None = None
    next_input: dict[str, Any] | None = None  # kept: a duplicate event after a crash starts the same round


class ChainRecord(_Record):
    """The chain so far (stored as JSON in the table, item ``chain#<chain id>``)."""

    chain_id: str
    objective_name: str
    objective_type: Literal["Maximize", "Minimize"]
    rounds: list[RoundRecord] = Field(default_factory=list)

    def round_of(self, run_id: str) -> RoundRecord | None:
        return next((r for r in self.rounds if r.run_id == run_id), None)

    @property
    def training_jobs(self) -> int:
        return sum(r.training_jobs for r in self.rounds)

    @property
    def estimated_cost(self) -> float | None:
        costs = [r.estimated_cost for r in self.rounds]
        return None if any(c is None for c in costs) else float(sum(c for c in costs if c is not None))

    def best_so_far(self) -> float | None:
        return better_of(self.objective_type, *(r.best_objective for r in self.rounds))

    @property
    def ended(self) -> bool:
        return bool(self.rounds) and self.rounds[-1].decision == "stop"

    @property
    def stop_reason(self) -> str | None:
        return self.rounds[-1].reason if self.ended else None

    def with_round(self, record: RoundRecord) -> ChainRecord:
        """The chain with this round's record (replacing an earlier record of the same run)."""
        rounds = [r for r in self.rounds if r.run_id != record.run_id] + [record]
        return self.model_copy(update={"rounds": sorted(rounds, key=lambda r: r.round)})


def better_of(objective_type: str, *values: float | None) -> float | None:
    """The best of the values that exist, for this direction."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    return max(present) if objective_type == "Maximize" else min(present)
