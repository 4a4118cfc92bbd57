"""SageMaker's built-in XGBoost, the engine's side of it: what the container checks before training.

The training itself runs in the image's own environment (``amt_container``, on the XGBoost
release the image ships). What stays in the engine's process, so that a trial whose input the
container refuses fails at once with the container's message:

- Input: read by the container's own code in the image's environment (``amt_container.data``).
- Hyperparameters arrive as strings and are parsed as the container parses them (int / float /
  categorical / comma-separated list, with the container's ranges,
  ``algorithm_mode/hyperparameter_validation.py``). A bad value fails the job with
  ``ClientError: ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amt_pipeline.run import xgboost_rules
from amt_pipeline.run.xgboost_algorithm import DEFAULT_VERSION

# The container's rules live in the layer (amt_pipeline.run.xgboost_rules), shared with the
# execution input and the report: the engine fails a trial with the container's own message.
# A refused value raises xgboost_rules.ContainerUserError (the container's UserError: the job fails with it).


def unknown_hyperparameters(names: Mapping[str, Any] | list[str], version: str = DEFAULT_VERSION) -> list[str]:
    """Names the algorithm does not accept (``_``-prefixed names are SageMaker's own)."""
    known = xgboost_rules.user_hyperparameter_names(version)
    return sorted(n for n in names if n not in known and not n.startswith("_"))


def parse_hyperparameters(raw: Mapping[str, str], version: str = DEFAULT_VERSION) -> dict[str, Any]:
    """String hyperparameters -> typed values, as the container validates them (ContainerUserError if not).

    Names are canonical (``learning_rate`` -> ``eta``); constraint lists stay the text given.
    """
    parsed = xgboost_rules.validate_hyperparameters(raw, version)
    for name, value in raw.items():
        spec = xgboost_rules.spec_of(name, version)
        if spec is not None and spec.kind in ("tuple", "nested"):
            parsed[xgboost_rules.canonical(name)] = str(value).strip()
        elif spec is not None and spec.kind == "list":
            parsed[xgboost_rules.canonical(name)] = [p.strip() for p in str(value).split(",") if p.strip()]
    return parsed
