"""Entry points the tests read the layer through, which production never calls (the layer ships
none of them): the plan as the state machine receives it, a request's every violation of
SageMaker's service model, and the trials as the report's JSON download holds them."""

from __future__ import annotations

import json
from typing import Any

from amt_pipeline.run.plan import make_plan
from amt_pipeline.run.service_model import sagemaker_model, violations
from amt_pipeline.trials.report_input import ReportInput, json_safe


def plan_run(raw: Any, **context: Any) -> dict[str, Any]:
    """``make_plan``'s plan as the state machine receives it: JSON (same keywords as ``make_plan``)."""
    return make_plan(raw, **context).model_dump(mode="json")


def request_violations(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """Every violation of an operation's request (e.g. CreateHyperParameterTuningJob)."""
    return list(violations(sagemaker_model().operation_model(operation).input_shape, params))


def trials_json(report_input: ReportInput) -> str:
    """All trials as a JSON array of objects (the CSV's rows)."""
    return json.dumps(json_safe(report_input.all_trials), allow_nan=False)
