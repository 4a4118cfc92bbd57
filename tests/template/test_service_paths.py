"""Every service-to-service path of the deployed stack, checked against what AWS
requires (docs/service-paths.yaml), on the template as SAM transforms it.

moto enforces no key policy and no resource policy: these tests are what stands
between a green local run and an alarm, a rule or a publisher that fails silently
once deployed."""

from __future__ import annotations

import copy
import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml

from amt.local.template import load_template
from tests.template.policies import (
    PASSIVE_TYPES,
    READ_TYPES,
    Statement,
    alarm_edges,
    as_list,
    edges,
    referenced_ids,
    role_of,
    statements,
    texts,
)
from tests.template.sam import asl_definition, transform_template, transformed

ROOT = Path(__file__).resolve().parents[2]
PATHS = yaml.safe_load((ROOT / "docs" / "service-paths.yaml").read_text())["paths"]
TEMPLATE = transformed()
RAW = load_template()
STATEMENTS = statements(TEMPLATE)
DOCS_HOSTS = ("https://docs.aws.amazon.com/", "https://repost.aws/knowledge-center/", "https://docs.powertools.aws.dev/")


def definitions(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    machines = [k for k, v in raw["Resources"].items() if v["Type"] == "AWS::Serverless::StateMachine"]
    return {k: asl_definition(raw, k) for k in machines}


EDGES = edges(TEMPLATE, definitions(RAW))


def ids(path: dict[str, Any], key: str) -> list[str]:
    return as_list(path[key])


def _roles(path: dict[str, Any]) -> list[str]:
    """The roles a path's callers act with; none for a path that needs no identity
    statement (a rule, an alarm, a topic calling as a service principal)."""
    if not _identity(path) and not path.get("managed_policies"):
        return []
    return [role_of(TEMPLATE, caller) for caller in ids(path, "caller")]


def _identity(path: dict[str, Any]) -> list[dict[str, Any]]:
    return path["identity"].get("statements", [])


def _policy(path: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return path[key].get("statements", [])


def _covers(held: Statement, wanted: dict[str, Any]) -> bool:
    if not set(wanted["actions"]) <= held.actions:
        return False
    if "resources" in wanted and not set(wanted["resources"]) <= held.resources:
        return False
    for key, values in wanted.get("conditions", {}).items():
        if set(as_list(values)) != held.condition_values(key):
            return False
    return True


# ------------------------------------------------------------------ the list
def test_every_path_says_what_each_policy_needs_and_where_aws_says_so() -> None:
    seen = set()
    for path in PATHS:
        assert path["id"] not in seen, f"duplicate path id {path['id']}"
        seen.add(path["id"])
        for key in ("identity", "resource_policy", "key_policy"):
            assert path[key]["why"].strip(), f"{path['id']}: say why {key} holds what it holds (or nothing)"
        assert path["docs"], path["id"]
        for url in path["docs"]:
            assert url.startswith(DOCS_HOSTS), f"{path['id']}: {url} is not an AWS documentation page"
        template_ids = set(TEMPLATE["Resources"]) | set(TEMPLATE.get("Parameters", {}))
        assert set(ids(path, "caller")) & template_ids or set(ids(path, "callee")) & template_ids, path["id"]


# ------------------------------------------- each listed statement exists, scoped
@pytest.mark.parametrize("path", PATHS, ids=[p["id"] for p in PATHS])
def test_the_callers_roles_hold_the_statements_aws_requires(path: dict[str, Any]) -> None:
    for role in _roles(path):
        held = [s for s in STATEMENTS if s.holder == role and s.kind == "identity"]
        for wanted in _identity(path):
            assert any(_covers(s, wanted) for s in held), f"{path['id']}: {role} lacks {wanted}"
        managed = {r for s in STATEMENTS if s.holder == role and s.kind == "managed" for r in s.resources}
        assert set(path.get("managed_policies", [])) <= managed, f"{path['id']}: {role}"


@pytest.mark.parametrize("path", PATHS, ids=[p["id"] for p in PATHS])
def test_listed_statements_are_scoped_to_this_stacks_resources(path: dict[str, Any]) -> None:
    logical_ids = set(TEMPLATE["Resources"]) | set(TEMPLATE.get("Parameters", {}))
    for wanted in _identity(path):
        for resource in wanted["resources"]:
            if resource == "*":
                assert wanted.get("resourceless"), f"{path['id']}: '*' for {wanted['actions']} needs a reason"
                continue
            refs = {r.split(".")[0] for r in referenced_ids(resource)}
            own = refs & logical_ids or "${AWS::AccountId}" in resource
            assert own or wanted.get("foreign"), f"{path['id']}: {resource} is not one of this stack's resources"


@pytest.mark.parametrize("path", PATHS, ids=[p["id"] for p in PATHS])
def test_resource_and_key_policies_hold_what_aws_requires(path: dict[str, Any]) -> None:
    for key, kinds in (("resource_policy", {"resource", "trust"}), ("key_policy", {"key"})):
        for wanted in _policy(path, key):
            held = [s for s in STATEMENTS if s.holder == wanted["policy_of"] and s.kind in kinds
                    and s.principal == wanted["principal"]]
            assert any(_covers(s, wanted) for s in held), f"{path['id']}: {wanted['on']} lacks {wanted}"


@pytest.mark.parametrize("path", [p for p in PATHS if "aws_managed" in p["key_policy"]],
                         ids=[p["id"] for p in PATHS if "aws_managed" in p["key_policy"]])
def test_paths_that_rely_on_an_aws_managed_key_still_have_it(path: dict[str, Any]) -> None:
    """Such a path needs no kms statement only while the resource keeps that key: a
    customer key would need statements of its own."""
    managed = path["key_policy"]["aws_managed"]
    assert encryption_key(TEMPLATE, managed["encrypts"]) == managed["key"]


def encryption_key(template: dict[str, Any], logical_id: str) -> str:
    resource = template["Resources"][logical_id]
    props = resource["Properties"]
    if resource["Type"] == "AWS::S3::Bucket":
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        return rule["ServerSideEncryptionByDefault"].get("KMSMasterKeyID", "alias/aws/s3")
    if resource["Type"] == "AWS::SecretsManager::Secret":
        return props.get("KmsKeyId", "alias/aws/secretsmanager")
    if resource["Type"] == "AWS::DynamoDB::Table":
        sse = props.get("SSESpecification", {})
        assert sse.get("SSEEnabled"), f"{logical_id}: encrypted with an AWS-owned key, not aws/dynamodb"
        return sse.get("KMSMasterKeyId", "alias/aws/dynamodb")
    raise AssertionError(f"no encryption reader for {resource['Type']}")


# --------------------------------------------- everything in the template is listed
def test_every_resource_type_is_one_the_path_reader_understands() -> None:
    unknown = {r["Type"] for r in TEMPLATE["Resources"].values()} - READ_TYPES - PASSIVE_TYPES
    assert not unknown, (f"new resource types {unknown}: teach tests/template/policies.py what they call "
                         "(or list them as passive) and add their paths to docs/service-paths.yaml")


def test_every_wiring_edge_has_a_path() -> None:
    listed = {(c, d) for p in PATHS for c in ids(p, "caller") for d in ids(p, "callee")}
    missing = sorted(EDGES - listed)
    assert not missing, f"paths with no entry in docs/service-paths.yaml: {missing}"


def test_every_listed_edge_is_in_the_template() -> None:
    stale = []
    for path in PATHS:
        if path.get("edge", True) is False:
            continue
        pairs = {(c, d) for c in ids(path, "caller") for d in ids(path, "callee")}
        wired = pairs & EDGES
        if not wired and not _identity(path) and not path.get("managed_policies") and not any(
                _policy(path, k) for k in ("resource_policy", "key_policy")):
            stale.append(path["id"])
    assert not stale, f"entries that match nothing in the template: {stale}"


def test_every_identity_statement_is_claimed_by_a_path() -> None:
    claimed = set()
    for path in PATHS:
        for role in _roles(path):
            for wanted in _identity(path):
                claimed |= {(role, a, r) for a in wanted["actions"] for r in wanted["resources"]}
            claimed |= {(role, "managed", arn) for arn in path.get("managed_policies", [])}
    unclaimed = []
    for s in STATEMENTS:
        if s.kind == "identity":
            unclaimed += [(s.holder, a, r) for a in s.actions for r in s.resources if (s.holder, a, r) not in claimed]
        elif s.kind == "managed":
            unclaimed += [(s.holder, "managed", r) for r in s.resources if (s.holder, "managed", r) not in claimed]
    assert not unclaimed, f"permissions with no path in docs/service-paths.yaml: {unclaimed}"


def test_every_trust_resource_and_key_policy_statement_is_claimed_by_a_path() -> None:
    claimed = {(w["policy_of"], w["principal"], a) for p in PATHS for k in ("resource_policy", "key_policy")
               for w in _policy(p, k) for a in w["actions"]}
    unclaimed = [(s.holder, s.principal, a) for s in STATEMENTS if s.kind in {"trust", "resource", "key"}
                 for a in s.actions if (s.holder, s.principal, a) not in claimed]
    assert not unclaimed, f"principals let in with no path in docs/service-paths.yaml: {unclaimed}"


def test_service_principals_let_in_by_a_resource_policy_are_held_to_this_stack() -> None:
    """Confused-deputy protection: a service principal in a resource or key policy
    only on behalf of this account's (and this stack's) resources."""
    for s in STATEMENTS:
        if s.kind in {"resource", "key"} and s.principal.endswith(".amazonaws.com"):
            scoped = s.condition_values("aws:SourceArn") or s.condition_values("aws:SourceAccount")
            assert scoped, (s.holder, s.principal)
        if s.kind in {"resource", "key"} and not is_public_function_url(s):
            assert s.principal != "*", s.holder


PUBLIC_FUNCTION_URL = {("lambda:InvokeFunctionUrl", "lambda:FunctionUrlAuthType", "NONE"),
                       ("lambda:InvokeFunction", "lambda:InvokedViaFunctionUrl", "true")}


def is_public_function_url(s: Statement) -> bool:
    """Anyone may call a function URL with AuthType NONE, and through it only: the two
    permissions AWS requires for it, each held to the URL by its condition."""
    return s.principal == "*" and len(s.actions) == 1 and any(
        (action, key, value) in PUBLIC_FUNCTION_URL for action in s.actions
        for key in ("lambda:FunctionUrlAuthType", "lambda:InvokedViaFunctionUrl")
        for value in s.condition_values(key))


def test_only_the_report_link_function_is_public_and_only_through_its_url() -> None:
    public = {(s.holder, next(iter(s.actions))) for s in STATEMENTS if s.principal == "*" and s.kind == "resource"}
    assert public == {("ReportLinkFunctionUrlPublicPermissions", "lambda:InvokeFunctionUrl"),
                      ("ReportLinkFunctionURLInvokeAllowPublicAccess", "lambda:InvokeFunction")}
    assert all(is_public_function_url(s) for s in STATEMENTS if s.principal == "*" and s.kind == "resource")
    (url,) = [r for r in TEMPLATE["Resources"].values() if r["Type"] == "AWS::Lambda::Url"]
    assert url["Properties"]["TargetFunctionArn"] == {"Ref": "ReportLinkFunction"}


def test_no_identity_statement_uses_a_star_resource_where_an_arn_is_possible() -> None:
    resourceless = {a for p in PATHS for w in _identity(p) if w.get("resourceless") for a in w["actions"]}
    for s in STATEMENTS:
        if s.kind == "identity" and "*" in s.resources:
            assert s.actions <= resourceless, (s.holder, sorted(s.actions))


# ------------------------------------------------------------- the alarm's topic
def _alarm_arn(alarm_id: str, props: dict[str, Any]) -> str:
    name = texts(props["AlarmName"])[0] if "AlarmName" in props else f"${{AWS::StackName}}-{alarm_id}-GENERATED"
    return f"arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:{name}"


def _admits(s: Statement, alarm_arn: str) -> bool:
    patterns = s.condition_values("aws:SourceArn")
    return not patterns or any(fnmatch.fnmatchcase(alarm_arn, p) for p in patterns)


def _key_problems(template: dict[str, Any], held: list[Statement], topic_id: str, alarm_arn: str) -> list[str]:
    resources = template["Resources"]
    key = resources[topic_id]["Properties"].get("KmsMasterKeyId")
    if key is None:
        return []
    if isinstance(key, str):
        return [f"{topic_id}: encrypted with {key}, a key whose policy this stack cannot give to CloudWatch "
                "(alias/aws/sns never can)"]
    problems = []
    for key_id in referenced_ids(key):
        if resources.get(key_id, {}).get("Type") != "AWS::KMS::Key":
            problems.append(f"{topic_id}: key {key_id} is not a customer-managed key of this stack")
            continue
        grants = [s for s in held if s.holder == key_id and s.kind == "key"
                  and s.principal == "cloudwatch.amazonaws.com" and _admits(s, alarm_arn)]
        actions = set().union(*(s.actions for s in grants))
        problems += [f"{topic_id}: {key_id}'s policy does not let CloudWatch call {needed} for this alarm"
                     for needed in ("kms:Decrypt", "kms:GenerateDataKey")
                     if needed not in actions and f"{needed}*" not in actions]
    return problems


def _topic_policy_problems(template: dict[str, Any], held: list[Statement], topic_id: str, alarm_arn: str) -> list[str]:
    resources = template["Resources"]
    policies = [s for s in held if s.kind == "resource" and resources[s.holder]["Type"] == "AWS::SNS::TopicPolicy"
                and topic_id in {i for t in resources[s.holder]["Properties"]["Topics"] for i in referenced_ids(t)}]
    if policies and not any(s.principal == "cloudwatch.amazonaws.com" and "sns:Publish" in s.actions
                            and _admits(s, alarm_arn) for s in policies):
        return [f"{topic_id}: the topic policy does not let CloudWatch publish for this alarm"]
    return []


def alarm_topic_problems(template: dict[str, Any]) -> list[str]:
    """Why an alarm of the template could not publish to its topic, by AWS's rules:
    the topic must be unencrypted or use a customer-managed key whose policy lets
    cloudwatch.amazonaws.com use it for this alarm, and a topic policy, if any, must
    let CloudWatch publish for this alarm."""
    resources = template["Resources"]
    held = statements(template)
    problems = []
    for alarm_id, alarm in resources.items():
        if alarm["Type"] != "AWS::CloudWatch::Alarm":
            continue
        alarm_arn = _alarm_arn(alarm_id, alarm["Properties"])
        for _, topic_id in alarm_edges(alarm_id, alarm["Properties"], {}):
            if resources.get(topic_id, {}).get("Type") == "AWS::SNS::Topic":
                problems += [f"{alarm_id} -> {p}" for p in _key_problems(template, held, topic_id, alarm_arn)
                             + _topic_policy_problems(template, held, topic_id, alarm_arn)]
    return problems


def test_every_alarm_can_publish_to_its_topic() -> None:
    assert not alarm_topic_problems(TEMPLATE)


def test_an_alarm_topic_back_on_alias_aws_sns_is_caught() -> None:
    raw = copy.deepcopy(RAW)
    raw["Resources"]["NotificationTopic"]["Properties"]["KmsMasterKeyId"] = "alias/aws/sns"
    problems = alarm_topic_problems(transform_template(raw))
    assert any("alias/aws/sns" in p for p in problems), problems


def test_an_alarm_the_key_policy_does_not_name_is_caught() -> None:
    raw = copy.deepcopy(RAW)
    raw["Resources"]["EventsDeadLetterAlarm"]["Properties"]["AlarmName"] = "someone-elses-alarm"
    problems = alarm_topic_problems(transform_template(raw))
    assert any("NotificationTopicKey's policy" in p for p in problems), problems
    assert any("topic policy" in p for p in problems), problems


def test_some_alarm_publishes_to_the_notification_topic() -> None:
    assert ("EventsDeadLetterAlarm", "NotificationTopic") in EDGES


# ------------------------------------------------------- the dead-letter queue
def test_the_dead_letter_queue_is_one_eventbridge_can_write_to() -> None:
    """EventBridge cannot use the AWS-managed aws/sqs key: a rule's dead-letter queue
    is SSE-SQS, unencrypted, or on a customer key that lets events.amazonaws.com in."""
    queues = {d for c, d in EDGES if TEMPLATE["Resources"].get(c, {}).get("Type") == "AWS::Events::Rule"
              and TEMPLATE["Resources"].get(d, {}).get("Type") == "AWS::SQS::Queue"}
    assert queues
    for queue in queues:
        key = TEMPLATE["Resources"][queue]["Properties"].get("KmsMasterKeyId")
        if key is None:
            continue
        assert not isinstance(key, str), f"{queue}: {key} (an AWS-managed or foreign key)"
        (key_id,) = referenced_ids(key)
        grants = [s for s in STATEMENTS if s.holder == key_id and s.principal == "events.amazonaws.com"]
        assert any({"kms:Decrypt", "kms:GenerateDataKey"} <= s.actions for s in grants), queue


def test_functions_eventbridge_invokes_keep_their_failures() -> None:
    """EventBridge invokes Lambda asynchronously: the rule's dead-letter queue sees only
    delivery failures, so each rule-invoked function needs a dead-letter queue or an
    on-failure destination of its own."""
    rule_targets = {d for c, d in EDGES if TEMPLATE["Resources"].get(c, {}).get("Type") == "AWS::Events::Rule"
                    and TEMPLATE["Resources"].get(d, {}).get("Type") == "AWS::Lambda::Function"}
    assert rule_targets
    for function in rule_targets:
        props = TEMPLATE["Resources"][function]["Properties"]
        destinations = [r for r in TEMPLATE["Resources"].values() if r["Type"] == "AWS::Lambda::EventInvokeConfig"
                        and function in referenced_ids(r["Properties"]["FunctionName"])
                        and "OnFailure" in r["Properties"].get("DestinationConfig", {})]
        assert "DeadLetterConfig" in props or destinations, function


def _resolved(value: Any, condition: str, holds: bool) -> Any:
    """The value with every Fn::If on ``condition`` resolved (the stack as deployed with it true or false)."""
    if isinstance(value, list):
        return [_resolved(v, condition, holds) for v in value if v != {"Ref": "AWS::NoValue"}]
    if isinstance(value, dict):
        if list(value) == ["Fn::If"] and value["Fn::If"][0] == condition:
            return _resolved(value["Fn::If"][1 if holds else 2], condition, holds)
        return {k: _resolved(v, condition, holds) for k, v in value.items()}
    return value


def test_with_an_external_data_bucket_validate_input_still_reads_a_chains_data_in_the_stacks_bucket() -> None:
    # Given the stack deployed with ExternalDataBucket set (its condition true)
    role = _resolved(TEMPLATE["Resources"]["ValidateInputFunctionRole"], "HasExternalDataBucket", True)
    held = statements({"Resources": {"ValidateInputFunctionRole": role}})
    # Then the input check reads both the external bucket and the stack's, where a chain's later rounds
    # find the first round's data (runs/<chain>/data/)
    for bucket in ("DataBucket", "ExternalDataBucket"):
        wanted = f"arn:${{AWS::Partition}}:s3:::${{{bucket}}}/*"
        assert any(s.kind == "identity" and "s3:GetObject" in s.actions and s.resources == {wanted} | {wanted[:-2]}
                   for s in held), bucket
