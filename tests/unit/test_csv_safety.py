"""CSV injection (OWASP): trials.csv neutralises every cell a spreadsheet would run as a formula,
keeps numbers as numbers, and trials.json keeps the exact values."""

from __future__ import annotations

import csv
import io
import json

import pytest

from amt_pipeline.trials.csv_safety import neutralise_csv_text
from amt_pipeline.trials.report_input import trials_csv
from tests import synthetic
from tests.layer_helpers import trials_json

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+9)*cmd",
           "\t=1+1", "\r=1+1", "-", "+", "=", "@"]
NUMBERS = ["-0.25", "-1", "+3", "-1e-05", "-.5", "1.5E+10", "0", "-7."]
PLAIN = ["gbtree", "", "a=b", "1+1", "'quoted", " =1", "x-1", "2026-11-28T10:15:00+00:00"]
# Cases both this rule and its JavaScript twin (csv_safety.NEUTRALISE_CSV_TEXT_JS) are run on.
CASES = HOSTILE + NUMBERS + PLAIN + ["-inf", "-nan", "-1-1", "--1", "-1e", "-\u0663", "+1\n=2"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert neutralise_csv_text(text) == "'" + text


@pytest.mark.parametrize("text", NUMBERS + PLAIN)
def test_numbers_and_plain_text_are_left_alone(text: str) -> None:
    assert neutralise_csv_text(text) == text


def test_not_a_number_after_all_is_neutralised() -> None:
    for text in ("-inf", "-nan", "-1-1", "--1", "-1e", "-\u0663", "+1\n=2"):
        assert neutralise_csv_text(text) == "'" + text, text


def spreadsheet_would_run(cell: str) -> bool:
    if not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def hostile_report():
    ri = synthetic.report_input(12, seed=3, categorical=("gbtree", "=1+2", "@SUM(A1)", "-2+3"))
    row = ri.trials[0]
    row["FailureReason"] = "=HYPERLINK(\"http://evil\")"
    row["TrainingJobStatus"] = "Failed"
    return ri


def test_trials_csv_neutralises_hostile_values_and_keeps_numbers() -> None:
    ri = hostile_report()
    rows = list(csv.DictReader(io.StringIO(trials_csv(ri))))
    cells = [value for row in rows for value in row.values()]
    assert not [c for c in cells if spreadsheet_would_run(c)]
    assert "'=HYPERLINK(\"http://evil\")" in {row.get("FailureReason") for row in rows}
    assert {"'=1+2", "'@SUM(A1)", "'-2+3"} & {row["booster"] for row in rows}
    # every number is written as before: Python's repr, negative ones included
    for row, trial in zip(rows, ri.all_trials, strict=True):
        for column, value in trial.items():
            if isinstance(value, float) and value == value:
                assert row[column] == repr(value)


def test_trials_json_keeps_the_exact_values() -> None:
    ri = hostile_report()
    values = {row.get("FailureReason") for row in json.loads(trials_json(ri))}
    assert "=HYPERLINK(\"http://evil\")" in values
