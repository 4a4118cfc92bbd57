"""The progress record of each run, in the stack's DynamoDB table, written only conditionally.

Two kinds of item, beside the idempotency records in the same table (their keys are
``<function>.<step>#<hash>``; these start with ``progress``, so they never meet):

- ``progress-trial#<training job>``: the trial's latest status and its rank in the order a
  trial's states happen (InProgress < Stopping < Completed | Failed | Stopped). An event only
  moves a trial forward: a duplicate, or an InProgress arriving after the Completed, fails
  the condition and changes nothing.
- ``progress#<run id>``: counts by status (atomic ADD, so concurrent events all count), the
  start time, the last trials (a ring of ``RECENT`` slots, one per ended trial in end order),
  the best so far (replaced only by a better value), and the render claim (``rendered_at``).

The trial's move and the run's counts change in ONE transaction conditioned on the trial's
previous status, read just before: two events of one trial racing each other cannot both
count; the loser re-reads and sees the trial already where its event would put it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from amt_pipeline.facts import condition_failed, error_code
from amt_pipeline.live.progress import Best
from amt_pipeline.live.trial_event import TrainingJobStateChange

RECENT = 10  # the last trials the record keeps
EXPIRES_AFTER_SECONDS = 14 * 24 * 3600  # longer than a tuning job may run (MaxRuntimeInSeconds: 30 days max is rare)
_ATTEMPTS = 5
_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize


def run_key(run_id: str) -> dict[str, Any]:
    return {"id": {"S": f"progress#{run_id}"}}


def trial_key(training_job_name: str) -> dict[str, Any]:
    return {"id": {"S": f"progress-trial#{training_job_name}"}}


def _dynamo(value: Any) -> Any:
    """DynamoDB numbers are Decimals: floats become Decimals, nested too."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dynamo(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """Back from DynamoDB: Decimals as ints or floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _values(**values: Any) -> dict[str, Any]:
    return {f":{k}": _serialize(_dynamo(v)) for k, v in values.items()}


@dataclass(frozen=True)
class TrialMove:
    """What an event changed: the trial went from ``previous`` (None: first seen) to ``status``."""

    training_job_name: str
    previous: str | None
    status: str


