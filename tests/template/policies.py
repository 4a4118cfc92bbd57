"""Reading a transformed CloudFormation template as AWS evaluates it: the policy
statements each principal holds, the resource and key policies that let services
in, and the edges along which one service calls another.

Intrinsic functions are written back as `${...}` text (Ref X -> ${X}, GetAtt X.Y ->
${X.Y}, Sub substituted), so docs/service-paths.yaml can name resources the way
the template does. An Fn::If yields both branches.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

# Types whose properties carry no call to another service: nothing to read there.
PASSIVE_TYPES = {
    "AWS::S3::Bucket",
    "AWS::DynamoDB::Table",
    "AWS::Logs::LogGroup",
    "AWS::Lambda::LayerVersion",
    "AWS::SQS::Queue",
    "AWS::SecretsManager::Secret",
}
# Types this module reads edges or policies from. A type in neither set is a new kind
# of integration: teach this module (and docs/service-paths.yaml) about it.
READ_TYPES = {
    "AWS::IAM::Role",
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Url",
    "AWS::Events::Rule",
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::SQS::QueuePolicy",
    "AWS::S3::BucketPolicy",
    "AWS::KMS::Key",
    "AWS::StepFunctions::StateMachine",
}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def texts(value: Any) -> list[str]:
    """Every text an intrinsic can evaluate to (both branches of an Fn::If)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (int, float, bool)):
        return [json.dumps(value)]
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return [f"${{{arg}}}"]
        if key == "Fn::GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return [f"${{{logical_id}.{attribute}}}"]
        if key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else arg
            names = list(variables)
            out = []
            for combo in itertools.product(*(texts(variables[n]) for n in names)):
                substituted = text
                for name, replacement in zip(names, combo, strict=True):
                    substituted = substituted.replace(f"${{{name}}}", replacement)
                out.append(substituted)
            return out
        if key == "Fn::If":
            _, when_true, when_false = arg
            return texts(when_true) + texts(when_false)
        if key == "Fn::Join":
            separator, items = arg
            return [separator.join(c) for c in itertools.product(*(texts(i) for i in items))]
    raise ValueError(f"cannot read {value!r} as text")


def referenced_ids(value: Any) -> set[str]:
    """Logical ids a value refers to (Ref, GetAtt, ${X} or ${X.Attr} in a Sub)."""
    found: set[str] = set()
    for text in texts(value):
        found.update(m.split(".")[0] for m in re.findall(r"\$\{([^}!:]+)\}", text))
    return found


@dataclass(frozen=True)
class Statement:
    """One Allow statement, read flat: who holds it (a role, or the resource a
    resource policy sits on), the principal a resource policy names, actions,
    resources and conditions as texts."""

    holder: str  # logical id of the role, or of the policy resource
    kind: str  # identity | managed | trust | resource | key
    principal: str  # "" for identity statements
    actions: frozenset[str]
    resources: frozenset[str]
    conditions: dict[str, frozenset[str]] = field(default_factory=dict, hash=False, compare=False)
    conditional_on: str = ""  # a template Condition the statement exists under

    def condition_values(self, key: str) -> frozenset[str]:
        return self.conditions.get(key, frozenset())


def _conditions(raw: dict[str, Any] | None) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for operator_values in (raw or {}).values():
        for key, value in operator_values.items():
            for item in as_list(value):
                out.setdefault(key, set()).update(texts(item))
    return {k: frozenset(v) for k, v in out.items()}


def _principals(raw: Any) -> list[str]:
    if raw == "*":
        return ["*"]
    out = []
    for kind in ("Service", "AWS", "Federated"):
        for value in as_list(raw.get(kind, [])):
            out.extend(texts(value))
    return out


