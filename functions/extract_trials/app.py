"""ExtractTrials: on a tuning job's end (EventBridge), store every trial under
the run's reports/ prefix and announce "Trials Extracted"."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import EventPublisher, ObjectStore
from amt_pipeline.aws.clients import client
from amt_pipeline.events import TuningJobStateChangeEvent
from amt_pipeline.logic.extract_trials import extract_trials_once
from amt_pipeline.observability import count, lambda_entry, logger
from amt_pipeline.refusals import refuse_unusable_events
from amt_pipeline.settings import ExtractSettings


@lambda_entry()
@refuse_unusable_events(TuningJobStateChangeEvent)
def lambda_handler(event: TuningJobStateChangeEvent, context: LambdaContext) -> dict:
    change = event.detail
    if not change.ended:  # the rule matches ended jobs only; a stray event changes nothing
        logger.info("Ignoring a job that has not ended", status=change.HyperParameterTuningJobStatus)
        return {"skipped": change.HyperParameterTuningJobStatus}
    settings = ExtractSettings.from_env()
    step = change.run_step(settings.bucket_name)  # UnusableEvent unless one of this stack's runs
    result = extract_trials_once(client("sagemaker"), client("cloudwatch"), ObjectStore(client("s3"), step.bucket),
                                 EventPublisher(client("events")), step=step,
                                 price_per_hour=settings.training_price_per_hour)
    logger.info("Trials extracted", run_id=step.run_id, status=result.status, trials=result.trials)
    count("TrialsExtracted")
    return result.model_dump()
