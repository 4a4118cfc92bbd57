"""AWS sessions and stacks, as every AWS command of `amt` gets them.

``--profile`` and ``--region`` win; otherwise, as the AWS CLI: ``AWS_PROFILE``,
then ``AWS_REGION``, then ``AWS_DEFAULT_REGION`` and the profile's region.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

from amt.cli.errors import EXIT_AWS, EXIT_FAILED, CliError
from amt_pipeline.facts import error_code, is_not_found

# The outputs of this project's template.yaml: a stack with none of them was deployed from something else.
TEMPLATE_OUTPUTS = ("StateMachineArn", "DataBucketName", "NotificationTopicArn", "CleanupFunctionName")


def add_aws_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE, else your default profile)")
    parser.add_argument("--region", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)")


def session(args: argparse.Namespace) -> Any:
    """A boto3 session for the command's --profile/--region (botocore reads AWS_PROFILE itself)."""
    import boto3

    kwargs: dict[str, str] = {}
    if getattr(args, "profile", None):
        kwargs["profile_name"] = args.profile
    region = getattr(args, "region", None) or os.environ.get("AWS_REGION")
    if region:
        kwargs["region_name"] = region
    aws = boto3.Session(**kwargs)
    if not aws.region_name:
        raise CliError("no AWS region configured", EXIT_AWS,
                       "pass --region, set AWS_REGION, or run `aws configure set region <region>`")
    return aws


@dataclass(frozen=True)
class Stack:
    """A deployed stack of this template: its name, region, status and outputs."""

    name: str
    region: str
    status: str
    outputs: dict[str, str]

    def output(self, key: str) -> str:
        """One output of this project's template; a clear error when the stack lacks it."""
        if key not in self.outputs:
            raise CliError(
                f"stack {self.name} ({self.status}) has no {key} output", EXIT_AWS,
                "redeploy it from this version of template.yaml (sam build && sam deploy), "
                "or wait until its deployment completes")
        return self.outputs[key]


def load_stack(aws: Any, name: str) -> Stack:
    """The stack's outputs; a stack that does not exist, or was not deployed from this template, is an error."""
    from botocore.exceptions import ClientError

    try:
        described = aws.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        if error_code(error) == "ValidationError" and "does not exist" in str(error.response["Error"].get("Message")):
            raise CliError(f"stack {name!r} does not exist in {aws.region_name}", EXIT_AWS,
                           "check --stack (the stack name given to sam deploy) and --region") from None
        raise
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    stack = Stack(name=name, region=aws.region_name, status=described.get("StackStatus", "?"), outputs=outputs)
    if not set(TEMPLATE_OUTPUTS) & set(outputs):
        raise CliError(
            f"stack {name} ({stack.status}) was not deployed from AMT Pipeline's template: "
            f"it has none of the outputs {', '.join(TEMPLATE_OUTPUTS)}", EXIT_AWS,
            "check --stack (the stack name given to sam deploy)")
    return stack


def tuning_job_not_found(error: BaseException) -> bool:
    """SageMaker says a tuning job does not exist as ResourceNotFound or as a ValidationException."""
    if is_not_found(error):
        return True
    message = str(getattr(error, "response", {}).get("Error", {}).get("Message", ""))
    return error_code(error) == "ValidationException" and ("not found" in message.lower()
                                                           or "could not find" in message.lower())


def describe_tuning_job(sagemaker: Any, name: str) -> dict[str, Any]:
    """DescribeHyperParameterTuningJob; an unknown name is the user's input, exit 1."""
    from botocore.exceptions import ClientError

    try:
        return dict(sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name))
    except ClientError as error:
        if tuning_job_not_found(error):
            raise CliError(f"no tuning job named {name!r} in this account and region", EXIT_FAILED,
                           "check the name (`amt runs --stack NAME` lists a stack's jobs) and --region") from None
        raise
