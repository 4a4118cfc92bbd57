"""ExtractTrials: on a tuning job's end (EventBridge), store every trial under
the run's reports/ prefix and announce "Trials Extracted"."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import EventPublisher, ObjectStore
from amt_pipeline.aws.clients import client
from amt_pipeline.aws.idempotency import once_per
from amt_pipeline.contracts import ExtractResult
from amt_pipeline.events import TuningJobStateChangeEvent
from amt_pipeline.refusals import refuse_unusable_events
from amt_pipeline.settings import ExtractSettings
from amt_pipeline.steps import extract_trials

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@refuse_unusable_events(TuningJobStateChangeEvent, logger=logger, metrics=metrics)
def lambda_handler(event: TuningJobStateChangeEvent, context: LambdaContext) -> dict:
    change = event.detail
    if not change.ended:  # the rule matches ended jobs only; a stray event changes nothing
        logger.info("Ignoring a job that has not ended", status=change.HyperParameterTuningJobStatus)
        return {"skipped": change.HyperParameterTuningJobStatus}
    settings = ExtractSettings.from_env()
    step = change.run_step(settings.bucket_name)  # UnusableEvent unless one of this stack's runs
    extract_once = once_per("step", settings.idempotency_table_name, context, result=ExtractResult)(extract_trials)
    result = extract_once(client("sagemaker"), client("cloudwatch"), ObjectStore(client("s3"), step.bucket),
                          EventPublisher(client("events")), step=step,
                          price_per_hour=settings.training_price_per_hour)
    logger.info("Trials extracted", run_id=step.run_id, status=result.status, trials=result.trials)
    metrics.add_metric(name="TrialsExtracted", unit=MetricUnit.Count, value=1)
    return result.model_dump()
