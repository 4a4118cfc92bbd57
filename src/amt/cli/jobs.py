"""`amt report` and `amt stop`: what a user does with a tuning job."""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from amt.cli.aws import add_aws_options, describe_tuning_job, load_stack, session
from amt.cli.errors import EXIT_FAILED, EXIT_OK, CliError
from amt.cli.output import Output

if TYPE_CHECKING:
    from amt_pipeline.trials.report_input import ReportInput


def register(commands: Any, parents: dict[str, argparse.ArgumentParser]) -> None:
    report = commands.add_parser("report", parents=[parents["common"]],
                                 help="render the HTML report of existing tuning job(s)")
    report.add_argument("jobs", nargs="+", metavar="JOB", help="tuning job name(s); several are compared")
    report.add_argument("--out", help="HTML file to write (default: JOB-report.html)")
    report.add_argument("--local", metavar="DIR", help="read jobs of a local run kept in DIR (e.g. amt-local)")
    report.add_argument("--price-per-hour", type=float, metavar="USD",
                        help="on-demand USD per instance-hour for the cost estimate (default: the report's table)")
    add_aws_options(report)
    report.set_defaults(func=cmd_report)

    stop = commands.add_parser("stop", parents=[parents["common"], parents["json"]],
                               help="stop a running tuning job; the pipeline then reports and notifies")
    stop.add_argument("job", metavar="JOB", help="the tuning job's name (the run id)")
    stop.add_argument("--stack", help="the stack that started it: checks that its pipeline will report the job")
    add_aws_options(stop)
    stop.set_defaults(func=cmd_stop)


def cmd_report(args: argparse.Namespace) -> int:
    from amt_pipeline.report.render import render_report
    from amt_pipeline.trials.report_input import collect_compared_jobs
    from amt_pipeline.trials.training_details import add_training_details

    if args.local:
        from amt.cli.local_state import LocalState
        from amt.local.training_metrics import replay_learning_curves

        with LocalState.open(args.local) as state:
            report_input = add_training_details(collect_compared_jobs(state.engine, args.jobs), state.engine)
            replay_learning_curves(state.engine, report_input)
            read_local = functools.partial(_local_json, state.bucket_dir)
            rounds = chain_rounds_of(args.jobs, functools.partial(_chain_record, report_input, read_local))
    else:
        from amt.cli.runs import s3_json
        from amt_pipeline.trials.learning_curves import add_learning_curves

        aws = session(args)
        sagemaker = aws.client("sagemaker")
        report_input = add_learning_curves(collect_compared_jobs(sagemaker, args.jobs), aws.client("cloudwatch"))
        add_training_details(report_input, sagemaker)
        read_s3 = functools.partial(s3_json, aws.client("s3"))
        rounds = chain_rounds_of(args.jobs, functools.partial(_chain_record, report_input, read_s3))
    report_input.price_per_hour = getattr(args, "price_per_hour", None)
    out = Path(args.out or f"{args.jobs[0]}-report.html")
    out.write_text(render_report(report_input, chain_rounds=rounds), encoding="utf-8")
    print(f"Report: {out.resolve().as_uri()}")
    return EXIT_OK


def chain_rounds_of(jobs: list[str], read_chain: Callable[[str], dict[str, Any] | None]) -> list[dict[str, Any]]:
    """The rounds the charts draw over a report of a chain's jobs: the latest record (chain.json) of
    the compared jobs, its rounds among them (a round not in the report has no trials to colour its
    band); [] when no job is a chain's round. ``read_chain``: a run id -> its chain.json or None."""
    records = [record for record in map(read_chain, jobs) if record]
    if not records:
        return []
    latest = max(records, key=lambda record: len(record.get("rounds") or []))
    return [r for r in latest.get("rounds") or [] if r.get("run_id") in jobs]


