"""What SageMaker's built-in XGBoost algorithm (versions 1.5-1 to 3.2-0) accept and emit.

One source for the execution-input validation (names a user may set or tune,
the objective metrics a tuning job may ask for) and for the local engine, which
rejects what SageMaker rejects. The rules themselves: ``xgboost_rules`` (after the container's own code).
"""

from __future__ import annotations

from typing import Literal

from amt_pipeline.run import xgboost_rules as rules

# The images the local engine runs (src/amt/local/images/catalog.py), all served by SageMaker.
SUPPORTED_VERSIONS = ("1.5-1", "1.7-1", "3.0-5", "3.2-0")
DEFAULT_VERSION = "1.5-1"

# Every hyperparameter name (or alias) some supported container accepts; per version:
# rules.user_hyperparameter_names(version).
HYPERPARAMETERS: frozenset[str] = frozenset().union(
    *(rules.user_hyperparameter_names(v) for v in SUPPORTED_VERSIONS)
)
REQUIRED_HYPERPARAMETERS: frozenset[str] = frozenset({"num_round"})


def _limits(interval: rules.Interval) -> tuple[float | None, float | None]:
    return interval.lower, interval.upper


# The bounds XGBoost accepts (lower, upper; None = unbounded), from the container's rules:
# the analysis keeps its proposed ranges within them.
HYPERPARAMETER_LIMITS: dict[str, tuple[float | None, float | None]] = {
    name: _limits(spec.domain)
    for name, spec in rules.hyperparameter_specs(DEFAULT_VERSION).items()
    if isinstance(spec.domain, rules.Interval) and not name.startswith("_")
}
HYPERPARAMETER_LIMITS.update({alias: HYPERPARAMETER_LIMITS[name] for alias, name in rules.ALIASES.items()})
# The same, with open and closed ends told apart (subsample takes (0, 1]: 0 itself is refused).
HYPERPARAMETER_DOMAINS: dict[str, rules.Interval] = {
    name: spec.domain
    for name, spec in rules.hyperparameter_specs(DEFAULT_VERSION).items()
    if isinstance(spec.domain, rules.Interval) and not name.startswith("_")
}
HYPERPARAMETER_DOMAINS.update({alias: HYPERPARAMETER_DOMAINS[name] for alias, name in rules.ALIASES.items()})
# Values at which a hyperparameter stops meaning "more of the same": XGBoost reads max_depth 0 and
# max_leaves 0 as "no limit" and max_delta_step 0 as "no constraint", not as the smallest setting.
# A range widened toward them stops short of them (trials.boundaries).
MEANING_CHANGES_AT: dict[str, float] = {"max_depth": 0, "max_leaves": 0, "max_delta_step": 0}

# Evaluation metrics the container's tuning can read, and the direction that is better.
METRIC_DIRECTIONS: dict[str, Literal["Maximize", "Minimize"]] = {
    name.split(":", 1)[1]: direction for name, direction in rules.OBJECTIVE_METRICS.items()
}

# The objective metrics the container defines: "validation:<metric>" (not train:*).
OBJECTIVE_METRICS: dict[str, Literal["Maximize", "Minimize"]] = dict(rules.OBJECTIVE_METRICS)
