"""The JSON schema is generated from the model, up to date, and agrees with it on the examples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from amt_pipeline.errors import InvalidExecutionInput
from amt_pipeline.run.execution_input import parse_execution_input

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schema/execution-input.schema.json").read_text())
# Every examples/*.json is an execution input (the cleanup payload lives in examples/cleanup/).
EXECUTION_EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.json"))
BAD_INPUTS = sorted((ROOT / "tests/unit/bad_inputs").glob("*.json"))


def test_schema_file_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/generate_schema.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_empty_input_validates() -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate({})


@pytest.mark.parametrize("name", EXECUTION_EXAMPLES)
def test_examples_validate_with_schema_and_model(name: str) -> None:
    raw = json.loads((ROOT / "examples" / f"{name}.json").read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(raw)
    parse_execution_input(raw)


def test_the_posts_example_is_empty() -> None:
    assert json.loads((ROOT / "examples/digits.json").read_text()) == {}


def test_a_normalised_input_validates() -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(parse_execution_input({}).model_dump(mode="json"))


# The schema checks each field alone (types, bounds, names, enums); these rules relate
# fields or values, so only the model sees them.
MODEL_ONLY = {
    "follow-up-budget-below-first-round",
    "follow-up-grid",
    "follow-up-later-round-without-chain",
    "follow-up-later-round-without-warm-start",
    "follow-up-round-below-parallel",
    "follow-up-tags-leave-no-room",
    "grid-max-jobs-beyond-grid",
    "grid-with-continuous",
    "hyperband-config-without-hyperband",
    "hyperband-early-stopping-auto",
    "hyperband-min-above-max",
    "hyperparameter-num-round-missing",
    "max-jobs-over-500-bayesian",
    "parallel-above-jobs",
    "range-log-integer-negative",
    "range-log-min-zero",
    "range-min-above-max",
    "range-reverse-log-max-one",
    "range-reverse-log-negative",
}


@pytest.mark.parametrize("path", BAD_INPUTS, ids=[p.stem for p in BAD_INPUTS])
def test_schema_rejects_every_bad_input_it_can_see(path: Path) -> None:
    # Given a catalogued bad input (which the model rejects: test_execution_input)
    case = json.loads(path.read_text())
    raw = case["input"]
    if "verdict" in case and not isinstance(raw, dict):
        pytest.skip("JSON text Python cannot load as a value (a CLI/handler case)")
    # When checked against the schema alone
    schema_errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(raw))
    # Then the schema rejects it, unless it breaks a rule between fields or SageMaker's and the
    # container's value rules (cases with a verdict: the schema may or may not see them)
    if "verdict" not in case:
        assert bool(schema_errors) == (path.stem not in MODEL_ONLY)
    with pytest.raises(InvalidExecutionInput):
        parse_execution_input(raw)
