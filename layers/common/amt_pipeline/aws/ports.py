"""What the domain asks of AWS, as protocols: the few boto3 calls each part makes.

A boto3 client satisfies these as it is (its methods take the same keywords),
and so does an in-memory fake in a test: the domain never needs to know which
it was given. Wrapping adapters with behaviour of their own (``ObjectStore``,
``EventPublisher``, ``Notifier``) live in ``adapters``.
"""

from __future__ import annotations

from typing import Any, Protocol


class TuningJobReader(Protocol):
    """SageMaker, read-only: a tuning job, its training jobs, one training job (the baseline)."""

    def describe_hyper_parameter_tuning_job(self, *, HyperParameterTuningJobName: str) -> dict[str, Any]: ...

    def list_training_jobs_for_hyper_parameter_tuning_job(
        self, *, HyperParameterTuningJobName: str, MaxResults: int = ..., NextToken: str = ...
    ) -> dict[str, Any]: ...

    def describe_training_job(self, *, TrainingJobName: str) -> dict[str, Any]: ...


class MetricReader(Protocol):
    """CloudWatch, read-only: the training jobs' metric series."""

    def get_metric_data(self, **request: Any) -> dict[str, Any]: ...


class ObjectReader(Protocol):
    """S3, read-only: is there an object, or are there objects under a prefix; the first bytes of one."""

    def head_object(self, *, Bucket: str, Key: str) -> dict[str, Any]: ...

    def list_objects_v2(self, *, Bucket: str, Prefix: str, MaxKeys: int = ...) -> dict[str, Any]: ...

    def get_object(self, *, Bucket: str, Key: str, Range: str = ...) -> dict[str, Any]: ...


class ObjectDeleter(Protocol):
    """S3, as cleanup uses it: list a prefix (every version, on a versioned bucket), delete in batches."""

    def get_bucket_versioning(self, *, Bucket: str) -> dict[str, Any]: ...

    def get_paginator(self, operation_name: str) -> Any: ...

    def delete_objects(self, *, Bucket: str, Delete: dict[str, Any]) -> dict[str, Any]: ...
