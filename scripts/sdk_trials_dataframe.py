"""The SageMaker Python SDK's trials dataframe for an emulated tuning job: the parity oracle.

    .venv-sdk/bin/python scripts/sdk_trials_dataframe.py RESPONSES.json

Runs INSIDE the SDK's own virtualenv (``.venv-sdk``: the SDK's pins clash with
moto, so it cannot live in ``.venv``). RESPONSES.json holds what SageMaker would
send on the wire (JSON protocol, timestamps as epoch seconds)::

    {"tuning_job_name": "xgb-digits",
     "describe": {...DescribeHyperParameterTuningJob response...},
     "list_pages": [{"TrainingJobSummaries": [...], "NextToken": "t1"}, ...]}

or ``{"jobs": [job, ...]}`` for several jobs in one run (the SDK imports once;
the output is then ``{"results": [...]}``, one per job, in order).

A ``before-send`` handler (the hook family botocore's Stubber and moto use),
registered for every botocore session before the SDK is imported, answers the
SageMaker calls with those bytes, so botocore parses them exactly as it parses
AWS's answers (tzlocal datetimes, floats) and the SDK sees what it would see on
AWS. Anything else raises: nothing leaves the machine, and the credentials are
fake. The script then calls ``HyperparameterTuningJobAnalytics(name).dataframe()``
(SDK v3's ``sagemaker.core.analytics``, else v2's ``sagemaker.analytics``) and
prints the frame as JSON: columns in order, dtypes, values (see ``frame_to_json``).

The test imports this file too (``wire_handler`` and ``frame_to_json``), so our
side of the comparison is served and encoded by the same code.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
from datetime import UTC, datetime
from typing import Any

LIST_OPERATION = "ListTrainingJobsForHyperParameterTuningJob"
DESCRIBE_OPERATION = "DescribeHyperParameterTuningJob"


class _RawBody(io.BytesIO):
    def stream(self, **_kwargs: Any):  # what botocore reads an AWSResponse's body with
        contents = self.read()
        while contents:
            yield contents
            contents = self.read()


def _answer(request: Any, status: int, body: dict[str, Any]) -> Any:
    from botocore.awsrequest import AWSResponse

    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "emulated"}
    return AWSResponse(request.url, status, headers, _RawBody(raw))


def wire_handler(jobs: list[dict[str, Any]], calls: list[dict[str, Any]] | None = None):
    """A ``before-send`` handler answering SageMaker's describe/list calls for ``jobs``.

    Jobs are found by the request's HyperParameterTuningJobName (an unknown name gets
    SageMaker's ResourceNotFound). List pages are chosen by the request's NextToken
    (the first page has none; page i+1 is the one after the page whose NextToken was
    sent), so call order does not matter. Every call is appended to ``calls``.
    """
    by_name: dict[str, tuple[dict[str, Any], list[dict[str, Any]], dict[str, int]]] = {}
    for job in jobs:
        pages = job.get("list_pages") or [{"TrainingJobSummaries": []}]
        tokens = {page["NextToken"]: i + 1 for i, page in enumerate(pages) if page.get("NextToken")}
        by_name[job["tuning_job_name"]] = (job, pages, tokens)

    def handler(request: Any, event_name: str = "", **_kwargs: Any) -> Any:
        parts = event_name.split(".")
        service, operation = (parts[1], parts[2]) if len(parts) >= 3 else ("?", "?")
        if service != "sagemaker":
            raise RuntimeError(f"emulation: no {service}.{operation} here (nothing leaves this process)")
        body = json.loads(request.body or b"{}")
        if calls is not None:
            calls.append({"operation": operation, "request": body})
        name = body.get("HyperParameterTuningJobName")
        if operation not in (DESCRIBE_OPERATION, LIST_OPERATION):
            return _answer(request, 400, {"__type": "UnknownOperationException", "message": operation})
        if name not in by_name:
            message = f"Amazon SageMaker can't find a tuning job with name {name}"
            return _answer(request, 400, {"__type": "ResourceNotFound", "Message": message})
        job, pages, tokens = by_name[name]
        if operation == DESCRIBE_OPERATION:
            return _answer(request, 200, job["describe"])
        token = body.get("NextToken")
        index = 0 if token is None else tokens.get(token)
        if index is None or index >= len(pages):
            return _answer(request, 400, {"__type": "ValidationException", "Message": "bad NextToken"})
        return _answer(request, 200, pages[index])

    return handler


def to_wire(value: Any) -> Any:
    """A boto3-shaped response -> SageMaker's JSON wire form (timestamps as epoch seconds)."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    return value


