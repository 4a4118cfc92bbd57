"""`amt link`: a fresh report link for a run, when the emailed one has expired (or was lost).

On a stack: the link function's URL from the stack's ``ReportLinkUrl`` output,
signed with the secret ``ReportLinkSecretArn`` names, read with your own
credentials (secretsmanager:GetSecretValue on it). Locally (``--local DIR``):
the local run's link server and secret, for ``amt local serve DIR``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from amt.cli.aws import add_aws_options, load_stack, session
from amt.cli.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError
from amt.cli.output import Output


def register(commands: Any, parents: dict[str, argparse.ArgumentParser]) -> None:
    from amt_pipeline.report.link import DEFAULT_LINK_DAYS, MAX_LINK_DAYS, MIN_LINK_DAYS

    link = commands.add_parser("link", parents=[parents["common"], parents["json"]],
                               help="mint a fresh report link for a run (when the notification's has expired)")
    link.add_argument("run_id", metavar="RUN_ID", help="the run (its tuning job's name)")
    link.add_argument("--days", type=int, default=DEFAULT_LINK_DAYS,
                      help=f"how long the link opens the report ({MIN_LINK_DAYS}-{MAX_LINK_DAYS}; "
                           f"default {DEFAULT_LINK_DAYS})")
    where = link.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", help="the CloudFormation stack name used with sam deploy")
    where.add_argument("--local", metavar="DIR", help="a local run's folder (e.g. amt-local)")
    add_aws_options(link)
    link.set_defaults(func=cmd_link)


def cmd_link(args: argparse.Namespace) -> int:
    from amt_pipeline.facts import is_run_id
    from amt_pipeline.report.link import MAX_LINK_DAYS, MIN_LINK_DAYS, expiry, link_url

    out = Output(args.json)
    if not MIN_LINK_DAYS <= args.days <= MAX_LINK_DAYS:
        raise CliError(f"--days {args.days}: a link lasts {MIN_LINK_DAYS} to {MAX_LINK_DAYS} days", EXIT_USAGE)
    if not is_run_id(args.run_id):
        raise CliError(f"{args.run_id!r} is not a run id", EXIT_FAILED,
                       "a run id is its tuning job's name: 1-32 letters, digits and hyphens")
    base_url, key, report_found = _local(args.local, args.run_id) if args.local else _stack(args, args.run_id)
    expires = expiry(time.time(), args.days)
    url = link_url(base_url, key, args.run_id, expires)
    if not report_found:
        out.warn(f"warning: no report of run {args.run_id} found; the link will say so until one is rendered")
    out.say(url)
    out.say(f"  opens the report of {args.run_id} until {time.strftime('%Y-%m-%d %H:%M %Z', time.localtime(expires))}"
            + (f"; serve it with `amt local serve {args.local}`" if args.local else ""))
    out.document({"run_id": args.run_id, "url": url, "expires": expires, "report_found": report_found})
    return EXIT_OK


def _stack(args: argparse.Namespace, run_id: str) -> tuple[str, bytes, bool]:
    from amt_pipeline.aws.adapters import ObjectStore
    from amt_pipeline.aws.secrets import read_key
    from amt_pipeline.run.layout import RunKeys

    aws = session(args)
    stack = load_stack(aws, args.stack)
    base_url, secret_arn = stack.output("ReportLinkUrl"), stack.output("ReportLinkSecretArn")
    key = read_key(aws.client("secretsmanager"), secret_arn)
    found = ObjectStore(aws.client("s3"), stack.output("DataBucketName")).exists(RunKeys(run_id).report_html_key)
    return base_url, key, found


def _local(folder: str, run_id: str) -> tuple[str, bytes, bool]:
    from amt.local.links import HOST, STATE_FILE, LinkState
    from amt_pipeline.run.layout import RunKeys

    state_dir = Path(folder) / "state"
    if not (state_dir / STATE_FILE).exists():
        raise CliError(f"{folder} holds no local run with a report link", EXIT_FAILED,
                       f"`amt local run --out {folder}` makes one (the default folder is amt-local)")
    if not (Path(folder) / "bucket" / RunKeys(run_id).prefix).is_dir():
        raise CliError(f"{folder} holds no run {run_id!r}: no link minted", EXIT_FAILED,
                       f"`amt runs --local {folder}` lists its runs")
    link = LinkState.load(state_dir)
    found = (Path(folder) / "bucket" / RunKeys(run_id).report_html_key).is_file()
    return f"http://{HOST}:{link.port}/", link.secret.encode("utf-8"), found