def _chain_record(report_input: ReportInput, read_json: Callable[[str, str], dict[str, Any] | None],
                  job: str) -> dict[str, Any] | None:
    """The job's chain.json, in the bucket and run its trials write to (the S3OutputPath of the description
    the report holds already; a job this stack did not start has none)."""
    from amt_pipeline.run.layout import RunLayout

    described = next((j for j in report_input.tuning_jobs if j.get("HyperParameterTuningJobName") == job), {})
    definition = described.get("TrainingJobDefinition") or {}
    try:
        layout = RunLayout.from_output_uri((definition.get("OutputDataConfig") or {}).get("S3OutputPath", ""))
    except ValueError:
        return None
    return read_json(layout.bucket, layout.chain_json_key)


def _local_json(bucket_dir: Path, _bucket: str, key: str) -> dict[str, Any] | None:
    """An object of a local run's emulated bucket (kept as files under DIR/bucket)."""
    path = bucket_dir / key
    try:
        return json.loads(path.read_text()) if path.is_file() else None
    except (OSError, ValueError):
        return None  # a record being written


def cmd_stop(args: argparse.Namespace) -> int:
    out = Output(args.json)
    aws = session(args)
    sagemaker = aws.client("sagemaker")
    job = describe_tuning_job(sagemaker, args.job)
    status = job.get("HyperParameterTuningJobStatus")
    stack = load_stack(aws, args.stack) if args.stack else None
    chain = _stop_chain(aws, stack, sagemaker, job) if stack is not None else None
    if chain and status != "InProgress":
        out.say(f"Chain {chain} marked stopped: no further round starts; a round still running ends the chain "
                "when it reports (`amt stop` its job to end it sooner).")
        out.document({"stopping": None, "chain_stopped": chain, "previous_status": status, "stack": args.stack})
        return EXIT_OK
    if status != "InProgress":
        raise CliError(f"tuning job {args.job} is {status}: only a job in progress can be stopped", EXIT_FAILED)
    reported, topic = _reported_by(stack, job)
    sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=args.job)
    out.say(f"Stopping {args.job}: SageMaker stops its running training jobs, then the job ends as Stopped.")
    if reported is False:
        out.warn(f"warning: {args.job} writes outside stack {args.stack}'s bucket: "
                 "that stack's pipeline will neither report nor notify it")
    elif reported:
        out.say(f"Stack {args.stack} then renders its report and notifies {topic or 'its topic'} "
                f"(follow it with: amt runs --stack {args.stack}).")
    else:
        out.say("If a stack of this project started it, that stack then reports the job and notifies its topic.")
    if chain:
        out.say(f"It is a round of chain {chain}: the chain is marked stopped, no further round starts.")
    out.document({"stopping": args.job, "previous_status": status, "stack": args.stack,
                  "reported_by_stack": reported, "notification_topic": topic, "chain_stopped": chain})
    return EXIT_OK


def _stop_chain(aws: Any, stack: Any, sagemaker: Any, job: dict[str, Any]) -> str | None:
    """If the job is a round of a chain (its amt-pipeline:chain-id tag), mark the chain stopped in the
    stack's table (its ChainTableName output); the chain's id, or None."""
    from amt_pipeline.aws.chain_table import ChainTable
    from amt_pipeline.run.tuning_request import CHAIN_TAG

    table = stack.outputs.get("ChainTableName")
    if table is None:  # a stack from before follow_up: no chains
        return None
    tags = sagemaker.list_tags(ResourceArn=job["HyperParameterTuningJobArn"]).get("Tags", [])
    chain = next((t["Value"] for t in tags if t.get("Key") == CHAIN_TAG), None)
    if chain is None:
        return None
    ChainTable(aws.client("dynamodb"), table).request_stop(chain)
    return str(chain)


def _reported_by(stack: Any, job: dict[str, Any]) -> tuple[bool | None, str | None]:
    """Whether the stack's rule matches this job's end (its output path is under the stack's runs/)."""
    if stack is None:
        return None, None
    bucket = stack.output("DataBucketName")
    output_path = job.get("TrainingJobDefinition", {}).get("OutputDataConfig", {}).get("S3OutputPath", "")
    return str(output_path).startswith(f"s3://{bucket}/runs/"), stack.outputs.get("NotificationTopicArn")
