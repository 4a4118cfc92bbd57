"""The three steps that turn a finished tuning job into a report and a notification.

extract (boto3 only) -> render (pandas + Altair) -> notify. Each step reads what
the previous one stored under the run's reports/ prefix, writes its own
output, and announces it with an event, so each can be retried on its own and a
report can be re-rendered without calling SageMaker again. Each takes the run
step (``step``: which run, which job, which final status) as a keyword, the key
under which the handlers make it idempotent.

Imports of the heavier modules sit inside the steps that need them, so the
extract and notify Lambdas do not pay pandas' and Altair's import time.
"""

from __future__ import annotations

import time

from amt_pipeline.aws.adapters import HTML_CONTENT_TYPE, EventPublisher, Notifier, ObjectStore
from amt_pipeline.aws.chain_table import ChainTable
from amt_pipeline.aws.ports import MetricReader, TuningJobReader
from amt_pipeline.contracts import ExtractResult, NotifyResult, RenderResult
from amt_pipeline.errors import TuningJobNotFound, UnusableEvent
from amt_pipeline.events import REPORT_RENDERED, TRIALS_EXTRACTED, RunStepDetail
from amt_pipeline.report.link import ReportLinks
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


def render_report(store: ObjectStore, events: EventPublisher, *, step: RunStepDetail,
                  chains: ChainTable | None = None) -> RenderResult:
    """index.html and summary.json from the stored trials; a round of a chain (``chains`` knows it)
    gets the chain's conversation so far (chain.report_section)."""
    from amt_pipeline.report.render import render_report as render_html
    from amt_pipeline.trials.report_input import ReportInput
    from amt_pipeline.trials.summary import summarize

    layout = step.layout
    report_input = ReportInput.from_json(store.get_text(layout.trials_json_key))
    summary = summarize(report_input)
    extra = _conversation(store, chains, step, summary) if chains is not None else ""
    store.put_text(layout.report_html_key, render_html(report_input, summary=summary, extra_html=extra),
                   HTML_CONTENT_TYPE)
    store.put_json(layout.summary_key, summary)
    events.publish(REPORT_RENDERED, step.model_dump())
    return RenderResult(run_id=step.run_id, status=summary.get("status"), report_key=layout.report_html_key)


def _conversation(store: ObjectStore, chains: ChainTable, step: RunStepDetail, summary: dict) -> str:
    """The conversation section of a chain's round: the chain as the round before left it, and this round."""
    from amt_pipeline.chain.report_section import conversation_html
    from amt_pipeline.chain.state import round_run_id
    from amt_pipeline.errors import ReportInputMissing
    from amt_pipeline.run.layout import RunLayout

    entry = chains.round(step.run_id)
    if entry is None:
        return ""
    earlier = None
    if entry.round > 1:
        previous = RunLayout(step.bucket, round_run_id(entry.chain_id, entry.round - 1))
        try:
            earlier = store.get_json(previous.chain_json_key)
        except ReportInputMissing:
            earlier = None
    best = (summary.get("best") or {}).get("objective")
    return conversation_html(earlier, round_number=entry.round, run_id=step.run_id,
                             ranges=entry.input.get("hyperparameter_ranges") or {}, best=best,
                             minimize=entry.input.get("objective_type") == "Minimize")


def notify(store: ObjectStore, notifier: Notifier, links: ReportLinks, *, step: RunStepDetail,
           chain_notify: str | None = None) -> NotifyResult:
    """One SNS message: status, best objective and hyperparameters, baseline, and a report link
    that opens for ``links.days`` days (report.link: the link function's URL with a token).

    A round of a chain (``chain_notify``: its follow_up.notify) is told once its follow-up is decided,
    from its reports/chain.json: a short message, or none, for an intermediate round; the chain's
    result and stop reason for the last (chain.notification)."""
    from amt_pipeline.report.notification import compose_notification

    layout = step.layout
    summary = store.get_json(layout.summary_key)
    url = links.url(step.run_id, now=time.time())
    if chain_notify is not None:
        from amt_pipeline.chain.notification import compose_round_notification

        composed = compose_round_notification(summary, store.get_json(layout.chain_json_key), step.run_id,
                                              url, notify=chain_notify)
        if composed is None:
            return NotifyResult(message_id="", subject="", report_url=url)  # notify: last_round
        subject, message = composed
    else:
        subject, message = compose_notification(summary, url)
    message_id = notifier.publish(subject, message)
    return NotifyResult(message_id=message_id, subject=subject, report_url=url)
