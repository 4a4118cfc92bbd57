"""Least privilege, read from template.yaml itself: no wildcard action, every
resource this stack's own (or an action AWS scopes no other way), PassRole only
to SageMaker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from amt.local.template import load_template
from amt_pipeline.report.link import DEFAULT_LINK_DAYS, MAX_LINK_DAYS, MIN_LINK_DAYS

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
# Actions that AWS offers no resource-level permission for: "*" is their only resource.
RESOURCELESS = {
    "cloudwatch:GetMetricData",
    "cloudwatch:PutMetricData",
    "ecr:GetAuthorizationToken",
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}
SAM_POLICY_TEMPLATES = {"S3ReadPolicy", "SNSPublishMessagePolicy", "LambdaInvokePolicy"}


def statements() -> Iterator[tuple[str, dict]]:
    for logical_id, resource in TEMPLATE["Resources"].items():
        props = resource.get("Properties", {})
        documents = [p["PolicyDocument"] for p in props.get("Policies", []) if isinstance(p, dict) and
                     "PolicyDocument" in p]
        documents += [p for p in props.get("Policies", []) if isinstance(p, dict) and "Statement" in p]
        if resource["Type"].endswith("Policy") and "PolicyDocument" in props:
            documents.append(props["PolicyDocument"])
        for document in documents:
            for statement in document["Statement"]:
                if isinstance(statement, dict) and "Fn::If" in statement:
                    statement = statement["Fn::If"][1]
                yield logical_id, statement


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


ALL = list(statements())


def test_there_are_statements_to_check() -> None:
    assert len(ALL) > 15


@pytest.mark.parametrize(("owner", "statement"), ALL, ids=[f"{o}-{i}" for i, (o, _) in enumerate(ALL)])
def test_no_statement_allows_a_wildcard_action(owner: str, statement: dict) -> None:
    if statement.get("Effect") == "Deny":
        return  # denying every action (TLS-only bucket policy) grants nothing
    for action in as_list(statement.get("Action", [])):
        assert "*" not in action, f"{owner}: {action}"


@pytest.mark.parametrize(("owner", "statement"), ALL, ids=[f"{o}-{i}" for i, (o, _) in enumerate(ALL)])
def test_a_star_resource_only_for_actions_that_have_no_other(owner: str, statement: dict) -> None:
    if statement.get("Effect") == "Deny" or "Principal" in statement:
        return  # the bucket's TLS-only deny and resource policies
    if "*" in as_list(statement.get("Resource", [])):
        assert set(as_list(statement["Action"])) <= RESOURCELESS, owner


def test_pass_role_is_only_for_the_training_role_and_only_to_sagemaker() -> None:
    passes = [(o, s) for o, s in ALL if "iam:PassRole" in as_list(s.get("Action", []))]
    assert passes, "the state machine must pass the SageMaker role"
    for owner, statement in passes:
        assert statement["Resource"] == {"Fn::GetAtt": ["SageMakerExecutionRole", "Arn"]}, owner
        assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_only_known_sam_policy_templates_are_used() -> None:
    for resource in TEMPLATE["Resources"].values():
        for entry in resource.get("Properties", {}).get("Policies", []):
            # an Fn::If entry holds a policy in each branch (AWS::NoValue in one)
            branches = entry["Fn::If"][1:] if isinstance(entry, dict) and "Fn::If" in entry else [entry]
            for policy in branches:
                if isinstance(policy, dict) and not {"Statement", "PolicyDocument", "Ref"} & set(policy):
                    assert set(policy) <= SAM_POLICY_TEMPLATES


def test_the_bucket_refuses_plain_http_and_public_access() -> None:
    bucket = TEMPLATE["Resources"]["DataBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    (deny,) = TEMPLATE["Resources"]["DataBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_report_link_lasts_seven_days_by_default_and_up_to_a_year() -> None:
    days = TEMPLATE["Parameters"]["ReportLinkExpiryDays"]
    assert (days["Default"], days["MinValue"], days["MaxValue"]) == (7, 1, 365)
    assert days["MaxValue"] >= 30
    # the bounds the functions' settings enforce are the parameter's: one cannot change without the other
    assert (days["Default"], days["MinValue"], days["MaxValue"]) == (DEFAULT_LINK_DAYS, MIN_LINK_DAYS, MAX_LINK_DAYS)


def test_the_report_link_function_may_read_only_reports_and_its_one_secret() -> None:
    function = TEMPLATE["Resources"]["ReportLinkFunction"]["Properties"]
    granted = [(o, s) for o, s in ALL if o == "ReportLinkFunction"]
    assert [(s["Action"], s["Resource"]) for _, s in granted] == [
        ("s3:GetObject", {"Fn::Sub": "${DataBucket.Arn}/runs/*/reports/*"}),
        ("secretsmanager:GetSecretValue", {"Ref": "ReportLinkSecret"}),
    ]
    assert all(s["Effect"] == "Allow" and "Condition" not in s for _, s in granted)
    # public through its URL only, with a bounded concurrency
    assert function["FunctionUrlConfig"] == {"AuthType": "NONE"}
    assert function["ReservedConcurrentExecutions"] == {"Ref": "ReportLinkConcurrency"}
    assert TEMPLATE["Parameters"]["ReportLinkConcurrency"]["MaxValue"] <= 100


def test_only_the_report_link_function_and_notify_read_the_secret() -> None:
    readers = {o for o, s in ALL if "secretsmanager:GetSecretValue" in as_list(s.get("Action", []))}
    assert readers == {"ReportLinkFunction", "NotifyFunction"}
    for _, statement in ALL:
        if any(a.startswith("secretsmanager:") for a in as_list(statement.get("Action", []))):
            assert statement["Action"] == "secretsmanager:GetSecretValue"
            assert statement["Resource"] == {"Ref": "ReportLinkSecret"}
    secret = TEMPLATE["Resources"]["ReportLinkSecret"]["Properties"]
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32 and "SecretString" not in secret
