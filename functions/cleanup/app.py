"""Cleanup: delete a run's data, SageMaker output and/or reports, never anything else.

Invoked directly, e.g.::

    aws lambda invoke --function-name <CleanupFunction> \
        --cli-binary-format raw-in-base64-out \
        --payload '{"run_id": "digits-2024-06-01", "dry_run": true}' out.json

Payload (see examples/cleanup/dry-run.json): ``run_id`` (required), ``parts`` (some of
data, output, reports; all by default), ``dry_run`` (false by default). A bad
payload fails with ``UnsafeCleanupRequest`` naming every bad field; a key S3
refuses to delete fails with ``CleanupIncomplete`` listing the keys.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.clients import client
from amt_pipeline.logic.cleanup import CleanupRequest, clean_up_run
from amt_pipeline.observability import count, lambda_entry, logger
from amt_pipeline.settings import BucketSettings


@lambda_entry()
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    request = CleanupRequest.parse(event)
    logger.append_keys(run_id=request.run_id)
    settings = BucketSettings.from_env()
    result = clean_up_run(client("s3"), settings.bucket_name, request)
    # A dry run deletes nothing: it counts 0, and its would-be counts are in the result.
    count("ObjectsDeleted", 0 if result.dry_run else result.object_count)
    count("VersionsDeleted", 0 if result.dry_run else result.version_count)  # versions and delete markers
    logger.info(
        "dry run: nothing deleted" if result.dry_run else "run cleaned up",
        extra={
            "parts": list(result.parts),
            "object_count": result.object_count,
            "version_count": result.version_count,
        },
    )
    return result.model_dump(mode="json")
