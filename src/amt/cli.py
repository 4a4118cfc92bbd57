"""amt: validate and start tuning pipeline executions, render reports, and run
the whole pipeline locally with no AWS account."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED = 0, 1
DEFAULT_LOCAL_DIR = Path("amt-local")


def _read_input(path: str | None) -> Any:
    """An execution input file (`-` for stdin); none means `{}`, the post's example."""
    if path is None:
        return {}
    text = sys.stdin.read() if path == "-" else Path(path).read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SystemExit(f"amt: {path} is not JSON: {error}") from error


def _print_field_errors(error: Any) -> None:
    print(f"invalid execution input ({len(error.errors)} problem{'s' * (len(error.errors) != 1)}):",
          file=sys.stderr)
    for field_error in error.errors:
        print(f"  {field_error.field}: {field_error.message}", file=sys.stderr)


# ------------------------------------------------------------------ validate
def cmd_validate(args: argparse.Namespace) -> int:
    from amt_pipeline.errors import InvalidExecutionInput
    from amt_pipeline.run.execution_input import parse_execution_input
    from amt_pipeline.run.input_rules import input_warnings

    try:
        model = parse_execution_input(_read_input(args.config))
    except InvalidExecutionInput as error:
        _print_field_errors(error)
        return EXIT_FAILED
    for warning in input_warnings(model):
        print(f"warning: {warning}", file=sys.stderr)
    print(json.dumps(model.model_dump(mode="json"), indent=2))
    return EXIT_OK


# --------------------------------------------------------------------- start
def cmd_start(args: argparse.Namespace) -> int:
    import boto3

    from amt_pipeline.errors import InvalidExecutionInput
    from amt_pipeline.run.execution_input import parse_execution_input

    raw = _read_input(args.config)
    try:
        parse_execution_input(raw)  # fail here, before anything starts on AWS
    except InvalidExecutionInput as error:
        _print_field_errors(error)
        return EXIT_FAILED
    session = boto3.Session(region_name=args.region) if args.region else boto3.Session()
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in session.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0].get(
            "Outputs", [])
    }
    if "StateMachineArn" not in outputs:
        print(f"amt: stack {args.stack} has no StateMachineArn output: is it an AMT Pipeline stack?",
              file=sys.stderr)
        return EXIT_FAILED
    kwargs = {"stateMachineArn": outputs["StateMachineArn"], "input": json.dumps(raw)}
    if args.name:
        kwargs["name"] = args.name
    started = session.client("stepfunctions").start_execution(**kwargs)
    region = session.region_name
    arn = started["executionArn"]
    print(f"Started {arn}")
    print(f"  follow:  https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{arn}")
    print(f"  status:  aws stepfunctions describe-execution --execution-arn {arn}")
    print(f"  reports: s3://{outputs.get('DataBucketName', '<bucket>')}/runs/<run id>/reports/index.html "
          "(the run id is in the execution's output); a notification links to it when the job ends")
    return EXIT_OK


# -------------------------------------------------------------------- report
def cmd_report(args: argparse.Namespace) -> int:
    from amt_pipeline.report.render import render_report
    from amt_pipeline.trials.report_input import collect_compared_jobs

    if args.local:
        # The engine answers SageMaker's calls from the local run's saved state.
        from amt.local.engine import LocalSageMaker
        from amt.local.engine.storage import InMemoryObjectStore

        sagemaker: Any = LocalSageMaker(storage=InMemoryObjectStore(), state_dir=Path(args.local) / "state")
        report_input = collect_compared_jobs(sagemaker, args.jobs)
    else:
        import boto3

        from amt_pipeline.trials.learning_curves import add_learning_curves

        session = boto3.Session(region_name=args.region) if args.region else boto3.Session()
        report_input = add_learning_curves(collect_compared_jobs(session.client("sagemaker"), args.jobs),
                                           session.client("cloudwatch"))
    out = Path(args.out or f"{args.jobs[0]}-report.html")
    out.write_text(render_report(report_input), encoding="utf-8")
    print(f"Report: {out.resolve().as_uri()}")
    return EXIT_OK


