"""The rules between the execution input's fields, run after each field passed its own checks.

``max_parallel_jobs`` vs ``max_jobs``, Grid vs range kinds, Hyperband vs early
stopping, names XGBoost knows. Each rule says which input paths it read, so
``parse_execution_input`` can skip a rule that a failed field takes part in:
one bad field never produces a spurious error in a rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from amt_pipeline.run import xgboost_algorithm as xgb
from amt_pipeline.run import xgboost_rules
from amt_pipeline.run.input_models import (
    MAX_JOBS,
    MAX_JOBS_RANDOM,
    MAX_RANGES,
    MAX_TAGS,
    RESERVED_TAG_PREFIXES,
    CategoricalRange,
    ContinuousRange,
    ExecutionInput,
    IntegerRange,
    hyperparameter_string,
)


def input_warnings(model: ExecutionInput) -> list[str]:
    """Legal but probably unintended settings (SageMaker accepts them; we only say so)."""
    warnings = []
    direction = xgb.OBJECTIVE_METRICS.get(model.objective_metric_name)
    if direction and direction != model.objective_type:
        warnings.append(
            f"objective_type {model.objective_type} for {model.objective_metric_name}, "
            f"a metric that is better when {'higher' if direction == 'Maximize' else 'lower'}"
        )
    warning = _baseline_metric_warning(model)
    if warning:
        warnings.append(warning)
    return warnings


def _baseline_metric_warning(model: ExecutionInput) -> str | None:
    """The baseline trains on the static hyperparameters alone: SageMaker adds the tuning objective's
    metric to the trials only (``_tuning_objective_metric``), so the baseline reports the objective
    only when ``eval_metric`` names it."""
    if not model.baseline or "eval_metric" in model.hyperparameter_ranges:
        return None
    metric = model.objective_metric_name.split(":", 1)[-1]
    given = model.hyperparameters.get("eval_metric")
    if given is None:
        return (f"hyperparameters.eval_metric is not set: the baseline reports only XGBoost's default metric "
                f"for its objective, maybe not {metric}, and then has no {model.objective_metric_name} to compare "
                f'with the tuned jobs; add "eval_metric": "{metric}"')
    names = [m.strip() for m in str(given).split(",")]
    if metric in names:
        return None
    return (f"hyperparameters.eval_metric {given!r} leaves out {metric}: the baseline will have no "
            f"{model.objective_metric_name} to compare with the tuned jobs; add it "
            f'("eval_metric": "{",".join([*names, metric])}")')


def fill_dependent_defaults(model: ExecutionInput) -> ExecutionInput:
    """Defaults that depend on other fields, filled only where the user left them out."""
    updates: dict[str, Any] = {}
    max_jobs = model.max_jobs
    if model.strategy == "Grid" and "max_jobs" not in model.model_fields_set:
        grid = model.grid_size()
        if grid and all(isinstance(r, CategoricalRange) for r in model.hyperparameter_ranges.values()):
            max_jobs = min(grid, MAX_JOBS)
            updates["max_jobs"] = max_jobs
    if "max_parallel_jobs" not in model.model_fields_set and model.max_parallel_jobs > max_jobs:
        updates["max_parallel_jobs"] = max_jobs
    if not updates:
        return model
    # model_copy keeps model_fields_set, so later rules still see what the user set.
    return model.model_copy(update=updates)


# ---------------------------------------------------------- rules between fields
@dataclass(frozen=True)
class RuleError:
    field: str
    message: str
    depends_on: tuple[tuple[str, ...], ...]  # input paths the rule read (skipped if one failed)


HP, HR = ("hyperparameters",), ("hyperparameter_ranges",)


def cross_field_errors(m: ExecutionInput) -> Iterator[RuleError]:
    """Every rule between fields that the model breaks, in the order of its fields."""
    for rules in (_hyperparameter_errors, _range_set_errors, _objective_errors, _job_count_errors,
                  _hyperband_errors, _warm_start_errors, _follow_up_errors, _tag_errors):
        yield from rules(m)


def _hyperparameter_errors(m: ExecutionInput) -> Iterator[RuleError]:
    known = xgboost_rules.user_hyperparameter_names(m.algorithm_version)
    for name in m.hyperparameters:
        if name not in known:
            yield RuleError(
                f"hyperparameters.{name}",
                f"XGBoost {m.algorithm_version} has no hyperparameter {name!r}",
                (("hyperparameters", name), ("algorithm_version",)),
            )
    for name in sorted(xgb.REQUIRED_HYPERPARAMETERS - set(m.hyperparameters) - set(m.hyperparameter_ranges)):
        yield RuleError(
            f"hyperparameters.{name}",
            "is required by XGBoost: set it here or tune it in hyperparameter_ranges",
            (HP, HR),
        )


def _range_set_errors(m: ExecutionInput) -> Iterator[RuleError]:
    if not m.hyperparameter_ranges:
        yield RuleError("hyperparameter_ranges", "a tuning job needs at least one range", (HR,))
    if len(m.hyperparameter_ranges) > MAX_RANGES:
        # API reference, ParameterRanges: the limit of 30 applies to each kind "and also the
        # maximum for the hyperparameter tuning job itself" (the sum over all kinds).
        yield RuleError(
            "hyperparameter_ranges",
            f"{len(m.hyperparameter_ranges)} ranges; a tuning job takes at most {MAX_RANGES} in all",
            (HR,),
        )
    for name, rng in m.hyperparameter_ranges.items():
        path = f"hyperparameter_ranges.{name}"
        dep = (("hyperparameter_ranges", name),)
        if name not in xgboost_rules.user_hyperparameter_names(m.algorithm_version):
            yield RuleError(
                path, f"XGBoost {m.algorithm_version} has no hyperparameter {name!r}", (*dep, ("algorithm_version",))
            )
        yield from (RuleError(f"{path}.{f}", msg, dep) for f, msg in _range_errors(rng))
        if m.strategy == "Grid" and not isinstance(rng, CategoricalRange):
            yield RuleError(
                f"{path}.type",
                f"strategy Grid takes Categorical ranges only, not {rng.type}",
                (*dep, ("strategy",)),
            )


def _objective_errors(m: ExecutionInput) -> Iterator[RuleError]:
    if m.objective_metric_name not in xgb.OBJECTIVE_METRICS:
        yield RuleError(
            "objective_metric_name",
            f"the XGBoost container defines no tuning metric {m.objective_metric_name!r}; "
            f"use validation:<{'|'.join(xgb.METRIC_DIRECTIONS)}> (its objective metrics are on the "
            "validation channel only)",
            (("objective_metric_name",),),
        )


def _job_count_errors(m: ExecutionInput) -> Iterator[RuleError]:
    limit = MAX_JOBS_RANDOM if m.strategy == "Random" else MAX_JOBS
    if m.max_jobs > limit:
        yield RuleError(
            "max_jobs",
            f"{m.max_jobs} training jobs; strategy {m.strategy} allows at most {limit:,}",
            (("max_jobs",), ("strategy",)),
        )
    if m.strategy == "Grid" and "max_jobs" in m.model_fields_set:
        grid = m.grid_size()
        if (
            all(isinstance(r, CategoricalRange) for r in m.hyperparameter_ranges.values())
            and m.max_jobs > grid
        ):
            yield RuleError(
                "max_jobs",
                f"{m.max_jobs} is more than the grid's {grid} combinations (leave it out to run them all)",
                (("max_jobs",), ("strategy",), HR),
            )
    if m.max_parallel_jobs > m.max_jobs:
        yield RuleError(
            "max_parallel_jobs",
            f"{m.max_parallel_jobs} parallel jobs is more than max_jobs ({m.max_jobs})",
            (("max_parallel_jobs",), ("max_jobs",), ("strategy",), HR),
        )


def _hyperband_errors(m: ExecutionInput) -> Iterator[RuleError]:
    if m.strategy == "Hyperband" and m.early_stopping_type != "Off":
        yield RuleError(
            "early_stopping_type",
            "must be Off with strategy Hyperband (Hyperband stops trials itself)",
            (("early_stopping_type",), ("strategy",)),
        )
    if m.hyperband is not None:
        if m.strategy != "Hyperband":
            yield RuleError(
                "hyperband",
                f"applies to strategy Hyperband only, not {m.strategy}",
                (("hyperband",), ("strategy",)),
            )
        lo, hi = m.hyperband.min_resource, m.hyperband.max_resource
        if lo is not None and hi is not None and lo > hi:
            yield RuleError(
                "hyperband.min_resource", f"{lo} is more than max_resource ({hi})", (("hyperband",),)
            )


def _warm_start_errors(m: ExecutionInput) -> Iterator[RuleError]:
    if m.warm_start is not None and len(set(m.warm_start.parents)) != len(m.warm_start.parents):
        yield RuleError("warm_start.parents", "names a parent tuning job twice", (("warm_start",),))
    if m.warm_start is not None and m.job_name is not None and m.job_name in m.warm_start.parents:
        yield RuleError(
            "warm_start.parents", f"{m.job_name!r} cannot be its own parent", (("warm_start",), ("job_name",))
        )


FU = ("follow_up",)


def _follow_up_errors(m: ExecutionInput) -> Iterator[RuleError]:
    fu = m.follow_up
    if fu is None:
        return
    if m.strategy == "Grid":
        yield RuleError("follow_up", "strategy Grid cannot be followed up: SageMaker does not warm-start a Grid "
                        "search, and its grid has no range edges to widen", (FU, ("strategy",)))
    round_size = fu.round_jobs if fu.round_jobs is not None else m.max_jobs
    if fu.max_total_jobs is not None and fu.max_total_jobs < m.max_jobs:
        yield RuleError("follow_up.max_total_jobs", f"{fu.max_total_jobs} is fewer than this round's max_jobs "
                        f"({m.max_jobs}): the chain's budget includes its first round", (FU, ("max_jobs",)))
    if fu.round_jobs is not None and fu.round_jobs < m.max_parallel_jobs:
        yield RuleError("follow_up.round_jobs", f"{fu.round_jobs} is fewer than max_parallel_jobs "
                        f"({m.max_parallel_jobs}): a later round runs with the same parallelism",
                        (FU, ("max_parallel_jobs",)))
    if m.strategy != "Random" and round_size > MAX_JOBS:
        yield RuleError("follow_up.round_jobs", f"{round_size} training jobs; a round takes at most {MAX_JOBS}",
                        (FU, ("max_jobs",), ("strategy",)))
    if fu.round > fu.max_rounds:
        yield RuleError("follow_up.round", f"round {fu.round} is past max_rounds ({fu.max_rounds})", (FU,))
    if fu.round > 1 and fu.chain_id is None:
        yield RuleError("follow_up.chain_id", f"round {fu.round} needs the chain it belongs to (the first round's "
                        "run id); the pipeline sets both on the rounds it starts", (FU,))
    if fu.round == 1 and fu.chain_id is not None:
        yield RuleError("follow_up.chain_id", "is set by the pipeline on later rounds only (round > 1); the first "
                        "round's run id is the chain's", (FU,))
    if fu.round > 1 and m.warm_start is None:
        yield RuleError("warm_start", f"round {fu.round} of a chain warm-starts from the earlier rounds",
                        (FU, ("warm_start",)))


def _tag_errors(m: ExecutionInput) -> Iterator[RuleError]:
    for key in m.tags:
        if key.lower().startswith("aws:") or key.startswith(RESERVED_TAG_PREFIXES):
            yield RuleError(
                f"tags.{key}",
                f"tag keys starting with {' or '.join(RESERVED_TAG_PREFIXES)} are reserved: AWS owns aws:, "
                "and the pipeline's own amt-pipeline: tags mark what it created (its event rules and "
                "cleanup select resources by them)",
                (("tags", key),),
            )
    own = m.pipeline_tag_count()
    if len(m.tags) > MAX_TAGS - own:
        yield RuleError(
            "tags",
            f"{len(m.tags)} tags; at most {MAX_TAGS - own} (the pipeline adds {own} of its own)",
            (("tags",), FU),
        )


def _range_errors(rng: ContinuousRange | IntegerRange | CategoricalRange) -> Iterator[tuple[str, str]]:
    if isinstance(rng, CategoricalRange):
        strings = [hyperparameter_string(v) for v in rng.values]
        if len(set(strings)) != len(strings):
            yield "values", "lists a value twice"
        return
    lo, hi = rng.min_value, rng.max_value
    if not (math.isfinite(lo) and math.isfinite(hi)):
        yield "min_value", "bounds must be finite numbers"
        return
    if lo > hi:
        yield "min_value", f"{lo} is more than max_value ({hi})"
    if rng.scaling_type == "Logarithmic" and lo <= 0:
        yield "min_value", f"Logarithmic scaling needs a range above 0; min_value is {lo}"
    if rng.scaling_type == "ReverseLogarithmic":
        # SageMaker: "works only for ranges that are entirely within 0 <= x < 1.0".
        if lo < 0:
            yield "min_value", f"ReverseLogarithmic scaling needs 0 <= min_value; min_value is {lo}"
        if hi >= 1:
            yield "max_value", f"ReverseLogarithmic scaling needs max_value < 1; max_value is {hi}"
