"""The catalogue of inputs SageMaker accepts (tests/unit/good_inputs): accepted, and every request valid.

Each case carries SageMaker's verdict and its source. The bad inputs (tests/unit/bad_inputs) are run
through the model (test_execution_input), the ValidateInput handler (test_validate_handler) and
``amt validate`` (test_cli).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from amt_pipeline.run.execution_input import parse_execution_input
from tests.layer_helpers import plan_run, request_violations

HERE = Path(__file__).parent
GOOD_INPUTS = sorted((HERE / "good_inputs").glob("*.json"))
BAD_INPUTS = sorted((HERE / "bad_inputs").glob("*.json"))


def requests_of(raw: dict) -> dict[str, dict]:
    plan = plan_run(raw, bucket="amt-bucket", role_arn="arn:aws:iam::123456789012:role/amt", region="us-east-1",
                    execution_name="e", started_at=datetime(2025, 1, 1, tzinfo=UTC), stack_name="amt-stack")
    return {"CreateHyperParameterTuningJob": plan["tuning"]["request"],
            "CreateTrainingJob": plan["baseline"]["request"]}


@pytest.mark.parametrize("path", GOOD_INPUTS, ids=[p.stem for p in GOOD_INPUTS])
def test_what_sagemaker_accepts_is_accepted_and_its_requests_are_valid(path: Path) -> None:
    case = json.loads(path.read_text())
    assert case["verdict"] and case["source"]
    parse_execution_input(case["input"])
    for operation, request in requests_of(case["input"]).items():
        assert request_violations(operation, request) == [], operation


def test_new_catalogue_cases_say_sagemakers_verdict_and_source() -> None:
    with_verdict = [p for p in BAD_INPUTS if "verdict" in json.loads(p.read_text())]
    assert len(with_verdict) >= 25
    assert all(json.loads(p.read_text())["source"] for p in with_verdict)
