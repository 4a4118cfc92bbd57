"""Fail fast on the user's own data: check that the train/validation URIs can be read before tuning.

A URI is an object or a prefix, as SageMaker's ``S3Prefix`` channels read it:
``s3://b/data/train.csv`` is that object, ``s3://b/data/train/`` (or
``s3://b/data/train``) is every object under it. A prefix needs at least one
non-empty object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from pydantic import BaseModel

from amt_pipeline.aws.ports import ObjectReader
from amt_pipeline.aws.s3_uri import split_s3_uri
from amt_pipeline.errors import FieldError, InvalidExecutionInput

if TYPE_CHECKING:
    from amt_pipeline.run.plan import S3DatasetPlan

NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
NO_BUCKET = {"NoSuchBucket"}
DENIED = {"403", "AccessDenied", "Forbidden", "AllAccessDisabled", "InvalidObjectState"}
PREFIX_PROBE = 100  # objects looked at under a prefix to find a non-empty one


def check_input_data_readable(plan: S3DatasetPlan | Mapping[str, Any], s3_client: ObjectReader) -> None:
    """Raise InvalidExecutionInput naming dataset.train_uri / dataset.validation_uri if either cannot be read.

    A built-in dataset has nothing to check. Errors other than not-found /
    access-denied (throttling, 5xx) propagate: they are worth a retry.
    """
    dataset_plan = plan.model_dump() if isinstance(plan, BaseModel) else plan
    if dataset_plan.get("kind") != "s3":
        return
    errors = []
    for channel in ("train", "validation"):
        field = f"dataset.{channel}_uri"
        problem = _problem(dataset_plan[f"{channel}_uri"], s3_client)
        if problem:
            errors.append(FieldError(field, problem))
    if errors:
        raise InvalidExecutionInput(errors)


def _problem(uri: str, s3: ObjectReader) -> str | None:
    try:
        bucket, key = split_s3_uri(uri)
    except ValueError as exc:
        return str(exc)
    try:
        if key and not key.endswith("/"):
            try:
                head = s3.head_object(Bucket=bucket, Key=key)
            except ClientError as exc:
                if _code(exc) not in NOT_FOUND:
                    raise
            else:
                return None if head.get("ContentLength", 0) > 0 else f"{uri} is an empty object"
        listing = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=PREFIX_PROBE)
    except ClientError as exc:
        code = _code(exc)
        if code in NO_BUCKET:
            return f"bucket {bucket!r} does not exist"
        if code in DENIED:
            return (
                f"{uri} cannot be read ({code}): it is missing, or the pipeline's roles lack "
                "s3:GetObject / s3:ListBucket on it"
            )
        if code in NOT_FOUND:
            return f"no object at {uri}"
        raise
    objects = listing.get("Contents", [])
    if not objects:
        return f"no object at or under {uri}"
    if not any(obj.get("Size", 0) > 0 for obj in objects):
        return f"only empty objects under {uri}"
    return None


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
