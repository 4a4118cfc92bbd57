"""The in-progress report: the final report's page so far, with a banner and a meta refresh.

``render_in_progress`` is the report's own ``render_report`` plus two insertions (a banner
right after <body>, a meta refresh right after <head>), so the final report (rendered by
RenderReport, untouched) has neither. ``publish_in_progress`` writes it with an S3
conditional write, so that it never replaces the final report:

- every in-progress page carries the object metadata ``amt-report: in-progress``; an
  ``index.html`` without it is the final report, and is left alone;
- the put is conditioned on the ETag the HEAD saw (``If-Match``), or on there being no
  object yet (``If-None-Match: *``): a final report written between the HEAD and the put
  makes the put fail with 412 instead of overwriting it.
"""

from __future__ import annotations

import html
import re
from typing import Any

from amt_pipeline.aws.adapters import HTML_CONTENT_TYPE, ObjectStore
from amt_pipeline.facts import format_duration
from amt_pipeline.live.progress import Progress
from amt_pipeline.trials.report_input import ReportInput

IN_PROGRESS_METADATA_KEY = "amt-report"
IN_PROGRESS = "in-progress"
REFRESH_SECONDS = 60
BANNER_ID = "amt-in-progress"
_BANNER_STYLE = ("position:sticky;top:0;z-index:10;margin:0 0 1em;padding:.6em 1em;background:#fff4ce;"
                 "border:1px solid #e0b100;border-radius:4px;font-weight:600")


def banner_html(progress: Progress, refresh_seconds: int = REFRESH_SECONDS) -> str:
    running = f"{progress.running} running" if progress.running else "none running"
    return (
        f"<div id='{BANNER_ID}' role='status' style='{_BANNER_STYLE}'>"
        f"<span class='amt-banner-text'>{html.escape(progress.banner())}</span>"
        f"<br><span style='font-weight:normal'>{running}; elapsed {format_duration(progress.elapsed)}. "
        f"This page reloads every {refresh_seconds} s while the job runs; "
        "the final report replaces it when the job ends.</span></div>"
    )


def add_in_progress(page: str, progress: Progress, refresh_seconds: int = REFRESH_SECONDS) -> str:
    refresh = f"<meta http-equiv='refresh' content='{refresh_seconds}'>"
    page, heads = re.subn(r"(<head[^>]*>)", lambda m: m.group(1) + refresh, page, count=1)
    page, bodies = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + banner_html(progress, refresh_seconds),
                           page, count=1)
    if heads != 1 or bodies != 1:
        raise ValueError("the report page has no <head> or no <body> to mark as in progress")
    return page


def render_in_progress(report_input: ReportInput, progress: Progress,
                       refresh_seconds: int = REFRESH_SECONDS) -> str:
    from amt_pipeline.report.render import render_report

    return add_in_progress(render_report(report_input, generated_at=progress.now), progress, refresh_seconds)


def is_in_progress(head: dict[str, Any] | None) -> bool:
    return bool(head) and (head or {}).get("Metadata", {}).get(IN_PROGRESS_METADATA_KEY) == IN_PROGRESS


def publish_in_progress(objects: ObjectStore, key: str, page: str) -> bool:
    """Write the in-progress page unless a final report is there (or lands meanwhile); True if written."""
    head = objects.head(key)
    if head is not None and not is_in_progress(head):
        return False  # the final report: never replaced
    return objects.put_if_unchanged(key, page.encode("utf-8"), HTML_CONTENT_TYPE, etag=head["ETag"] if head else None,
                                    metadata={IN_PROGRESS_METADATA_KEY: IN_PROGRESS}, cache_control="no-cache")
