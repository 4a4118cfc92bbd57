"""The report link (issue 11): the token (amt_pipeline.report.link) and the link
function (functions/report_link/app.py) against moto's Secrets Manager and S3.

Every refusal gets the same 403 page; only runs/<id>/reports/index.html of a
single run is ever presigned; the token never reaches the log."""

from __future__ import annotations

import io
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest
from moto import mock_aws

from amt.local.clients import reset_clients
from amt_pipeline.aws.secrets import CachedKey, read_key
from amt_pipeline.report.link import (
    DAY_SECONDS,
    GONE,
    PRESIGNED_SECONDS,
    REFUSED,
    Refusal,
    ReportLinks,
    check_link,
    link_url,
    signature,
)
from tests.conftest import load_function

BUCKET = "amt-link-test-bucket"
RUN = "xgb-digits-20240601"
KEY = b"k" * 64
BASE = "https://abcdefghij.lambda-url.us-east-1.on.aws/"
NOW = 1_800_000_000.0


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def signed(run_id: str, expires: int, key: bytes = KEY) -> dict[str, str]:
    return {"run": run_id, "expires": str(expires), "sig": signature(key, run_id, expires)}


# ------------------------------------------------------------------ the token
def test_a_minted_link_opens_its_run_until_its_expiry_and_not_after() -> None:
    url = ReportLinks(BASE, KEY, days=7).url(RUN, now=NOW)
    assert url.startswith(BASE + "?")
    query = query_of(url)
    assert int(query["expires"]) == NOW + 7 * DAY_SECONDS
    assert check_link(KEY, query, NOW).run_id == RUN
    assert check_link(KEY, query, NOW + 7 * DAY_SECONDS - 1).run_id == RUN
    assert check_link(KEY, query, NOW + 7 * DAY_SECONDS).refusal is Refusal.EXPIRED


@pytest.mark.parametrize("days", [1, 30, 365])
def test_a_link_lasts_the_days_it_was_minted_for(days: int) -> None:
    query = query_of(ReportLinks(BASE, KEY, days=days).url(RUN, now=NOW))
    assert check_link(KEY, query, NOW + days * DAY_SECONDS - 60).run_id == RUN
    assert check_link(KEY, query, NOW + days * DAY_SECONDS + 1).run_id is None


@pytest.mark.parametrize("change", [
    {"sig": "A" * 43},
    {"run": RUN + "x"},  # another run, under this run's signature
    {"expires": str(int(NOW) + 400 * DAY_SECONDS)},  # pushed out
])
def test_a_tampered_link_is_refused_as_a_forgery(change: dict[str, str]) -> None:
    query = {**signed(RUN, int(NOW) + DAY_SECONDS), **change}
    assert check_link(KEY, query, NOW) == check_link(KEY, query, NOW)  # deterministic
    assert check_link(KEY, query, NOW).refusal is Refusal.BAD_SIGNATURE


def test_another_runs_link_does_not_open_this_run() -> None:
    other = signed("other-run", int(NOW) + DAY_SECONDS)
    assert check_link(KEY, {**other, "run": RUN}, NOW).run_id is None
    assert check_link(KEY, other, NOW).run_id == "other-run"


def test_a_link_signed_with_another_key_is_refused_so_a_new_secret_revokes_every_link() -> None:
    query = signed(RUN, int(NOW) + DAY_SECONDS, key=b"an-older-secret" * 4)
    assert check_link(KEY, query, NOW).refusal is Refusal.BAD_SIGNATURE


@pytest.mark.parametrize("run_id", [
    "../other", "..", "a/b", "x/../../secrets", "run/reports/../../data", "%2e%2e", "run\\..", "*", "", "run ",
    "-run", "a" * 33, "run\n", "runé",
])
def test_a_run_id_that_is_not_a_single_run_is_refused_even_if_signed(run_id: str) -> None:
    # Given a token correctly signed over a path-traversal run id (as a leaked key could make)
    query = {"run": run_id, "expires": str(int(NOW) + DAY_SECONDS), "sig": signature(KEY, run_id, int(NOW) + 60)}
    query["sig"] = signature(KEY, run_id, int(query["expires"]))
    # Then it opens nothing: the run id is checked as cleanup checks it
    assert check_link(KEY, query, NOW) == check_link(KEY, {}, NOW)
    with pytest.raises(ValueError, match="not a run id"):
        link_url(BASE, KEY, run_id, int(NOW) + 60)


@pytest.mark.parametrize("query", [
    {}, {"run": RUN}, {"run": RUN, "expires": "1"}, {"run": RUN, "expires": "soon", "sig": "A" * 43},
    {"run": RUN, "expires": "-1", "sig": "A" * 43}, {"run": RUN, "expires": "1e12", "sig": "A" * 43},
    {"run": RUN, "expires": "2000000000", "sig": "é" * 43}, {"run": RUN, "expires": "2000000000", "sig": "A" * 44},
    {"run": [RUN], "expires": "2000000000", "sig": "A" * 43},
])
def test_a_malformed_link_is_refused(query: dict) -> None:
    assert check_link(KEY, query, NOW).refusal is Refusal.MALFORMED


