"""The state machine reads the plan by JSONPath: every path it reads exists in the models.

The ASL names fields of the run plan (``$.dataset.kind``, ``$.tuning.request.Tags``,
...) and passes Parameters to the Lambdas; a renamed model field would fail only
at run time in Step Functions. This test reads the ASL and checks each path
against the models (and against real plans for the SageMaker requests inside them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from amt_pipeline.contracts import PrepareRequest, ValidateRequest
from amt_pipeline.run.plan import RunPlan
from tests.layer_helpers import plan_run

ASL = json.loads((Path(__file__).resolve().parents[2] / "statemachine/tuning_pipeline.asl.json").read_text())
STATES: dict[str, dict[str, Any]] = ASL["States"]
PATH = re.compile(r"(?<!\$)\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
LAMBDA_REQUESTS: dict[str, type[BaseModel]] = {
    "${ValidateInputFunctionArn}": ValidateRequest,
    "${PrepareDataFunctionArn}": PrepareRequest,
}
CONTEXT = {
    "bucket": "b", "role_arn": "arn:aws:iam::123456789012:role/r", "region": "us-east-1",
    "execution_name": "e", "started_at": datetime(2025, 1, 1, tzinfo=UTC), "stack_name": "s",
}
SAMPLE_PLANS = [
    plan_run({}, **CONTEXT),
    plan_run({"job_name": "child", "baseline": False, "warm_start": {"parents": ["parent"]},
              "dataset": {"train_uri": "s3://data/t.csv", "validation_uri": "s3://data/v.csv"}}, **CONTEXT),
]


def _written_by_the_state_machine() -> set[tuple[str, ...]]:
    """ResultPaths: what the ASL adds to the plan itself (errors, started jobs, prepared data)."""
    written = set()
    for state in STATES.values():
        for holder in [state, *state.get("Catch", [])]:
            if holder.get("ResultPath"):
                written.add(tuple(holder["ResultPath"][2:].split(".")))
    return written


WRITTEN = _written_by_the_state_machine()


def _paths_read(value: Any) -> Iterator[tuple[str, ...]]:
    """Every $.a.b path in a Parameters block (keys ending .$), including inside intrinsic functions."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key.endswith(".$") and isinstance(inner, str):
                yield from (tuple(m.group(1)[1:].split(".")) for m in PATH.finditer(inner))
            else:
                yield from _paths_read(inner)


def _reads() -> list[tuple[str, tuple[str, ...]]]:
    reads = []
    for name, state in STATES.items():
        if name == "ValidateInput":  # reads the execution input, not the plan
            continue
        reads.extend((name, path) for path in _paths_read(state.get("Parameters", {})))
        reads.extend((name, tuple(c["Variable"][2:].split("."))) for c in state.get("Choices", []))
        for key in ("ErrorPath", "CausePath"):
            if key in state:
                reads.append((name, tuple(state[key][2:].split("."))))
    return [(name, path) for name, path in reads if not any(path[: len(w)] == w for w in WRITTEN)]


def _resolves_in_model(model: Any, path: tuple[str, ...]) -> bool:
    """Walk the model's fields; a dict[str, Any] field (a SageMaker request) ends the walk."""
    for index, part in enumerate(path):
        members = [m for m in (get_args(model) or (model,)) if isinstance(m, type) and issubclass(m, BaseModel)]
        if not members:
            members = [m for arg in get_args(model) for m in (get_args(arg) or (arg,))
                       if isinstance(m, type) and issubclass(m, BaseModel)]
        if not members:
            return model is not None and index > 0  # a free-form dict: checked against real plans
        fields = [m.model_fields[part] for m in members if part in m.model_fields]
        if not fields:
            return False
        model = fields[0].annotation
    return True


def _resolves_in_a_plan(path: tuple[str, ...]) -> bool:
    for plan in SAMPLE_PLANS:
        value: Any = plan
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None or _parent_has(plan, path):
            return True
    return False


def _parent_has(plan: dict[str, Any], path: tuple[str, ...]) -> bool:
    value: Any = plan
    for part in path[:-1]:
        value = value.get(part) if isinstance(value, dict) else None
    return isinstance(value, dict) and path[-1] in value


READS = _reads()


def test_the_state_machine_reads_the_plan() -> None:
    # The walk has something to check: the choices and the SageMaker tasks read the plan.
    read = {path for _, path in READS}
    assert ("dataset", "kind") in read
    assert ("tuning", "request", "TrainingJobDefinition") in read


@pytest.mark.parametrize(("state", "path"), READS, ids=[f"{s}:{'.'.join(p)}" for s, p in READS])
def test_every_path_the_state_machine_reads_is_a_field_of_the_run_plan(state: str, path: tuple[str, ...]) -> None:
    assert _resolves_in_model(RunPlan, path), f"{state} reads $.{'.'.join(path)}, which RunPlan does not have"
    assert _resolves_in_a_plan(path), f"{state} reads $.{'.'.join(path)}, which no plan holds"


@pytest.mark.parametrize("resource", sorted(LAMBDA_REQUESTS))
def test_each_lambda_gets_exactly_the_fields_of_its_request_model(resource: str) -> None:
    (state,) = [s for s in STATES.values() if s.get("Resource") == resource]
    passed = {key.removesuffix(".$") for key in state["Parameters"]}
    assert passed == set(LAMBDA_REQUESTS[resource].model_fields)
