"""`amt runs`: a stack's executions, newest first, each with its tuning job and its report.

On AWS: ListExecutions (paged, newest first, as Step Functions lists them),
then for each execution shown DescribeExecution (its output names the run),
DescribeHyperParameterTuningJob and a HeadObject on the report. ``--limit``
caps how many are shown (and so how many calls are made); ``--limit 0`` shows
every one. With ``--local DIR``, the same rows from a local run's state.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from itertools import islice
from typing import Any

from amt.cli.aws import add_aws_options, load_stack, session, tuning_job_not_found
from amt.cli.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError
from amt.cli.local import failure_message
from amt.cli.output import Output
from amt_pipeline.facts import ENDED_STATUSES, error_code, is_not_found
from amt_pipeline.run.layout import RunKeys, RunLayout

DEFAULT_LIMIT = 20


def register(commands: Any, parents: dict[str, argparse.ArgumentParser]) -> None:
    runs = commands.add_parser("runs", parents=[parents["common"], parents["json"]],
                               help="a stack's executions, newest first, with their tuning jobs and reports")
    runs.add_argument("execution", nargs="?", metavar="EXECUTION", help="only this execution (its name)")
    runs.add_argument("--stack", help="the CloudFormation stack name used with sam deploy")
    runs.add_argument("--local", metavar="DIR", help="the runs of a local run's folder instead (e.g. amt-local)")
    runs.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                      help=f"show at most this many, newest first (default: {DEFAULT_LIMIT}; 0: all)")
    add_aws_options(runs)
    runs.set_defaults(func=cmd_runs)


def cmd_runs(args: argparse.Namespace) -> int:
    out = Output(args.json)
    if args.limit < 0:
        raise CliError("--limit must be 0 (all) or more", EXIT_USAGE)
    if args.local:
        from amt.cli.local_state import LocalState

        with LocalState.open(args.local) as state:
            rows = _only(local_rows(state), args.execution, args.local)
        source = args.local
        more = bool(args.limit) and len(rows) > args.limit
        rows = rows[: args.limit or None]
    elif args.stack:
        rows, more = aws_rows(session(args), args.stack, args.limit, args.execution)
        source = args.stack
    else:
        raise CliError("say which runs: --stack NAME (a deployed stack) or --local DIR (a local run)", EXIT_USAGE)
    print_rows(out, source, rows, more)
    out.document({"source": source, "runs": rows, "chains": chains(rows), "more": more})
    return EXIT_OK


# ------------------------------------------------------------------ AWS
def aws_rows(aws: Any, stack_name: str, limit: int, execution: str | None = None
             ) -> tuple[list[dict[str, Any]], bool]:
    stack = load_stack(aws, stack_name)
    state_machine, bucket = stack.output("StateMachineArn"), stack.output("DataBucketName")
    sfn, sagemaker, s3 = aws.client("stepfunctions"), aws.client("sagemaker"), aws.client("s3")
    chains = "ChainTableName" in stack.outputs  # a stack of this release keeps chains (follow_up)
    if execution:
        return [_aws_row(sfn, sagemaker, s3, bucket, _one_execution(sfn, state_machine, execution, stack_name),
                         chains)], False
    pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine)
    executions = (summary for page in pages for summary in page.get("executions", []))
    wanted = list(islice(executions, limit + 1)) if limit else list(executions)
    more = bool(limit) and len(wanted) > limit
    return [_aws_row(sfn, sagemaker, s3, bucket, summary, chains) for summary in wanted[: limit or None]], more


def _aws_row(sfn: Any, sagemaker: Any, s3: Any, bucket: str, summary: dict[str, Any],
             chains: bool = False) -> dict[str, Any]:
    described = sfn.describe_execution(executionArn=summary["executionArn"])
    run_id = _run_id(summary, described)
    job = _tuning_job(sagemaker, run_id) if run_id else None
    row = {
        "execution": summary["name"],
        "execution_arn": summary["executionArn"],
        "execution_status": summary["status"],
        "started": _iso(summary.get("startDate")),
        "run_id": run_id,
        **job_fields(job),
    }
    layout = RunLayout(bucket, run_id) if run_id else None
    row["chain"] = chain_fields(s3_json(s3, bucket, layout.chain_json_key), run_id) if chains and layout else None
    ended = job and job.get("HyperParameterTuningJobStatus") in ENDED_STATUSES
    if layout and ended and _exists(s3, bucket, layout.report_html_key):
        row["report"], row["why_no_report"] = layout.uri(layout.report_html_key), None
    else:
        row["report"] = None
        row["why_no_report"] = why_no_report(row, described.get("error"), described.get("cause"),
                                             where=layout.uri(layout.report_html_key) if layout else f"s3://{bucket}")
    return row


def _one_execution(sfn: Any, state_machine: str, name: str, stack_name: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    arn = state_machine.replace(":stateMachine:", ":execution:", 1) + f":{name}"
    try:
        return dict(sfn.describe_execution(executionArn=arn))
    except ClientError as error:
        if error_code(error) in ("ExecutionDoesNotExist", "InvalidArn"):
            raise CliError(f"no execution named {name!r} in stack {stack_name}", EXIT_FAILED,
                           f"`amt runs --stack {stack_name}` lists its executions") from None
        raise


def _only(rows: list[dict[str, Any]], execution: str | None, source: str) -> list[dict[str, Any]]:
    if not execution:
        return rows
    found = [row for row in rows if execution in (row["execution"], row["run_id"])]
    if not found:
        raise CliError(f"no execution or run named {execution!r} in {source}", EXIT_FAILED,
                       f"`amt runs --local {source}` lists them")
    return found


def _run_id(summary: dict[str, Any], described: dict[str, Any]) -> str | None:
    """The output names the run; before there is one, the input's job_name or the plan's default id."""
    from amt_pipeline.facts import is_run_id
    from amt_pipeline.run.plan import default_run_id

    output = _json(described.get("output"))
    if output.get("run_id") or output.get("tuning_job_name"):
        return str(output.get("run_id") or output.get("tuning_job_name"))
    job_name = _json(described.get("input")).get("job_name")
    if is_run_id(job_name):
        return job_name
    started = summary.get("startDate")
    return default_run_id(summary["name"], started) if isinstance(started, datetime) else None


def _tuning_job(sagemaker: Any, name: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        return dict(sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name))
    except ClientError as error:
        if tuning_job_not_found(error):
            return None
        raise


def s3_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        return _json(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()) or None
    except ClientError as error:
        if is_not_found(error) or error_code(error) == "AccessDenied":
            return None
        raise


def _exists(s3: Any, bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as error:
        if is_not_found(error):
            return False
        raise


# ---------------------------------------------------------------- local
def local_rows(state: Any) -> list[dict[str, Any]]:
    """The executions `amt local run` recorded, and any tuning job of the folder they do not name."""
    rows = []
    for execution in state.executions():
        run_id = execution.get("run_id")
        row = {"execution": execution.get("name"), "execution_arn": None,
               "execution_status": execution.get("status"), "started": execution.get("started"),
               "run_id": run_id, **job_fields(_local_job(state, run_id))}
        rows.append(_with_local_report(state, row, execution.get("error"), execution.get("cause")))
    named = {row["run_id"] for row in rows}
    for job in _local_jobs(state):
        name = job["HyperParameterTuningJobName"]
        if name in named:
            continue
        row = {"execution": None, "execution_arn": None, "execution_status": None,
               "started": _iso(job.get("CreationTime")), "run_id": name, **job_fields(job)}
        rows.append(_with_local_report(state, row, None, None))
    return sorted(rows, key=lambda r: str(r.get("started") or ""), reverse=True)


def _local_jobs(state: Any) -> list[dict[str, Any]]:
    jobs, token = [], None
    while True:
        page = state.engine.list_hyper_parameter_tuning_jobs(**({"NextToken": token} if token else {}))
        for summary in page.get("HyperParameterTuningJobSummaries", []):
            described = _local_job(state, summary["HyperParameterTuningJobName"])
            if described:
                jobs.append(described)
        token = page.get("NextToken")
        if not token:
            return jobs


def _local_job(state: Any, name: str | None) -> dict[str, Any] | None:
    if not name:
        return None
    try:
        return dict(state.engine.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name))
    except Exception as error:  # the engine's not-found error carries SageMaker's code
        if getattr(error, "code", None) in ("ResourceNotFound", "ValidationException"):
            return None
        raise


def _with_local_report(state: Any, row: dict[str, Any], error: str | None, cause: str | None) -> dict[str, Any]:
    keys = RunKeys(row["run_id"]) if row["run_id"] else None
    path = state.bucket_dir / keys.report_html_key if keys else state.bucket_dir
    chain_file = state.bucket_dir / keys.chain_json_key if keys else None
    row["chain"] = chain_fields(_json(chain_file.read_text()) if chain_file and chain_file.is_file() else None,
                                row["run_id"])
    if keys and path.is_file():
        row["report"], row["why_no_report"] = str(path.resolve()), None
    else:
        row["report"] = None
        row["why_no_report"] = why_no_report(row, error, cause, where=str(path))
        if row.get("tuning_job_status") in ("InProgress", "Stopping"):
            row["why_no_report"] = "the tuning job never ended: was its local run interrupted?"
    return row


# --------------------------------------------------------------- shared
def job_fields(job: dict[str, Any] | None) -> dict[str, Any]:
    """The tuning job's status, trials done of max, and best objective."""
    if not job:
        return {"tuning_job": None, "tuning_job_status": None, "trials_done": None, "trials_max": None,
                "objective_metric": None, "best_objective": None}
    counters = job.get("TrainingJobStatusCounters", {})
    config = job.get("HyperParameterTuningJobConfig", {})
    best = job.get("BestTrainingJob", {}).get("FinalHyperParameterTuningJobObjectiveMetric", {})
    done = sum(int(counters.get(k, 0)) for k in ("Completed", "RetryableError", "NonRetryableError", "Stopped"))
    return {
        "tuning_job": job.get("HyperParameterTuningJobName"),
        "tuning_job_status": job.get("HyperParameterTuningJobStatus"),
        "trials_done": done,
        "trials_max": config.get("ResourceLimits", {}).get("MaxNumberOfTrainingJobs"),
        "objective_metric": config.get("HyperParameterTuningJobObjective", {}).get("MetricName"),
        "best_objective": best.get("Value"),
    }


