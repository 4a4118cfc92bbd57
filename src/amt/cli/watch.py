"""`amt watch JOB`: a running tuning job, live in the terminal, until it ends.

Each refresh is ONE DescribeHyperParameterTuningJob (counters, best so far, times) and ONE
ListTrainingJobsForHyperParameterTuningJob page (the latest trials, newest first), never more.
Refreshes back off while nothing changes (and on throttling), from ``--interval`` up to
``MAX_INTERVAL``, and come back to ``--interval`` at the next change. Exit 0 when the job
Completed, 1 (EXIT_FAILED) when it Failed or was Stopped; the report's link on the way out.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from amt.cli.aws import add_aws_options, describe_tuning_job, session
from amt.cli.errors import EXIT_FAILED, EXIT_OK, THROTTLING_CODES, CliError
from amt.cli.watch_view import LiveView
from amt_pipeline.facts import error_code
from amt_pipeline.live.progress import Progress

MIN_INTERVAL = 5.0
MAX_INTERVAL = 60.0
LATEST_PAGE = 10


def register(commands: Any, parents: dict[str, argparse.ArgumentParser]) -> None:
    watch = commands.add_parser("watch", parents=[parents["common"]],
                                help="follow a running tuning job live, until it ends")
    watch.add_argument("job", metavar="JOB", help="the tuning job's name (the run id)")
    where = watch.add_mutually_exclusive_group()
    where.add_argument("--stack", help="the stack that started it (for the report's link at the end)")
    where.add_argument("--local", metavar="DIR", help="a local run's folder (e.g. amt-local), while or after it runs")
    watch.add_argument("--interval", type=float, default=MIN_INTERVAL,
                       help=f"seconds between refreshes while the job changes (default {MIN_INTERVAL:g}; "
                            f"backs off to {MAX_INTERVAL:g} while it does not)")
    add_aws_options(watch)
    watch.set_defaults(func=cmd_watch)


def exit_code(status: str) -> int:
    return EXIT_OK if status == "Completed" else EXIT_FAILED


def cmd_watch(args: argparse.Namespace) -> int:
    if args.local:
        from amt.cli.local_state import LocalState

        with LocalState.open(args.local) as state:
            progress = follow(state.engine, args.job, interval=args.interval)
        print(f"Report: {local_report_link(Path(args.local), args.job)}")
    else:
        aws = session(args)
        describe_tuning_job(aws.client("sagemaker"), args.job)  # a job that does not exist: exit 1 at once
        progress = follow(aws.client("sagemaker"), args.job, interval=args.interval)
        print(f"Report: {stack_report_link(args, progress)}")
    return exit_code(progress.status)


def follow(sagemaker: Any, job: str, *, interval: float = MIN_INTERVAL, view: LiveView | None = None,
           sleep: Callable[[float], None] = time.sleep, now: Callable[[], datetime] = lambda: datetime.now(UTC),
           max_interval: float = MAX_INTERVAL) -> Progress:
    """Refresh until the job ends; return its last progress."""
    view = view or LiveView()
    wait, last = interval, None
    while True:
        try:
            describe = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)
            page = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
                HyperParameterTuningJobName=job, MaxResults=LATEST_PAGE, SortBy="CreationTime",
                SortOrder="Descending")
        except Exception as error:  # throttling only: anything else ends the command
            if error_code(error) not in THROTTLING_CODES:
                raise
            wait = min(max_interval, wait * 2)
            sleep(wait)
            continue
        progress = Progress.from_describe(describe, now())
        view.show(progress, page.get("TrainingJobSummaries", []))
        if progress.ended:
            return progress
        state = (progress.done, progress.running, progress.status, progress.best)
        wait = interval if state != last else min(max_interval, wait * 2)
        last = state
        sleep(wait)


def local_report_link(folder: Path, job: str) -> str:
    from amt_pipeline.run.layout import RunKeys

    path = (folder / "bucket" / RunKeys(job).report_html_key).resolve()
    return path.as_uri() + ("" if path.is_file() else "  (not rendered yet: the run renders it after the job)")


def stack_report_link(args: argparse.Namespace, progress: Progress) -> str:
    """A link that opens the report (as `amt link` mints it); else where it is in S3 and how to get one."""
    from amt.cli.link import _stack
    from amt_pipeline.report.link import DEFAULT_LINK_DAYS, expiry, link_url
    from amt_pipeline.run.layout import RunKeys

    if args.stack:
        try:
            base_url, key, _found = _stack(args, args.job)
            return link_url(base_url, key, args.job, expiry(time.time(), DEFAULT_LINK_DAYS))
        except Exception as error:  # noqa: BLE001 - no right to the secret: say where it is instead
            reason = str(error).splitlines()[0][:120]
            return f"{RunKeys(args.job).report_html_key} in the stack's bucket ({reason}; try `amt link {args.job} " \
                   f"--stack {args.stack}`)"
    return f"{RunKeys(args.job).report_html_key} in the pipeline's bucket (`amt link {args.job} --stack NAME`)"


def watch_execution(args: argparse.Namespace, sfn: Any, execution_arn: str, sagemaker: Any,
                    sleep: Callable[[float], None] = time.sleep) -> int:
    """`amt start --watch`: wait for the execution to start the tuning job, then follow the job."""
    wait = 1.0
    while (described := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
        sleep(wait)
        wait = min(MAX_INTERVAL / 4, wait * 2)
    if described["status"] != "SUCCEEDED":
        print(f"Execution {described['status']}: {described.get('error') or ''} {described.get('cause') or ''}"[:500])
        return EXIT_FAILED
    output = json.loads(described.get("output") or "{}")
    job = output.get("tuning_job_name")
    if not job:
        raise CliError("the execution ended without starting a tuning job", EXIT_FAILED)
    args.job = job
    progress = follow(sagemaker, job, interval=getattr(args, "interval", MIN_INTERVAL), sleep=sleep)
    print(f"Report: {stack_report_link(args, progress)}")
    return exit_code(progress.status)
