"""`amt cleanup RUN_ID`: delete a run's data, output and/or reports through the stack's cleanup function.

The request is checked with the layer's own rules (CleanupRequest: a run id
is a tuning job name, so no '/', '*' or '..') before any call. A dry run
shows what would go; unless --dry-run, the user confirms (or passes --yes)
and the function deletes. With --local DIR the same cleanup, by the same
code, runs on a local run's bucket folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from amt.cli.aws import add_aws_options, load_stack, session
from amt.cli.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError
from amt.cli.output import Output, is_terminal
from amt_pipeline.run.layout import RunKeys

PARTS = ("data", "output", "reports")
SHOWN_KEYS = 20
LOCAL_BUCKET = "amt-local-bucket"


def register(commands: Any, parents: dict[str, argparse.ArgumentParser]) -> None:
    cleanup = commands.add_parser(
        "cleanup", parents=[parents["common"], parents["json"]],
        help="delete a run's data, output and/or reports (the stack's cleanup function)")
    cleanup.add_argument("run_id", metavar="RUN_ID", help="the run (its tuning job's name)")
    cleanup.add_argument("--stack", help="the CloudFormation stack name used with sam deploy")
    cleanup.add_argument("--local", metavar="DIR", help="clean up a run of a local run's folder (e.g. amt-local)")
    cleanup.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS), metavar="PART",
                         help="some of: data output reports (default: all three)")
    cleanup.add_argument("--chain", action="store_true",
                         help="RUN_ID is a chain (follow_up): clean up every round, the shared data last")
    cleanup.add_argument("--dry-run", action="store_true", help="show what would be deleted; delete nothing")
    cleanup.add_argument("--yes", "-y", action="store_true", help="delete without asking")
    add_aws_options(cleanup)
    cleanup.set_defaults(func=cmd_cleanup)


def cmd_cleanup(args: argparse.Namespace) -> int:
    out = Output(args.json)
    request = _request(args.run_id, args.parts)  # an unsafe id stops here, before any call
    cleaner = _cleaner(args)
    if args.chain:
        return _clean_up_chain(out, args, cleaner)
    preview = cleaner(request.model_copy(update={"dry_run": True}))
    if preview.object_count == 0:  # a run id that names nothing: `amt --help`'s exit 1
        out.document({"dry_run": True, "preview": preview.model_dump(mode="json"), "deleted": None})
        raise CliError(f"run {args.run_id}: nothing under runs/{args.run_id}/ ({', '.join(preview.parts)}) in "
                       f"{cleaner.where}", EXIT_FAILED,
                       "`amt runs` lists the runs (--local DIR or --stack NAME, as given here)")
    _show(out, preview, "would be deleted" if args.dry_run else "will be deleted", cleaner.where)
    if args.dry_run:
        out.document({"dry_run": True, "preview": preview.model_dump(mode="json"), "deleted": None})
        return EXIT_OK
    if not args.yes and not _confirm(preview):
        out.say("Nothing deleted.")
        out.document({"dry_run": False, "preview": preview.model_dump(mode="json"), "deleted": None})
        return EXIT_FAILED
    result = cleaner(request)
    _show(out, result, "deleted", cleaner.where)
    out.document({"dry_run": False, "preview": preview.model_dump(mode="json"),
                  "deleted": result.model_dump(mode="json")})
    return EXIT_OK


def _clean_up_chain(out: Output, args: argparse.Namespace, cleaner: Any) -> int:
    """Every round of the chain: each round's output and reports, the newest round first, then the data
    the rounds share (the first round's, which every later round read), last."""
    rounds = chain_rounds(cleaner.read_json, args.run_id)
    out.say(f"Chain {args.run_id}: {len(rounds)} round(s): {', '.join(rounds)}")
    own = [p for p in args.parts if p != "data"]
    requests = [_request(run, own) for run in reversed(rounds) if own]
    requests += [_request(run, ["data"]) for run in reversed(rounds) if "data" in args.parts]
    previews = [cleaner(r.model_copy(update={"dry_run": True})) for r in requests]
    for preview in previews:
        _show(out, preview, "would be deleted" if args.dry_run else "will be deleted", cleaner.where)
    total = sum(p.object_count for p in previews)
    document: dict[str, Any] = {"chain": args.run_id, "rounds": rounds, "dry_run": args.dry_run,
                                "previews": [p.model_dump(mode="json") for p in previews], "deleted": None}
    if args.dry_run or total == 0:
        out.document(document)
        return EXIT_OK
    if not args.yes and not _confirm(previews[0].model_copy(update={"object_count": total,
                                                                    "run_id": f"chain {args.run_id}"})):
        out.say("Nothing deleted.")
        out.document(document)
        return EXIT_FAILED
    results = [cleaner(r) for r in requests]
    for result in results:
        _show(out, result, "deleted", cleaner.where)
    out.document(document | {"deleted": [r.model_dump(mode="json") for r in results]})
    return EXIT_OK


def chain_rounds(read_json: Any, chain_id: str) -> list[str]:
    """The chain's rounds, first to last, by the links each round's reports/chain.json keeps
    (written when its follow-up was decided)."""
    rounds: list[str] = []
    run_id: str | None = chain_id
    while run_id and run_id not in rounds:
        chain = read_json(RunKeys(run_id).chain_json_key)
        this = next((r for r in (chain or {}).get("rounds", []) if r.get("run_id") == run_id), None)
        if this is None:
            if not rounds:
                raise CliError(f"{chain_id} is no chain: {RunKeys(chain_id).chain_json_key} names no such round",
                               EXIT_FAILED, "`amt runs` shows each round's chain")
            rounds.append(run_id)  # a round still running (or never decided): no link further
            break
        rounds.append(run_id)
        run_id = this.get("next_run_id")
    return rounds


def _request(run_id: str, parts: list[str]) -> Any:
    from amt_pipeline.errors import UnsafeCleanupRequest
    from amt_pipeline.logic.cleanup import CleanupRequest

    try:
        return CleanupRequest.parse({"run_id": run_id, "parts": parts, "dry_run": False})
    except UnsafeCleanupRequest as error:
        raise CliError(f"refused, nothing was called: {error}", EXIT_FAILED,
                       "`amt runs` lists the run ids (each is a tuning job's name)") from None


def _cleaner(args: argparse.Namespace) -> Any:
    if args.local:
        from amt.cli.local_state import LocalState

        return LocalCleanup(LocalState(args.local).bucket_dir)
    if not args.stack:
        raise CliError("say where the run is: --stack NAME (a deployed stack) or --local DIR (a local run)",
                       EXIT_USAGE)
    aws = session(args)
    stack = load_stack(aws, args.stack)
    cleaner = LambdaCleanup(aws.client("lambda"), stack.output("CleanupFunctionName"),
                            stack.outputs.get("DataBucketName", "the stack's bucket"))
    cleaner.s3, cleaner.bucket = aws.client("s3"), stack.outputs.get("DataBucketName")
    return cleaner


class LambdaCleanup:
    """The stack's cleanup function, invoked synchronously with the request as its payload."""

    def __init__(self, lambda_client: Any, function: str, bucket: str):
        self.client, self.function, self.where = lambda_client, function, f"s3://{bucket}/"
        self.s3: Any = None
        self.bucket: str | None = None

    def read_json(self, key: str) -> Any:
        """An object of the stack's bucket as JSON (None if missing): a chain's links."""
        from botocore.exceptions import ClientError

        try:
            return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except ClientError:
            return None

    def __call__(self, request: Any) -> Any:
        from amt_pipeline.logic.cleanup import CleanupResult

        response = self.client.invoke(FunctionName=self.function, Payload=request.model_dump_json().encode())
        payload = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError"):
            error = payload if isinstance(payload, dict) else {}
            raise CliError(f"the cleanup function failed: {error.get('errorType', 'error')}: "
                           f"{error.get('errorMessage', payload)}", EXIT_FAILED,
                           "rerun to resume: cleanup is idempotent" if error.get("errorType") == "CleanupIncomplete"
                           else f"see the logs of {self.function}")
        return CleanupResult.model_validate(payload)


class LocalCleanup:
    """The layer's clean_up_run, on a local run's bucket folder."""

    def __init__(self, bucket_dir: Path):
        self.bucket = FolderBucket(bucket_dir)
        self.where = f"{bucket_dir}/"
        self.bucket_dir = bucket_dir

    def read_json(self, key: str) -> Any:
        path = self.bucket_dir / key
        return json.loads(path.read_text()) if path.is_file() else None

    def __call__(self, request: Any) -> Any:
        from amt_pipeline.logic.cleanup import clean_up_run

        return clean_up_run(self.bucket, LOCAL_BUCKET, request)


class FolderBucket:
    """A folder as the S3 calls cleanup makes (an unversioned bucket): list by prefix, delete keys."""

    def __init__(self, root: Path):
        self.root = root

    def get_bucket_versioning(self, *, Bucket: str) -> dict[str, Any]:  # boto3's names
        return {}

    def get_paginator(self, operation_name: str) -> FolderBucket:
        if operation_name != "list_objects_v2":
            raise ValueError(f"a folder bucket lists with list_objects_v2, not {operation_name}")
        return self

    def paginate(self, *, Bucket: str, Prefix: str) -> Iterator[dict[str, Any]]:
        start = self.root / Prefix
        files = sorted(p for p in start.rglob("*") if p.is_file()) if start.is_dir() else []
        keys = [p.relative_to(self.root).as_posix() for p in files]
        for offset in range(0, len(keys), 1000):
            yield {"Contents": [{"Key": key} for key in keys[offset:offset + 1000]]}

    def delete_objects(self, *, Bucket: str, Delete: dict[str, Any]) -> dict[str, Any]:
        for entry in Delete["Objects"]:
            path = self.root / entry["Key"]
            path.unlink(missing_ok=True)
            self._prune(path.parent)
        return {}

    def _prune(self, folder: Path) -> None:
        """Empty folders go with their last file, as S3 has no folders."""
        while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder)
            folder = folder.parent


def _show(out: Output, result: Any, verb: str, where: str) -> None:
    versions = f" ({result.version_count} versions and delete markers)" if result.version_count else ""
    out.say(f"Run {result.run_id}, {', '.join(result.parts)}: {result.object_count} object(s){versions} {verb} "
            f"in {where}")
    for prefix in result.prefixes:
        out.say(f"  {prefix}")
    for key in result.keys[:SHOWN_KEYS]:
        out.say(f"    {key}")
    if result.object_count > min(len(result.keys), SHOWN_KEYS):
        out.say(f"    ... and {result.object_count - min(len(result.keys), SHOWN_KEYS)} more")


def _confirm(preview: Any) -> bool:
    if not is_terminal(sys.stdin):
        raise CliError("not deleting without confirmation: stdin is not a terminal", EXIT_USAGE,
                       "pass --yes to delete, or --dry-run to only look")
    print(f"Delete these {preview.object_count} object(s) of run {preview.run_id}? [y/N] ", end="",
          file=sys.stderr, flush=True)  # stderr: with --json, stdout holds the document only
    answer = input()
    return answer.strip().lower() in ("y", "yes")
