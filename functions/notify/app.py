"""Notify: on "Report Rendered", publish the run's outcome and a report link
(the report-link function's URL with a token, amt_pipeline.report.link) to the
notification topic. A round of a chain (follow_up) is told on "Round Decided"
instead, once DecideFollowUp said whether the chain goes on."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import Notifier, ObjectStore
from amt_pipeline.aws.chain_table import ChainTable
from amt_pipeline.aws.clients import client
from amt_pipeline.aws.secrets import read_key
from amt_pipeline.events import ROUND_DECIDED, RunStepEvent
from amt_pipeline.logic.notify import notify_run
from amt_pipeline.observability import count, lambda_entry, logger
from amt_pipeline.refusals import refuse_unusable_events
from amt_pipeline.report.link import ReportLinks
from amt_pipeline.settings import NotifySettings


@lambda_entry()
@refuse_unusable_events(RunStepEvent)
def lambda_handler(event: RunStepEvent, context: LambdaContext) -> dict:
    settings = NotifySettings.from_env()
    step = event.detail.in_stack_bucket(settings.bucket_name)  # UnusableEvent otherwise
    sent = notify_run(ObjectStore(client("s3"), step.bucket), Notifier(client("sns"), settings.topic_arn),
                      lambda: ReportLinks(settings.report_link_base_url,
                                          read_key(client("secretsmanager"), settings.report_link_secret_arn),
                                          settings.report_link_expiry_days),
                      ChainTable(client("dynamodb"), settings.idempotency_table_name),
                      step=step, round_decided=event.detail_type == ROUND_DECIDED)
    if sent is None:
        logger.info("A round of a chain: told when its follow-up is decided", run_id=step.run_id)
        return {"skipped": "chain-round", "reason": "notified on its 'Round Decided' event"}
    logger.info("Notification sent", run_id=step.run_id, message_id=sent.message_id)
    count("NotificationsSent")
    return sent.model_dump()
