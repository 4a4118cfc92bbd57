"""Importance, range boundaries and the next search space, from hand-built trials."""

from __future__ import annotations

import random

import pytest

from amt_pipeline.report.charts import importance_spec
from amt_pipeline.run.execution_input import parse_execution_input
from amt_pipeline.trials.analysis import MIN_TRIALS_FOR_IMPORTANCE, hyperparameter_importance, rank_trials
from amt_pipeline.trials.boundaries import boundary_analysis
from amt_pipeline.trials.next_input import next_execution_input
from amt_pipeline.trials.table import Objective, ParameterRange
from tests.synthetic import tuning_job_describe

MAXIMIZE = Objective("validation:accuracy", "Maximize")
MINIMIZE = Objective("validation:mlogloss", "Minimize")
ETA = ParameterRange("eta", "Continuous", 0.1, 0.5)
DEPTH = ParameterRange("max_depth", "Integer", 1, 10)
ALPHA = ParameterRange("alpha", "Continuous", 0.01, 0.5, scaling="Logarithmic")


def _rows(n, objective_of, seed=0):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        eta, depth, alpha = rng.uniform(0.1, 0.5), float(rng.randint(1, 10)), 10 ** rng.uniform(-2, -0.3)
        rows.append(
            {
                "eta": eta,
                "max_depth": depth,
                "alpha": alpha,
                "TrainingJobName": f"t-{i:03d}",
                "TrainingJobStatus": "Completed",
                "FinalObjectiveValue": objective_of(eta, depth, alpha, rng),
            }
        )
    return rows


def test_ranking_respects_the_direction_and_leaves_out_trials_without_objective():
    rows = [
        {"TrainingJobName": "a", "FinalObjectiveValue": 0.2},
        {"TrainingJobName": "b", "FinalObjectiveValue": None},
        {"TrainingJobName": "c", "FinalObjectiveValue": 0.9},
        {"TrainingJobName": "d", "FinalObjectiveValue": float("nan")},
    ]
    assert [r["TrainingJobName"] for r in rank_trials(rows, MAXIMIZE)] == ["c", "a"]
    assert [r["TrainingJobName"] for r in rank_trials(rows, MINIMIZE)] == ["a", "c"]


def test_importance_refuses_to_guess_from_too_few_trials():
    # Given fewer trials than the minimum
    rows = _rows(MIN_TRIALS_FOR_IMPORTANCE - 1, lambda e, d, a, r: e)
    # When
    result = hyperparameter_importance(rows, {"eta": ETA, "max_depth": DEPTH})
    # Then it says so, and gives no figures
    assert result["enough_trials"] is False and result["parameters"] == []
    assert "Too few trials" in result["message"]


def test_importance_finds_the_one_hyperparameter_that_matters():
    # Given 80 trials whose objective depends on max_depth only (plus noise)
    rows = _rows(80, lambda e, d, a, r: 0.9 - 0.01 * (d - 4) ** 2 + r.gauss(0, 0.002))
    # When
    result = hyperparameter_importance(rows, {"eta": ETA, "max_depth": DEPTH, "alpha": ALPHA})
    # Then max_depth comes first, significant, and carries most of the importance; eta is not significant
    first, *rest = result["parameters"]
    assert first["name"] == "max_depth" and first["significant"] and first["importance"] > 0.8
    assert not next(p for p in rest if p["name"] == "eta")["significant"]
    assert sum(p["importance"] for p in result["parameters"]) == pytest.approx(1.0, abs=1e-3)


def test_importance_of_a_flat_objective_is_zero_everywhere():
    rows = _rows(20, lambda e, d, a, r: 0.5)
    result = hyperparameter_importance(rows, {"eta": ETA, "max_depth": DEPTH})
    assert all(p["importance"] == 0 for p in result["parameters"]) and "same objective" in result["message"]


def test_importance_that_no_hyperparameter_explains_says_so_and_draws_no_empty_chart():
    # Given 20 trials whose objective spreads, but both halves of eta's range hold the same objectives
    rows = [
        {"eta": 0.1 + 0.02 * i, "TrainingJobName": f"t-{i:03d}", "TrainingJobStatus": "Completed",
         "FinalObjectiveValue": 0.8 + 0.01 * (i % 5)}
        for i in range(20)
    ]
    # When
    result = hyperparameter_importance(rows, {"eta": ETA})
    # Then eta explains none of it, the message says there is nothing to draw, and the chart is left out
    assert [p["importance"] for p in result["parameters"]] == [0.0]
    assert "no importance to draw" in result["message"]
    assert importance_spec(result) is None


