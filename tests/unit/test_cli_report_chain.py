"""`amt report` of a chain's jobs draws the chain's rounds over the charts, as the round's own report
does: the rounds come from the latest chain record (chain.json) among the compared jobs."""

from __future__ import annotations

from typing import Any

from amt.cli.jobs import chain_rounds_of


def _round(n: int, run_id: str, best: float) -> dict[str, Any]:
    return {"round": n, "run_id": run_id, "best_so_far": best,
            "ranges": {"eta": {"type": "Continuous", "min_value": 0.1 * n, "max_value": 0.2 * n}}}


R1, R2, R3 = _round(1, "Chain-A-r1", 0.87), _round(2, "Chain-A-r2", 0.88), _round(3, "Chain-A-r3", 0.89)
RECORDS = {"Chain-A-r1": {"rounds": [R1]}, "Chain-A-r2": {"rounds": [R1, R2]}, "Chain-A-r3": {"rounds": [R1, R2, R3]}}


def test_the_latest_record_of_the_compared_jobs_gives_their_rounds() -> None:
    # Given three rounds of a chain, each with the record its follow-up decision wrote
    # When the user compares the first two
    rounds = chain_rounds_of(["Chain-A-r1", "Chain-A-r2"], RECORDS.get)
    # Then the second round's record gives both rounds; the third is not drawn
    assert rounds == [R1, R2]


def test_the_rounds_not_in_the_report_are_left_out_of_a_longer_record() -> None:
    # When the user compares the first and the third: the third's record is the latest
    assert chain_rounds_of(["Chain-A-r3", "Chain-A-r1"], RECORDS.get) == [R1, R3]


def test_jobs_of_no_chain_draw_no_rounds() -> None:
    assert chain_rounds_of(["some-job", "another"], RECORDS.get) == []