def test_the_signature_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import amt_pipeline.report.link as link

    compared = []
    real = link.hmac.compare_digest
    monkeypatch.setattr(link.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    query = signed(RUN, int(NOW) + 60)
    assert check_link(KEY, query, NOW).run_id == RUN
    assert compared == [(query["sig"], query["sig"])]


def test_an_empty_key_signs_nothing() -> None:
    with pytest.raises(ValueError, match="empty"):
        signature(b"", RUN, 1)


def test_the_refusal_page_says_what_to_do_and_never_why() -> None:
    body = REFUSED.body
    assert REFUSED.status == 403 and "expired" in body and "amt link" in body
    for detail in ("signature", "tamper", "forg", "malformed", "invalid run"):
        assert detail not in body.lower()
    assert REFUSED.headers["Cache-Control"] == "no-store"
    assert REFUSED.headers["Content-Security-Policy"].startswith("default-src 'none'")


# -------------------------------------------------- the function, in moto
def url_event(query: dict[str, str] | None, *, method: str = "GET", path: str = "/",
              time_ms: int | None = None) -> dict:
    """A Lambda function URL's event (payload format 2.0)."""
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "queryStringParameters": query,
        "headers": {"host": "abcdefghij.lambda-url.us-east-1.on.aws", "user-agent": "test"},
        "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
                           "timeEpoch": time_ms if time_ms is not None else int(time.time() * 1000)},
        "isBase64Encoded": False,
    }


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    with mock_aws():
        reset_clients()
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="report-link", SecretString="s" * 64)["ARN"]
        monkeypatch.setenv("BUCKET_NAME", BUCKET)
        monkeypatch.setenv("REPORT_LINK_SECRET_ARN", arn)
        yield {"s3": s3, "secrets": secrets, "arn": arn, "key": b"s" * 64}
        reset_clients()


@pytest.fixture
def app(aws):
    return load_function("report_link")


def put_report(s3, run_id: str = RUN) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"runs/{run_id}/reports/index.html", Body=b"<html>report</html>",
                  ContentType="text/html; charset=utf-8")


def valid(aws, run_id: str = RUN, days: float = 7) -> dict[str, str]:
    return query_of(link_url(BASE, aws["key"], run_id, int(time.time() + days * DAY_SECONDS)))


def test_a_good_link_redirects_to_a_presigned_url_of_that_runs_report_signed_for_minutes(
        aws, app, lambda_context) -> None:
    put_report(aws["s3"])
    response = app.lambda_handler(url_event(valid(aws)), lambda_context)
    assert response["statusCode"] == 302 and response["body"] == ""
    location = urlsplit(response["headers"]["Location"])
    assert location.scheme == "https"
    assert location.path.endswith(f"/runs/{RUN}/reports/index.html") and BUCKET in location.netloc + location.path
    presigned = parse_qs(location.query)
    assert presigned["X-Amz-Expires"] == [str(PRESIGNED_SECONDS)] and "X-Amz-Signature" in presigned
    assert response["headers"]["Cache-Control"] == "no-store"
    assert response["headers"]["Referrer-Policy"] == "no-referrer"


def test_the_presigned_url_fetches_the_report(aws, app, lambda_context) -> None:
    import requests  # moto intercepts requests' calls to S3 as it does boto3's

    put_report(aws["s3"])
    response = app.lambda_handler(url_event(valid(aws)), lambda_context)
    fetched = requests.get(response["headers"]["Location"], timeout=10)
    assert fetched.status_code == 200 and fetched.text == "<html>report</html>"


def test_an_expired_link_gets_the_refusal_page(aws, app, lambda_context) -> None:
    put_report(aws["s3"])
    query = query_of(link_url(BASE, aws["key"], RUN, int(time.time()) - 1))
    response = app.lambda_handler(url_event(query), lambda_context)
    assert response["statusCode"] == 403 and response["body"] == REFUSED.body
    assert "Location" not in response["headers"]


def test_a_link_is_judged_at_the_time_lambda_received_it_or_later_never_earlier(aws, app, lambda_context) -> None:
    put_report(aws["s3"])
    query = valid(aws, days=1)
    later = int((time.time() + 2 * DAY_SECONDS) * 1000)
    assert app.lambda_handler(url_event(query, time_ms=later), lambda_context)["statusCode"] == 403
    expired = query_of(link_url(BASE, aws["key"], RUN, int(time.time()) - 1))
    earlier = int((time.time() - DAY_SECONDS) * 1000)
    assert app.lambda_handler(url_event(expired, time_ms=earlier), lambda_context)["statusCode"] == 403


