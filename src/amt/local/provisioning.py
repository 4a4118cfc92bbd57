"""The stack's resources, created in the emulator from template.yaml, named as a local run names them."""

from __future__ import annotations

import boto3

from amt.local.template import LocalStack, create_table

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
STACK_NAME = "amt-local"
STATE_MACHINE = "TuningPipeline"
DEAD_LETTER_QUEUE = "EventsDeadLetterQueue"
DATA_BUCKET_ID = "DataBucket"  # the template's bucket of runs


def bucket_name(logical_id: str) -> str:
    """The emulated name of a template bucket (amt-local-databucket for the runs' bucket)."""
    return f"{STACK_NAME}-{logical_id.lower()}"


DATA_BUCKET = bucket_name(DATA_BUCKET_ID)


def provision_resources(stack: LocalStack, link_secret: str) -> str:
    """Create the template's resources in the emulator, named as the runtime needs them; returns the URL
    of the queue subscribed to every topic (what users would receive)."""
    secretsmanager = boto3.client("secretsmanager")
    for logical_id in stack.resources_of_type("AWS::SecretsManager::Secret"):  # the report links' key
        arn = secretsmanager.create_secret(Name=f"{STACK_NAME}-{logical_id}", SecretString=link_secret)["ARN"]
        stack.physical[logical_id] = stack.arns[logical_id] = arn
    for logical_id in stack.resources_of_type("AWS::Serverless::Function"):
        stack.physical[logical_id] = logical_id
        stack.arns[logical_id] = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{logical_id}"
    s3 = boto3.client("s3")
    for logical_id, resource in stack.resources_of_type("AWS::S3::Bucket").items():
        name = bucket_name(logical_id)
        s3.create_bucket(Bucket=name)
        versioning = resource["Properties"].get("VersioningConfiguration")
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=versioning)
        stack.physical[logical_id], stack.arns[logical_id] = name, f"arn:aws:s3:::{name}"
    dynamodb = boto3.client("dynamodb")
    for logical_id in stack.resources_of_type("AWS::DynamoDB::Table"):
        arn = create_table(dynamodb, f"{STACK_NAME}-{logical_id}", logical_id, stack.template)
        stack.physical[logical_id], stack.arns[logical_id] = f"{STACK_NAME}-{logical_id}", arn
    sns = boto3.client("sns")
    for logical_id in stack.resources_of_type("AWS::SNS::Topic"):
        arn = sns.create_topic(Name=f"{STACK_NAME}-{logical_id}")["TopicArn"]
        stack.physical[logical_id], stack.arns[logical_id] = arn, arn
        stack.attributes[(logical_id, "TopicName")] = arn.rsplit(":", 1)[-1]
    sqs = boto3.client("sqs")
    for logical_id in stack.resources_of_type("AWS::SQS::Queue"):
        url = sqs.create_queue(QueueName=f"{STACK_NAME}-{logical_id}")["QueueUrl"]
        stack.physical[logical_id] = url
        stack.arns[logical_id] = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{STACK_NAME}-{logical_id}"
        stack.attributes[(logical_id, "QueueName")] = f"{STACK_NAME}-{logical_id}"
    for logical_id in stack.resources_of_type("AWS::IAM::Role"):
        stack.arns[logical_id] = f"arn:aws:iam::{ACCOUNT_ID}:role/{STACK_NAME}-{logical_id}"
    for logical_id in stack.resources_of_type("AWS::Serverless::StateMachine"):
        stack.physical[logical_id] = stack.arns[logical_id] = (
            f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{STACK_NAME}-{logical_id}"
        )
    # Every SNS message also lands in a queue, so the run can show what users would receive.
    inbox_url = sqs.create_queue(QueueName=f"{STACK_NAME}-notifications-inbox")["QueueUrl"]
    for topic_arn in (stack.physical[t] for t in stack.resources_of_type("AWS::SNS::Topic")):
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs",
                      Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{STACK_NAME}-notifications-inbox")

    sfn = boto3.client("stepfunctions")
    sfn.create_state_machine(
        name=f"{STACK_NAME}-{STATE_MACHINE}",
        definition=stack.state_machine_definition(STATE_MACHINE),
        roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{STACK_NAME}-state-machine",
    )
    return inbox_url