def test_best_trials_crowding_the_top_of_eta_extend_the_range_as_the_post_asks():
    # Given objective rising with eta, so the best trials sit near eta = 0.5
    rows = _rows(50, lambda e, d, a, r: 0.85 + 0.1 * e + r.gauss(0, 0.001))
    # When
    findings = {f["name"]: f for f in boundary_analysis(rows, {"eta": ETA, "max_depth": DEPTH}, MAXIMIZE)}
    # Then eta is flagged at its upper edge and the next range reaches past 0.5 (by its width)
    eta = findings["eta"]
    assert eta["edge"] == "upper" and "eta" in eta["warning"] and "maximum" in eta["warning"]
    assert (eta["suggested_min_value"], eta["suggested_max_value"]) == (0.1, 0.9)
    # And max_depth, which does not matter, keeps its range
    assert findings["max_depth"]["edge"] is None
    assert (findings["max_depth"]["suggested_min_value"], findings["max_depth"]["suggested_max_value"]) == (
        1,
        10,
    )


def test_a_range_already_at_xgboosts_limit_is_not_extended():
    # Given eta searched up to 1.0 (its maximum) with the best at the top
    wide = ParameterRange("eta", "Continuous", 0.5, 1.0)
    rows = [{"eta": 0.5 + i / 100, "FinalObjectiveValue": i, "TrainingJobName": str(i)} for i in range(50)]
    # When
    [finding] = boundary_analysis(rows, {"eta": wide}, MAXIMIZE)
    # Then it warns without proposing an impossible range
    assert finding["edge"] == "upper" and finding["at_limit"] is True
    assert finding["suggested_max_value"] == 1.0 and "as far as XGBoost allows" in finding["warning"]


def test_lower_edge_on_a_log_range_extends_by_a_factor_and_minimize_is_honoured():
    # Given alpha (log scale 0.01-0.5) where small values minimise the loss
    rows = _rows(60, lambda e, d, a, r: a + r.gauss(0, 1e-4))
    # When
    [finding] = boundary_analysis(rows, {"alpha": ALPHA}, MINIMIZE)
    # Then the lower edge is crowded and the next minimum is divided by 50 (the log width)
    assert finding["edge"] == "lower"
    assert finding["suggested_min_value"] == pytest.approx(0.01 / 50, rel=1e-3)
    assert finding["suggested_max_value"] == 0.5


def test_integer_ranges_extend_to_whole_numbers():
    rows = [
        {"max_depth": float(d), "FinalObjectiveValue": d, "TrainingJobName": str(i)}
        for i, d in enumerate([10, 10, 9, 9, 10, 2, 3, 4, 5, 6])
    ]
    [finding] = boundary_analysis(rows, {"max_depth": DEPTH}, MAXIMIZE)
    assert finding["edge"] == "upper" and finding["suggested_max_value"] == 19
    assert isinstance(finding["suggested_max_value"], int)


def test_too_few_trials_give_no_boundary_verdict():
    rows = _rows(3, lambda e, d, a, r: e)
    [finding] = boundary_analysis(rows, {"eta": ETA}, MAXIMIZE)
    assert finding["edge"] is None and "too few trials" in finding["message"]


def test_the_next_input_warm_starts_and_is_a_valid_execution_input():
    # Given the post's job, warm-started itself from one parent, with eta crowding its top
    describe = tuning_job_describe("round-2", parents=("round-1",))
    from amt_pipeline.trials.table import parameter_ranges

    ranges = parameter_ranges(describe)
    rows = _rows(50, lambda e, d, a, r: 0.85 + 0.1 * e)
    findings = boundary_analysis(rows, ranges, MAXIMIZE)

    # When the next input is suggested
    suggestion = next_execution_input(describe, ranges, findings, scored_trial_count=50)

    # Then it warm-starts from this job and its parent, with eta extended, and the input model accepts it
    assert suggestion["warm_start"] == {
        "parents": ["round-2", "round-1"],
        "type": "IdenticalDataAndAlgorithm",
    }
    assert suggestion["hyperparameter_ranges"]["eta"] == {
        "type": "Continuous",
        "min_value": 0.1,
        "max_value": 0.9,
    }
    assert suggestion["hyperparameter_ranges"]["alpha"]["scaling_type"] == "Logarithmic"
    assert suggestion["dataset"]["train_uri"].endswith("/data/train/")
    assert "_tuning_objective_metric" not in suggestion.get("hyperparameters", {})
    model = parse_execution_input(suggestion)
    assert model.warm_start is not None and model.hyperparameter_ranges["eta"].max_value == 0.9


