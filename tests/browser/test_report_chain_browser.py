"""A chain round's report draws the whole chain (issue 21), read back from Chromium's scenegraph:
each round a series (its tuning job's colour), a band per round for its range on each numeric
hyperparameter's chart, and the chain's best so far as a point per round on the objective over time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from amt_pipeline.report.render import render_report
from tests.browser.report_page import data_marks, open_report
from tests.synthetic import report_input

pytestmark = pytest.mark.browser

CHAIN = "xgb-digits"
# Round 3 of a chain whose rounds 1 and 2 are its warm-start parents; eta widened twice, max_depth once.
ROUNDS = [
    {"round": 1, "run_id": f"{CHAIN}-p1", "best_so_far": 0.87222,
     "ranges": {"eta": {"type": "Continuous", "min_value": 0.1, "max_value": 0.25},
                "max_depth": {"type": "Integer", "min_value": 5, "max_value": 10}}},
    {"round": 2, "run_id": f"{CHAIN}-p2", "best_so_far": 0.88333,
     "ranges": {"eta": {"type": "Continuous", "min_value": 0.1, "max_value": 0.4},
                "max_depth": {"type": "Integer", "min_value": 1, "max_value": 10}}},
    {"round": 3, "run_id": CHAIN, "best_so_far": 0.8963,
     "ranges": {"eta": {"type": "Continuous", "min_value": 0.1, "max_value": 0.7},
                "max_depth": {"type": "Integer", "min_value": 1, "max_value": 10}}},
]


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("chain")) / "report.html"
    path.write_text(render_report(report_input(40, parents=2), chain_rounds=ROUNDS), encoding="utf-8")
    opened, seen = open_report(browser, path)
    yield opened, seen
    opened.close()


def _marks(page, pattern: str, fields: tuple[str, ...]) -> dict[str, list[dict]]:
    """The explorer's data marks whose view name matches (Altair may suffix a view's name with '_<n>')."""
    return {m.name: m.items for m in data_marks(page, "explorer", fields) if re.fullmatch(pattern, m.name)}


def test_the_chain_draws_with_no_console_error_or_warning(page) -> None:
    _, seen = page
    assert seen.problems == []


def test_each_numeric_hyperparameters_chart_has_a_band_per_round_for_its_range(page) -> None:
    opened, _ = page
    bands = _marks(opened, r"param_.*_rounds(_\d+)?_marks", ("round_label", "tuning_job", "low", "high"))
    # Then eta's and max_depth's charts each draw one band per round, from its minimum to its maximum
    by_range = sorted(sorted((b["tuning_job"], b["low"], b["high"]) for b in items) for items in bands.values())
    assert by_range == [
        [(CHAIN, 0.1, 0.7), (f"{CHAIN}-p1", 0.1, 0.25), (f"{CHAIN}-p2", 0.1, 0.4)],
        [(CHAIN, 1, 10), (f"{CHAIN}-p1", 5, 10), (f"{CHAIN}-p2", 1, 10)],
    ]
    # And each band has its round's colour: the colour its tuning job's trials have
    points = _marks(opened, r"(param_.*_points|progress_points)_marks", ("tuning_job",))
    colour_of = {p["tuning_job"]: p["__fill"] for items in points.values() for p in items if "tuning_job" in p}
    for items in bands.values():
        assert len({b["__stroke"] for b in items}) == 3
        for band in items:
            assert band["__stroke"] == colour_of[band["tuning_job"]]


def test_the_chains_best_so_far_is_a_point_per_round(page) -> None:
    opened, _ = page
    [points] = _marks(opened, r"progress_chain_best(_\d+)?_marks", ("round_label", "chain_best")).values()
    assert [(p["round_label"], p["chain_best"]) for p in points] == [
        (f"round {r['round']} ({r['run_id']})", r["best_so_far"]) for r in ROUNDS]
    [line] = _marks(opened, r"progress_chain_best_line(_\d+)?_marks", ("chain_best",)).values()
    assert [p["chain_best"] for p in line] == [r["best_so_far"] for r in ROUNDS]
