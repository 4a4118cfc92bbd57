"""The shared facts (amt_pipeline.facts): each written once, read the same everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from amt_pipeline.facts import (
    ENDED_STATUSES,
    condition_failed,
    error_code,
    format_duration,
    is_not_found,
    is_run_id,
)


def _error(code: str, operation: str = "GetObject") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "..."}}, operation)


@pytest.mark.parametrize(("duration", "shown"), [
    (0, "0m00s"), (59.6, "1m00s"), (62, "1m02s"), (3723, "1h02m03s"), (timedelta(hours=26, seconds=5), "26h00m05s"),
    (None, "?"), (float("nan"), "?"),
])
def test_one_duration_format_for_the_terminal_the_live_page_and_the_report(duration, shown) -> None:
    assert format_duration(duration) == shown


def test_not_found_is_the_services_own_codes_and_a_heads_403_only_for_a_head() -> None:
    for code in ("NoSuchKey", "404", "NotFound", "ResourceNotFound", "ResourceNotFoundException"):
        assert is_not_found(_error(code)), code
    # HeadObject answers 403 for a missing key when the caller may not s3:ListBucket
    assert is_not_found(_error("403", "HeadObject"), head=True)
    assert not is_not_found(_error("403", "GetObject")) and not is_not_found(_error("AccessDenied"))
    assert not is_not_found(_error("ThrottlingException")) and not is_not_found(ValueError("404"))


def test_a_refused_condition_is_s3s_or_dynamodbs_and_nothing_else() -> None:
    for code in ("PreconditionFailed", "ConditionalRequestConflict", "412", "ConditionalCheckFailedException"):
        assert condition_failed(_error(code, "PutObject")), code
    assert not condition_failed(_error("NoSuchKey")) and not condition_failed(RuntimeError("412"))
    assert error_code(_error("SlowDown")) == "SlowDown" and error_code(KeyError("x")) == ""


def test_a_run_id_is_a_tuning_job_name_and_a_job_ends_three_ways() -> None:
    assert is_run_id("xgb-digits-20240601") and is_run_id("a" * 32)
    assert not any(is_run_id(v) for v in ("a" * 33, "-x", "x_y", "runs/../x", "", None, 7))
    assert ENDED_STATUSES == ("Completed", "Failed", "Stopped")