def test_a_job_without_any_objective_suggests_no_warm_start():
    describe = tuning_job_describe("failed-job", status="Failed")
    from amt_pipeline.trials.table import parameter_ranges

    suggestion = next_execution_input(describe, parameter_ranges(describe), [], scored_trial_count=0)
    assert "warm_start" not in suggestion
    parse_execution_input(suggestion)


# --- The rule the follow-up rounds act on (issue 21) ------------------------------------------


def _ranked(values, name="max_depth"):
    """Trials whose objective falls with the list's order: the first value is the best trial's."""
    return [{name: float(v), "FinalObjectiveValue": 1.0 - i / 100, "TrainingJobName": str(i)}
            for i, v in enumerate(values)]


def test_the_issues_six_trial_run_gives_no_verdict_and_never_suggests_max_depth_0():
    # Given the issue's 6-trial run: the best of them at max_depth 1 (1 of the top 3 near the minimum)
    rows = _ranked([1, 6, 8, 4, 9, 3])
    # When
    [finding] = boundary_analysis(rows, {"max_depth": DEPTH}, MAXIMIZE)
    # Then six trials are too few to say anything, and the range is kept as it is
    assert finding["edge"] is None and "too few trials" in finding["message"]
    assert (finding["suggested_min_value"], finding["suggested_max_value"]) == (1, 10)


def test_max_depth_crowding_its_minimum_of_1_is_at_its_limit_because_0_means_no_limit():
    # Given 20 trials whose best five all have max_depth 1 or 2
    rows = _ranked([1, 1, 2, 1, 2, 5, 7, 9, 3, 6, 8, 10, 4, 5, 6, 7, 8, 9, 10, 3])
    # When
    [finding] = boundary_analysis(rows, {"max_depth": DEPTH}, MAXIMIZE)
    # Then the edge is crowded, but nothing "more of the same" lies below 1
    assert finding["edge"] == "lower" and finding["at_limit"] is True
    assert finding["suggested_min_value"] == 1 and "no limit" in finding["warning"]


def test_max_depth_crowding_a_higher_minimum_widens_down_to_1_at_most():
    # Given max_depth searched over 2-10, its best trials at 2 and 3
    rows = _ranked([2, 2, 3, 2, 3, 6, 8, 10, 5, 7, 9, 4, 6, 8, 10, 5, 7, 9, 4, 6])
    # When
    [finding] = boundary_analysis(rows, {"max_depth": ParameterRange("max_depth", "Integer", 2, 10)}, MAXIMIZE)
    # Then the next range reaches down to 1, never to 0
    assert finding["edge"] == "lower" and finding["at_limit"] is False
    assert (finding["suggested_min_value"], finding["suggested_max_value"]) == (1, 10)


def test_two_of_five_top_trials_near_an_edge_are_not_evidence_enough():
    # Given 20 trials, the best at eta's top but only one other top trial near it
    rows = _ranked([0.49, 0.3, 0.47, 0.2, 0.25, 0.15, 0.35, 0.22, 0.33, 0.28] * 2, name="eta")
    # When
    [finding] = boundary_analysis(rows, {"eta": ETA}, MAXIMIZE)
    # Then the range is kept
    assert finding["edge"] is None and finding["suggested_max_value"] == 0.5


