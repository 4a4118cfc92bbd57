"""`amt local ...`: the pipeline on this machine, with no AWS account."""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from amt.cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from amt.cli.inputs import input_folder, print_field_errors, read_input
from amt.cli.own_data import (
    StagedData,
    check_staged_data,
    emulated_bucket_sources,
    find_local_channels,
    run_id_for,
    stage,
    with_channel_options,
)

if TYPE_CHECKING:
    from amt.local.images import ImageSpec

DEFAULT_LOCAL_DIR = Path("amt-local")
LOCALLY_READABLE = ("text/csv", "text/libsvm")


def register(commands: Any, parents: dict[str, argparse.ArgumentParser]) -> None:
    local = commands.add_parser("local", parents=[parents["common"]],
                                help="run the pipeline on this machine (no AWS account)")
    local_commands = local.add_subparsers(dest="local_command", required=True, metavar="COMMAND")
    run = local_commands.add_parser("run", parents=[parents["common"]],
                                    help="the whole pipeline, with real XGBoost training")
    run.add_argument("config", nargs="?", help="execution input JSON file (default: {}, the post's example)")
    run.add_argument("--out", default=str(DEFAULT_LOCAL_DIR), help="folder for the emulated bucket, state and logs")
    run.add_argument("--seed", type=int, help="random seed of the search (same seed, same trials)")
    run.add_argument("--workers", type=int, default=2, help="parallel training processes (default: 2)")
    run.add_argument("--train", metavar="PATH",
                     help="your training data: a CSV file or a folder of them (replaces the input's dataset)")
    run.add_argument("--validation", metavar="PATH", help="your validation data: a file or a folder")
    run.set_defaults(func=cmd_local_run)
    serve = local_commands.add_parser("serve", parents=[parents["common"]],
                                      help="serve the report links of a local folder's runs on 127.0.0.1")
    serve.add_argument("dir", nargs="?", default=str(DEFAULT_LOCAL_DIR), metavar="DIR",
                       help="the folder of `amt local run --out` (default: amt-local)")
    serve.set_defaults(func=cmd_local_serve)


def cmd_local_run(args: argparse.Namespace) -> int:
    from amt.cli.local_live import LocalLiveView
    from amt.cli.local_state import record_execution
    from amt.local.provisioning import DATA_BUCKET
    from amt.local.runtime import LocalPipeline
    from amt_pipeline.errors import InvalidExecutionInput
    from amt_pipeline.run.execution_input import parse_execution_input

    raw = read_input(args.config)
    if args.seed is not None:
        if not isinstance(raw, dict):
            raw = {}
        raw = {**raw, "random_seed": args.seed}
    started = datetime.now(UTC)
    name = f"local-{started:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    out_dir = Path(args.out)
    try:
        staged = stage_local_data(raw, args, execution_name=name, started_at=started, out_dir=out_dir)
        execution_input = parse_execution_input(staged.execution_input)
        refuse_unreadable_content_type(execution_input)
        # ValidateInput's data check, said with the user's paths, before anything is provisioned.
        data_warnings = check_staged_data(staged, DATA_BUCKET, execution_input)
    except InvalidExecutionInput as error:
        print_field_errors(error)  # the state machine would fail the same way; say it at once
        return EXIT_FAILED
    for warning in data_warnings:
        print(f"warning: {warning}", file=sys.stderr)
    image = _pull_image(execution_input.algorithm_version)
    if image is None:
        return EXIT_FAILED

    # Short lines (a 100-column terminal wraps nothing); each step of the ~10 s before the tuning job's
    # first trial reaches the live view is said as it happens.
    print(f"Running the pipeline locally: sagemaker-xgboost:{image.version} trains with XGBoost {image.xgboost}\n"
          f"  state machine, handlers and rules from template.yaml; files in {out_dir}/\n"
          "  setting up the emulated stack ...", flush=True)
    clock = time.monotonic()

    def step(message: str) -> None:
        print(f"  {time.monotonic() - clock:5.1f}s  {message}", file=sys.stderr, flush=True)

    # The live view of `amt watch --local` (a block redrawn on a terminal, a line per change elsewhere),
    # and the in-progress report copied out of the emulated bucket as TrackProgress renders it.
    def round_started(execution: str) -> None:  # a chain's decision started its next round (follow_up)
        print(f"\nNext round of the chain: execution {execution} (why: the chain's summary at the end)",
              file=sys.stderr, flush=True)

    with LocalLiveView(out_dir, stream=sys.stderr) as progress:
        result = LocalPipeline(out_dir, workers=args.workers, on_progress=progress.update,
                               on_round=round_started, on_step=step).run(staged.execution_input, execution_name=name,
                                                           data=staged.objects)
    record_execution(out_dir, name, started, result)
    for later in result.rounds[1:]:
        record_execution(out_dir, later.execution_name, started, later)
    _print_result(result, out_dir)
    if result.chain:
        _print_chain(result.chain)
    if result.interrupted:
        print("\nInterrupted: the run's jobs were stopped (as StopHyperParameterTuningJob stops them); "
              "the report above is final", file=sys.stderr)
        return EXIT_INTERRUPTED
    failed_jobs = _failed_tuning_jobs(result)
    return EXIT_OK if result.succeeded and result.report_path and not failed_jobs else EXIT_FAILED


