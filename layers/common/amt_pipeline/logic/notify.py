"""Notify: one SNS message per run (or per chain round, as its follow_up.notify says), with a
report link that opens for the stack's link days."""

from __future__ import annotations

import time
from collections.abc import Callable

from amt_pipeline.aws.adapters import Notifier, ObjectStore
from amt_pipeline.aws.chain_table import ChainTable
from amt_pipeline.aws.idempotency import once_per_step
from amt_pipeline.contracts import NotifyResult
from amt_pipeline.events import RunStepDetail
from amt_pipeline.report.link import ReportLinks


def notify(store: ObjectStore, notifier: Notifier, links: ReportLinks, *, step: RunStepDetail,
           chain_notify: str | None = None) -> NotifyResult:
    """One SNS message: status, best objective and hyperparameters, baseline, and a report link
    that opens for ``links.days`` days (report.link: the link function's URL with a token).

    A round of a chain (``chain_notify``: its follow_up.notify) is told once its follow-up is decided,
    from its reports/chain.json: a short message, or none, for an intermediate round; the chain's
    result and stop reason for the last (chain.notification)."""
    from amt_pipeline.report.notification import compose_notification

    layout = step.layout
    summary = store.get_json(layout.summary_key)
    url = links.url(step.run_id, now=time.time())
    if chain_notify is not None:
        from amt_pipeline.chain.notification import compose_round_notification

        composed = compose_round_notification(summary, store.get_json(layout.chain_json_key), step.run_id,
                                              url, notify=chain_notify)
        if composed is None:
            return NotifyResult(message_id="", subject="", report_url=url)  # notify: last_round
        subject, message = composed
    else:
        subject, message = compose_notification(summary, url)
    message_id = notifier.publish(subject, message)
    return NotifyResult(message_id=message_id, subject=subject, report_url=url)


# The handler's call: once per run step, however often the event is delivered.
notify_once = once_per_step(notify, result=NotifyResult)


def notify_run(store: ObjectStore, notifier: Notifier, links: Callable[[], ReportLinks], chains: ChainTable, *,
               step: RunStepDetail, round_decided: bool) -> NotifyResult | None:
    """The handler's call: the run's message, once per run step. A round of a chain is told on its
    "Round Decided" event (``round_decided``), once DecideFollowUp said whether the chain goes on:
    None on its "Report Rendered". ``links()`` is read only when a message is sent (it reads the secret)."""
    chain_round = chains.round(step.run_id)
    if chain_round is not None and not round_decided:
        return None
    chain_notify = (chain_round.input.get("follow_up") or {}).get("notify", "every_round") if chain_round else None
    return notify_once(store, notifier, links(), step=step, chain_notify=chain_notify)
