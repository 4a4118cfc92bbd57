"""Render a ReportInput to one self-contained HTML page."""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from typing import Any

from amt_pipeline.report_input import ReportInput, json_safe

ASSET_PACKAGE = "amt_pipeline.report"
VEGA_BUNDLE = "vega-bundle.min.js"


@cache
def vega_bundle() -> str:
    return resources.files(ASSET_PACKAGE).joinpath("assets", VEGA_BUNDLE).read_text(encoding="utf-8")


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' can end or open a tag."""
    text = json.dumps(json_safe(value), allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def render_report(report_input: ReportInput) -> str:
    title = f"Tuning report: {report_input.tuning_job_name}"
    rows = "".join(
        f"<tr><td>{html.escape(str(t.get('TrainingJobName')))}</td>"
        f"<td>{html.escape(str(t.get('TrainingJobStatus')))}</td>"
        f"<td>{html.escape(str(t.get('FinalObjectiveValue')))}</td></tr>"
        for t in report_input.trials
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><table>{rows}</table>"
        f"<script>{vega_bundle()}</script>"
        "</body></html>"
    )
