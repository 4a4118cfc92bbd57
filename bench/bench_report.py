"""Render time and HTML size of the tuning report for 50, 500 and 5,000 synthetic trials.

    .venv/bin/python bench/bench_report.py [--repeat 3]

A script, not a test: it prints figures. Trials are synthetic (the post's
ranges, 1 in 7 failed, 1 in 11 stopped early, a 3-value categorical range).
"""

from __future__ import annotations

import argparse
import statistics
import time

from amt_pipeline.report import render_report
from amt_pipeline.report.synthetic import report_input
from amt_pipeline.report_input import ReportInput
from amt_pipeline.summary import summarize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 500, 5000])
    args = parser.parse_args()
    render_report(report_input(10))  # warm caches (bundle read, imports)
    print(
        f"{'trials':>7} {'render s (median)':>18} {'summary s':>10} {'json roundtrip s':>17} {'HTML MB':>8}"
    )
    for n in args.sizes:
        ri = report_input(n, categorical=("gbtree", "dart", "gblinear"))
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
        print(
            f"{n:>7} {statistics.median(times):>18.3f} {summary_s:>10.3f} {json_s:>17.3f} "
            f"{len(html.encode()) / 1e6:>8.2f}"
        )


if __name__ == "__main__":
    main()