def _failed_tuning_jobs(result: Any) -> list[dict[str, Any]]:
    """The run's tuning jobs (each round's) that ended Failed: the run failed, as `amt --help` says (exit 1)."""
    jobs = [r.tuning_job for r in result.rounds] if result.rounds else [result.tuning_job]
    return [j for j in jobs if j and j.get("HyperParameterTuningJobStatus") == "Failed"]


def stage_local_data(raw: Any, args: argparse.Namespace, *, execution_name: str, started_at: datetime,
                     out_dir: Path) -> StagedData:
    """The run's input with its own data staged in the emulated bucket: local files and folders under
    the run's data/ prefix, an earlier local run's s3://amt-local-databucket/... objects at their keys
    (from the --out folder's bucket/). Any other s3:// URI is refused: a local run sees no real S3."""
    from amt.local.provisioning import DATA_BUCKET

    raw = with_channel_options(raw, args.train, args.validation)
    channels = find_local_channels(raw, input_folder(args.config))
    earlier = emulated_bucket_sources(raw, DATA_BUCKET, out_dir / "bucket")
    staged = stage(raw, channels, bucket=DATA_BUCKET, run_id=run_id_for(raw, execution_name, started_at))
    staged.objects.update(earlier)
    return staged


def refuse_unreadable_content_type(execution_input: Any) -> None:
    """Parquet and recordio-protobuf: the containers read them with pyarrow and mlio, which no local
    image environment holds; said before the run, not as every trial's failure."""
    from amt_pipeline.errors import FieldError, InvalidExecutionInput

    content_type = getattr(execution_input.dataset, "content_type", "text/csv")
    if content_type in LOCALLY_READABLE:
        return
    raise InvalidExecutionInput([FieldError("dataset.content_type", (
        f"{content_type}: the local engine reads {' and '.join(LOCALLY_READABLE)} only (the container reads "
        "parquet with pyarrow and recordio-protobuf with mlio, which its local environments do not hold); "
        "convert the data, or run it on AWS with amt start"))])


def _pull_image(version: str) -> ImageSpec | None:
    """The image's environment before the run, as SageMaker pulls the image: said, and timed, the first time.
    Its spec (version, XGBoost release), or None when the engine cannot play it."""
    from amt.local.images import UnsupportedImage, image_spec, prepare_image

    try:
        spec = image_spec(version)
        prepare_image(spec, say=lambda message: print(message, file=sys.stderr, flush=True))
    except UnsupportedImage as error:
        print(f"algorithm_version: {error}", file=sys.stderr)
        return None
    return spec