def _statements_of(document: dict[str, Any], holder: str, kind: str) -> list[Statement]:
    out = []
    for raw in as_list(document.get("Statement", [])):
        conditional_on = ""
        if isinstance(raw, dict) and "Fn::If" in raw:
            conditional_on, raw, _ = raw["Fn::If"]  # the false branch is AWS::NoValue here
        if raw.get("Effect") != "Allow":
            continue
        actions = frozenset(as_list(raw["Action"]))
        resources = frozenset(t for r in as_list(raw.get("Resource", [])) for t in texts(r))
        conditions = _conditions(raw.get("Condition"))
        principals = _principals(raw["Principal"]) if "Principal" in raw else [""]
        for principal in principals:
            out.append(Statement(holder, kind, principal, actions, resources, conditions, conditional_on))
    return out


# Lambda::Permission properties -> the condition keys they stand for in the function's policy.
_PERMISSION_CONDITIONS = {
    "SourceArn": "aws:SourceArn",
    "SourceAccount": "aws:SourceAccount",
    "FunctionUrlAuthType": "lambda:FunctionUrlAuthType",  # a function URL's public permissions
    "InvokedViaFunctionUrl": "lambda:InvokedViaFunctionUrl",
}


def _permission_statements(logical_id: str, props: dict[str, Any]) -> list[Statement]:
    conditions = {key: frozenset(texts(props[prop])) for prop, key in _PERMISSION_CONDITIONS.items() if prop in props}
    return [Statement(logical_id, "resource", principal, frozenset([props["Action"]]),
                      frozenset(texts(props["FunctionName"])), conditions) for principal in texts(props["Principal"])]


def statements(template: dict[str, Any]) -> list[Statement]:
    """Every Allow statement of the template: identity (inline), managed policy
    attachments, trust, resource and key policies, and Lambda permissions."""
    out: list[Statement] = []
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::IAM::Role":
            for policy in _branches(props.get("Policies", [])):
                out += _statements_of(policy["PolicyDocument"], logical_id, "identity")
            for arn in props.get("ManagedPolicyArns", []):
                out.append(Statement(logical_id, "managed", "", frozenset(), frozenset(texts(arn))))
            out += _statements_of(props["AssumeRolePolicyDocument"], logical_id, "trust")
        elif kind in {"AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy"}:
            out += _statements_of(props["PolicyDocument"], logical_id, "resource")
        elif kind == "AWS::KMS::Key":
            out += _statements_of(props["KeyPolicy"], logical_id, "key")
        elif kind == "AWS::Lambda::Permission":
            out += _permission_statements(logical_id, props)
    return out


def _branches(items: list[Any]) -> list[dict[str, Any]]:
    """The list's entries, an Fn::If's both branches included (AWS::NoValue left out)."""
    out = []
    for item in items:
        if isinstance(item, dict) and list(item) == ["Fn::If"]:
            out += _branches([branch for branch in item["Fn::If"][1:] if branch != {"Ref": "AWS::NoValue"}])
        else:
            out.append(item)
    return out


def role_of(template: dict[str, Any], logical_id: str) -> str:
    """The role a caller acts with: a function's or state machine's execution role,
    or the role itself."""
    resource = template["Resources"][logical_id]
    props = resource.get("Properties", {})
    if resource["Type"] == "AWS::IAM::Role":
        return logical_id
    for key in ("Role", "RoleArn"):
        if key in props:
            (role,) = referenced_ids(props[key])
            return role
    raise KeyError(f"{logical_id} ({resource['Type']}) acts with no role of this template")


def _state_machine_tasks(definition: dict[str, Any]) -> list[dict[str, Any]]:
    tasks = []
    for state in definition.get("States", {}).values():
        if state.get("Type") == "Task":
            tasks.append(state)
        for branch in state.get("Branches", []):
            tasks += _state_machine_tasks(branch)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                tasks += _state_machine_tasks(state[key])
    return tasks


def _rule_edges(logical_id: str, props: dict[str, Any], _: dict[str, Any]) -> set[tuple[str, str]]:
    out = set()
    for target in props.get("Targets", []):
        out |= {(logical_id, ref) for ref in referenced_ids(target["Arn"])}
        if "DeadLetterConfig" in target:
            out |= {(logical_id, ref) for ref in referenced_ids(target["DeadLetterConfig"]["Arn"])}
    return out


