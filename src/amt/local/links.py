"""The report link on this machine: the stack's link function behind a server on 127.0.0.1.

On AWS the notification's link is ReportLinkFunction's function URL with a
token; the function checks it and redirects to a presigned S3 URL. Here the
same function (functions/report_link/app.py, loaded by LocalFunctions) answers
``GET /`` of a ThreadingHTTPServer, with the event a function URL sends. Its
redirect points into the emulated S3, which no browser can reach, so the server
rewrites it to ``/s3/<key>?<the presigned query>`` and serves that object
itself, only for a URL the function handed out and only while its presigned
time lasts (as S3 would). Nothing else is served.

The link secret and the port are kept in ``<out>/state/report-link.json``, so
the links a local run printed keep working across runs and under
``amt local serve <out>``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from amt_pipeline.run.layout import reports_glob

HOST = "127.0.0.1"
STATE_FILE = "report-link.json"
LINK_FUNCTION = "ReportLinkFunction"  # the template's function behind a function URL
# (function URL event as JSON) -> (response JSON, function error or None)
Invoke = Callable[[bytes], tuple[bytes, str | None]]
# key -> (body, content type), or None when there is no such object
ReadObject = Callable[[str], tuple[bytes, str] | None]


def content_type(key: str) -> str:
    """The content type the report steps store each report file with."""
    suffix = key.rsplit(".", 1)[-1]
    return {"html": "text/html; charset=utf-8", "json": "application/json",
            "csv": "text/csv; charset=utf-8"}.get(suffix, "application/octet-stream")


@dataclass(frozen=True)
class LinkState:
    """What a local run's links need to keep working: the secret they are signed with, and where."""

    secret: str
    port: int = 0

    @classmethod
    def load(cls, state_dir: Path) -> LinkState:
        path = state_dir / STATE_FILE
        if path.exists():
            return cls(**json.loads(path.read_text()))
        return cls(secret=secrets.token_urlsafe(48))

    def save(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / STATE_FILE
        path.write_text(json.dumps(asdict(self)))
        path.chmod(0o600)


class LinkServer:
    """A function URL for one function, on 127.0.0.1, and the reports its redirects point to."""

    def __init__(self, port: int = 0, *, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._invoke: Invoke | None = None
        self._read: ReadObject | None = None
        self._bucket = ""
        self._issued: dict[tuple[str, str], float] = {}  # (key, presigned query) -> until
        self._lock = threading.Lock()
        try:
            self._server = ThreadingHTTPServer((HOST, port), self._handler_class())
        except OSError:  # the port of an earlier run is taken: a new one (earlier links then need `amt link`)
            self._server = ThreadingHTTPServer((HOST, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="report-link", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """What the function URL's FunctionUrl attribute is on AWS (with its trailing slash)."""
        return f"http://{HOST}:{self.port}/"

    def attach(self, invoke: Invoke, bucket: str, read_object: ReadObject) -> None:
        """Serve, with the link function and the bucket its redirects point into (until then,
        requests wait in the listen queue of the bound port)."""
        self._invoke, self._bucket, self._read = invoke, bucket, read_object
        if not self._thread.is_alive():
            self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------ requests
    def function_url_event(self, method: str, target: str, headers: dict[str, str]) -> dict[str, Any]:
        """The event a Lambda function URL sends (payload format 2.0)."""
        parts = urlsplit(target)
        query = {k: ",".join(v) for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        return {
            "version": "2.0", "routeKey": "$default", "rawPath": parts.path, "rawQueryString": parts.query,
            "headers": {k.lower(): v for k, v in headers.items()},
            "queryStringParameters": query or None,
            "requestContext": {"http": {"method": method, "path": parts.path, "protocol": "HTTP/1.1",
                                        "sourceIp": HOST}, "timeEpoch": int(self.clock() * 1000)},
            "isBase64Encoded": False,
        }

    def answer(self, method: str, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if urlsplit(target).path.startswith("/s3/"):
            return self._object(target)
        if self._invoke is None:
            return 503, {"Content-Type": "text/plain"}, b"the local run is starting"
        payload, error = self._invoke(json.dumps(self.function_url_event(method, target, headers)).encode())
        response = json.loads(payload)
        if error:  # what a function URL answers for a function error
            return 502, {"Content-Type": "text/plain"}, b"Internal Server Error"
        out_headers = dict(response.get("headers") or {})
        if "Location" in out_headers:
            out_headers["Location"] = self._local_location(out_headers["Location"])
        return int(response["statusCode"]), out_headers, str(response.get("body") or "").encode()

    def _local_location(self, presigned: str) -> str:
        """The emulated S3's presigned URL, as a URL of this server, remembered until it expires."""
        parts = urlsplit(presigned)
        path = unquote(parts.path)
        key = path[1:] if parts.netloc.startswith(f"{self._bucket}.") else path.removeprefix(f"/{self._bucket}/")
        query = parse_qs(parts.query)
        seconds = int((query.get("X-Amz-Expires") or ["0"])[0])
        with self._lock:
            self._issued[(key, parts.query)] = self.clock() + seconds
        return f"{self.url}s3/{quote(key)}?{parts.query}"

    def _object(self, target: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        key = unquote(parts.path.removeprefix("/s3/"))
        with self._lock:
            until = self._issued.get((key, parts.query), 0.0)
        found = self._read(key) if self._read and self.clock() < until else None
        if found is None:  # as S3 answers a presigned URL past its time
            return 403, {"Content-Type": "text/plain"}, b"AccessDenied: Request has expired"
        body, content_type = found
        return 200, {"Content-Type": content_type, "Cache-Control": "no-store"}, body

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                status, headers, body = server.answer(self.command, self.path, dict(self.headers.items()))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = do_POST = _reply  # http.server's names

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line holds the token: no access log

        return Handler


def object_reader(s3: Any, bucket: str) -> ReadObject:
    """What the server serves a redirect's object from: the (emulated) bucket."""

    def read(key: str) -> tuple[bytes, str] | None:
        try:
            found = s3.get_object(Bucket=bucket, Key=key)
        except s3.exceptions.NoSuchKey:
            return None
        return found["Body"].read(), found.get("ContentType", "application/octet-stream")

    return read


def restore_reports(s3: Any, bucket: str, bucket_dir: Path) -> None:
    """Earlier runs' reports (their mirrored files) back into a fresh emulated bucket."""
    for path in sorted(bucket_dir.glob(reports_glob())):
        key = path.relative_to(bucket_dir).as_posix()
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type(key))


@contextmanager
def link_server(state_dir: Path, *, clock: Callable[[], float] = time.time) -> Iterator[tuple[LinkServer, LinkState]]:
    """A server bound to the port the state remembers (or a new one), the state saved with it;
    it serves once ``attach``ed."""
    state = LinkState.load(state_dir)
    server = LinkServer(state.port, clock=clock)
    state = LinkState(secret=state.secret, port=server.port)
    state.save(state_dir)
    try:
        yield server, state
    finally:
        server.close()