@pytest.mark.parametrize("change", [{"sig": "B" * 43}, {"run": "other-run"}, {"expires": "9999999999"}])
def test_a_tampered_or_other_runs_link_gets_the_same_refusal_page(aws, app, lambda_context, change) -> None:
    put_report(aws["s3"])
    put_report(aws["s3"], "other-run")
    response = app.lambda_handler(url_event({**valid(aws), **change}), lambda_context)
    assert response["statusCode"] == 403 and response["body"] == REFUSED.body


@pytest.mark.parametrize("run_id", ["../other-run", "other-run/../../x", "x/..", "..%2fother-run"])
def test_a_path_traversal_reaches_nothing_even_when_signed(aws, app, lambda_context, run_id) -> None:
    put_report(aws["s3"], "other-run")
    aws["s3"].put_object(Bucket=BUCKET, Key="x", Body=b"not a report")
    expires = int(time.time()) + 60
    query = {"run": run_id, "expires": str(expires), "sig": signature(aws["key"], run_id, expires)}
    response = app.lambda_handler(url_event(query), lambda_context)
    assert response["statusCode"] == 403 and "Location" not in response["headers"]


def test_a_good_link_to_a_report_no_longer_stored_says_so_without_redirecting(aws, app, lambda_context) -> None:
    response = app.lambda_handler(url_event(valid(aws)), lambda_context)
    assert response["statusCode"] == 404 and response["body"] == GONE.body
    assert "Location" not in response["headers"]


@pytest.mark.parametrize(("method", "path"), [("POST", "/"), ("PUT", "/"), ("GET", "/favicon.ico"),
                                              ("GET", "/runs/xgb-digits-20240601/reports/index.html")])
def test_only_a_get_of_the_root_is_answered(aws, app, lambda_context, method, path) -> None:
    put_report(aws["s3"])
    response = app.lambda_handler(url_event(valid(aws), method=method, path=path), lambda_context)
    assert response["statusCode"] == 404 and "Location" not in response["headers"]


def test_no_query_at_all_gets_the_refusal_page(aws, app, lambda_context) -> None:
    response = app.lambda_handler(url_event(None), lambda_context)
    assert response["statusCode"] == 403 and response["body"] == REFUSED.body


def test_the_token_and_the_presigned_url_never_reach_the_log(aws, lambda_context, monkeypatch) -> None:
    # Given the most talkative logging a deployer could set
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    app = load_function("report_link")
    from amt_pipeline.observability import logger  # every handler's logger

    handler = logger.registered_handler
    output = io.StringIO()
    previous = handler.setStream(output)
    put_report(aws["s3"])
    good, bad = valid(aws), {**valid(aws), "sig": "C" * 43}
    # When a good and a tampered link are opened
    try:
        opened = app.lambda_handler(url_event(good), lambda_context)
        app.lambda_handler(url_event(bad), lambda_context)
    finally:
        handler.setStream(previous)
    # Then the log says what happened, by run id and reason, and holds no token or signed URL
    log = output.getvalue()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{") and '"level"' in line]
    assert {line["message"] for line in lines} >= {"report link opened", "report link refused"}
    assert any(line.get("reason") == "bad-signature" for line in lines)
    for secret in (good["sig"], bad["sig"], urlencode(good), parse_qs(urlsplit(opened["headers"]["Location"]).query)[
            "X-Amz-Signature"][0], "s" * 64):
        assert secret not in log


def test_the_key_is_read_once_per_few_minutes_and_a_new_secret_revokes_every_link(aws) -> None:
    calls = []

    class CountingSecrets:
        def get_secret_value(self, *, SecretId: str) -> dict:
            calls.append(SecretId)
            return aws["secrets"].get_secret_value(SecretId=SecretId)

    clock = [0.0]
    cached = CachedKey(CountingSecrets(), aws["arn"], max_age=300, clock=lambda: clock[0])
    old_link = valid(aws)
    assert [cached.get() for _ in range(100)][-1] == aws["key"] and len(calls) == 1
    # When the secret is changed (README: revoking every link)
    aws["secrets"].put_secret_value(SecretId=aws["arn"], SecretString="n" * 64)
    clock[0] = 299.0
    assert check_link(cached.get(), old_link, time.time()).run_id == RUN  # a warm function, within 5 minutes
    clock[0] = 300.0
    assert check_link(cached.get(), old_link, time.time()).refusal is Refusal.BAD_SIGNATURE
    assert len(calls) == 2


def test_a_short_secret_is_refused(aws) -> None:
    aws["secrets"].put_secret_value(SecretId=aws["arn"], SecretString="short")
    with pytest.raises(ValueError, match="at least 32"):
        read_key(aws["secrets"], aws["arn"])
