"""Render time and HTML size of the tuning report for 50, 500 and 5,000 synthetic trials, beside amtviz's.

    .venv/bin/python bench/bench_report.py [--repeat 3] [--sizes 50 500 5000] [--amtviz-python PY | --no-amtviz]

A script, not a test: it prints figures. Trials are synthetic (the post's
ranges, 1 in 7 failed, 1 in 11 stopped early, a 3-value categorical range).

When a virtualenv with SageMaker SDK v2's ``sagemaker.amtviz`` exists
(``.venv-amtviz``, else ``.venv-sdk`` if it has amtviz), the SAME trials are
also charted by amtviz's own code (``scripts/amtviz_render.py``, in a
subprocess of that virtualenv: the tuning job is served to the SDK as
SageMaker's wire responses, no AWS), and a second table puts both side by side
with ratios ours / amtviz. amtviz drops trials without an objective before it
charts; its ``to_html`` page loads Vega from a CDN (draws nothing offline),
its ``save(inline=True)`` page embeds the scripts as ours does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from amt_pipeline.report.render import render_report
from amt_pipeline.trials.report_input import ReportInput, json_safe
from amt_pipeline.trials.summary import summarize
from amt_pipeline.trials.table import trials_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds the synthetic jobs
from tests.synthetic import report_input, training_job_summaries, tuning_job_describe

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
CATEGORICAL = ("gbtree", "dart", "gblinear")
NAME = "xgb-digits"


def amtviz_python() -> Path | None:
    """The first virtualenv here whose Python has sagemaker.amtviz."""
    for venv in (ROOT / ".venv-amtviz", ROOT / ".venv-sdk"):
        python = venv / "bin" / "python"
        if python.exists() and any(venv.glob("lib/python3*/site-packages/sagemaker/amtviz/visualization.py")):
            return python
    return None


def same_trials_as_wire(n: int, ri: ReportInput) -> dict[str, Any]:
    """The report input's job as SageMaker's wire responses, checked to give the very same trials."""
    sys.path.insert(0, str(SCRIPTS))
    import sdk_trials_dataframe as oracle

    describe = tuning_job_describe(NAME, max_jobs=n, categorical=CATEGORICAL)
    summaries = training_job_summaries(NAME, n, seed=0, failed_every=7, stopped_every=11, categorical=CATEGORICAL)
    # The list call's columns are the same; the describe-only ones (final metrics, billable time) come on top.
    tables = trials_table(describe, summaries)
    listed = [{k: v for k, v in row.items() if k in table} for row, table in zip(ri.trials, tables, strict=True)]
    assert tables == listed, "synthetic.report_input changed: keep them in step"
    assert json_safe(describe) == ri.tuning_jobs[0]
    return oracle.wire_job(describe, summaries)


def run_amtviz(python: Path, n: int, ri: ReportInput, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "jobs.json"
        path.write_text(json.dumps({"jobs": [same_trials_as_wire(n, ri)]}))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
        done = subprocess.run(
            [str(python), str(SCRIPTS / "amtviz_render.py"), str(path), "--repeat", str(repeat)],
            capture_output=True,
            text=True,
            env=env,
            timeout=1800,
        )
    if done.returncode:
        raise SystemExit(f"amtviz_render.py failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)["results"][0]


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 500, 5000])
    parser.add_argument("--amtviz-python", type=Path, default=None, help="a Python with sagemaker.amtviz")
    parser.add_argument("--no-amtviz", action="store_true", help="only our report")
    args = parser.parse_args()
    viz_python = None if args.no_amtviz else (args.amtviz_python or amtviz_python())

    render_report(report_input(10))  # warm caches (bundle read, imports)
    print(f"{'trials':>7} {'render s (median)':>18} {'summary s':>10} {'json roundtrip s':>17} {'HTML MB':>8}")
    ours: dict[int, tuple[float, int]] = {}
    inputs: dict[int, ReportInput] = {}
    for n in args.sizes:
        ri = report_input(n, categorical=CATEGORICAL)
        inputs[n] = ri
        times, html = [], ""
        for _ in range(args.repeat):
            start = time.perf_counter()
            html = render_report(ri)
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        summarize(ri)
        summary_s = time.perf_counter() - start
        start = time.perf_counter()
        ReportInput.from_json(ri.to_json())
        json_s = time.perf_counter() - start
        ours[n] = (statistics.median(times), len(html.encode()))
        print(
            f"{n:>7} {statistics.median(times):>18.3f} {summary_s:>10.3f} {json_s:>17.3f} "
            f"{len(html.encode()) / 1e6:>8.2f}"
        )

    if viz_python is None:
        print("\namtviz: no .venv-amtviz (or .venv-sdk with sagemaker.amtviz): comparison skipped")
        return
    print(f"\nvs amtviz ({viz_python.parent.parent.name}), same trials; times are medians of {args.repeat}")
    header = (
        f"{'trials':>7} {'charted':>8} | {'ours s':>7} {'ours MB':>8} | {'amtviz charts+html s':>21} "
        f"{'html MB':>8} {'charts+inline s':>16} {'inline MB':>10} | {'ours/amtviz: time':>18} "
        f"{'time inline':>12} {'size':>6} {'size inline':>12}"
    )
    print(header)
    versions = None
    for n in args.sizes:
        r = run_amtviz(viz_python, n, inputs[n], args.repeat)
        versions = r["versions"]
        ours_s, ours_bytes = ours[n]
        html_s = r["charts_s"] + r["html_s"]
        inline_s = r["charts_s"] + r["inline_s"] if r["inline_s"] is not None else None
        inline_mb = f"{r['inline_bytes'] / 1e6:>10.2f}" if r["inline_bytes"] else f"{'-':>10}"
        inline_txt = f"{inline_s:>16.3f}" if inline_s is not None else f"{'-':>16}"
        print(
            f"{n:>7} {r['trials_charted']:>8} | {ours_s:>7.3f} {ours_bytes / 1e6:>8.2f} | {html_s:>21.3f} "
            f"{r['html_bytes'] / 1e6:>8.2f} {inline_txt} {inline_mb} | {_ratio(ours_s, html_s):>18} "
            f"{_ratio(ours_s, inline_s):>12} {_ratio(ours_bytes, r['html_bytes']):>6} "
            f"{_ratio(ours_bytes, r['inline_bytes']):>12}"
        )
    print(
        f"amtviz side: {', '.join(f'{k} {v}' for k, v in (versions or {}).items())}; amtviz charts "
        "only trials with an objective; 'html' loads Vega from a CDN, 'inline' embeds it"
    )


if __name__ == "__main__":
    main()