def _print_result(result: Any, out_dir: Path) -> None:
    if result.execution_status != "SUCCEEDED":
        print(f"\nExecution {result.execution_status}: {result.error}\n  {failure_message(result.cause)}",
              file=sys.stderr)
    for notification in result.notifications:
        print(f"\n--- notification (SNS) ---\nSubject: {notification['subject']}\n\n{notification['message']}")
    for dead in result.dead_letters:
        print(f"\nundelivered event kept in the dead-letter queue: {json.dumps(dead)[:300]}", file=sys.stderr)
    for job in _failed_tuning_jobs(result):
        print(f"\nTuning job {job['HyperParameterTuningJobName']} ended Failed: "
              f"{job.get('FailureReason') or 'no reason given'}", file=sys.stderr)
    print(f"\nBucket contents: {result.bucket_dir}")
    if result.report_path:
        print(f"Report: {result.report_path.as_uri()}")
    if result.notifications:
        print(f"The notification's link opens the report while `amt local serve {out_dir}` runs.")


def _print_chain(chain: dict[str, Any]) -> None:
    """The chain's summary: each round, what it found, what was decided and why."""
    rounds = chain.get("rounds") or []
    print(f"\n--- chain {chain['chain_id']}: {len(rounds)} round(s), {chain['objective_name']} "
          f"({chain['objective_type']}) ---")
    for r in rounds:
        best = "-" if r.get("best_objective") is None else f"{r['best_objective']:.5f}"
        so_far = "-" if r.get("best_so_far") is None else f"{r['best_so_far']:.5f}"
        ranges = ", ".join(f"{n} [{s.get('min_value')}, {s.get('max_value')}]" for n, s in r["ranges"].items()
                           if "min_value" in s)
        print(f"round {r['round']}  {r['run_id']}  {r['status']}  {r['training_jobs']} jobs  best {best}  "
              f"best so far {so_far}\n    ranges: {ranges}\n    {r['explanation']}")
    if rounds and rounds[-1].get("decision") == "stop":
        print(f"Chain stopped: {rounds[-1]['reason']}.")


def cmd_local_serve(args: argparse.Namespace) -> int:
    """The local link function and the reports it redirects to, until Ctrl-C (exit 130)."""
    from amt.cli.local_state import LocalState
    from amt.local.runtime import LocalPipeline

    LocalState(args.dir)  # a folder with no local run is an error, said as `amt runs --local` says it

    def wait(url: str) -> None:
        print(f"Serving the report links of {args.dir} on {url} (Ctrl-C to stop)", flush=True)
        for line in report_links(Path(args.dir), url):
            print(line, flush=True)
        while True:
            time.sleep(3600)

    LocalPipeline(Path(args.dir)).serve(wait)
    return EXIT_OK


def report_links(folder: Path, base_url: str) -> list[str]:
    """A signed link per run with a report (the server's root alone is no report: it answers 403)."""
    from amt.local.links import LinkState
    from amt_pipeline.report.link import DEFAULT_LINK_DAYS, expiry, link_url
    from amt_pipeline.run.layout import reports_glob

    key = LinkState.load(folder / "state").secret.encode("utf-8")
    expires = expiry(time.time(), DEFAULT_LINK_DAYS)
    runs = sorted(p.parent.parent.name for p in (folder / "bucket").glob(reports_glob("index.html")))
    if not runs:
        return [f"  no report in {folder} yet: `amt local run --out {folder}` makes one"]
    return [f"  {run}: {link_url(base_url, key, run, expires)}" for run in runs]


def failure_message(cause: str | None) -> str:
    """A Lambda's error cause is its JSON error (with a stack trace): show the message."""
    try:
        return str(json.loads(cause or "")["errorMessage"])
    except (ValueError, KeyError, TypeError):
        return cause or ""
