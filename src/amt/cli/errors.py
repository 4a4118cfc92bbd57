"""What can go wrong in an `amt` command, said in one or two lines, with its exit code.

The one place that maps exceptions (botocore's, AWS's error codes, files, the
layer's own) to a message a person can act on and to an exit code. Handlers
raise, or let botocore raise; ``run_command`` catches, explains and returns the
code. ``--debug`` prints the traceback first.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Callable
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1  # the run or job failed, the input is invalid, or it names nothing that exists
EXIT_USAGE = 2  # argparse's own code: a wrong option or argument
EXIT_AWS = 3  # AWS or configuration: credentials, region, network, permissions, throttling, the stack
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = f"""exit codes:
  {EXIT_OK}    success
  {EXIT_FAILED}    the run or job failed, the input is invalid, or a file, execution or job does not exist
  {EXIT_USAGE}    usage: a wrong command, option or argument
  {EXIT_AWS}    AWS or configuration: credentials, region, network, permissions, throttling, the stack
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)

add --debug to any command to see the traceback behind an error"""

CREDENTIALS_HINT = "run `aws configure` (or `aws sso login`), or set AWS_PROFILE / pass --profile"
EXPIRED_CODES = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
INVALID_CREDENTIAL_CODES = {"InvalidClientTokenId", "UnrecognizedClientException", "InvalidSignatureException",
                            "SignatureDoesNotMatch", "AuthFailure", "InvalidAccessKeyId", "IncompleteSignature"}
ACCESS_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation",
                       "Forbidden", "403"}
THROTTLING_CODES = {"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
                    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown",
                    "ProvisionedThroughputExceededException", "EC2ThrottledException"}
# The IAM action behind each call amt makes, for an AccessDenied message that does not name it.
ACTIONS = {
    "DescribeStacks": "cloudformation:DescribeStacks",
    "StartExecution": "states:StartExecution",
    "ListExecutions": "states:ListExecutions",
    "DescribeExecution": "states:DescribeExecution",
    "Invoke": "lambda:InvokeFunction",
    "DescribeHyperParameterTuningJob": "sagemaker:DescribeHyperParameterTuningJob",
    "StopHyperParameterTuningJob": "sagemaker:StopHyperParameterTuningJob",
    "ListTrainingJobsForHyperParameterTuningJob": "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
    "HeadObject": "s3:GetObject",
    "GetSecretValue": "secretsmanager:GetSecretValue",
    "GetMetricData": "cloudwatch:GetMetricData",
}


class CliError(Exception):
    """An error the command explains itself: the message, what to do, and the exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED, hint: str | None = None):
        super().__init__(message)
        self.message, self.code, self.hint = message, code, hint

    def lines(self) -> list[str]:
        return [f"amt: {self.message}"] + ([f"  {self.hint}"] if self.hint else [])


