"""The tuning report: one self-contained HTML page (charts by Altair, Vega scripts inlined)."""

from amt_pipeline.report.render import render_report

__all__ = ["render_report"]
