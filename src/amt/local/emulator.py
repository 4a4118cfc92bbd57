"""The in-process AWS emulator: moto, plus botocore hooks for what moto lacks.

The one module that knows how moto is driven. What moto cannot do here is
answered through botocore's ``before-call`` event (the mechanism botocore's
Stubber uses), registered for every session:

- ``lambda.Invoke`` runs the real Python handler (moto would need Docker);
- every ``sagemaker.*`` call goes to the local engine (moto's SageMaker is
  shallow: no training jobs, no events). It is answered one step later, at
  ``before-send``, with the wire format SageMaker uses (JSON, epoch times), so
  botocore parses it, and its retry logic sees throttling as it would on AWS.

Those hooks fire for the clients that moto's own state-machine interpreter
makes, so the real ASL definition drives the real handlers and the engine.
Pinned to moto 5.2.5; tests/integration/test_emulator.py fails loudly if an
upgrade changes what this relies on.
"""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import boto3
import botocore.handlers
from botocore import xform_name
from botocore.awsrequest import AWSResponse

from amt.local.clients import reset_clients

MOTO_CONFIG: Any = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
    # moto answers every before-send it sees; it must leave SageMaker to the engine's hook.
    "core": {"reset_boto3_session": True, "passthrough": {"services": ["sagemaker"], "urls": []}},
}
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

# (payload bytes) -> (response payload bytes, FunctionError or None)
LambdaInvoker = Callable[[str, bytes], tuple[bytes, str | None]]


class ServiceError(Exception):
    """An error a hooked service answers with, as AWS would (code + message)."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class _Hooks:
    """Routes hooked calls to the active emulator; inert when none is active."""

    def __init__(self) -> None:
        self.lambda_invoker: LambdaInvoker | None = None
        self.sagemaker: Any = None
        self.active = False  # one AwsEmulator at a time: the hooks are the process's
        self.events_put = 0  # PutEvents calls answered so far, by any client: a rule's target can only change then
        self._count_lock = threading.Lock()

    def count_put_events(self, **_: Any) -> None:
        with self._count_lock:
            self.events_put += 1

    def remember_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # before-call sees the serialised request; keep the caller's own arguments for it.
        context["amt_api_params"] = dict(params)

    def answer_invoke(self, model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict] | None:
        if model.name != "Invoke" or self.lambda_invoker is None:
            return None
        return _ok(self._invoke(context.get("amt_api_params", {})))

    def answer_sagemaker(self, request: Any, **_: Any) -> AWSResponse | None:
        """SageMaker's JSON protocol: X-Amz-Target names the operation, the body holds the parameters."""
        if self.sagemaker is None:
            return None
        operation = _header(request, "X-Amz-Target").rsplit(".", 1)[-1]
        params = json.loads(request.body or b"{}")
        try:
            body, status = self._sagemaker(operation, params), 200
        except ServiceError as error:
            body, status = {"__type": error.code, "message": error.message}, error.status
        return AWSResponse(request.url, status, {"x-amzn-requestid": "local"},
                           _RawBody(json.dumps(body, default=_wire_value).encode()))

    def _invoke(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.lambda_invoker is not None
        payload = params.get("Payload", b"{}")
        if isinstance(payload, str):
            payload = payload.encode()
        elif hasattr(payload, "read"):
            payload = payload.read()
        body, function_error = self.lambda_invoker(params["FunctionName"], payload)
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(body), "ExecutedVersion": "$LATEST"}
        if function_error:
            response["FunctionError"] = function_error
        return response

    def _sagemaker(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        method = getattr(self.sagemaker, xform_name(operation), None)
        if method is None:
            raise ServiceError("UnknownOperationException",
                               f"the local SageMaker engine does not implement {operation}")
        try:
            return method(**params)
        except Exception as error:  # the engine's errors carry SageMaker's code
            code = getattr(error, "code", None)
            if code is None:
                raise
            raise ServiceError(code, getattr(error, "message", str(error))) from error


def _ok(parsed: dict[str, Any]) -> tuple[AWSResponse, dict]:
    parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": 200, "RequestId": "local"})
    return AWSResponse("https://local", 200, {}, None), parsed


def _map_optimised_integration_errors() -> None:
    """moto forwards ``arn:aws:states:::sagemaker:*`` tasks to boto3 but turns any
    error into an uncatchable States.Runtime. Step Functions names them
    ``SageMaker.AmazonSageMakerException`` (catchable, cause carrying SageMaker's
    message and code): make moto do the same. One of two patches of moto internals
    (the other: ``_index_metric_queries``).
    """
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_unsupported as unsupported,
    )

    cls = unsupported.StateTaskServiceUnsupported
    if getattr(cls, "_amt_patched", False):
        return
    original = cls._from_error

    def _from_error(self: Any, env: Any, ex: Exception) -> Any:
        if isinstance(ex, ClientError):
            service = self._get_boto_service_name()
            name = {"sagemaker": "SageMaker"}.get(service, service)
            error = ex.response["Error"]
            cause = (
                f"{error.get('Message')} (Service: Amazon{name}; Status Code: "
                f"{ex.response['ResponseMetadata']['HTTPStatusCode']}; Error Code: {error.get('Code')})"
            )
            failure_event = aws_sdk.StateTaskServiceAwsSdk._get_task_failure_event
            return failure_event(self, env=env, error=f"{name}.Amazon{name}Exception", cause=cause)
        return original(self, env, ex)

    cls._from_error = _from_error  # type: ignore[method-assign]
    cls._amt_patched = True  # type: ignore[attr-defined]


