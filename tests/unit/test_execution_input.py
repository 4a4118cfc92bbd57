"""The execution input: defaults are the post's example; every bad field is named."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amt_pipeline.errors import InvalidExecutionInput
from amt_pipeline.run.execution_input import MAX_INPUT_BYTES, parse_execution_input
from amt_pipeline.run.input_models import (
    BuiltinDataset,
    CategoricalRange,
    ContinuousRange,
    ExecutionInput,
    IntegerRange,
    S3Dataset,
)
from amt_pipeline.run.input_rules import input_warnings

BAD_INPUTS = sorted((Path(__file__).parent / "bad_inputs").glob("*.json"))


def fields_of(exc: pytest.ExceptionInfo[InvalidExecutionInput]) -> list[str]:
    return [e.field for e in exc.value.errors]


def test_empty_input_is_the_posts_example() -> None:
    # Given nothing at all / When parsed
    ei = parse_execution_input({})
    # Then every default is the post's
    assert ei.dataset == BuiltinDataset(name="digits", split="post", validation_fraction=0.3, seed=0)
    assert (ei.algorithm_version, ei.instance_type, ei.instance_count, ei.volume_size) == (
        "1.5-1",
        "ml.m5.large",
        1,
        5,
    )
    assert ei.hyperparameters == {
        "num_class": 10,
        "max_depth": 5,
        "eta": 0.2,
        "alpha": 0.2,
        "objective": "multi:softmax",
        "eval_metric": "accuracy",
        "num_round": 200,
        "early_stopping_rounds": 5,
    }
    assert ei.hyperparameter_ranges == {
        "alpha": ContinuousRange(type="Continuous", min_value=0.01, max_value=0.5),
        "eta": ContinuousRange(type="Continuous", min_value=0.1, max_value=0.5),
        "min_child_weight": ContinuousRange(type="Continuous", min_value=0, max_value=2),
        "max_depth": IntegerRange(type="Integer", min_value=1, max_value=10),
    }
    assert (ei.objective_metric_name, ei.objective_type) == ("validation:accuracy", "Maximize")
    assert (ei.strategy, ei.max_jobs, ei.max_parallel_jobs) == ("Bayesian", 50, 3)
    assert ei.early_stopping_type == "Off"
    assert ei.baseline is True
    assert ei.job_name is None and ei.warm_start is None and ei.tags == {}


def test_none_and_json_text_are_accepted() -> None:
    # Given the input as null, and as JSON text / Then both parse like a dict would
    assert parse_execution_input(None) == parse_execution_input({})
    assert parse_execution_input('{"max_jobs": 6, "max_parallel_jobs": 2}').max_jobs == 6


def test_user_dataset_is_recognised_by_its_uris() -> None:
    ei = parse_execution_input(
        {"dataset": {"train_uri": "s3://bkt/a/train/", "validation_uri": "s3://bkt/a/validation.csv"}}
    )
    assert ei.dataset == S3Dataset(train_uri="s3://bkt/a/train/", validation_uri="s3://bkt/a/validation.csv")


def test_given_hyperparameters_replace_the_defaults_as_a_whole() -> None:
    # Given static hyperparameters of the user's own (as the SDK's Estimator takes them)
    ei = parse_execution_input({"hyperparameters": {"num_round": 50, "objective": "binary:logistic"}})
    # Then they are the whole set (nothing of the post's is merged in)
    assert ei.hyperparameters == {"num_round": 50, "objective": "binary:logistic"}


def test_a_tuned_name_overrides_its_static_value() -> None:
    # Given the defaults: eta, alpha and max_depth are static AND tuned
    ei = parse_execution_input({})
    # Then the tuning job's static set drops them; the baseline keeps every static value
    assert set(ei.untuned_hyperparameters()) == {
        "num_class",
        "objective",
        "eval_metric",
        "num_round",
        "early_stopping_rounds",
    }
    assert ei.static_hyperparameters()["eta"] == "0.2"


def test_num_round_may_be_tuned_instead_of_set() -> None:
    ei = parse_execution_input(
        {
            "hyperparameters": {"objective": "multi:softmax", "num_class": 10},
            "hyperparameter_ranges": {"num_round": {"type": "Integer", "min_value": 50, "max_value": 300}},
        }
    )
    assert "num_round" in ei.hyperparameter_ranges


def test_grid_defaults_max_jobs_to_the_grid_size() -> None:
    # Given a Grid search of 3 x 2 categorical values and no max_jobs
    ei = parse_execution_input(
        {
            "strategy": "Grid",
            "hyperparameter_ranges": {
                "max_depth": {"type": "Categorical", "values": [3, 5, 7]},
                "booster": {"type": "Categorical", "values": ["gbtree", "dart"]},
            },
        }
    )
    # Then it runs every combination
    assert ei.grid_size() == 6 and ei.max_jobs == 6
    assert isinstance(ei.hyperparameter_ranges["booster"], CategoricalRange)


def test_default_parallelism_never_exceeds_a_small_budget() -> None:
    # Given 2 jobs and no max_parallel_jobs / Then parallelism is 2, not the default 3
    assert parse_execution_input({"max_jobs": 2}).max_parallel_jobs == 2
    # But an explicit contradiction is an error
    with pytest.raises(InvalidExecutionInput) as exc:
        parse_execution_input({"max_jobs": 2, "max_parallel_jobs": 3})
    assert fields_of(exc) == ["max_parallel_jobs"]


def test_random_may_run_up_to_10000_jobs() -> None:
    assert parse_execution_input({"strategy": "Random", "max_jobs": 10_000}).max_jobs == 10_000


def test_hyperband_takes_its_resources() -> None:
    ei = parse_execution_input(
        {"strategy": "Hyperband", "hyperband": {"min_resource": 5, "max_resource": 100}}
    )
    assert ei.hyperband is not None and (ei.hyperband.min_resource, ei.hyperband.max_resource) == (5, 100)


def test_reverse_logarithmic_accepts_a_range_within_zero_and_one() -> None:
    ei = parse_execution_input(
        {
            "hyperparameter_ranges": {
                "subsample": {
                    "type": "Continuous",
                    "min_value": 0,
                    "max_value": 0.99,
                    "scaling_type": "ReverseLogarithmic",
                }
            }
        }
    )
    assert ei.hyperparameter_ranges["subsample"].scaling_type == "ReverseLogarithmic"  # type: ignore[union-attr]


def test_every_error_is_listed_at_once() -> None:
    # Given an input wrong in five independent places
    raw = {
        "job_name": "bad_name",
        "strategy": "Genetic",
        "max_jobs": "50",
        "hyperparameter_ranges": {
            "eta": {"type": "Continuous", "min_value": 0.5, "max_value": 0.1},
            "depth": {"type": "Integer", "min_value": 1, "max_value": 3},
        },
        "colour": "blue",
    }
    # When parsed
    with pytest.raises(InvalidExecutionInput) as exc:
        parse_execution_input(raw)
    # Then each is named, and the message carries them all
    assert set(fields_of(exc)) == {
        "job_name",
        "strategy",
        "max_jobs",
        "colour",
        "hyperparameter_ranges.eta.min_value",
        "hyperparameter_ranges.depth",
    }
    assert "hyperparameter_ranges.eta.min_value" in str(exc.value)


def test_a_bad_field_does_not_trigger_rules_it_takes_part_in() -> None:
    # Given max_jobs of the wrong type and a parallelism above the default 50
    with pytest.raises(InvalidExecutionInput) as exc:
        parse_execution_input({"max_jobs": "100", "max_parallel_jobs": 60})
    # Then only max_jobs is reported: comparing 60 with the default 50 would mislead
    assert fields_of(exc) == ["max_jobs"]


def test_one_bad_range_does_not_hide_another() -> None:
    with pytest.raises(InvalidExecutionInput) as exc:
        parse_execution_input(
            {
                "hyperparameter_ranges": {
                    "eta": {"type": "Continuous", "min_value": "x", "max_value": 0.5},
                    "alpha": {"type": "Continuous", "min_value": 2, "max_value": 1},
                }
            }
        )
    assert set(fields_of(exc)) == {
        "hyperparameter_ranges.eta.min_value",
        "hyperparameter_ranges.alpha.min_value",
    }


def test_messages_are_plain_words() -> None:
    with pytest.raises(InvalidExecutionInput) as exc:
        parse_execution_input({"job_name": "a" * 33, "zz": 1, "strategy": "Genetic"})
    messages = {e.field: e.message for e in exc.value.errors}
    assert messages["job_name"] == f"{'a' * 33!r} is 33 characters; a tuning job name has at most 32"
    assert messages["zz"] == "is not a known field"
    assert "'Bayesian'" in messages["strategy"] and "Genetic" in messages["strategy"]


def test_input_just_under_the_size_limit_is_accepted() -> None:
    # Given tags that bring the input close to 64 KiB (but under 48 tags)
    tags = {f"k{i}": "v" * 256 for i in range(48)}
    assert len(json.dumps({"tags": tags})) < MAX_INPUT_BYTES
    assert len(parse_execution_input({"tags": tags}).tags) == 48


def test_contradicting_objective_direction_is_only_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    # Given accuracy minimised (SageMaker accepts it)
    with caplog.at_level(logging.WARNING):
        ei = parse_execution_input({"objective_type": "Minimize"})
    # Then it parses, with a warning saying so
    assert ei.objective_type == "Minimize"
    assert input_warnings(ei) == [
        "objective_type Minimize for validation:accuracy, a metric that is better when higher"
    ]
    assert "better when higher" in caplog.text


def test_the_model_dump_round_trips() -> None:
    ei = parse_execution_input({"strategy": "Random", "random_seed": 7, "tags": {"team": "ml"}})
    again = parse_execution_input(ei.model_dump(mode="json"))
    assert again == ei


def test_catalogue_is_large_enough() -> None:
    assert len(BAD_INPUTS) >= 40


@pytest.mark.parametrize("path", BAD_INPUTS, ids=[p.stem for p in BAD_INPUTS])
def test_bad_input_is_rejected_naming_its_field(path: Path) -> None:
    # Given a malformed input from the catalogue
    case = json.loads(path.read_text())
    # When parsed
    with pytest.raises(InvalidExecutionInput) as exc:
        parse_execution_input(case["input"])
    # Then the error names the field the catalogue says, with a message
    assert case["field"] in fields_of(exc), str(exc.value)
    assert all(e.message for e in exc.value.errors)


def test_model_rejects_direct_construction_of_unknown_fields() -> None:
    with pytest.raises(ValueError):
        ExecutionInput.model_validate({"nope": 1})


# ----------------------------------------------------------------- robustness
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(sorted(ExecutionInput.model_fields)) | st.text(max_size=8)
range_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["Continuous", "Integer", "Categorical", "X"])},
    optional={
        "min_value": json_scalars,
        "max_value": json_scalars,
        "scaling_type": st.sampled_from(["Auto", "Logarithmic", "ReverseLogarithmic", "Linear", "?"]),
        "values": st.lists(json_scalars, max_size=3),
    },
)
inputs = st.dictionaries(field_names, json_values, max_size=6) | st.fixed_dictionaries(
    {},
    optional={
        "strategy": st.sampled_from(["Bayesian", "Random", "Grid", "Hyperband", "x"]),
        "max_jobs": json_scalars,
        "max_parallel_jobs": json_scalars,
        "early_stopping_type": st.sampled_from(["Off", "Auto"]),
        "hyperparameter_ranges": st.dictionaries(
            st.sampled_from(["eta", "alpha", "max_depth", "booster", "nope"]), range_like, max_size=3
        ),
        "hyperband": st.dictionaries(st.sampled_from(["min_resource", "max_resource"]), json_scalars),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs)
def test_any_json_either_parses_or_names_its_fields(raw: dict) -> None:
    # Given any JSON object / When parsed
    try:
        ei = parse_execution_input(raw)
    except InvalidExecutionInput as exc:
        # Then a rejection names at least one field, each with a message
        assert exc.errors
        assert all(e.field and e.message for e in exc.errors)
    else:
        # Or the result is a complete, re-parseable input
        assert parse_execution_input(ei.model_dump(mode="json")) == ei


@pytest.mark.parametrize("name, kind, low, high", [("eta", "Continuous", 0.5, 0.1), ("max_depth", "Integer", 9, 2)])
def test_a_range_with_min_above_max_is_one_error_not_also_a_count_of_combinations(name, kind, low, high) -> None:
    # Given a range whose min is above its max (the only range), with the default 50 jobs
    bad = {"hyperparameter_ranges": {name: {"type": kind, "min_value": low, "max_value": high}}}
    # When it is parsed, Then that range is the one error: it is left out of the combinations' count
    with pytest.raises(InvalidExecutionInput) as exc:
        parse_execution_input(bad)
    assert fields_of(exc) == [f"hyperparameter_ranges.{name}.min_value"]
    # And beside a good range, only the good one is counted (Integer 1-3: 3 combinations for 50 jobs)
    two = {"hyperparameter_ranges": {**bad["hyperparameter_ranges"],
                                     "max_delta_step": {"type": "Integer", "min_value": 1, "max_value": 3}}}
    with pytest.raises(InvalidExecutionInput) as exc:
        parse_execution_input(two)
    assert fields_of(exc) == [f"hyperparameter_ranges.{name}.min_value", "max_jobs"]
    assert "only 3 distinct combinations" in str(exc.value)
