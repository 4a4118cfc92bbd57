"""`amt local run`'s live view: what `amt watch --local` shows, drawn while the run goes on, and
the in-progress report copied out of the emulated bucket so that a browser can open it.

The engine calls ``update`` on every trial change (from its own thread). At most once every
``min_seconds`` (and always at the job's end) the view asks the run's state folder what `amt
watch --local` would ask it (one describe, one list page, through a read-only engine of its
own) and redraws; then, if TrackProgress re-rendered ``runs/<id>/reports/index.html`` in the
emulated bucket since, it writes it to ``<out>/bucket/runs/<id>/reports/index.html``, where the
final report lands too when the run ends.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from amt.cli.watch import LATEST_PAGE
from amt.cli.watch_view import LiveView
from amt_pipeline.live.progress import Progress
from amt_pipeline.run.layout import RunLayout


class LocalLiveView:
    def __init__(self, out_dir: Path, *, stream: TextIO | None = None, terminal: bool | None = None,
                 min_seconds: float = 1.0, clock: Any = time.monotonic):
        self.out_dir = Path(out_dir).resolve()  # the report link is a file:// URI, which needs an absolute path
        self.view = LiveView(stream or sys.stderr, terminal=terminal)
        self.min_seconds, self.clock = min_seconds, clock
        self._engine: Any = None
        self._s3: Any = None
        self._shown_at = -float("inf")
        self._etag: str | None = None
        self._lock = threading.Lock()
        self.report_path: Path | None = None
        self.copies = 0  # in-progress reports copied out (tests)

    def __enter__(self) -> LocalLiveView:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._engine is not None:
            self._engine.close()

    def update(self, tuning_progress: Any) -> None:
        """The engine's on_progress callback (a TuningProgress: its job name and counts)."""
        ended = tuning_progress.completed + tuning_progress.failed + tuning_progress.stopped >= tuning_progress.total
        with self._lock:
            if not ended and self.clock() - self._shown_at < self.min_seconds:
                return
            self._shown_at = self.clock()
            self.refresh(tuning_progress.job_name)

    def refresh(self, job: str) -> Progress:
        engine = self._read_only_engine()
        describe = engine.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)
        page = engine.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=job, MaxResults=LATEST_PAGE, SortBy="CreationTime", SortOrder="Descending")
        progress = Progress.from_describe(describe, datetime.now(UTC))
        self._copy_report(describe)
        extra = [f"report so far: {self.report_path.as_uri()}"] if self.report_path else []
        self.view.show(progress, page.get("TrainingJobSummaries", []), extra=extra)
        return progress

    def _read_only_engine(self) -> Any:
        if self._engine is None:
            from amt.local.engine import InMemoryUriStore, LocalSageMaker

            self._engine = LocalSageMaker(storage=InMemoryUriStore(), state_dir=self.out_dir / "state")
        return self._engine

    def _copy_report(self, describe: dict[str, Any]) -> None:
        """The emulated bucket's in-progress report, as a file, when it changed."""
        import boto3
        from botocore.exceptions import ClientError

        output = describe.get("TrainingJobDefinition", {}).get("OutputDataConfig", {}).get("S3OutputPath", "")
        try:
            layout = RunLayout.from_output_uri(output)
        except ValueError:
            return
        if self._s3 is None:  # this thread's own session: boto3's default one is not thread-safe
            self._s3 = boto3.session.Session().client("s3")
        try:
            obj = self._s3.get_object(Bucket=layout.bucket, Key=layout.report_html_key)
        except ClientError:
            return  # none rendered yet
        if obj["ETag"] == self._etag:
            return
        path = self.out_dir / "bucket" / layout.report_html_key
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".html.partial")
        partial.write_bytes(obj["Body"].read())
        partial.replace(path)  # a browser reloading it never reads half a page
        self._etag, self.report_path = obj["ETag"], path
        self.copies += 1