def test_a_narrow_integer_range_needs_more_top_trials_at_its_edge():
    # Given max_depth 5-10 (an edge zone of 2 values in 6: chance 1/3, not 0.2), 3 of the 5 top at 5 or 6,
    # and as many of the worst trials there (no trend either)
    narrow = ParameterRange("max_depth", "Integer", 5, 10)
    rows = _ranked([5, 6, 9, 5, 8, 7, 9, 10, 8, 7, 9, 10, 8, 7, 9, 10, 5, 6, 5, 6])
    # When / Then: 3 of 5 at a chance of 1/3 happens 21% of the time: no verdict
    [finding] = boundary_analysis(rows, {"max_depth": narrow}, MAXIMIZE)
    assert finding["edge"] is None
    # And 4 of 5 (4.5%) is evidence
    rows = _ranked([5, 6, 5, 9, 6, 7, 9, 10, 8, 7, 9, 10, 8, 7, 9, 10, 8, 7, 9, 10])
    [finding] = boundary_analysis(rows, {"max_depth": narrow}, MAXIMIZE)
    assert finding["edge"] == "lower" and finding["crowd_p_value"] < 0.1
    # (5 - its width of 5 would be 0, "no limit": the next minimum stops at 1)
    assert (finding["suggested_min_value"], finding["suggested_max_value"]) == (1, 10)


def test_an_open_end_of_the_containers_domain_is_never_reached():
    # Given subsample (XGBoost takes (0, 1]) searched over 0.1-0.5, the best trials at its bottom
    spec = ParameterRange("subsample", "Continuous", 0.1, 0.5)
    rows = _ranked([0.11, 0.12, 0.1, 0.13, 0.15, 0.4, 0.3, 0.45, 0.35, 0.25] * 2, name="subsample")
    # When
    [finding] = boundary_analysis(rows, {"subsample": spec}, MAXIMIZE)
    # Then the next minimum lies between 0 and 0.1, never at 0
    assert finding["edge"] == "lower" and 0 < finding["suggested_min_value"] < 0.1


def test_a_trend_toward_an_edge_is_evidence_when_the_best_trial_is_a_noisy_draw_inside():
    # Given a narrow eta range (0.1-0.25) below the optimum: accuracy rises with eta, in steps of one
    # validation row (1/540) and noise of two rows, so the best trial need not sit near the top
    rng = random.Random(3)
    narrow = ParameterRange("eta", "Continuous", 0.1, 0.25)
    rows = []
    for i in range(20):
        eta = 0.1 + 0.15 * (i + rng.random()) / 20
        accuracy = round(0.85 + 0.1 * (eta - 0.1) + rng.gauss(0, 2 / 540), 5)
        rows.append({"eta": eta, "FinalObjectiveValue": accuracy, "TrainingJobName": str(i)})
    # When
    [finding] = boundary_analysis(rows, {"eta": narrow}, MAXIMIZE)
    # Then the upper edge moves, on the trend's evidence, which the warning states
    assert finding["edge"] == "upper" and finding["evidence"] == "trend"
    assert finding["rank_correlation"] > 0 and finding["trend_p_value"] < 0.05
    assert "gets better toward the maximum" in finding["warning"] and "rank correlation" in finding["warning"]
    assert finding["suggested_max_value"] == pytest.approx(0.4)


def test_on_pure_noise_the_rule_rarely_moves_a_range():
    # Given 200 jobs of 20 trials whose objective ignores eta (validation accuracy, noise of a few rows)
    flagged = 0
    for seed in range(200):
        rng = random.Random(seed)
        rows = [{"eta": rng.uniform(0.1, 0.5), "FinalObjectiveValue": round(0.87 + rng.gauss(0, 3 / 540), 5),
                 "TrainingJobName": str(i)} for i in range(20)]
        [finding] = boundary_analysis(rows, {"eta": ETA}, MAXIMIZE)
        flagged += finding["edge"] is not None
    # Then an edge moves in about one job in eight (the crowd rule's p < 0.1, then the trend's p < 0.05)
    assert flagged / 200 < 0.15, flagged


def test_a_trend_the_top_trials_do_not_follow_is_no_evidence():
    # Given objective rising with eta overall, but the five best trials at its bottom
    rows = _ranked([0.11, 0.12, 0.13, 0.11, 0.14] + [0.5 - i / 100 for i in range(15)], name="eta")
    # When
    [finding] = boundary_analysis(rows, {"eta": ETA}, MAXIMIZE)
    # Then the lower edge is the one crowded (the crowd rule), never the upper one
    assert finding["edge"] == "lower" and finding["evidence"] == "crowd"
