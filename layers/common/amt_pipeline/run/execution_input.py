"""The execution input: what a user passes to ``start-execution`` (or ``amt start``).

``parse_execution_input`` is the one entry point: it raises
:class:`~amt_pipeline.errors.InvalidExecutionInput` listing every error, each
naming its dotted field path (``hyperparameter_ranges.eta.min_value``).

Checks run in two passes. Pydantic checks each field's own type and bounds
(the fields: ``input_models``). The rules that relate fields (``input_rules``)
run on the fields that passed the first pass, so one bad field never hides
another, and never produces a spurious error in a rule it takes part in.
``input_messages`` words pydantic's errors for a user.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from typing import Any

from pydantic import ValidationError

from amt_pipeline.errors import ROOT_FIELD, FieldError, InvalidExecutionInput, field_path
from amt_pipeline.run.input_messages import affected, drop_path, field_error, json_type, without
from amt_pipeline.run.input_models import ExecutionInput
from amt_pipeline.run.input_rules import cross_field_errors, fill_dependent_defaults, input_warnings
from amt_pipeline.run.input_service_rules import container_errors, service_model_errors, service_rule_errors

logger = logging.getLogger(__name__)

MAX_INPUT_BYTES = 64 * 1024  # Step Functions' own limit on an execution input (256 KiB) is looser


def parse_execution_input(raw: Any) -> ExecutionInput:
    """Validate a raw execution input (a dict, or its JSON text) and fill every default.

    Raises InvalidExecutionInput naming every bad field.
    """
    raw = _json_object(raw)
    errors: list[FieldError] = []
    dropped: set[tuple[str, ...]] = set()
    try:
        model = ExecutionInput.model_validate(raw)
    except ValidationError as exc:
        for detail in exc.errors(include_url=False):
            errors.append(field_error(detail))
            dropped.add(drop_path(detail["loc"]))
        # Second pass: the same input minus what failed, so the rules between
        # fields still run on every field that is well-formed by itself.
        model = ExecutionInput.model_validate(without(raw, dropped))

    model = fill_dependent_defaults(model)
    rule_errors = itertools.chain(
        cross_field_errors(model), service_model_errors(model), service_rule_errors(model), container_errors(model)
    )
    for rule_error in rule_errors:
        if not any(affected(dep, dropped) for dep in rule_error.depends_on):
            errors.append(FieldError(rule_error.field, rule_error.message))
    if errors:
        raise InvalidExecutionInput(list(dict.fromkeys(errors)))  # each error once, in order

    for warning in input_warnings(model):
        logger.warning("execution input: %s", warning)
    return model


def _json_object(raw: Any) -> dict[str, Any]:
    """The input as a JSON object of at most MAX_INPUT_BYTES (None is ``{}``), or InvalidExecutionInput."""
    if isinstance(raw, str | bytes | bytearray):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # also: integers of 4,300+ digits, deep nesting
            reason = "nested too deep" if isinstance(exc, RecursionError) else str(exc)
            raise InvalidExecutionInput([FieldError(ROOT_FIELD, f"not valid JSON: {reason}")]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidExecutionInput([FieldError(ROOT_FIELD, f"must be a JSON object, not {json_type(raw)}")])
    bad = _unserialisable(raw, (), 0)
    if bad:
        raise InvalidExecutionInput([bad])
    size = len(json.dumps(raw, separators=(",", ":"), allow_nan=False).encode())
    if size > MAX_INPUT_BYTES:
        raise InvalidExecutionInput(
            [FieldError(ROOT_FIELD, f"is {size:,} bytes of JSON; at most {MAX_INPUT_BYTES:,} are accepted")]
        )
    return raw


MAX_DEPTH = 32  # the deepest execution input is 4 levels


def _unserialisable(value: Any, path: tuple[str, ...], depth: int) -> FieldError | None:
    """The first value JSON cannot carry (NaN, Infinity, a 4,300-digit integer, deep nesting), named."""
    field = field_path(path)
    if depth > MAX_DEPTH:
        return FieldError(field, f"is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, float) and not math.isfinite(value):
        return FieldError(field, f"{value} is not a finite number (JSON has no NaN or Infinity; 1e999 overflows)")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return FieldError(field, f"is an integer of {value.bit_length():,} bits; SageMaker's fields are 32- or 64-bit")
    if isinstance(value, dict):
        items: Any = ((str(k), v) for k, v in value.items())
    elif isinstance(value, list | tuple):
        items = ((str(i), v) for i, v in enumerate(value))
    elif value is None or isinstance(value, str | int | float):
        return None
    else:
        return FieldError(field, f"{type(value).__name__} is not a JSON value")
    for key, item in items:
        bad = _unserialisable(item, (*path, key), depth + 1)
        if bad:
            return bad
    return None
