"""The report link of a local run (issue 11): the notification's link goes through the
stack's own link function, served on 127.0.0.1 while the run lasts and by
``LocalPipeline.serve`` later, and redirects to the report served by the same
server, never into the emulated S3."""

from __future__ import annotations

import http.client
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from amt.local.links import STATE_FILE
from amt.local.runtime import LocalPipeline
from amt_pipeline.report.link import DAY_SECONDS, PRESIGNED_SECONDS
from tests.integration.fake_sagemaker import FakeSageMaker

RUN = "link-check"


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


def notification_link(result) -> str:
    (note,) = result.notifications
    return re.search(r"^Report: (\S+)$", note["message"], re.MULTILINE).group(1)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """A local run (fake SageMaker) and what its link answered while the run was still serving it."""
    out = tmp_path_factory.mktemp("link") / "amt-local"
    seen: dict = {}

    def while_serving(result) -> None:
        link = notification_link(result)
        seen["link"] = get(link)
        seen["report"] = get(seen["link"][1]["Location"])
        seen["report_again"] = get(seen["link"][1]["Location"])
        seen["tampered"] = get(link.replace("run=" + RUN, "run=" + RUN + "x"))
        seen["guessed"] = get(f"http://127.0.0.1:{urlsplit(link).port}/s3/runs/{RUN}/reports/index.html")
        seen["favicon"] = get(f"http://127.0.0.1:{urlsplit(link).port}/favicon.ico")

    result = LocalPipeline(out, engine_factory=lambda **kw: FakeSageMaker(**kw), poll_seconds=0.02,
                           while_serving=while_serving).run({"job_name": RUN}, execution_name="x", timeout_seconds=120)
    assert result.succeeded, result.cause
    return out, result, seen


def test_the_notification_links_to_the_local_link_function_not_to_the_emulated_s3(local_run) -> None:
    _, result, _ = local_run
    link = urlsplit(notification_link(result))
    assert (link.scheme, link.hostname, link.path) == ("http", "127.0.0.1", "/")
    assert "amazonaws" not in result.notifications[0]["message"]
    assert set(dict(p.split("=", 1) for p in link.query.split("&"))) == {"run", "expires", "sig"}


def test_while_the_run_lasts_the_link_redirects_to_the_report_served_by_the_same_server(local_run) -> None:
    _, result, seen = local_run
    status, headers, _ = seen["link"]
    location = urlsplit(headers["Location"])
    assert status == 302 and headers["Cache-Control"] == "no-store"
    assert (location.hostname, location.port) == ("127.0.0.1", urlsplit(notification_link(result)).port)
    assert location.path == f"/s3/runs/{RUN}/reports/index.html" and "X-Amz-Signature=" in location.query
    status, headers, body = seen["report"]
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == result.report_path.read_bytes()
    assert seen["report_again"][0] == 200  # a presigned URL is good for several GETs while it lasts


def test_a_tampered_link_a_guessed_object_url_and_other_paths_get_nothing(local_run) -> None:
    _, _, seen = local_run
    status, headers, body = seen["tampered"]
    assert status == 403 and b"expired" in body and "Location" not in headers
    assert seen["guessed"][0] == 403  # only a URL the function handed out, as S3 checks a signature
    assert seen["favicon"][0] == 404


def test_later_the_same_link_opens_under_serve_and_gives_403_once_its_expiry_is_past(local_run) -> None:
    out, result, _ = local_run
    link = notification_link(result)
    clock = {"offset": 0.0}

    def at_offset() -> float:
        import time
        return time.time() + clock["offset"]

    answers = {}

    def wait(url: str) -> None:
        assert url == f"http://127.0.0.1:{urlsplit(link).port}/"  # the port the link names
        status, headers, _ = get(link)
        answers["now"] = (status, get(headers["Location"])[0])
        clock["offset"] = PRESIGNED_SECONDS + 1  # the redirect's presigned URL is minutes long
        answers["presigned later"] = get(headers["Location"])[0]
        clock["offset"] = 7 * DAY_SECONDS - 60
        answers["day 7"] = get(link)[0]
        clock["offset"] = 7 * DAY_SECONDS + 1
        answers["past expiry"] = get(link)

    LocalPipeline(out).serve(wait, clock=at_offset)
    assert answers["now"] == (302, 200)
    assert answers["presigned later"] == 403
    assert answers["day 7"] == 302
    status, _, body = answers["past expiry"]
    assert status == 403 and b"This report link has expired" in body and b"amt link" in body


def test_the_token_stays_out_of_the_handlers_log_and_the_secret_is_kept_private(local_run) -> None:
    out, result, _ = local_run
    sig = re.search(r"sig=([^&\s]+)", notification_link(result)).group(1)
    log = (out / "logs" / "lambdas.log").read_text()
    assert "report link opened" in log and "report link refused" in log
    assert sig not in log and "X-Amz-Signature" not in log
    state = out / "state" / STATE_FILE
    assert stat.S_IMODE(state.stat().st_mode) == 0o600


def test_the_port_of_an_earlier_run_is_kept(local_run, tmp_path: Path) -> None:
    out, result, _ = local_run
    ports = []
    LocalPipeline(out).serve(lambda url: ports.append(urlsplit(url).port))
    assert ports == [urlsplit(notification_link(result)).port]
