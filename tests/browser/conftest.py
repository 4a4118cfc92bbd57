"""The one headless Chromium of the browser tests (marker ``browser``).

Without Chromium or playwright a developer's run skips these tests and says how to get them;
under CI (``CI=true``) it FAILS instead: a CI run that silently drew no report proves nothing.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing_browser() -> str | None:
    """Why the tests cannot drive a browser here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (make dev)"
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (install it with `make browser`, or set CHROMIUM)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = missing_browser()
    if missing is not None:
        if in_ci():
            pytest.fail(f"{missing}: the browser tests must run in CI")
        pytest.skip(f"{missing}; set CI=true to fail instead")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
