"""The one error the local engine raises on purpose, shaped like a botocore ClientError's payload."""

from __future__ import annotations

ERROR_CODES = ("ValidationException", "ResourceNotFound", "ResourceInUse", "ResourceLimitExceeded")


class LocalSageMakerError(Exception):
    """A request SageMaker would refuse. ``code`` is SageMaker's error code, ``message`` its message.

    The local runtime turns it into the botocore ``ClientError`` a real client would raise
    (``{"Error": {"Code": code, "Message": message}}``).
    """

    def __init__(self, code: str, message: str):
        if code not in ERROR_CODES:
            raise ValueError(f"unknown SageMaker error code {code!r}")
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")

    def to_error_response(self, http_status: int = 400) -> dict:
        """The parsed error body botocore builds a ClientError from."""
        return {
            "Error": {"Code": self.code, "Message": self.message},
            "ResponseMetadata": {"HTTPStatusCode": http_status},
        }


def validation(message: str) -> LocalSageMakerError:
    return LocalSageMakerError("ValidationException", message)
