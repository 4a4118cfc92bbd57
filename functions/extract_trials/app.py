"""ExtractTrials: on a tuning job's end (EventBridge), store every trial under
the run's reports/ prefix and announce "Trials Extracted"."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.adapters import EventPublisher, ObjectStore
from amt_pipeline.aws_clients import client
from amt_pipeline.events import TuningJobStateChangeEvent
from amt_pipeline.steps import extract_trials

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=TuningJobStateChangeEvent)
def lambda_handler(event: TuningJobStateChangeEvent, context: LambdaContext) -> dict:
    change = event.detail
    layout = change.layout
    logger.info("Tuning job ended", job=change.HyperParameterTuningJobName, status=change.HyperParameterTuningJobStatus)
    step = extract_trials(
        client("sagemaker"),
        ObjectStore(client("s3"), layout.bucket),
        EventPublisher(client("events")),
        layout,
        change.HyperParameterTuningJobName,
    )
    metrics.add_metric(name="TrialsExtracted", unit=MetricUnit.Count, value=1)
    return step.model_dump()
