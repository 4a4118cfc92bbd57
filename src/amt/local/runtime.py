"""The whole pipeline on one machine: the stack's own template, state machine,
handlers and rules, against the in-process emulator, with the local engine
playing SageMaker.

Nothing here restates the pipeline's order of steps: the state machine
definition decides it, and the template's EventBridge rules decide which
handler an event reaches.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from amt.local.emulator import AwsEmulator
from amt.local.event_bus import EventBus
from amt.local.functions import LocalFunctions
from amt.local.links import LINK_FUNCTION, LinkServer, LinkState, link_server, object_reader, restore_reports
from amt.local.provisioning import ACCOUNT_ID, DATA_BUCKET_ID, REGION, STACK_NAME, STATE_MACHINE, provision_resources
from amt.local.template import LocalStack, load_template
from amt.local.training_metrics import publish_training_metrics
from amt_pipeline.facts import ENDED_STATUSES
from amt_pipeline.run.layout import RunKeys

log = logging.getLogger(__name__)

# No X-Ray daemon here. Metrics stay on: like Lambda, they go to the log (EMF lines),
# which a local run keeps in logs/lambdas.log.
LOCAL_ENVIRONMENT = {"POWERTOOLS_TRACE_DISABLED": "true"}


@dataclass
class LocalRunResult:
    execution_status: str
    execution_output: dict[str, Any] | None
    error: str | None
    cause: str | None
    run_id: str | None
    tuning_job: dict[str, Any] | None
    notifications: list[dict[str, str]]
    dead_letters: list[dict[str, Any]]
    bucket: str
    bucket_dir: Path
    report_path: Path | None  # a chain's: its last round's report (which covers every round)
    rounds: list[LocalRound] = field(default_factory=list)  # a chain (follow_up): every round, in order
    chain: dict[str, Any] | None = None  # a chain's record as its last round left it (reports/chain.json)
    interrupted: bool = False  # Ctrl-C stopped the run's jobs (they ended Stopped, with a final report)

    @property
    def succeeded(self) -> bool:
        statuses = [r.execution_status for r in self.rounds] or [self.execution_status]
        return all(s == "SUCCEEDED" for s in statuses) and not self.dead_letters


@dataclass
class LocalRound:
    """One execution of a chain: the first, or one that DecideFollowUp started."""

    execution_name: str
    execution_status: str
    execution_output: dict[str, Any] | None
    error: str | None
    cause: str | None
    tuning_job: dict[str, Any] | None

    @property
    def run_id(self) -> str | None:
        return (self.execution_output or {}).get("run_id")


class LocalPipeline:
    """Provision the template in the emulator, start one execution, follow the job to its report."""

    def __init__(self, out_dir: Path, *, workers: int = 2, on_progress: Callable[[Any], None] | None = None,
                 poll_seconds: float = 0.1, engine_factory: Callable[..., Any] | None = None,
                 while_serving: Callable[[LocalRunResult], None] | None = None,
                 on_round: Callable[[str], None] | None = None, on_step: Callable[[str], None] | None = None):
        self.on_round = on_round  # called with the name of each execution a chain's decision started
        self.on_step = on_step  # called with each step before the first trial: the stack set up, each state
        self.out_dir = out_dir.resolve()
        self.while_serving = while_serving  # called with the result while the report link is still served
        self.engine_factory = engine_factory  # tests: a fake SageMaker with the engine's signature
        self.workers = workers
        self.on_progress = on_progress
        self.poll_seconds = poll_seconds
        self.interrupted = False  # Ctrl-C while a job ran: the jobs were stopped, and followed to their end
        self.stack = LocalStack(load_template(), REGION, ACCOUNT_ID, STACK_NAME)
        self._clients: dict[str, Any] = {}  # the run's emulator clients: a new one costs ~30 ms, not once a poll
        self._ended_announced: set[str] = set()  # tuning jobs whose end event went to EventBridge
        self._bus = self._new_bus()

    # ------------------------------------------------------------ engine
    def _make_engine(self, storage: Any) -> Any:
        if self.engine_factory is None:
            from amt.local.engine import LocalSageMaker, import_job_modules_in_background

            import_job_modules_in_background()  # while the stack is provisioned, before the job needs them
            self.engine_factory = LocalSageMaker
        return self.engine_factory(
            storage=storage,
            state_dir=self.out_dir / "state",
            emit_event=self._bus.emit,
            region=REGION,
            account_id=ACCOUNT_ID,
            workers=self.workers,
            on_progress=self.on_progress,
        )

    def run(self, execution_input: dict[str, Any], *, execution_name: str | None = None,
            timeout_seconds: float = 3600, data: Mapping[str, Path] | None = None) -> LocalRunResult:
        """``data``: files to put into the runs' bucket before the execution starts (S3 key -> file):
        the user's own data, staged under the run's data/ prefix (amt.cli.own_data)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / "logs").mkdir(exist_ok=True)
        self._clients.clear()  # a new emulator: the last run's clients would reach the last one
        self._bus = self._new_bus()
        # moto warns about every SageMaker task it forwards; the run's own output says what happens.
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        with (AwsEmulator(region=REGION) as aws,
              link_server(self.out_dir / "state") as (server, link)):
            from amt.local.engine.storage import S3UriStore  # the engine loads here, not when the CLI starts
            engine = self._engine = self._make_engine(S3UriStore(boto3.client("s3")))
            try:
                functions = self._functions = self._provision_functions(server, link)  # tests invoke one directly
                aws.attach(lambda_invoker=functions.invoke, sagemaker=engine)  # both built inside the emulator
                self._bus.connect(functions)
                self._put_data(data or {})
                self._step("emulated stack set up (template's functions, rules, queues, bucket, table)")
                with _environment({**functions.environment(), **LOCAL_ENVIRONMENT}):
                    result = self._run_execution(engine, execution_input, execution_name, timeout_seconds)
                    if self.while_serving:
                        self.while_serving(result)
                    return result
            finally:
                engine.close()

    def _put_data(self, data: Mapping[str, Path]) -> None:
        s3 = boto3.client("s3")
        for key, path in data.items():
            s3.put_object(Bucket=self.stack.physical[DATA_BUCKET_ID], Key=key, Body=path.read_bytes())

    def serve(self, wait: Callable[[str], None], *, clock: Callable[[], float] = time.time) -> None:
        """The report links of earlier runs in ``out_dir``: the link function on the port they name,
        in a fresh emulator holding their reports; ``wait(url)`` returns when serving should stop."""
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        with (AwsEmulator(region=REGION) as aws,
              link_server(self.out_dir / "state", clock=clock) as (server, link)):
            functions = self._provision_functions(server, link)
            aws.attach(lambda_invoker=functions.invoke, sagemaker=None)
            restore_reports(boto3.client("s3"), self.stack.physical[DATA_BUCKET_ID], self.out_dir / "bucket")
            with _environment({**functions.environment(), **LOCAL_ENVIRONMENT}):
                wait(server.url)

    def _provision_functions(self, server: LinkServer, link: LinkState) -> LocalFunctions:
        """The template's resources, then its functions; the link function answers the link server."""
        self._inbox_url = provision_resources(self.stack, link.secret)
        for logical_id, resource in self.stack.resources_of_type("AWS::Serverless::Function").items():
            if "FunctionUrlConfig" in resource["Properties"]:  # SAM names the URL <function>Url
                self.stack.attributes[(f"{logical_id}Url", "FunctionUrl")] = server.url
        functions = LocalFunctions(self.stack, self.out_dir / "logs" / "lambdas.log")
        bucket = self.stack.physical[DATA_BUCKET_ID]
        server.attach(lambda payload: functions.invoke(LINK_FUNCTION, payload), bucket,
                      object_reader(boto3.client("s3"), bucket))
        return functions

    # ------------------------------------------------------- execution
    def _run_execution(self, engine: Any, execution_input: dict[str, Any], execution_name: str | None,
                       timeout_seconds: float) -> LocalRunResult:
        sfn = boto3.client("stepfunctions")
        name = execution_name or f"local-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        sfn.start_execution(stateMachineArn=self.stack.arns[STATE_MACHINE], name=name,
                            input=json.dumps(execution_input))
        deadline = time.monotonic() + timeout_seconds
        # A chain's later rounds are executions its decisions started: followed in turn, as the first.
        rounds, pending = [], [name]
        while pending:
            rounds.append(self._follow_execution(engine, pending.pop(0), deadline))
            pending += self._new_executions(sfn, {r.execution_name for r in rounds} | set(pending))
        first, last = rounds[0], rounds[-1]
        output = first.execution_output
        bucket = self.stack.physical[DATA_BUCKET_ID]
        bucket_dir = self._mirror_bucket(bucket)
        last_output = last.execution_output or output or {}
        report_uri, run_id = last_output.get("report_uri"), last_output.get("run_id")
        report = bucket_dir / report_uri.split(f"s3://{bucket}/", 1)[1] if report_uri else None
        chain_file = bucket_dir / RunKeys(run_id).chain_json_key if run_id else None
        return LocalRunResult(
            execution_status=first.execution_status,
            execution_output=output,
            error=first.error,
            cause=first.cause,
            run_id=output.get("run_id") if output else None,
            tuning_job=first.tuning_job,
            notifications=self._notifications(),
            dead_letters=self._bus.dead_letters(),
            bucket=bucket,
            bucket_dir=bucket_dir,
            report_path=report if report and report.exists() else None,
            rounds=rounds if len(rounds) > 1 or (chain_file and chain_file.exists()) else [],
            chain=json.loads(chain_file.read_text()) if chain_file and chain_file.exists() else None,
            interrupted=self.interrupted,
        )

    def _follow_execution(self, engine: Any, name: str, deadline: float) -> LocalRound:
        """An execution until it ended, then its tuning job until it ended and its events were handled."""
        sfn = self._aws("stepfunctions")
        arn = self.stack.arns[STATE_MACHINE].replace(":stateMachine:", ":execution:") + f":{name}"
        entered = 0  # the states said so far, from the execution's history (what the console shows)
        while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            entered = self._say_states(sfn, arn, entered)
            self._check_deadline(deadline)
            time.sleep(self.poll_seconds)
        self._say_states(sfn, arn, entered)
        output = json.loads(described["output"]) if described.get("output") else None
        tuning_job = None
        if described["status"] == "SUCCEEDED" and output:
            self._step(f"tuning job {output['tuning_job_name']} created: its first trials are starting")
            tuning_job = self._follow_job(engine, output, deadline)
        self._bus.deliver(until_quiet=True)
        return LocalRound(execution_name=name, execution_status=described["status"], execution_output=output,
                          error=described.get("error"), cause=described.get("cause"), tuning_job=tuning_job)

    def _step(self, message: str) -> None:
        if self.on_step:
            self.on_step(message)

    def _say_states(self, sfn: Any, arn: str, said: int) -> int:
        """Each state the execution entered since the last call, to on_step; the count said so far."""
        if not self.on_step:
            return said
        pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
        names = [e["stateEnteredEventDetails"]["name"] for page in pages for e in page["events"]
                 if "stateEnteredEventDetails" in e]
        for name in names[said:]:
            self._step(f"state {name}")
        return len(names)

    def _new_executions(self, sfn: Any, known: set[str]) -> list[str]:
        """Executions of the state machine not followed yet (the rounds a decision started), oldest first."""
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=self.stack.arns[STATE_MACHINE])
        found = [e for page in pages for e in page["executions"] if e["name"] not in known]
        names = [e["name"] for e in sorted(found, key=lambda e: e["startDate"])]
        for name in names:
            if self.on_round:
                self.on_round(name)
        return names

    @staticmethod
    def _check_deadline(deadline: float) -> None:
        if time.monotonic() > deadline:
            raise TimeoutError("the local run did not finish in time")

    def _follow_job(self, engine: Any, output: dict[str, Any], deadline: float) -> dict[str, Any]:
        """Until the tuning job (and the baseline) ended, deliver their events to the rules' targets."""
        jobs = [("tuning", output["tuning_job_name"])]
        if output.get("baseline_training_job_name"):
            jobs.append(("training", output["baseline_training_job_name"]))
        while True:
            try:
                self._bus.deliver()
                statuses = [self._status(engine, kind, name) for kind, name in jobs]
                # The engine records a job's end before it announces it: wait for the event too.
                if all(s in ENDED_STATUSES for s in statuses) and output["tuning_job_name"] in self._ended_announced:
                    break
                self._check_deadline(deadline)
                time.sleep(self.poll_seconds)
            except KeyboardInterrupt:
                if self.interrupted:
                    raise  # a second Ctrl-C: leave at once
                self.interrupted = True
                self._stop_jobs(engine, jobs)
        return engine.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=output["tuning_job_name"])

    @staticmethod
    def _stop_jobs(engine: Any, jobs: list[tuple[str, str]]) -> None:
        """Ctrl-C: stop the run's jobs as StopHyperParameterTuningJob / StopTrainingJob do, then follow them
        to their end (trials in flight end Stopped; the job's Stopped event brings the final report)."""
        log.warning("interrupted: stopping %s", ", ".join(name for _, name in jobs))
        for kind, name in jobs:
            try:
                if kind == "tuning":
                    engine.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
                else:
                    engine.stop_training_job(TrainingJobName=name)
            except Exception:  # noqa: BLE001 - a job that already ended cannot be stopped: nothing to do
                log.debug("%s %s was not stopped (ended already)", kind, name)

    @staticmethod
    def _status(engine: Any, kind: str, name: str) -> str:
        if kind == "tuning":
            return engine.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)[
                "HyperParameterTuningJobStatus"]
        return engine.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]

    def _new_bus(self) -> EventBus:
        return EventBus(self.stack, self._aws, on_event=self._on_engine_event)

    def _on_engine_event(self, event: dict[str, Any]) -> None:
        """Each engine event as it goes to EventBridge: a training job's metrics to CloudWatch,
        a tuning job's end remembered (_follow_job waits for it)."""
        publish_training_metrics(self._engine, self._aws("cloudwatch"), event)
        if event["detail"].get("HyperParameterTuningJobStatus") in ENDED_STATUSES:
            self._ended_announced.add(str(event["detail"].get("HyperParameterTuningJobName")))

    def _aws(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service)
        return self._clients[service]

    # ------------------------------------------------------- results
    def _notifications(self) -> list[dict[str, str]]:
        sqs = boto3.client("sqs")
        found = []
        while messages := sqs.receive_message(QueueUrl=self._inbox_url, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                body = json.loads(message["Body"])
                found.append({"subject": body.get("Subject", ""), "message": body.get("Message", "")})
                sqs.delete_message(QueueUrl=self._inbox_url, ReceiptHandle=message["ReceiptHandle"])
        return found

    def _mirror_bucket(self, bucket: str) -> Path:
        """The emulated bucket's objects, as files the user can open."""
        s3 = boto3.client("s3")
        target = self.out_dir / "bucket"
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                path = target / obj["Key"]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
        return target


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