def _index_metric_queries() -> None:
    """moto's GetMetricData scans every datum of the window once per query and period: a report's
    learning curves (50 queries, 20,000 one-second datums) took 2.3 s of CPU. The same answer from
    datums grouped by series and period first. Queries with an Expression keep moto's code."""
    from moto.cloudwatch.exceptions import ValidationError
    from moto.cloudwatch.models import CloudWatchBackend

    if getattr(CloudWatchBackend, "_amt_patched", False):
        return
    original = CloudWatchBackend.get_metric_data

    def get_metric_data(self: Any, queries: list[dict[str, Any]], start_time: datetime, end_time: datetime,
                        scan_by: str = "TimestampAscending") -> list[dict[str, Any]]:
        if any("MetricStat" not in q for q in queries):
            return original(self, queries, start_time, end_time, scan_by)
        start_time, end_time = start_time.replace(microsecond=0), end_time.replace(microsecond=0)
        if start_time >= end_time:
            raise ValidationError("The parameter EndTime must be greater than StartTime." if start_time > end_time
                                  else "The parameter StartTime must not equal parameter EndTime.")
        series: dict[tuple, list[Any]] = {}
        for md in self.get_all_metrics():
            if start_time <= md.timestamp < end_time:
                dims = tuple(sorted((d.name, d.value) for d in md.dimensions))
                series.setdefault((md.namespace, md.name, dims), []).append(md)
        answers = [_metric_stat_answer(q, series, start_time, scan_by) for q in queries]
        return [answer for query, answer in zip(queries, answers, strict=True) if query.get("ReturnData", True)]

    CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
    CloudWatchBackend._amt_moto_get_metric_data = original  # type: ignore[attr-defined]  # tests compare the two
    CloudWatchBackend._amt_patched = True  # type: ignore[attr-defined]


def _metric_stat_answer(query: dict[str, Any], series: dict[tuple, list[Any]], start_time: datetime,
                        scan_by: str) -> dict[str, Any]:
    """One MetricStat query over the window's datums grouped by (namespace, name, dimensions)."""
    from moto.cloudwatch.models import Statistics

    stat_query = query["MetricStat"]
    metric, stat, unit = stat_query["Metric"], stat_query["Stat"], stat_query.get("Unit")
    dims = tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])))
    period = int(stat_query["Period"])
    if dims:
        found = series.get((metric["Namespace"], metric["MetricName"], dims), [])
    else:  # no dimensions: every series of that name, as moto answers
        found = [md for (namespace, name, _), mds in series.items()
                 if namespace == metric["Namespace"] and name == metric["MetricName"] for md in mds]
    periods: dict[int, list[Any]] = {}
    for md in found:
        if not unit or md.unit == unit:
            periods.setdefault(int((md.timestamp - start_time).total_seconds()) // period, []).append(md)
    values, timestamps = [], []
    for index in sorted(periods, reverse=scan_by == "TimestampDescending"):
        stats = Statistics([stat], start_time + timedelta(seconds=index * period))
        stats.metric_data = periods[index]
        values.append(stats.get_statistics_for_type(stat))
        timestamps.append(stats.timestamp)
    return {"id": query["Id"], "label": query.get("Label") or f"{metric['MetricName']} {stat}",
            "values": values, "timestamps": timestamps, "status_code": "Complete"}


class _RawBody(io.BytesIO):
    """What botocore reads an HTTP body from."""

    def stream(self, **_: Any) -> Any:
        yield self.read()


def _header(request: Any, name: str) -> str:
    value = request.headers.get(name, b"")
    return value.decode() if isinstance(value, bytes) else value


def _wire_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # JSON-protocol services send times as epoch seconds
    raise TypeError(f"cannot send {type(value).__name__} on the wire")


HOOKS = _Hooks()
botocore.handlers.BUILTIN_HANDLERS += [
    ("before-parameter-build.lambda", HOOKS.remember_params),
    ("before-call.lambda", HOOKS.answer_invoke),
    # More specific than moto's own "before-send" handler, so it is asked first.
    ("before-send.sagemaker", HOOKS.answer_sagemaker),
    ("after-call.events.PutEvents", HOOKS.count_put_events),
]


class AwsEmulator:
    """``with AwsEmulator(region=...) as aws:`` everything boto3 does inside is emulated. Lambda invokes
    and SageMaker calls are answered by what ``attach`` gives (or was given here): the local runtime
    attaches its functions and engine once it built them inside the emulator."""

    def __init__(self, *, region: str, lambda_invoker: LambdaInvoker | None = None, sagemaker: Any = None):
        self.region = region
        self._lambda_invoker = lambda_invoker
        self._sagemaker = sagemaker
        self._saved_env: dict[str, str | None] = {}
        self._mock: Any = None

    def __enter__(self) -> AwsEmulator:
        from moto import mock_aws

        if HOOKS.active:
            raise RuntimeError("an AwsEmulator is already active in this process")
        env = {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region}
        self._saved_env = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        self._mock = mock_aws(config=MOTO_CONFIG)
        self._mock.start()
        _map_optimised_integration_errors()
        _index_metric_queries()
        HOOKS.lambda_invoker, HOOKS.sagemaker = self._lambda_invoker, self._sagemaker
        boto3.setup_default_session()  # a session made before the hooks were registered lacks them
        reset_clients()
        HOOKS.active = True
        return self

    def attach(self, *, lambda_invoker: LambdaInvoker, sagemaker: Any) -> None:
        """From now on, Lambda invokes go to ``lambda_invoker`` and SageMaker calls to ``sagemaker``."""
        self._lambda_invoker, self._sagemaker = lambda_invoker, sagemaker
        HOOKS.lambda_invoker, HOOKS.sagemaker = lambda_invoker, sagemaker

    def __exit__(self, *exc: object) -> None:
        HOOKS.lambda_invoker = HOOKS.sagemaker = None
        HOOKS.active = False
        self._mock.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_clients()

