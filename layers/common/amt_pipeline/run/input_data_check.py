"""Fail fast on the user's own data: check the train/validation URIs before anything is spent.

A URI is an object or a prefix, as SageMaker's ``S3Prefix`` channels read it:
``s3://b/data/train.csv`` is that object, ``s3://b/data/train/`` (or
``s3://b/data/train``) is every object under it. A prefix needs at least one
non-empty object, and no hidden file (the container fails a job on one).

Then the contents, by the container's rules (``data_sample``): the first
``SAMPLE_BYTES`` of the first ``SAMPLE_OBJECTS`` objects of each channel, read
with a ranged GET, never a whole large object. Problems that would fail every
trial, or train on nonsense, are errors (InvalidExecutionInput, before anything
is written); what SageMaker would train on anyway is a warning, returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from amt_pipeline.aws.ports import ObjectReader
from amt_pipeline.aws.s3_uri import split_s3_uri
from amt_pipeline.errors import FieldError, InvalidExecutionInput
from amt_pipeline.facts import error_code, is_not_found
from amt_pipeline.run.data_sample import Sample, check_samples, column_problems

if TYPE_CHECKING:
    from amt_pipeline.run.plan import S3DatasetPlan

NO_BUCKET = {"NoSuchBucket"}
DENIED = {"403", "AccessDenied", "Forbidden", "AllAccessDisabled", "InvalidObjectState"}
PREFIX_PROBE = 100  # objects looked at under a prefix to find a non-empty one
SAMPLE_OBJECTS = 3  # objects of a channel whose first bytes are read
SAMPLE_BYTES = 64 * 1024
CHANNELS = ("train", "validation")


@dataclass(frozen=True)
class _Found:
    objects: list[tuple[str, int]]  # (key, size) of the channel's non-empty objects, in key order
    problem: str | None = None


def check_input_data_readable(plan: S3DatasetPlan | Mapping[str, Any], s3_client: ObjectReader) -> None:
    """Raise InvalidExecutionInput naming dataset.train_uri / dataset.validation_uri if either cannot be read.

    A built-in dataset has nothing to check. Errors other than not-found /
    access-denied (throttling, 5xx) propagate: they are worth a retry.
    """
    _listed(_plan(plan), s3_client)


def check_input_data(plan: S3DatasetPlan | Mapping[str, Any], hyperparameters: Mapping[str, Any],
                     s3_client: ObjectReader, *, algorithm_version: str, objective_metric_name: str) -> list[str]:
    """Readable (as check_input_data_readable), then the first rows of each channel by the container's
    rules against the static ``hyperparameters`` (objective, num_class, eval_metric), the tuning job's
    objective metric and the image's XGBoost (``algorithm_version``). Returns the warnings;
    raises InvalidExecutionInput naming the channel's field for the errors."""
    dataset = _plan(plan)
    if dataset.get("kind") != "s3":
        return []
    found = _listed(dataset, s3_client)
    content_type = str(dataset.get("content_type") or "text/csv")
    static = {k: str(v) for k, v in hyperparameters.items()}
    errors, warnings, seen = [], [], {}
    for channel in CHANNELS:
        uri = dataset[f"{channel}_uri"]
        bucket, _ = split_s3_uri(uri)
        samples = [_sample(s3_client, bucket, key, size) for key, size in found[channel].objects[:SAMPLE_OBJECTS]]
        seen[channel] = findings = check_samples(samples, content_type, static, uri, version=algorithm_version,
                                                 objective_metric=objective_metric_name)
        errors += [FieldError(f"dataset.{channel}_uri", e) for e in findings.errors]
        warnings += findings.warnings
    if not errors:
        widths = column_problems(seen["train"], seen["validation"], dataset["train_uri"], dataset["validation_uri"])
        errors += [FieldError("dataset.validation_uri", e) for e in widths.errors]
        warnings += widths.warnings
    if errors:
        raise InvalidExecutionInput(errors)
    return warnings


def _plan(plan: S3DatasetPlan | Mapping[str, Any]) -> Mapping[str, Any]:
    return plan.model_dump() if isinstance(plan, BaseModel) else plan


def _listed(dataset: Mapping[str, Any], s3: ObjectReader) -> dict[str, _Found]:
    if dataset.get("kind") != "s3":
        return {}
    found = {channel: _objects(dataset[f"{channel}_uri"], s3) for channel in CHANNELS}
    errors = [FieldError(f"dataset.{c}_uri", f.problem) for c, f in found.items() if f.problem]
    if errors:
        raise InvalidExecutionInput(errors)
    return found


def _sample(s3: ObjectReader, bucket: str, key: str, size: int) -> Sample:
    body = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{SAMPLE_BYTES - 1}")["Body"].read()
    return Sample(f"s3://{bucket}/{key}", body.decode("utf-8", errors="replace"), complete=size <= SAMPLE_BYTES)


def _objects(uri: str, s3: ObjectReader) -> _Found:
    try:
        bucket, key = split_s3_uri(uri)
    except ValueError as exc:
        return _Found([], str(exc))
    try:
        if key and not key.endswith("/"):
            one = _object(s3, bucket, key, uri)
            if one is not None:
                return one
        listing = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=PREFIX_PROBE)
    except ClientError as exc:
        code = error_code(exc)
        if code in NO_BUCKET:
            return _Found([], f"bucket {bucket!r} does not exist")
        if code in DENIED:
            return _Found([], f"{uri} cannot be read ({code}): it is missing, or the pipeline's roles lack "
                              "s3:GetObject / s3:ListBucket on it")
        if is_not_found(exc):
            return _Found([], f"no object at {uri}")
        raise
    objects = [(o["Key"], int(o.get("Size", 0))) for o in listing.get("Contents", []) if not o["Key"].endswith("/")]
    if not objects:
        return _Found([], f"no object at or under {uri}")
    hidden = next((k for k, _ in objects if k.rsplit("/", 1)[-1].startswith(".")), None)
    if hidden:
        return _Found([], f"s3://{bucket}/{hidden} is a hidden file, which the container refuses "
                          "(\"Hidden file found in the data path!\"): remove it, or point the URI past it")
    non_empty = [(k, s) for k, s in objects if s > 0]
    if not non_empty:
        return _Found([], f"only empty objects under {uri}")
    return _Found(non_empty)


def _object(s3: ObjectReader, bucket: str, key: str, uri: str) -> _Found | None:
    """The URI as one object; None when no object has that key (it may be a prefix)."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if not is_not_found(exc):
            raise
        return None
    size = int(head.get("ContentLength", 0))
    return _Found([(key, size)]) if size > 0 else _Found([], f"{uri} is an empty object")
