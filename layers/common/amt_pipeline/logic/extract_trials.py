"""ExtractTrials: a finished tuning job -> its trials and the best trials' learning curves, stored
as reports/trials.json + trials.csv, announced as "Trials Extracted" (boto3 only: no pandas here).

Run once per run step (``step``: which run, which job, which final status), however often
EventBridge delivers it: each report step reads what the previous one stored, so each can be
retried on its own and a report re-rendered without calling SageMaker again.
"""

from __future__ import annotations

from amt_pipeline.aws.adapters import EventPublisher, ObjectStore
from amt_pipeline.aws.idempotency import once_per_step
from amt_pipeline.aws.ports import MetricReader, TuningJobReader
from amt_pipeline.contracts import ExtractResult
from amt_pipeline.errors import TuningJobNotFound, UnusableEvent
from amt_pipeline.events import TRIALS_EXTRACTED, RunStepDetail
from amt_pipeline.run.layout import baseline_job_name


def extract_trials(sagemaker: TuningJobReader, cloudwatch: MetricReader, store: ObjectStore, events: EventPublisher, *,
                   step: RunStepDetail, price_per_hour: float | None = None) -> ExtractResult:
    """Every trial of the job (paginated list calls) and the best trials' learning curves,
    stored as trials.json + trials.csv."""
    from amt_pipeline.trials.learning_curves import add_learning_curves
    from amt_pipeline.trials.report_input import collect_report_input, trials_csv
    from amt_pipeline.trials.training_details import add_training_details

    layout = step.layout
    try:
        collected = collect_report_input(sagemaker, step.tuning_job_name,
                                         baseline_job_name=baseline_job_name(layout.run_id))
    except TuningJobNotFound as error:  # the event named a job SageMaker never had: no retry helps
        raise UnusableEvent("unknown-tuning-job",
                            f"SageMaker knows no tuning job named {step.tuning_job_name!r}") from error
    report_input = add_learning_curves(collected, cloudwatch)
    add_training_details(report_input, sagemaker)
    report_input.price_per_hour = price_per_hour  # the stack's TrainingPricePerHour, for the cost estimate
    store.put_text(layout.trials_json_key, report_input.to_json(), "application/json")
    store.put_text(layout.trials_csv_key, trials_csv(report_input), "text/csv; charset=utf-8")
    # The job's own describe is the truth; the event only said it ended.
    extracted = step.model_copy(update={"status": report_input.status})
    events.publish(TRIALS_EXTRACTED, extracted.model_dump())
    return ExtractResult(**extracted.model_dump(), trials=len(report_input.trials))


# The handler's call: once per run step, however often the event is delivered.
extract_trials_once = once_per_step(extract_trials, result=ExtractResult)
