"""A chain's records in the stack's table, and the executions that start its rounds.

Two kinds of item, beside the idempotency and progress records (their keys never meet):

- ``chain-round#<run id>``: written by the state machine once a round's tuning job started
  (RecordChainRound): the round's chain, number and execution input (every default filled);
- ``chain#<chain id>``: the chain's record (chain.state.ChainRecord, as JSON) with a version
  that every write is conditioned on, so two deliveries of one event cannot both add a round;
  and ``stop_requested``, set by ``amt stop`` on any round (an attribute of its own, which the
  record's writes leave alone).

Both expire through the table's TTL (attribute ``expiration``) as the chain's runs expire from the
bucket: RunRetentionDays after they were written (``retention_days``; chain.state.record_expiration).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from amt_pipeline.chain.state import ChainRecord, chain_key, record_expiration, round_key
from amt_pipeline.facts import condition_failed, error_code


@dataclass(frozen=True)
class ChainRound:
    """A round's own record, as the state machine wrote it."""

    chain_id: str
    round: int
    run_id: str
    input: dict[str, Any]


@dataclass(frozen=True)
class StoredChain:
    record: ChainRecord | None  # None: no round decided yet
    version: int
    stop_requested: bool


@dataclass(frozen=True)
class ChainTable:
    dynamodb: Any
    table_name: str
    retention_days: int | None = None  # the writer of chain records sets it: they then expire (the table's TTL)
    clock: Callable[[], float] = time.time

    def round(self, run_id: str) -> ChainRound | None:
        item = self.dynamodb.get_item(TableName=self.table_name, Key={"id": {"S": round_key(run_id)}},
                                      ConsistentRead=True).get("Item")
        if not item:
            return None
        return ChainRound(chain_id=item["chain_id"]["S"], round=int(item["round"]["N"]), run_id=item["run_id"]["S"],
                          input=json.loads(item["input"]["S"]))

    def chain(self, chain_id: str) -> StoredChain:
        item = self.dynamodb.get_item(TableName=self.table_name, Key={"id": {"S": chain_key(chain_id)}},
                                      ConsistentRead=True).get("Item") or {}
        record = ChainRecord.model_validate_json(item["record"]["S"]) if "record" in item else None
        return StoredChain(record=record, version=int(item.get("version", {}).get("N", "0")),
                           stop_requested=bool(item.get("stop_requested", {}).get("BOOL", False)))

    def save(self, record: ChainRecord, *, expected_version: int) -> bool:
        """Write the record if nobody wrote since ``expected_version`` (False: somebody did; read again)."""
        update, names = "SET #record = :record, #version = :next", {"#record": "record", "#version": "version"}
        values = {":record": {"S": record.model_dump_json()}, ":next": {"N": str(expected_version + 1)},
                  ":expected": {"N": str(expected_version)}}
        if self.retention_days is not None:
            update, names["#expiration"] = update + ", #expiration = :expiration", "expiration"
            values[":expiration"] = {"N": str(record_expiration(self.clock(), self.retention_days))}
        try:
            self.dynamodb.update_item(
                TableName=self.table_name, Key={"id": {"S": chain_key(record.chain_id)}},
                UpdateExpression=update,
                ConditionExpression="attribute_not_exists(#version) OR #version = :expected",
                ExpressionAttributeNames=names, ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def request_stop(self, chain_id: str) -> None:
        """Mark the chain stopped (its next decision stops it, and writes its expiration)."""
        self.dynamodb.update_item(
            TableName=self.table_name, Key={"id": {"S": chain_key(chain_id)}},
            UpdateExpression="SET stop_requested = :yes", ExpressionAttributeValues={":yes": {"BOOL": True}},
        )


@dataclass(frozen=True)
class RoundStarter:
    """Starts a round as a new execution of the stack's state machine, once per name."""

    sfn: Any
    state_machine_arn: str

    def start(self, name: str, execution_input: dict[str, Any]) -> tuple[str, bool]:
        """(the execution's ARN, whether this call started it). Step Functions refuses a second
        execution of a name (ExecutionAlreadyExists), which is how a duplicate event starts nothing."""
        try:
            arn = self.sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name,
                                           input=json.dumps(execution_input))["executionArn"]
        except ClientError as error:
            if error_code(error) == "ExecutionAlreadyExists":
                return self.execution_arn(name), False
            raise
        return arn, True

    def execution_arn(self, name: str) -> str:
        prefix, _, machine = self.state_machine_arn.rpartition(":stateMachine:")
        return f"{prefix}:execution:{machine}:{name}"
