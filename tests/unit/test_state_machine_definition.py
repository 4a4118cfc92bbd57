"""Our own checks of the ASL: cfn-lint does not look inside the definition and
moto accepts a Next that names a missing state."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from amt.local.template import LocalStack, load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
STATE_MACHINES = {
    logical_id: resource["Properties"]
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] == "AWS::Serverless::StateMachine"
}


def _definition(props: dict) -> dict:
    return json.loads((ROOT / props["DefinitionUri"]).read_text())


def _all_states(states: dict) -> dict[str, dict]:
    """States at every level (Parallel branches and Map iterators included)."""
    found = dict(states)
    for state in states.values():
        for branch in state.get("Branches", []):
            found |= _all_states(branch["States"])
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                found |= _all_states(state[key]["States"])
    return found


@pytest.mark.parametrize("logical_id", sorted(STATE_MACHINES))
def test_every_transition_names_a_state(logical_id: str) -> None:
    # Given the definition the template deploys
    definition = _definition(STATE_MACHINES[logical_id])
    states = _all_states(definition["States"])
    # Then StartAt, every Next, Default, Choice target and Catch target is a state
    targets = [definition["StartAt"]]
    for state in states.values():
        targets += [state[k] for k in ("Next", "Default") if k in state]
        targets += [choice["Next"] for choice in state.get("Choices", [])]
        targets += [catch["Next"] for catch in state.get("Catch", [])]
    missing = sorted({t for t in targets if t not in states})
    assert not missing, f"transitions to missing states: {missing}"


@pytest.mark.parametrize("logical_id", sorted(STATE_MACHINES))
def test_every_state_is_reachable_and_ends(logical_id: str) -> None:
    definition = _definition(STATE_MACHINES[logical_id])
    states = definition["States"]
    reachable, frontier = set(), [definition["StartAt"]]
    while frontier:
        name = frontier.pop()
        if name in reachable:
            continue
        reachable.add(name)
        state = states[name]
        frontier += [state[k] for k in ("Next", "Default") if k in state]
        frontier += [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
    assert reachable == set(states), f"unreachable states: {sorted(set(states) - reachable)}"
    for name, state in states.items():
        terminal = state["Type"] in ("Succeed", "Fail") or state.get("End") is True
        assert terminal or "Next" in state or state["Type"] == "Choice", f"{name} neither ends nor moves on"


@pytest.mark.parametrize("logical_id", sorted(STATE_MACHINES))
def test_every_placeholder_has_a_substitution_and_every_substitution_is_used(logical_id: str) -> None:
    props = STATE_MACHINES[logical_id]
    text = (ROOT / props["DefinitionUri"]).read_text()
    placeholders = set(re.findall(r"\$\{(\w+)\}", text))
    substitutions = set(props.get("DefinitionSubstitutions", {}))
    assert placeholders - substitutions == set(), "placeholders without a substitution"
    assert substitutions - placeholders == set(), "substitutions the definition never uses"


@pytest.mark.parametrize("logical_id", sorted(STATE_MACHINES))
def test_definition_stays_on_jsonpath_and_request_response(logical_id: str) -> None:
    # moto executes JSONPath only, and neither moto nor SageMaker's integration offers
    # .waitForTaskToken; the job's end is an EventBridge event instead of .sync.
    definition = _definition(STATE_MACHINES[logical_id])
    assert definition.get("QueryLanguage", "JSONPath") == "JSONPath"
    for name, state in _all_states(definition["States"]).items():
        assert state.get("QueryLanguage", "JSONPath") == "JSONPath", name
        resource = state.get("Resource", "")
        assert not resource.endswith((".sync", ".waitForTaskToken")), f"{name}: {resource}"


def test_substituted_definition_is_valid_json_with_resolved_arns() -> None:
    stack = LocalStack(TEMPLATE, "us-east-1", "123456789012", "test")
    for logical_id in stack.resources_of_type("AWS::Serverless::Function"):
        stack.arns[logical_id] = f"arn:aws:lambda:us-east-1:123456789012:function:{logical_id}"
    for logical_id in stack.resources_of_type("AWS::IAM::Role"):
        stack.arns[logical_id] = f"arn:aws:iam::123456789012:role/{logical_id}"
    stack.physical["NotificationTopic"] = "arn:aws:sns:us-east-1:123456789012:topic"
    stack.physical["IdempotencyTable"] = "test-IdempotencyTable"
    for logical_id in STATE_MACHINES:
        definition = json.loads(stack.state_machine_definition(logical_id))
        assert "${" not in json.dumps(definition)
