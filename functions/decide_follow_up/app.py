"""DecideFollowUp: on "Report Rendered" of a round of a chain (an execution input with follow_up),
decide whether to start the next round (a warm start with the suggested ranges) or stop the chain,
write the decision down (the chain's record in the table, reports/chain.json) and announce
"Round Decided". Runs that are no chain's round are left alone."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import EventPublisher, ObjectStore
from amt_pipeline.aws.chain_table import ChainTable, RoundStarter
from amt_pipeline.aws.clients import client
from amt_pipeline.events import RunStepEvent
from amt_pipeline.logic.decide_follow_up import decide_follow_up
from amt_pipeline.observability import count, lambda_entry, logger
from amt_pipeline.refusals import refuse_unusable_events
from amt_pipeline.settings import FollowUpSettings


@lambda_entry()
@refuse_unusable_events(RunStepEvent)
def lambda_handler(event: RunStepEvent, context: LambdaContext) -> dict:
    settings = FollowUpSettings.from_env()
    step = event.detail.in_stack_bucket(settings.bucket_name)  # UnusableEvent otherwise
    result = decide_follow_up(ChainTable(client("dynamodb"), settings.idempotency_table_name,
                                         retention_days=settings.run_retention_days),
                              ObjectStore(client("s3"), step.bucket),
                              RoundStarter(client("stepfunctions"), settings.state_machine_arn),
                              EventPublisher(client("events")), step=step)
    logger.info("Follow-up decided", run_id=step.run_id, decision=result.decision, reason=result.reason,
                next_run_id=result.next_run_id, started=result.started)
    if result.started:
        count("FollowUpRoundsStarted")
    return result.model_dump()
