"""amtviz's own charts for emulated tuning jobs: render time and HTML size (the report benchmark's yardstick).

    .venv-amtviz/bin/python scripts/amtviz_render.py JOBS.json [--repeat 3]

Runs INSIDE a virtualenv with SageMaker Python SDK v2 (``sagemaker.amtviz``;
v3 removed it) and altair. JOBS.json is ``{"jobs": [...]}`` in the wire format
of ``scripts/sdk_trials_dataframe.py``, whose ``before-send`` handler answers
every SageMaker call (no AWS, fake credentials, anything else raises).

For each job it does what ``visualize_tuning_job(name, trials_only=True)`` does,
in its own steps so each can be timed:

* fetch: ``get_job_analytics_data`` (the SDK's ``HyperparameterTuningJobAnalytics``
  dataframe plus amtviz's clean-up: it drops trials without an objective);
* charts: ``create_charts`` (the altair chart tree);
* html: ``chart.to_html()`` (altair's default page: Vega scripts from a CDN,
  so it draws nothing offline);
* inline: ``chart.save(..., format="html", inline=True)`` (scripts embedded,
  offline-safe, like our report), when vl-convert-python is installed.

Prints JSON: one result per job with median seconds per step and HTML bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sdk_trials_dataframe as oracle  # the wire emulation, shared with the parity test


def _median_time(fn, repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def render(jobs: list[dict[str, Any]], repeat: int) -> list[dict[str, Any]]:
    oracle.install(oracle.wire_handler(jobs))
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    logging.disable(logging.INFO)  # amtviz logs the head of every frame
    from importlib.metadata import version

    import altair as alt
    import pandas as pd
    from sagemaker.amtviz import visualization as viz

    try:
        import vl_convert  # noqa: F401

        inline = True
    except ImportError:
        inline = False

    # Warm up (imports, altair's schema, vl-convert's JavaScript engine) outside the timings
    warm = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_point().encode(x="x:Q")
    warm.to_html()
    if inline:
        warm.save(io.StringIO(), format="html", inline=True)

    results = []
    for job in jobs:
        name = job["tuning_job_name"]

        def fetch(name: str = name):
            return viz.get_job_analytics_data(name)

        fetch_s, (trials_df, tuned, objective, minimize) = _median_time(fetch, repeat)

        def charts(trials_df=trials_df, tuned=tuned, objective=objective, minimize=minimize):
            # visualize_tuning_job(name, trials_only=True) after its fetch, step for step
            df = trials_df.copy()
            full_df = pd.DataFrame()
            df.columns = df.columns.map(viz._clean_parameter_name)
            full_df.columns = full_df.columns.map(viz._clean_parameter_name)
            return viz.create_charts(
                df,
                [viz._clean_parameter_name(p) for p in tuned],
                full_df,
                viz._clean_parameter_name(objective),
                minimize_objective=minimize,
                job_metrics=None,
                advanced=False,
            )

        charts_s, chart = _median_time(charts, repeat)
        html_s, html = _median_time(chart.to_html, repeat)
        result: dict[str, Any] = {
            "tuning_job_name": name,
            "trials_listed": sum(len(p["TrainingJobSummaries"]) for p in job["list_pages"]),
            "trials_charted": len(trials_df),
            "fetch_s": fetch_s,
            "charts_s": charts_s,
            "html_s": html_s,
            "html_bytes": len(html.encode()),
            "inline_s": None,
            "inline_bytes": None,
        }
        if inline:

            def save_inline(chart=chart) -> str:
                buffer = io.StringIO()
                chart.save(buffer, format="html", inline=True)
                return buffer.getvalue()

            result["inline_s"], page = _median_time(save_inline, repeat)
            result["inline_bytes"] = len(page.encode())
        result["versions"] = {
            "sagemaker": version("sagemaker"),
            "altair": alt.__version__,
            "pandas": pd.__version__,
            "vl-convert-python": version("vl-convert-python") if inline else None,
        }
        results.append(result)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jobs", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    jobs = json.loads(args.jobs.read_text())["jobs"]
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # SDK v2 logs its config lookup to stdout
        results = render(jobs, args.repeat)
    json.dump({"results": results}, out)
    out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
