"""A boto3.Session stand-in whose clients are botocore Stubbers, for `amt` tests through main()."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

REGION = "eu-west-1"
ACCOUNT = "123456789012"
STATE_MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:TuningPipeline-abc"
BUCKET = "amt-bucket"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:amt-topic"
CLEANUP_FUNCTION = "amt-CleanupFunction-abc"
OUTPUTS = {"StateMachineArn": STATE_MACHINE, "DataBucketName": BUCKET, "NotificationTopicArn": TOPIC,
           "CleanupFunctionName": CLEANUP_FUNCTION}


class StubbedSession:
    """What the CLI uses of boto3.Session: region_name and client(name), each client stubbed."""

    def __init__(self, region: str = REGION):
        self.region_name = region
        self.clients: dict[str, Any] = {}
        self.stubs: dict[str, Stubber] = {}
        self.raises: dict[str, BaseException] = {}

    def stub(self, service: str) -> Stubber:
        if service not in self.stubs:
            self.clients[service] = boto3.session.Session(region_name=self.region_name).client(service)
            self.stubs[service] = Stubber(self.clients[service])
            self.stubs[service].activate()
        return self.stubs[service]

    def client(self, service: str) -> Any:
        if service in self.raises:
            raise self.raises[service]
        self.stub(service)
        return self.clients[service]

    def stack(self, outputs: dict[str, str] | None = None, name: str = "amt") -> None:
        """DescribeStacks answers with a stack of these outputs (this template's by default)."""
        self.stub("cloudformation").add_response("describe_stacks", {"Stacks": [{
            "StackName": name, "CreationTime": "2026-11-28T10:00:00Z", "StackStatus": "CREATE_COMPLETE",
            "Outputs": [{"OutputKey": k, "OutputValue": v}
                        for k, v in (OUTPUTS if outputs is None else outputs).items()],
        }]}, {"StackName": name})

    def assert_done(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


@pytest.fixture(name="aws")
def stubbed_aws(monkeypatch: pytest.MonkeyPatch) -> StubbedSession:
    session = StubbedSession()
    monkeypatch.setattr(boto3, "Session", lambda **_: session)
    return session
