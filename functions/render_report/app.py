"""RenderReport: on "Trials Extracted", render the stored trials into
reports/index.html and reports/summary.json and announce "Report Rendered"."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import EventPublisher, ObjectStore
from amt_pipeline.aws.chain_table import ChainTable
from amt_pipeline.aws.clients import client
from amt_pipeline.events import RunStepEvent
from amt_pipeline.logic.render_report import render_report_once
from amt_pipeline.observability import count, lambda_entry, logger
from amt_pipeline.refusals import refuse_unusable_events
from amt_pipeline.settings import PipelineStepSettings


@lambda_entry()
@refuse_unusable_events(RunStepEvent)
def lambda_handler(event: RunStepEvent, context: LambdaContext) -> dict:
    settings = PipelineStepSettings.from_env()
    step = event.detail.in_stack_bucket(settings.bucket_name)  # UnusableEvent otherwise
    result = render_report_once(ObjectStore(client("s3"), step.bucket), EventPublisher(client("events")), step=step,
                                chains=ChainTable(client("dynamodb"), settings.idempotency_table_name))
    logger.info("Report rendered", run_id=step.run_id, status=result.status)
    count("ReportsRendered")
    return result.model_dump()
