"""TrackProgress: on a training-job state change of one of this stack's tuning jobs, update
the run's progress record and, when a trial ended, at most once a minute per run, re-render its
report as an in-progress report (amt_pipeline.live)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import Notifier, ObjectStore
from amt_pipeline.aws.clients import client
from amt_pipeline.aws.progress_table import ProgressStore
from amt_pipeline.live.trial_event import TrainingJobStateChangeEvent
from amt_pipeline.logic.track_progress import track_trial
from amt_pipeline.observability import count, lambda_entry, logger
from amt_pipeline.refusals import refuse_unusable_events
from amt_pipeline.settings import TrackProgressSettings


@lambda_entry()
@refuse_unusable_events(TrainingJobStateChangeEvent)
def lambda_handler(event: TrainingJobStateChangeEvent, context: LambdaContext) -> dict:
    settings = TrackProgressSettings.from_env()
    topic = settings.first_failure_topic_arn
    result = track_trial(
        event.detail,
        store=ProgressStore(client("dynamodb"), settings.idempotency_table_name),
        sagemaker=client("sagemaker"),
        objects=ObjectStore(client("s3"), settings.bucket_name),
        notifier=Notifier(client("sns"), topic) if topic else None,
        interval_seconds=settings.render_interval_seconds,
    )
    logger.info("Trial tracked", run_id=result.run_id, trial=result.training_job_name, status=result.status,
                counted=result.counted, rendered=result.rendered)
    if result.render_error:
        logger.error("In-progress report not rendered", run_id=result.run_id, error=result.render_error)
        count("InProgressReportsFailed")
    if result.rendered:
        count("InProgressReportsRendered")
    return {k: v for k, v in result.__dict__.items()}