def run_command(handler: Callable[[Any], int], args: Any) -> int:
    """Run one command's handler; any error ends as its message and exit code."""
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        print("amt: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - every error ends as a message; --debug adds the traceback
        if getattr(args, "debug", False):
            traceback.print_exc()
        failure = explain(error)
        for line in failure.lines():
            print(line, file=sys.stderr)
        if getattr(args, "json", False):
            print(json.dumps({"error": failure.message, "hint": failure.hint, "exit_code": failure.code}))
        return failure.code


def explain(error: BaseException) -> CliError:
    """The message and exit code for any exception a command lets through."""
    if isinstance(error, CliError):
        return error
    for explainer in (_botocore_error, _client_error, _file_error, _layer_error, _image_error):
        failure = explainer(error)
        if failure is not None:
            return failure
    return CliError(f"unexpected error: {type(error).__name__}: {error}", EXIT_FAILED,
                    "rerun with --debug for the traceback, and report it if it looks like a bug")


def _botocore_error(error: BaseException) -> CliError | None:
    from botocore import exceptions as bx

    if isinstance(error, bx.NoCredentialsError | bx.PartialCredentialsError):
        return CliError("no AWS credentials found", EXIT_AWS, CREDENTIALS_HINT)
    if isinstance(error, bx.TokenRetrievalError | bx.SSOTokenLoadError | bx.UnauthorizedSSOTokenError):
        return CliError(f"your AWS login has expired ({error})", EXIT_AWS,
                        "run `aws sso login` (with --profile if you use one), then retry")
    if isinstance(error, bx.CredentialRetrievalError):
        return CliError(f"could not get AWS credentials: {error}", EXIT_AWS, CREDENTIALS_HINT)
    if isinstance(error, bx.ProfileNotFound):
        return CliError(f"AWS profile {error.kwargs.get('profile')!r} not found in your AWS configuration",
                        EXIT_AWS, "check --profile / AWS_PROFILE against `aws configure list-profiles`")
    if isinstance(error, bx.NoRegionError):
        return CliError("no AWS region configured", EXIT_AWS,
                        "pass --region, set AWS_REGION, or run `aws configure set region <region>`")
    if isinstance(error, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ProxyConnectionError
                  | bx.ConnectionClosedError):
        endpoint = error.kwargs.get("endpoint_url", "AWS")
        return CliError(f"cannot reach {endpoint}", EXIT_AWS,
                        "check your network connection (and proxy), and that --region names a real region")
    if isinstance(error, bx.ReadTimeoutError):
        return CliError(f"AWS did not answer in time ({error.kwargs.get('endpoint_url', 'AWS')})", EXIT_AWS,
                        "check your network connection, then retry")
    if isinstance(error, bx.ParamValidationError):
        return CliError(f"invalid request: {error}", EXIT_FAILED)
    if isinstance(error, bx.BotoCoreError):
        return CliError(f"AWS SDK error: {error}", EXIT_AWS)
    return None


def _client_error(error: BaseException) -> CliError | None:
    from botocore.exceptions import ClientError

    if not isinstance(error, ClientError):
        return None
    details = error.response.get("Error", {})
    code, message = str(details.get("Code", "")), str(details.get("Message", ""))
    operation = error.operation_name
    if code in EXPIRED_CODES or "expired" in message.lower() and code in INVALID_CREDENTIAL_CODES:
        return CliError(f"your AWS credentials have expired ({code} on {operation})", EXIT_AWS,
                        "refresh them (`aws sso login`, or new keys in `aws configure`), then retry")
    if code in INVALID_CREDENTIAL_CODES:
        return CliError(f"AWS refused your credentials ({code} on {operation}: {message})", EXIT_AWS,
                        CREDENTIALS_HINT)
    if code in ACCESS_DENIED_CODES or "AccessDenied" in code:
        return CliError(f"access denied: your AWS identity may not call {access_denied_action(operation, message)}",
                        EXIT_AWS, "ask for that permission, or use another profile (--profile)")
    if code in THROTTLING_CODES:
        return CliError(f"AWS throttled {operation}, still after the SDK's retries ({code})", EXIT_AWS,
                        "wait a minute and retry; AWS_MAX_ATTEMPTS=10 or AWS_RETRY_MODE=adaptive retry longer")
    return CliError(f"AWS refused {operation}: {code}: {message}", EXIT_AWS)


def access_denied_action(operation: str, message: str) -> str:
    """The IAM action AWS names in its message ("... not authorized to perform: x:Y ..."), or ours."""
    named = re.search(r"perform:?\s+([\w-]+:[\w*]+)", message)
    if named:
        return named.group(1)
    return ACTIONS.get(operation, operation)


def _file_error(error: BaseException) -> CliError | None:
    if isinstance(error, FileNotFoundError):
        return CliError(f"no such file: {error.filename}", EXIT_FAILED, "check the path (and the current folder)")
    if isinstance(error, IsADirectoryError):
        return CliError(f"{error.filename} is a folder, not a file", EXIT_FAILED)
    if isinstance(error, PermissionError):
        return CliError(f"cannot read {error.filename}: permission denied", EXIT_FAILED)
    if isinstance(error, UnicodeDecodeError):
        return CliError(f"a file is not UTF-8 text ({error.reason})", EXIT_FAILED)
    if isinstance(error, OSError) and error.filename:
        return CliError(f"cannot use {error.filename}: {error.strerror}", EXIT_FAILED)
    return None


def _layer_error(error: BaseException) -> CliError | None:
    from amt_pipeline.errors import AmtPipelineError, TuningJobNotFound

    if isinstance(error, TuningJobNotFound):
        return CliError(f"no tuning job named {str(error)!r}", EXIT_FAILED,
                        "check the job name (`amt runs --stack NAME` lists a stack's jobs)")
    if isinstance(error, AmtPipelineError):
        return CliError(str(error), EXIT_FAILED)
    code = getattr(error, "code", None)  # the local engine's errors carry SageMaker's error code
    if isinstance(code, str) and code:
        return CliError(f"{code}: {getattr(error, 'message', error)}", EXIT_FAILED)
    return None


def _image_error(error: BaseException) -> CliError | None:
    from amt.local.images.environment import ImagePullError

    if not isinstance(error, ImagePullError):
        return None
    return CliError(f"could not prepare the local image environment: {error}", EXIT_AWS,
                    "the first local run of an image installs its XGBoost release from PyPI: check the network "
                    "(or proxy), or set AMT_IMAGE_CACHE to a writable folder")