def chain_fields(chain: dict[str, Any] | None, run_id: str | None) -> dict[str, Any] | None:
    """A round of a chain (its reports/chain.json, written when its follow-up was decided): which chain,
    which round, what was decided, the chain's best so far; None for a run that is no chain's round."""
    rounds = (chain or {}).get("rounds") or []
    this = next((r for r in rounds if r.get("run_id") == run_id), None)
    if not chain or this is None:
        return None
    return {"chain_id": chain.get("chain_id"), "round": this.get("round"), "decision": this.get("decision"),
            "reason": this.get("reason"), "best_so_far": this.get("best_so_far"),
            "next_run_id": this.get("next_run_id")}


def chains(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chains the rows are rounds of: rounds (oldest first), best so far, stop reason (once stopped)."""
    by_chain: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("chain"):
            by_chain.setdefault(str(row["chain"]["chain_id"]), []).append(row["chain"] | {"run_id": row["run_id"]})
    found = []
    for chain_id, rounds in by_chain.items():
        rounds.sort(key=lambda r: int(r["round"] or 0))
        last = rounds[-1]
        found.append({"chain_id": chain_id, "rounds": [r["run_id"] for r in rounds],
                      "best_so_far": last["best_so_far"],
                      "stop_reason": last["reason"] if last["decision"] == "stop" else None,
                      "next_round": last["next_run_id"] if last["decision"] == "continue" else None})
    return found


def why_no_report(row: dict[str, Any], error: str | None, cause: str | None, *, where: str) -> str:
    status, job_status = row.get("execution_status"), row.get("tuning_job_status")
    if job_status in ("InProgress", "Stopping"):
        return "the tuning job is still running: the report comes when it ends"
    if job_status:
        return (f"none at {where}: removed by a cleanup, or the report step failed "
                "(see the RenderReport function's logs)")
    if status == "FAILED":
        return f"the execution failed: {error or 'no error given'}: {failure_message(cause)}"[:300]
    if status == "RUNNING":
        return "the execution has not started its tuning job yet"
    if status in ("ABORTED", "TIMED_OUT"):
        return f"the execution was {status.lower().replace('_', ' ')} before its tuning job started"
    return f"its tuning job {row.get('run_id')} no longer exists"


def print_rows(out: Output, source: str, rows: list[dict[str, Any]], more: bool) -> None:
    if not rows:
        out.say(f"No runs in {source} yet: `amt start` (or `amt local run`) starts one.")
        return
    for row in rows:
        trials = "-" if row["trials_done"] is None else f"{row['trials_done']}/{row['trials_max']}"
        best = "-" if row["best_objective"] is None else f"{row['objective_metric']} {row['best_objective']:.5f}"
        out.say(f"{(row['started'] or '-')[:19]:<19}  {row['execution'] or '(no execution)'}  "
                f"{out.status(row['execution_status'])}")
        out.say(f"    tuning job {row['tuning_job'] or '-'}  {out.status(row['tuning_job_status'])}  "
                f"trials {trials}  best {best}")
        out.say(f"    report: {row['report']}" if row["report"] else f"    no report: {row['why_no_report']}")
        if row.get("chain"):
            c = row["chain"]
            out.say(f"    chain {c['chain_id']} round {c['round']}: {c['decision']} ({c['reason']})"
                    + (f", next {c['next_run_id']}" if c.get("next_run_id") else ""))
    for chain in chains(rows):
        state = f"stopped: {chain['stop_reason']}" if chain["stop_reason"] else f"going on: {chain['next_round']}"
        best = "-" if chain["best_so_far"] is None else f"{chain['best_so_far']:.5f}"
        out.say(f"chain {chain['chain_id']}: {len(chain['rounds'])} round(s) {', '.join(chain['rounds'])}; "
                f"best so far {best}; {state}")
    if more:
        out.say(f"(newest {len(rows)} shown: --limit N shows more, --limit 0 all)")


def _json(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (str(value) if value is not None else None)
