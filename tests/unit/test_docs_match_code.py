"""docs/execution-input.md says what the code does: the tuning metrics it lists are the ones the input accepts."""

from __future__ import annotations

import re
from pathlib import Path

from amt_pipeline.run import xgboost_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "execution-input.md"


def _row(field: str) -> str:
    (row,) = [line for line in DOC.read_text().splitlines() if line.startswith(f"| `{field}` |")]
    return row


def test_the_documented_tuning_metrics_are_the_accepted_ones() -> None:
    row = _row("objective_metric_name")
    maximized = re.search(r"maximized ([^;]+);", row).group(1).split(", ")  # type: ignore[union-attr]
    minimized = re.search(r"minimized ([^|]+) \|", row).group(1).split(", ")  # type: ignore[union-attr]
    assert maximized == list(xgboost_rules.XGB_MAXIMIZE_METRICS)
    assert minimized == list(xgboost_rules.XGB_MINIMIZE_METRICS)
    assert f"container's {len(xgboost_rules.OBJECTIVE_METRICS)} tuning metrics" in row
    assert "`train:` is refused" in row
    assert all(name.startswith("validation:") for name in xgboost_rules.OBJECTIVE_METRICS)


def test_the_docs_say_what_make_demo_runs() -> None:
    makefile = (DOC.parents[1] / "Makefile").read_text()
    assert re.search(r"^demo: .*\n\t\$\(VENV\)/bin/amt local run\n", makefile, re.M), "make demo: the default input"
    assert "`make demo` runs the post's 50 jobs" in _row("quick.json")
