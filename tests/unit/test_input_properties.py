"""Property: whatever the input model accepts, SageMaker's own service model accepts too.

Inputs are generated from the published JSON schema (schema/execution-input.schema.json,
hypothesis-jsonschema). For each one ``parse_execution_input`` either refuses it with named
fields, or accepts it; an accepted input's CreateHyperParameterTuningJob and CreateTrainingJob
requests (the plan's; the baseline's built also when the input turns the baseline off) must
pass botocore's full service-model check: maxima, enums and patterns, not only the minimums
the client checks (run/service_model.py). Deterministic (derandomize) and bounded.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amt_pipeline.errors import InvalidExecutionInput
from amt_pipeline.run.execution_input import parse_execution_input
from amt_pipeline.run.layout import RunLayout
from amt_pipeline.run.plan import make_plan
from amt_pipeline.run.tuning_request import baseline_training_request
from tests.layer_helpers import request_violations
from tests.unit.jsonschema_strategies import from_schema

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schema" / "execution-input.schema.json").read_text())
CONTEXT = {"bucket": "amt-bucket", "role_arn": "arn:aws:iam::123456789012:role/amt", "region": "us-east-1",
           "stack_name": "amt-stack"}
SEEN = {"accepted": 0, "refused": 0}


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(from_schema(SCHEMA) | st.just({}))
def _accepted_inputs_make_valid_requests(raw) -> None:
    try:
        ei = parse_execution_input(raw)
    except InvalidExecutionInput as refused:
        SEEN["refused"] += 1
        assert refused.errors and all(e.field for e in refused.errors)  # named, never a crash
        return
    SEEN["accepted"] += 1
    plan = make_plan(ei, execution_name="property", started_at=datetime(2026, 1, 1, tzinfo=UTC), **CONTEXT)
    layout = RunLayout(bucket=CONTEXT["bucket"], run_id=plan.run_id)
    baseline = plan.baseline.request or baseline_training_request(
        ei, layout=layout, region=CONTEXT["region"], role_arn=CONTEXT["role_arn"], stack_name=CONTEXT["stack_name"])
    for operation, request in (("CreateHyperParameterTuningJob", plan.tuning.request),
                               ("CreateTrainingJob", baseline)):
        assert request_violations(operation, json.loads(json.dumps(request))) == [], (operation, raw)


def test_every_input_the_model_accepts_makes_requests_sagemakers_model_accepts() -> None:
    SEEN.update(accepted=0, refused=0)
    _accepted_inputs_make_valid_requests()
    # and the property is not vacuous: a fair share of the generated inputs reached the requests
    assert SEEN["accepted"] >= 30, SEEN