class ProgressStore:
    def __init__(self, dynamodb: Any, table_name: str, *, clock: Any = time.time):
        self.dynamodb = dynamodb
        self.table = table_name
        self.clock = clock

    # --- trials -------------------------------------------------------------------------------
    def record_trial(self, change: TrainingJobStateChange, run_id: str) -> TrialMove | None:
        """Move the trial forward and count it; None for a duplicate or an out-of-order event."""
        for _ in range(_ATTEMPTS):
            old = self.dynamodb.get_item(TableName=self.table, Key=trial_key(change.TrainingJobName),
                                         ConsistentRead=True).get("Item")
            previous = old["status"]["S"] if old else None
            if old is not None and int(old["rank"]["N"]) >= change.rank:
                return None
            try:
                self.dynamodb.transact_write_items(TransactItems=[
                    {"Update": self._move_trial(change, run_id, previous)},
                    {"Update": self._count(change, run_id, previous)},
                ])
            except ClientError as error:
                if condition_failed(error) or error_code(error) == "TransactionCanceledException":
                    continue  # another event of this trial got there first: look again
                raise
            move = TrialMove(change.TrainingJobName, previous, change.TrainingJobStatus)
            if previous is None:  # the run started with its earliest trial, whatever order events come in
                created = change.created_at.timestamp() if change.created_at else self.clock()
                self._conditional(run_id, "SET started_at = :created",
                                  "attribute_not_exists(started_at) OR started_at > :created",
                                  created=round(created, 3))
            if change.ended:
                self._remember(change, run_id)
            return move
        return None

    def _move_trial(self, change: TrainingJobStateChange, run_id: str, previous: str | None) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": trial_key(change.TrainingJobName),
            "UpdateExpression": "SET #status = :status, #rank = :rank, run_id = :run, expiration = :exp",
            "ExpressionAttributeNames": {"#status": "status", "#rank": "rank"},
        }
        values = _values(status=change.TrainingJobStatus, rank=change.rank, run=run_id, exp=self._expiration())
        if previous is None:
            update["ConditionExpression"] = "attribute_not_exists(id)"
        else:
            update["ConditionExpression"] = "#status = :previous"
            values.update(_values(previous=previous))
        update["ExpressionAttributeValues"] = values
        return update

    def _count(self, change: TrainingJobStateChange, run_id: str, previous: str | None) -> dict[str, Any]:
        names = {"#new": f"count_{change.TrainingJobStatus}"}
        add = "#new :one"
        if previous is not None:
            names["#old"] = f"count_{previous}"
            add += ", #old :minus"
        values = {"one": 1, "run": run_id, "exp": self._expiration(), "empty": {}}
        if previous is not None:
            values["minus"] = -1
        return {
            "TableName": self.table,
            "Key": run_key(run_id),
            "UpdateExpression": (f"ADD {add} SET run_id = :run, expiration = :exp, "
                                 "recent = if_not_exists(recent, :empty)"),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": _values(**values),
        }

    def _remember(self, change: TrainingJobStateChange, run_id: str) -> None:
        """The ended trial into the ring of the last ``RECENT`` (slot = its end order)."""
        seq = self.dynamodb.update_item(
            TableName=self.table, Key=run_key(run_id), UpdateExpression="ADD ended_seq :one",
            ExpressionAttributeValues=_values(one=1), ReturnValues="UPDATED_NEW",
        )["Attributes"]["ended_seq"]["N"]
        ended = change.changed_at.timestamp() if change.changed_at else self.clock()
        trial = {"name": change.TrainingJobName, "status": change.TrainingJobStatus, "seq": int(seq),
                 "ended_at": round(ended, 3), "failure_reason": (change.FailureReason or "")[:500]}
        self.dynamodb.update_item(
            TableName=self.table, Key=run_key(run_id), UpdateExpression="SET recent.#slot = :trial",
            ExpressionAttributeNames={"#slot": str(int(seq) % RECENT)}, ExpressionAttributeValues=_values(trial=trial),
        )

    # --- the run ------------------------------------------------------------------------------
    def claim_render(self, run_id: str, interval_seconds: float) -> bool:
        """True for at most one caller per ``interval_seconds`` per run, and never once the job ended."""
        now = self.clock()
        return self._conditional(
            run_id, "SET rendered_at = :now ADD render_claims :one",
            "(attribute_not_exists(rendered_at) OR rendered_at <= :cutoff) AND attribute_not_exists(job_ended)",
            now=round(now, 3), one=1, cutoff=round(now - interval_seconds, 3),
        )

    def count_render(self, run_id: str) -> None:
        self._conditional(run_id, "ADD renders :one", None, one=1)

    def mark_ended(self, run_id: str, status: str) -> None:
        """The tuning job ended: no in-progress render from now on (its final report is coming)."""
        self._conditional(run_id, "SET job_ended = :status", None, status=status)

    def offer_best(self, run_id: str, best: Best, maximize: bool) -> bool:
        better = "best.#value < :value" if maximize else "best.#value > :value"
        return self._conditional(
            run_id, "SET best = :best", f"attribute_not_exists(best) OR {better}",
            names={"#value": "value"}, value=best.value,
            best={"value": best.value, "training_job_name": best.training_job_name,
                  "hyperparameters": best.hyperparameters},
        )

    def claim_first_failure(self, run_id: str, training_job_name: str) -> bool:
        """True once per run: for the first failed trial (the optional notification)."""
        return self._conditional(run_id, "SET first_failure = :name", "attribute_not_exists(first_failure)",
                                 name=training_job_name)

    def read(self, run_id: str) -> dict[str, Any]:
        item = self.dynamodb.get_item(TableName=self.table, Key=run_key(run_id), ConsistentRead=True).get("Item")
        return {k: _plain(_deserialize(v)) for k, v in (item or {}).items()}

    def _conditional(self, run_id: str, update: str, condition: str | None, *,
                     names: dict[str, str] | None = None, **values: Any) -> bool:
        kwargs: dict[str, Any] = {"TableName": self.table, "Key": run_key(run_id), "UpdateExpression": update,
                                  "ExpressionAttributeValues": _values(**values)}
        if condition:
            kwargs["ConditionExpression"] = condition
        if names:
            kwargs["ExpressionAttributeNames"] = names
        try:
            self.dynamodb.update_item(**kwargs)
        except ClientError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def _expiration(self) -> int:
        return int(self.clock()) + EXPIRES_AFTER_SECONDS