# --------------------------------------------------------------------- local
def cmd_local_run(args: argparse.Namespace) -> int:
    from amt.local.progress import ProgressBar
    from amt.local.runtime import LocalPipeline
    from amt_pipeline.errors import InvalidExecutionInput
    from amt_pipeline.run.execution_input import parse_execution_input

    raw = _read_input(args.config)
    if args.seed is not None:
        if not isinstance(raw, dict):
            raw = {}
        raw = {**raw, "random_seed": args.seed}
    try:
        total = parse_execution_input(raw).max_jobs
    except InvalidExecutionInput as error:
        _print_field_errors(error)  # the state machine would fail the same way; say it at once
        return EXIT_FAILED

    out_dir = Path(args.out)
    print(f"Running the pipeline locally (state machine, handlers and rules from template.yaml); files in {out_dir}/")
    with ProgressBar(total=total) as progress:
        result = LocalPipeline(out_dir, workers=args.workers, on_progress=progress.update).run(raw)

    if result.execution_status != "SUCCEEDED":
        print(f"\nExecution {result.execution_status}: {result.error}\n  {_failure_message(result.cause)}",
              file=sys.stderr)
    for notification in result.notifications:
        print(f"\n--- notification (SNS) ---\nSubject: {notification['subject']}\n\n{notification['message']}")
        if "https://" in notification["message"]:
            print("(the link above points into the emulated S3; the report's file is below)")
    for dead in result.dead_letters:
        print(f"\nundelivered event kept in the dead-letter queue: {json.dumps(dead)[:300]}", file=sys.stderr)
    print(f"\nBucket contents: {result.bucket_dir}")
    if result.report_path:
        print(f"Report: {result.report_path.as_uri()}")
    return EXIT_OK if result.succeeded and result.report_path else EXIT_FAILED


def _failure_message(cause: str | None) -> str:
    """A Lambda's error cause is its JSON error (with a stack trace): show the message."""
    try:
        return str(json.loads(cause or "")["errorMessage"])
    except (ValueError, KeyError, TypeError):
        return cause or ""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amt", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check an execution input; print it normalised")
    validate.add_argument("config", nargs="?", help="execution input JSON file (default: {}, the post's example)")
    validate.set_defaults(func=cmd_validate)

    start = commands.add_parser("start", help="start an execution of a deployed stack")
    start.add_argument("config", nargs="?", help="execution input JSON file (default: {})")
    start.add_argument("--stack", required=True, help="the CloudFormation stack name used with sam deploy")
    start.add_argument("--name", help="execution name (default: generated by Step Functions)")
    start.add_argument("--region", help="AWS region (default: your AWS configuration's)")
    start.set_defaults(func=cmd_start)

    report = commands.add_parser("report", help="render the HTML report of existing tuning job(s)")
    report.add_argument("jobs", nargs="+", metavar="JOB", help="tuning job name(s); several are compared")
    report.add_argument("--out", help="HTML file to write (default: JOB-report.html)")
    report.add_argument("--local", metavar="DIR", help="read jobs of a local run kept in DIR (e.g. amt-local)")
    report.add_argument("--region", help="AWS region (default: your AWS configuration's)")
    report.set_defaults(func=cmd_report)

    local = commands.add_parser("local", help="run the pipeline on this machine (no AWS account)")
    local_commands = local.add_subparsers(dest="local_command", required=True, metavar="COMMAND")
    run = local_commands.add_parser("run", help="the whole pipeline, with real XGBoost training")
    run.add_argument("config", nargs="?", help="execution input JSON file (default: {}, the post's example)")
    run.add_argument("--out", default=str(DEFAULT_LOCAL_DIR), help="folder for the emulated bucket, state and logs")
    run.add_argument("--seed", type=int, help="random seed of the search (same seed, same trials)")
    run.add_argument("--workers", type=int, default=2, help="parallel training processes (default: 2)")
    run.set_defaults(func=cmd_local_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
