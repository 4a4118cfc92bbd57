"""The stack's event bus, locally: the engine's events -> EventBridge (the template's rules match
them) -> each rule's queue -> its function, retried as the rule's RetryPolicy says, then kept in
the dead-letter queue. moto cannot deliver to Lambda targets, so every rule's target is a queue
that this bus drains into the real handler.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from queue import Empty, Queue
from typing import Any

from amt.local.emulator import HOOKS
from amt.local.functions import LocalFunctions
from amt.local.provisioning import ACCOUNT_ID, DEAD_LETTER_QUEUE, REGION, STACK_NAME
from amt.local.template import LocalStack

PUT_EVENTS_MAX = 10  # EventBridge's entries per PutEvents call
RECEIVE_MAX = 10  # SQS's messages per ReceiveMessage call


class EventBus:
    def __init__(self, stack: LocalStack, client: Callable[[str], Any],
                 on_event: Callable[[dict[str, Any]], None] = lambda event: None):
        """``client(service)``: the run's emulator client; ``on_event``: sees each engine event first."""
        self.stack, self._client, self._on_event = stack, client, on_event
        self._events: Queue[dict[str, Any]] = Queue()
        self._rule_queues: dict[str, tuple[str, int]] = {}  # queue url -> (function, max retries)
        self._events_put_seen = -1  # HOOKS.events_put when the rules' queues were last drained
        self._functions: LocalFunctions | None = None

    def emit(self, event: dict[str, Any]) -> None:
        """The engine's side (any thread): an event as SageMaker would send it."""
        self._events.put(event)

    def connect(self, functions: LocalFunctions) -> None:
        """The template's rule patterns, each with a queue as its target, drained into ``functions``."""
        self._functions = functions
        events, sqs = self._client("events"), self._client("sqs")
        for spec in functions.specs.values():
            retries = self._max_retries(spec.logical_id)
            for event_name, pattern in spec.rule_patterns.items():
                rule = f"{spec.logical_id}-{event_name}"
                queue_name = f"{STACK_NAME}-rule-{rule}"
                url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
                events.put_rule(Name=rule, EventPattern=json.dumps(pattern), State="ENABLED")
                events.put_targets(Rule=rule, Targets=[
                    {"Id": "function", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_name}"}
                ])
                self._rule_queues[url] = (spec.logical_id, retries)

    def _max_retries(self, logical_id: str) -> int:
        events = self.stack.resources[logical_id]["Properties"].get("Events", {})
        for event in events.values():
            policy = event.get("Properties", {}).get("RetryPolicy")
            if policy:
                return int(policy["MaximumRetryAttempts"])
        return 0

    def deliver(self, until_quiet: bool = False) -> None:
        """Put the engine's events so far, then hand what the rules matched to their functions
        (``until_quiet``: again, until nothing is left to deliver)."""
        sqs = self._client("sqs")
        while True:
            self._put_engine_events()
            if HOOKS.events_put == self._events_put_seen:
                return  # no PutEvents since the queues were last drained: nothing can be waiting
            self._events_put_seen = HOOKS.events_put
            delivered = 0
            for url, (function, max_retries) in self._rule_queues.items():
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=RECEIVE_MAX).get("Messages", [])
                if len(messages) == RECEIVE_MAX:
                    self._events_put_seen = -1  # more may wait behind a full batch: look again next time
                for message in messages:
                    delivered += 1
                    self._deliver(function, max_retries, message)
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if not until_quiet or (delivered == 0 and self._events.empty()):
                return

    def _put_engine_events(self) -> None:
        """The engine's events so far, ten to a PutEvents call (its limit), in order."""
        entries = []
        while True:
            try:
                event = self._events.get_nowait()
            except Empty:
                break
            self._on_event(event)
            entries.append({
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"], default=str),
                "Resources": event.get("resources", []),
            })
        for offset in range(0, len(entries), PUT_EVENTS_MAX):
            self._client("events").put_events(Entries=entries[offset:offset + PUT_EVENTS_MAX])

    def _deliver(self, function: str, max_retries: int, message: dict[str, Any]) -> None:
        """A rule's delivery: retried as its RetryPolicy says, then kept in the dead-letter queue."""
        assert self._functions is not None, "connect() the functions before delivering"
        event = json.loads(message["Body"])
        # moto's queue delivery leaves out envelope fields that EventBridge always sends.
        event.setdefault("account", ACCOUNT_ID)
        event.setdefault("region", REGION)
        payload = json.dumps(event).encode()
        for _attempt in range(max_retries + 1):
            _, error = self._functions.invoke(function, payload)
            if error is None:
                return
        self._client("sqs").send_message(
            QueueUrl=self.stack.physical[DEAD_LETTER_QUEUE],
            MessageBody=message["Body"],
            MessageAttributes={"RuleTarget": {"DataType": "String", "StringValue": function}},
        )

    def dead_letters(self) -> list[dict[str, Any]]:
        """Every event the dead-letter queue holds, batch after batch (a message received stays in the
        queue, out of sight for its visibility timeout, so the next receive returns the next ones)."""
        sqs, url = self._client("sqs"), self.stack.physical[DEAD_LETTER_QUEUE]
        found: list[dict[str, Any]] = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=RECEIVE_MAX,
                                              MessageAttributeNames=["All"]).get("Messages"):
            found += [json.loads(m["Body"]) for m in messages]
        return found
