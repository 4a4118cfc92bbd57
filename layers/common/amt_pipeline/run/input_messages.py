"""Pydantic's errors, told in the execution input's own words: one FieldError per bad field.

Each names its dotted field path (``hyperparameter_ranges.eta.min_value``) with
the union tags pydantic inserts taken out, and says what is wrong as a user
would put it. ``drop_path`` and ``without`` give ``parse_execution_input`` the
input minus what failed, for its second pass.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails

from amt_pipeline.errors import FieldError, field_path
from amt_pipeline.run.input_models import JOB_NAME_MAX_LENGTH, ExecutionInput

_UNION_TAGS = {1: {"builtin", "s3"}, 2: {"Continuous", "Integer", "Categorical"}}
_TAGGED_PARENTS = {1: "dataset", 2: "hyperparameter_ranges"}


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop the union tags pydantic inserts: ('dataset', 's3', 'train_uri') -> ('dataset', 'train_uri')."""
    out = list(loc)
    for index in sorted(_UNION_TAGS, reverse=True):
        if (
            len(out) > index
            and out[0] == _TAGGED_PARENTS[index]
            and isinstance(out[index], str)
            and out[index] in _UNION_TAGS[index]
        ):
            del out[index]
    return tuple(out)


# A value typed `str | int | float` fails once per member, at loc (..., "str"), (..., "int"), ...
_SCALAR_UNION_MEMBERS = {"str", "int", "float"}


def field_error(detail: ErrorDetails) -> FieldError:
    loc = _clean_loc(tuple(detail["loc"]))
    if (
        len(loc) >= 2
        and loc[-1] in _SCALAR_UNION_MEMBERS
        and loc[0] in {"hyperparameters", "hyperparameter_ranges"}
    ):
        return FieldError(field_path(loc[:-1]), f"must be a string or a number, not {json_type(detail.get('input'))}")
    return FieldError(field_path(loc), _message(detail))


def _message(detail: ErrorDetails) -> str:
    kind, ctx, value = detail["type"], detail.get("ctx") or {}, detail.get("input")
    loc = detail["loc"]
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "missing":
        return "is required"
    if kind == "string_pattern_mismatch":
        name = str(loc[-1]) if loc else ""
        if name in {"job_name"} or (len(loc) >= 2 and loc[-2] == "parents"):
            return (
                f"{value!r} is not a valid tuning job name: 1-32 letters, digits and hyphens, "
                "starting and ending with a letter or digit"
            )
        if name.endswith("_uri"):
            return _not_an_s3_uri(value)
        if name == "instance_type":
            return f"{value!r} is not a SageMaker instance type such as ml.m5.large"
    if (
        kind == "string_too_long"
        and loc
        and (loc[-1] == "job_name" or (len(loc) >= 2 and loc[-2] == "parents"))
    ):
        return (
            f"{value!r} is {len(str(value))} characters; a tuning job name has at most {JOB_NAME_MAX_LENGTH}"
        )
    if kind == "union_tag_not_found":
        return 'needs "type": Continuous, Integer or Categorical'
    if kind == "union_tag_invalid":
        return f"type {ctx.get('tag')!r} is not one of Continuous, Integer, Categorical"
    if kind == "literal_error":
        return f"{value!r} is not one of {ctx.get('expected')}"
    if kind == "model_type" or kind == "dict_type":
        return f"must be a JSON object, not {json_type(value)}"
    message = detail["msg"]
    return message[0].lower() + message[1:] if message else kind


def _not_an_s3_uri(value: Any) -> str:
    if isinstance(value, str) and (value.startswith("file://") or "://" not in value):
        return (f"{value!r} is a path on your machine, which the pipeline cannot read: "
                "`amt start` uploads it to the stack's bucket first (or `amt local run` runs here)")
    return f"{value!r} is not an s3://bucket/key URI"


def drop_path(loc: tuple[int | str, ...]) -> tuple[str, ...]:
    """What the second pass leaves out for an error at loc: the entry of a map, else the top-level field."""
    loc = _clean_loc(tuple(loc))
    if not loc:
        return ()
    if loc[0] in {"hyperparameters", "hyperparameter_ranges", "tags"} and len(loc) >= 2:
        return (str(loc[0]), str(loc[1]))
    return (str(loc[0]),)


def without(raw: dict[str, Any], dropped: set[tuple[str, ...]]) -> dict[str, Any]:
    fields = ExecutionInput.model_fields
    out: dict[str, Any] = {k: v for k, v in raw.items() if k in fields and (k,) not in dropped}
    for path in dropped:
        if len(path) == 2 and path[0] in out and isinstance(out[path[0]], dict):
            out[path[0]] = {k: v for k, v in out[path[0]].items() if k != path[1]}
    return out


def affected(dep: tuple[str, ...], dropped: set[tuple[str, ...]]) -> bool:
    """A rule that read `dep` is skipped when that input (or part of it) failed the first pass."""
    return any(d[: len(dep)] == dep or dep[: len(d)] == d for d in dropped)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
