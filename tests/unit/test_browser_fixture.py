"""The browser tests' one Chromium fixture (tests/browser/conftest.py): skipped on a developer's
machine without Chromium, saying how to get it; FAILED under CI=true, never skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ONE_BROWSER_TEST = (
    "tests/browser/test_report_hostile_text_browser.py::test_the_javascript_twin_of_the_csv_rule_agrees_with_it"
)


def _run_without_chromium(ci: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": ci, "CHROMIUM": str(ROOT / "no-such-chromium")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", ONE_BROWSER_TEST],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_under_ci_a_missing_chromium_fails_the_browser_tests() -> None:
    result = _run_without_chromium("true")
    assert result.returncode == 1, result.stdout[-2000:]
    assert "the browser tests must run in CI" in result.stdout
    assert "skipped" not in result.stdout.splitlines()[-1]


def test_elsewhere_a_missing_chromium_skips_them_and_says_how_to_get_it() -> None:
    result = _run_without_chromium("")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 skipped" in result.stdout and "make browser" in result.stdout