def alarm_edges(logical_id: str, props: dict[str, Any], _: dict[str, Any]) -> set[tuple[str, str]]:
    actions = [a for k in ("AlarmActions", "OKActions", "InsufficientDataActions") for a in props.get(k, [])]
    return {(logical_id, ref) for action in actions for ref in referenced_ids(action)}


def _subscription_edges(_: str, props: dict[str, Any], __: dict[str, Any]) -> set[tuple[str, str]]:
    return {(topic, f"protocol:{props['Protocol']}") for topic in referenced_ids(props["TopicArn"])}


def _function_edges(logical_id: str, props: dict[str, Any], _: dict[str, Any]) -> set[tuple[str, str]]:
    out = set()
    if "DeadLetterConfig" in props:
        out |= {(logical_id, ref) for ref in referenced_ids(props["DeadLetterConfig"]["TargetArn"])}
    if "LogGroup" in props.get("LoggingConfig", {}):
        out |= {(logical_id, ref) for ref in referenced_ids(props["LoggingConfig"]["LogGroup"])}
    return out


def _function_url_edges(logical_id: str, props: dict[str, Any], _: dict[str, Any]) -> set[tuple[str, str]]:
    """Whoever may call the URL reaches the function (the Lambda permissions say who)."""
    return {(logical_id, ref) for ref in referenced_ids(props["TargetFunctionArn"])}


def _invoke_config_edges(_: str, props: dict[str, Any], __: dict[str, Any]) -> set[tuple[str, str]]:
    (function,) = referenced_ids(props["FunctionName"])
    destinations = props.get("DestinationConfig", {}).values()
    return {(function, ref) for d in destinations for ref in referenced_ids(d["Destination"])}


def _event_source_edges(_: str, props: dict[str, Any], __: dict[str, Any]) -> set[tuple[str, str]]:
    (function,) = referenced_ids(props["FunctionName"])
    return {(ref, function) for ref in referenced_ids(props["EventSourceArn"])}


def _state_machine_edges(logical_id: str, props: dict[str, Any], definition: dict[str, Any]) -> set[tuple[str, str]]:
    out = set()
    substitutions = props.get("DefinitionSubstitutions", {})
    for task in _state_machine_tasks(definition):
        match = re.fullmatch(r"\$\{(\w+)\}", task["Resource"])
        if match:
            out |= {(logical_id, ref) for ref in referenced_ids(substitutions[match.group(1)])}
        else:
            out.add((logical_id, task["Resource"]))
    for destination in props.get("LoggingConfiguration", {}).get("Destinations", []):
        out |= {(logical_id, ref) for ref in referenced_ids(destination["CloudWatchLogsLogGroup"]["LogGroupArn"])}
    return out


_EDGE_READERS = {
    "AWS::Events::Rule": _rule_edges,
    "AWS::CloudWatch::Alarm": alarm_edges,
    "AWS::SNS::Subscription": _subscription_edges,
    "AWS::Lambda::Function": _function_edges,
    "AWS::Lambda::EventInvokeConfig": _invoke_config_edges,
    "AWS::Lambda::Url": _function_url_edges,
    "AWS::Lambda::EventSourceMapping": _event_source_edges,
    "AWS::StepFunctions::StateMachine": _state_machine_edges,
}


def edges(template: dict[str, Any], definitions: dict[str, dict[str, Any]]) -> set[tuple[str, str]]:
    """(caller, callee) for every place where the template wires one service to call
    another: rule targets and their dead-letter queues, alarm actions, subscriptions,
    a function's own dead-letter queue, destinations and log group, event source
    mappings, the state machine's task integrations and log destinations.

    definitions: state machine logical id -> its ASL (before substitution). A Task
    whose Resource is a substituted ARN names the resource it resolves to; a service
    integration is named by its ARN (arn:aws:states:::sns:publish)."""
    out: set[tuple[str, str]] = set()
    for logical_id, resource in template["Resources"].items():
        reader = _EDGE_READERS.get(resource["Type"])
        if reader:
            out |= reader(logical_id, resource.get("Properties", {}), definitions.get(logical_id, {}))
    return out
