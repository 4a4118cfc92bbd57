"""The errors the local engine raises on purpose: one class per SageMaker error code.

Each carries SageMaker's ``code`` and ``message``; the local emulator turns it into the botocore
``ClientError`` a real client would raise (``{"Error": {"Code": code, "Message": message}}``).
"""

from __future__ import annotations

from typing import ClassVar


class LocalSageMakerError(Exception):
    """A request SageMaker would refuse. Catch this to catch any of the classes below."""

    code: ClassVar[str]

    def __init__(self, message: str):
        self.message = message
        super().__init__(f"{self.code}: {message}")


class ValidationException(LocalSageMakerError):
    """The request breaks one of SageMaker's rules (shape, names, ranges, limits' shapes...)."""

    code = "ValidationException"


class ResourceNotFound(LocalSageMakerError):
    """The job named does not exist."""

    code = "ResourceNotFound"


class ResourceInUse(LocalSageMakerError):
    """A job of that name exists already."""

    code = "ResourceInUse"


class ResourceLimitExceeded(LocalSageMakerError):
    """The request asks for more than SageMaker's default quotas allow."""

    code = "ResourceLimitExceeded"


_NOT_FOUND = {
    "tuning job": "Amazon SageMaker can't find a tuning job with name {name}",
    "training job": "Requested resource not found: training job {name}",
}


def not_found(kind: str, name: str) -> ResourceNotFound:
    """SageMaker's message for a missing ``kind`` ("tuning job" or "training job")."""
    return ResourceNotFound(_NOT_FOUND[kind].format(name=name))
