"""A report's full-page screenshot as a reader sees it, for docs/ (README's pictures).

    .venv/bin/python scripts/report_screenshot.py REPORT.html OUT.png [--scale 0.75]

Opens the page in Chromium offline as the browser tests do (tests/browser/report_page.open_report:
every fetch cut, console errors and warnings recorded), waits until every chart is drawn, and saves
a full-page PNG of the 1,280 px wide page, scaled down so the file stays small. Exits 1, keeping
no picture, when the page logged an error or a warning (a chart that lost its data warns).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.browser, as bench scripts do

from tests.browser.conftest import ARGS, CHROMIUM
from tests.browser.report_page import open_report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a report's index.html")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--scale", type=float, default=0.75, help="device pixels per CSS pixel (default 0.75)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            _, seen = open_report(chromium, args.report.resolve(), screenshot=args.out, scale=args.scale)
        finally:
            chromium.close()
    if seen.problems:
        args.out.unlink(missing_ok=True)
        print("not kept: the page logged", *seen.problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"{args.out}: {args.out.stat().st_size:,} bytes, no console error or warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
