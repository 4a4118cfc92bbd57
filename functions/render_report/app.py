"""RenderReport: on "Trials Extracted", render the stored trials into
reports/index.html and reports/summary.json and announce "Report Rendered"."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import EventPublisher, ObjectStore
from amt_pipeline.aws.chain_table import ChainTable
from amt_pipeline.aws.clients import client
from amt_pipeline.aws.idempotency import once_per
from amt_pipeline.contracts import RenderResult
from amt_pipeline.events import RunStepEvent
from amt_pipeline.refusals import refuse_unusable_events
from amt_pipeline.settings import PipelineStepSettings
from amt_pipeline.steps import render_report

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@refuse_unusable_events(RunStepEvent, logger=logger, metrics=metrics)
def lambda_handler(event: RunStepEvent, context: LambdaContext) -> dict:
    settings = PipelineStepSettings.from_env()
    step = event.detail.in_stack_bucket(settings.bucket_name)  # UnusableEvent otherwise
    render_once = once_per("step", settings.idempotency_table_name, context, result=RenderResult)(render_report)
    result = render_once(ObjectStore(client("s3"), step.bucket), EventPublisher(client("events")), step=step,
                         chains=ChainTable(client("dynamodb"), settings.idempotency_table_name))
    logger.info("Report rendered", run_id=step.run_id, status=result.status)
    metrics.add_metric(name="ReportsRendered", unit=MetricUnit.Count, value=1)
    return result.model_dump()
