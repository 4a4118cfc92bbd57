"""TrackProgress: one training-job state change -> the run's progress record, and, when a
trial ended, at most once per render interval an in-progress report.

Per event: a few DynamoDB writes (store.ProgressStore), no SageMaker call; per ended trial
one more (the render claim). Per render (debounced by a conditional timestamp on the run's
record): one DescribeHyperParameterTuningJob, ceil(trials / 100) list calls, the baseline's
describe, the render, one HEAD and one conditional PUT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from amt_pipeline.aws.adapters import Notifier, ObjectStore
from amt_pipeline.aws.ports import TuningJobReader
from amt_pipeline.aws.progress_table import ProgressStore
from amt_pipeline.events import stack_layout
from amt_pipeline.live.progress import Progress
from amt_pipeline.live.trial_event import TrainingJobStateChange
from amt_pipeline.run.layout import RunLayout, baseline_job_name

RENDER_INTERVAL_SECONDS = 60


@dataclass(frozen=True)
class TrackResult:
    run_id: str | None
    training_job_name: str
    status: str
    counted: bool = False  # False: a duplicate, a late event, or not a trial
    rendered: bool = False
    notified: bool = False
    render_error: str | None = None  # the in-progress report is a courtesy: its failure fails no event


def track_trial(change: TrainingJobStateChange, *, store: ProgressStore, sagemaker: TuningJobReader,
                objects: ObjectStore,
                notifier: Notifier | None = None, interval_seconds: float = RENDER_INTERVAL_SECONDS) -> TrackResult:
    if not change.is_trial:  # the baseline: the rule should not send it, nothing to do if it does
        return TrackResult(None, change.TrainingJobName, change.TrainingJobStatus)
    # UnusableEvent (skipped, not retried) unless a run in this stack's bucket
    layout = stack_layout(change.OutputDataConfig.S3OutputPath, objects.bucket)
    move = store.record_trial(change, layout.run_id)
    notified = False
    if move is not None and notifier is not None and change.TrainingJobStatus == "Failed" \
            and store.claim_first_failure(layout.run_id, change.TrainingJobName):
        notifier.publish(*first_failure_message(change, layout.run_id))
        notified = True
    rendered, error = False, None
    # Only a trial's end changes what the report shows (a start adds a row with no value): only then
    # is a render claimed, which also spares every InProgress event a conditional write that fails.
    if move is not None and change.ended and store.claim_render(layout.run_id, interval_seconds):
        try:
            rendered = render_progress(sagemaker, store, objects, layout, change.tuning_job_name,
                                       now=datetime.fromtimestamp(store.clock(), UTC))
        except Exception as failure:  # noqa: BLE001 - retrying the event would not render (its trial is counted);
            # failing it would only land it in the dead-letter queue and page someone. The next claim tries again.
            error = f"{type(failure).__name__}: {failure}"
    return TrackResult(layout.run_id, change.TrainingJobName, change.TrainingJobStatus, counted=move is not None,
                       rendered=rendered, notified=notified, render_error=error)


def render_progress(sagemaker: TuningJobReader, store: ProgressStore, objects: ObjectStore, layout: RunLayout,
                    job_name: str,
                    now: datetime | None = None) -> bool:
    """The in-progress report from SageMaker's own view of the job (its describe and trials so far)."""
    from amt_pipeline.live.report import publish_in_progress, render_in_progress
    from amt_pipeline.trials.report_input import collect_report_input

    report_input = collect_report_input(sagemaker, job_name, include_parents=False,
                                        baseline_job_name=baseline_job_name(layout.run_id))
    progress = Progress.from_describe(report_input.tuning_job, now or datetime.now(UTC))
    if progress.ended:
        store.mark_ended(layout.run_id, progress.status)
        return False  # the final report is on its way: never race it
    if progress.best is not None:
        objective = (report_input.tuning_job.get("HyperParameterTuningJobConfig") or {}).get(
            "HyperParameterTuningJobObjective") or {}
        store.offer_best(layout.run_id, progress.best, maximize=objective.get("Type", "Maximize") == "Maximize")
    page = render_in_progress(report_input, progress)
    written = publish_in_progress(objects, layout.report_html_key, page)
    if written:
        store.count_render(layout.run_id)
    return written


def first_failure_message(change: TrainingJobStateChange, run_id: str) -> tuple[str, str]:
    job = change.tuning_job_name
    subject = f"AMT Pipeline: a trial of {job} failed"[:100]
    message = (
        f"The first failed trial of tuning job {job} (run {run_id}):\n\n"
        f"  training job: {change.TrainingJobName}\n"
        f"  reason: {change.FailureReason or 'not given'}\n\n"
        "The job goes on with its other trials. If every trial fails for the same reason, stop it:\n"
        f"  amt stop {job} --stack <stack name>\n"
        f"  (or: aws sagemaker stop-hyper-parameter-tuning-job --hyper-parameter-tuning-job-name {job})\n"
    )
    return subject, message