def wire_job(describe: dict[str, Any], summaries: list[dict[str, Any]], page: int = 100) -> dict[str, Any]:
    """One job of the input file from boto3-shaped responses: the describe, the list pages of ``page``."""
    name = describe["HyperParameterTuningJobName"]
    chunks = [summaries[i : i + page] for i in range(0, len(summaries), page)] or [[]]
    pages: list[dict[str, Any]] = []
    for i, chunk in enumerate(chunks):
        body: dict[str, Any] = {"TrainingJobSummaries": to_wire(chunk)}
        if i < len(chunks) - 1:
            body["NextToken"] = f"{name}-page-{i + 1}"
        pages.append(body)
    return {"tuning_job_name": name, "describe": to_wire(describe), "list_pages": pages}


def install(handler: Any) -> None:
    """Every botocore session created from now on sends through ``handler`` (no network)."""
    import botocore.handlers

    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    botocore.handlers.BUILTIN_HANDLERS.append(("before-send", handler))


def _encode(value: Any) -> Any:
    """One cell -> JSON: missing (None/NaN/NaT) -> null, instants -> UTC ISO text, numbers -> float."""
    if value is None:
        return None
    if isinstance(value, datetime):  # pandas.Timestamp too
        if value != value:  # NaT
            return None
        if value.tzinfo is None:
            return {"naive": value.isoformat()}
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
        if isinstance(value, int) and not isinstance(value, bool):
            return {"int": value}
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int):
        return {"int": value}
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError, ImportError):
        pass
    return value


def frame_to_json(frame: Any) -> dict[str, Any]:
    """A DataFrame as plain JSON: columns in order, dtypes, and each column's encoded values."""
    import pandas as pd

    return {
        "pandas": pd.__version__,
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "rows": len(frame),
        "data": {str(c): [_encode(v) for v in frame[c].tolist()] for c in frame.columns},
    }


def sdk_dataframes(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``HyperparameterTuningJobAnalytics(name).dataframe()`` of each job, as ``frame_to_json``."""
    calls: list[dict[str, Any]] = []
    install(wire_handler(jobs, calls))
    try:  # SDK v3
        from sagemaker.core.analytics import HyperparameterTuningJobAnalytics

        module = "sagemaker.core.analytics"
    except ImportError:  # SDK v2
        from sagemaker.analytics import HyperparameterTuningJobAnalytics

        module = "sagemaker.analytics"
    from importlib.metadata import PackageNotFoundError, version

    try:
        sdk = f"sagemaker {version('sagemaker')}"
    except PackageNotFoundError:  # v3's core package alone (it holds sagemaker.core.analytics)
        sdk = f"sagemaker-core {version('sagemaker-core')}"
    results = []
    for job in jobs:
        del calls[:]
        analytics = HyperparameterTuningJobAnalytics(job["tuning_job_name"])
        out = frame_to_json(analytics.dataframe())
        try:
            ranges: Any = analytics.tuning_ranges
        except Exception as error:  # noqa: BLE001 - reported, not fatal: the frame is the point
            ranges = {"error": repr(error)}
        out.update(sdk=f"{sdk} ({module})", tuning_ranges=ranges, calls=list(calls))
        results.append(out)
    return results


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        document = json.load(f)
    out = sys.stdout
    # SDK v2 logs "sagemaker.config INFO ..." to stdout: only our JSON goes there.
    with contextlib.redirect_stdout(sys.stderr):
        os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
        if "jobs" in document:
            result: Any = {"results": sdk_dataframes(document["jobs"])}
        else:
            result = sdk_dataframes([document])[0]
    json.dump(result, out)
    out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
