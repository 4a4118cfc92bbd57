"""The execution input: what a user passes to ``start-execution`` (or ``amt start``).

Field names mirror the SageMaker Python SDK that the AWS post uses
(``HyperparameterTuner(max_jobs=..., max_parallel_jobs=..., strategy=...)``,
``Estimator(instance_type=..., volume_size=..., max_run=...)``,
``ContinuousParameter(min_value, max_value, scaling_type)``). Every field has a
default, so ``{}`` is the post's exact example.

``parse_execution_input`` is the one entry point: it raises
:class:`~amt_pipeline.errors.InvalidExecutionInput` listing every error, each
naming its dotted field path (``hyperparameter_ranges.eta.min_value``).

Checks run in two passes. Pydantic checks each field's own type and bounds.
The rules that relate fields (``max_parallel_jobs`` vs ``max_jobs``, Grid vs
range kinds, Hyperband vs early stopping, names XGBoost knows) run on the
fields that passed the first pass, so one bad field never hides another, and
never produces a spurious error in a rule it takes part in.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, JsonValue, Tag, ValidationError
from pydantic_core import ErrorDetails

from amt_pipeline.errors import FieldError, InvalidExecutionInput
from amt_pipeline.run import xgboost_algorithm as xgb

logger = logging.getLogger(__name__)

MAX_INPUT_BYTES = 64 * 1024  # Step Functions' own limit on an execution input (256 KiB) is looser
ROOT_FIELD = "$"  # the field an error names when the input as a whole is wrong

JOB_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$"  # = run_layout.RUN_ID_PATTERN
JOB_NAME_MAX_LENGTH = 32
S3_URI_PATTERN = r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]/.*$"
INSTANCE_TYPE_PATTERN = r"^ml\.[a-z0-9\-]+\.[a-z0-9]+$"

MAX_RANGES = 30  # per kind, and in all
MAX_CATEGORICAL_VALUES = 30
MAX_JOBS = 500  # default quota of training jobs per tuning job
MAX_JOBS_RANDOM = 10_000  # Random search may have its quota raised this far
MAX_TAGS = 50  # SageMaker's limit, including the pipeline's own tags
RESERVED_TAG_PREFIXES = ("aws:", "amt-pipeline:")  # aws: in any case (AWS reserves it)
PIPELINE_TAG_COUNT = 2  # amt-pipeline:run-id, amt-pipeline:stack

Strategy = Literal["Bayesian", "Random", "Grid", "Hyperband"]
ObjectiveType = Literal["Maximize", "Minimize"]
ScalingType = Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"]
# SageMaker: reverse-logarithmic scaling is for continuous ranges only.
IntegerScalingType = Literal["Auto", "Linear", "Logarithmic"]
HyperparameterValue = str | int | float
JobName = Annotated[str, Field(min_length=1, max_length=JOB_NAME_MAX_LENGTH, pattern=JOB_NAME_PATTERN)]

# For the JSON schema (a list[JsonValue] so that the schema extras type-check).
_HYPERPARAMETER_NAMES: list[JsonValue] = list(sorted(xgb.HYPERPARAMETERS))
_OBJECTIVE_METRIC_NAMES: list[JsonValue] = list(sorted(xgb.OBJECTIVE_METRICS))

POST_HYPERPARAMETERS: dict[str, HyperparameterValue] = {
    "num_class": 10,
    "max_depth": 5,
    "eta": 0.2,
    "alpha": 0.2,
    "objective": "multi:softmax",
    "eval_metric": "accuracy",
    "num_round": 200,
    "early_stopping_rounds": 5,
}


class _Model(BaseModel):
    # strict: a JSON input means what it says ("50" is not 50, true is not 1).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --------------------------------------------------------------------- dataset
class BuiltinDataset(_Model):
    """scikit-learn's Digits, packaged with the pipeline (1,797 rows, 64 features, 10 classes)."""

    name: Literal["digits"] = "digits"
    split: Literal["post", "stratified"] = Field(
        default="post",
        description='"post": the post\'s unshuffled split (first 70% train, last 30% validation: '
        '1,257 / 540 rows); "stratified": shuffled, stratified by label, seeded.',
    )
    validation_fraction: float = Field(default=0.3, gt=0, lt=1)
    seed: int = Field(
        default=0, ge=0, description="Seed of the stratified split (ignored by the post's split)."
    )


class S3Dataset(_Model):
    """The user's own data: headerless CSV, label in the first column (an object or a prefix)."""

    train_uri: str = Field(pattern=S3_URI_PATTERN, max_length=1024)
    validation_uri: str = Field(pattern=S3_URI_PATTERN, max_length=1024)


def _dataset_kind(value: Any) -> str:
    if isinstance(value, Mapping) and ("train_uri" in value or "validation_uri" in value):
        return "s3"
    if isinstance(value, S3Dataset):
        return "s3"
    return "builtin"


Dataset = Annotated[
    Annotated[BuiltinDataset, Tag("builtin")] | Annotated[S3Dataset, Tag("s3")],
    Discriminator(_dataset_kind),
]


# ---------------------------------------------------------- hyperparameter ranges
class ContinuousRange(_Model):
    type: Literal["Continuous"]
    min_value: float
    max_value: float
    scaling_type: ScalingType = "Auto"


class IntegerRange(_Model):
    type: Literal["Integer"]
    min_value: int
    max_value: int
    scaling_type: IntegerScalingType = "Auto"


class CategoricalRange(_Model):
    type: Literal["Categorical"]
    values: list[HyperparameterValue] = Field(
        min_length=1, max_length=MAX_CATEGORICAL_VALUES, json_schema_extra={"uniqueItems": True}
    )


ParameterRange = Annotated[ContinuousRange | IntegerRange | CategoricalRange, Field(discriminator="type")]

POST_RANGES: dict[str, ContinuousRange | IntegerRange | CategoricalRange] = {
    "alpha": ContinuousRange(type="Continuous", min_value=0.01, max_value=0.5),
    "eta": ContinuousRange(type="Continuous", min_value=0.1, max_value=0.5),
    "min_child_weight": ContinuousRange(type="Continuous", min_value=0.0, max_value=2.0),
    "max_depth": IntegerRange(type="Integer", min_value=1, max_value=10),
}


# -------------------------------------------------------------------- the rest
class CompletionCriteria(_Model):
    target_objective_metric_value: float | None = None
    max_number_of_training_jobs_not_improving: int | None = Field(default=None, ge=3)
    complete_on_convergence: bool | None = None


class Hyperband(_Model):
    min_resource: int | None = Field(default=None, ge=1)
    max_resource: int | None = Field(default=None, ge=1)


class WarmStart(_Model):
    parents: list[JobName] = Field(min_length=1, max_length=5)
    type: Literal["IdenticalDataAndAlgorithm", "TransferLearning"] = "IdenticalDataAndAlgorithm"


class ExecutionInput(_Model):
    """One run: a tuning job (and, by default, a baseline training job) on one dataset."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        title="AMT Pipeline execution input",
        json_schema_extra={"description": "Every field is optional: {} runs the AWS post's example."},
    )

    job_name: JobName | None = Field(
        default=None,
        description="Tuning job name (the run id). Default: amt-<UTC start time>-<sha1(execution name)[:4]>.",
    )
    dataset: Dataset = Field(default_factory=lambda: BuiltinDataset())

    # Estimator
    algorithm_version: Literal[xgb.SUPPORTED_VERSIONS] = xgb.DEFAULT_VERSION  # type: ignore[valid-type]
    instance_type: str = Field(default="ml.m5.large", pattern=INSTANCE_TYPE_PATTERN)
    instance_count: int = Field(default=1, ge=1, le=100)
    volume_size: int = Field(default=5, ge=1, le=16384, description="GB")
    max_run: int = Field(default=86_400, ge=1, le=2_419_200, description="Seconds one training job may run.")
    hyperparameters: dict[str, HyperparameterValue] = Field(
        default_factory=lambda: dict(POST_HYPERPARAMETERS),
        description="Static hyperparameters (replaces the default as a whole). A tuned name overrides them.",
        json_schema_extra={"propertyNames": {"enum": _HYPERPARAMETER_NAMES}},
    )

    # Tuner
    objective_metric_name: str = Field(
        default="validation:accuracy", json_schema_extra={"enum": _OBJECTIVE_METRIC_NAMES}
    )
    objective_type: ObjectiveType = "Maximize"
    hyperparameter_ranges: dict[str, ParameterRange] = Field(
        default_factory=lambda: dict(POST_RANGES),
        json_schema_extra={
            "propertyNames": {"enum": _HYPERPARAMETER_NAMES},
            "minProperties": 1,
            "maxProperties": MAX_RANGES,
        },
    )
    strategy: Strategy = "Bayesian"
    max_jobs: int = Field(
        default=50, ge=1, le=MAX_JOBS_RANDOM, description="At most 500 (Random: 10,000). Grid: the grid size."
    )
    max_parallel_jobs: int = Field(default=3, ge=1, le=100, description="Default: 3, or max_jobs if smaller.")
    max_runtime_in_seconds: int | None = Field(default=None, ge=120, le=15_768_000)
    early_stopping_type: Literal["Off", "Auto"] = "Off"
    random_seed: int | None = Field(default=None, ge=0)
    completion_criteria: CompletionCriteria | None = None
    hyperband: Hyperband | None = Field(default=None, description="Only with strategy Hyperband.")
    warm_start: WarmStart | None = None

    # Pipeline
    baseline: bool = Field(
        default=True, description="Also run one training job with the static hyperparameters."
    )
    tags: dict[str, Annotated[str, Field(max_length=256)]] = Field(
        default_factory=dict,
        json_schema_extra={
            "propertyNames": {
                "minLength": 1,
                "maxLength": 128,
                "not": {"pattern": "^([aA][wW][sS]|amt-pipeline):"},
            },
            "maxProperties": MAX_TAGS - PIPELINE_TAG_COUNT,
        },
    )

    # ------------------------------------------------------------ derived views
    def static_hyperparameters(self) -> dict[str, str]:
        """All static hyperparameters as SageMaker strings (the baseline's)."""
        return {name: hyperparameter_string(value) for name, value in self.hyperparameters.items()}

    def untuned_hyperparameters(self) -> dict[str, str]:
        """The tuning job's StaticHyperParameters: a tuned name overrides its static value."""
        return {k: v for k, v in self.static_hyperparameters().items() if k not in self.hyperparameter_ranges}

    def grid_size(self) -> int:
        """Number of combinations of the categorical ranges (what a Grid search runs)."""
        return math.prod(
            len(r.values) for r in self.hyperparameter_ranges.values() if isinstance(r, CategoricalRange)
        )


def hyperparameter_string(value: HyperparameterValue) -> str:
    """SageMaker passes hyperparameters as strings: 10 -> "10", 0.2 -> "0.2"."""
    if isinstance(value, bool):  # not accepted by the model; here for direct callers
        return "true" if value else "false"
    return str(value)


# ------------------------------------------------------------------- parsing
def parse_execution_input(raw: Any) -> ExecutionInput:
    """Validate a raw execution input (a dict, or its JSON text) and fill every default.

    Raises InvalidExecutionInput naming every bad field.
    """
    if isinstance(raw, str | bytes | bytearray):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise InvalidExecutionInput([FieldError(ROOT_FIELD, f"not valid JSON: {exc}")]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidExecutionInput([FieldError(ROOT_FIELD, f"must be a JSON object, not {_json_type(raw)}")])
    try:
        size = len(json.dumps(raw, separators=(",", ":"), allow_nan=False).encode())
    except (TypeError, ValueError) as exc:
        raise InvalidExecutionInput([FieldError(ROOT_FIELD, f"not JSON-serialisable: {exc}")]) from None
    if size > MAX_INPUT_BYTES:
        raise InvalidExecutionInput(
            [FieldError(ROOT_FIELD, f"is {size:,} bytes of JSON; at most {MAX_INPUT_BYTES:,} are accepted")]
        )

    errors: list[FieldError] = []
    dropped: set[tuple[str, ...]] = set()
    try:
        model = ExecutionInput.model_validate(raw)
    except ValidationError as exc:
        for detail in exc.errors(include_url=False):
            errors.append(_field_error(detail))
            dropped.add(_drop_path(detail["loc"]))
        # Second pass: the same input minus what failed, so the rules between
        # fields still run on every field that is well-formed by itself.
        model = ExecutionInput.model_validate(_without(raw, dropped))

    model = _fill_dependent_defaults(model)
    for rule_error in _cross_field_errors(model):
        if not any(_affected(dep, dropped) for dep in rule_error.depends_on):
            errors.append(FieldError(rule_error.field, rule_error.message))
    if errors:
        raise InvalidExecutionInput(_unique(errors))

    for warning in input_warnings(model):
        logger.warning("execution input: %s", warning)
    return model


def input_warnings(model: ExecutionInput) -> list[str]:
    """Legal but probably unintended settings (SageMaker accepts them; we only say so)."""
    warnings = []
    direction = xgb.OBJECTIVE_METRICS.get(model.objective_metric_name)
    if direction and direction != model.objective_type:
        warnings.append(
            f"objective_type {model.objective_type} for {model.objective_metric_name}, "
            f"a metric that is better when {'higher' if direction == 'Maximize' else 'lower'}"
        )
    return warnings


def _fill_dependent_defaults(model: ExecutionInput) -> ExecutionInput:
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
class _RuleError:
    field: str
    message: str
    depends_on: tuple[tuple[str, ...], ...]  # input paths the rule read (skipped if one failed)


def _cross_field_errors(m: ExecutionInput) -> Iterator[_RuleError]:
    hp, hr = ("hyperparameters",), ("hyperparameter_ranges",)

    for name in m.hyperparameters:
        if name not in xgb.HYPERPARAMETERS:
            yield _RuleError(
                f"hyperparameters.{name}",
                f"XGBoost {m.algorithm_version} has no hyperparameter {name!r}",
                (("hyperparameters", name),),
            )
    for name in sorted(xgb.REQUIRED_HYPERPARAMETERS - set(m.hyperparameters) - set(m.hyperparameter_ranges)):
        yield _RuleError(
            f"hyperparameters.{name}",
            "is required by XGBoost: set it here or tune it in hyperparameter_ranges",
            (hp, hr),
        )

    if not m.hyperparameter_ranges:
        yield _RuleError("hyperparameter_ranges", "a tuning job needs at least one range", (hr,))
    if len(m.hyperparameter_ranges) > MAX_RANGES:
        # API reference, ParameterRanges: the limit of 30 applies to each kind "and also the
        # maximum for the hyperparameter tuning job itself" (the sum over all kinds).
        yield _RuleError(
            "hyperparameter_ranges",
            f"{len(m.hyperparameter_ranges)} ranges; a tuning job takes at most {MAX_RANGES} in all",
            (hr,),
        )
    for name, rng in m.hyperparameter_ranges.items():
        path = f"hyperparameter_ranges.{name}"
        dep = (("hyperparameter_ranges", name),)
        if name not in xgb.HYPERPARAMETERS:
            yield _RuleError(path, f"XGBoost {m.algorithm_version} has no hyperparameter {name!r}", dep)
        yield from (_RuleError(f"{path}.{f}", msg, dep) for f, msg in _range_errors(rng))
        if m.strategy == "Grid" and not isinstance(rng, CategoricalRange):
            yield _RuleError(
                f"{path}.type",
                f"strategy Grid takes Categorical ranges only, not {rng.type}",
                (*dep, ("strategy",)),
            )

    if m.objective_metric_name not in xgb.OBJECTIVE_METRICS:
        yield _RuleError(
            "objective_metric_name",
            f"XGBoost does not emit {m.objective_metric_name!r}; "
            f"use <train|validation>:<{'|'.join(xgb.METRIC_DIRECTIONS)}>",
            (("objective_metric_name",),),
        )

    limit = MAX_JOBS_RANDOM if m.strategy == "Random" else MAX_JOBS
    if m.max_jobs > limit:
        yield _RuleError(
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
            yield _RuleError(
                "max_jobs",
                f"{m.max_jobs} is more than the grid's {grid} combinations (leave it out to run them all)",
                (("max_jobs",), ("strategy",), hr),
            )
    if m.max_parallel_jobs > m.max_jobs:
        yield _RuleError(
            "max_parallel_jobs",
            f"{m.max_parallel_jobs} parallel jobs is more than max_jobs ({m.max_jobs})",
            (("max_parallel_jobs",), ("max_jobs",), ("strategy",), hr),
        )

    if m.strategy == "Hyperband" and m.early_stopping_type != "Off":
        yield _RuleError(
            "early_stopping_type",
            "must be Off with strategy Hyperband (Hyperband stops trials itself)",
            (("early_stopping_type",), ("strategy",)),
        )
    if m.hyperband is not None:
        if m.strategy != "Hyperband":
            yield _RuleError(
                "hyperband",
                f"applies to strategy Hyperband only, not {m.strategy}",
                (("hyperband",), ("strategy",)),
            )
        lo, hi = m.hyperband.min_resource, m.hyperband.max_resource
        if lo is not None and hi is not None and lo > hi:
            yield _RuleError(
                "hyperband.min_resource", f"{lo} is more than max_resource ({hi})", (("hyperband",),)
            )

    if m.warm_start is not None and len(set(m.warm_start.parents)) != len(m.warm_start.parents):
        yield _RuleError("warm_start.parents", "names a parent tuning job twice", (("warm_start",),))
    if m.warm_start is not None and m.job_name is not None and m.job_name in m.warm_start.parents:
        yield _RuleError(
            "warm_start.parents", f"{m.job_name!r} cannot be its own parent", (("warm_start",), ("job_name",))
        )

    for key in m.tags:
        if not key or len(key) > 128:
            yield _RuleError(f"tags.{key}", "tag keys are 1-128 characters", (("tags", key),))
        if key.lower().startswith("aws:") or key.startswith(RESERVED_TAG_PREFIXES):
            yield _RuleError(
                f"tags.{key}",
                f"tag keys starting with {' or '.join(RESERVED_TAG_PREFIXES)} are reserved",
                (("tags", key),),
            )
    if len(m.tags) > MAX_TAGS - PIPELINE_TAG_COUNT:
        yield _RuleError(
            "tags",
            f"{len(m.tags)} tags; at most {MAX_TAGS - PIPELINE_TAG_COUNT} (the pipeline adds "
            f"{PIPELINE_TAG_COUNT} of its own)",
            (("tags",),),
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


# ------------------------------------------------------------ error plumbing
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


def _field_error(detail: ErrorDetails) -> FieldError:
    loc = _clean_loc(tuple(detail["loc"]))
    if (
        len(loc) >= 2
        and loc[-1] in _SCALAR_UNION_MEMBERS
        and loc[0] in {"hyperparameters", "hyperparameter_ranges"}
    ):
        field = ".".join(str(part) for part in loc[:-1])
        return FieldError(field, f"must be a string or a number, not {_json_type(detail.get('input'))}")
    field = ".".join(str(part) for part in loc) or ROOT_FIELD
    return FieldError(field, _message(detail))


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
            return f"{value!r} is not an s3://bucket/key URI"
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
        return f"must be a JSON object, not {_json_type(value)}"
    message = detail["msg"]
    return message[0].lower() + message[1:] if message else kind


def _drop_path(loc: tuple[int | str, ...]) -> tuple[str, ...]:
    """What the second pass leaves out for an error at loc: the entry of a map, else the top-level field."""
    loc = _clean_loc(tuple(loc))
    if not loc:
        return ()
    if loc[0] in {"hyperparameters", "hyperparameter_ranges", "tags"} and len(loc) >= 2:
        return (str(loc[0]), str(loc[1]))
    return (str(loc[0]),)


def _without(raw: dict[str, Any], dropped: set[tuple[str, ...]]) -> dict[str, Any]:
    fields = ExecutionInput.model_fields
    out: dict[str, Any] = {k: v for k, v in raw.items() if k in fields and (k,) not in dropped}
    for path in dropped:
        if len(path) == 2 and path[0] in out and isinstance(out[path[0]], dict):
            out[path[0]] = {k: v for k, v in out[path[0]].items() if k != path[1]}
    return out


def _affected(dep: tuple[str, ...], dropped: set[tuple[str, ...]]) -> bool:
    """A rule that read `dep` is skipped when that input (or part of it) failed the first pass."""
    return any(d[: len(dep)] == dep or dep[: len(d)] == d for d in dropped)


def _unique(errors: list[FieldError]) -> list[FieldError]:
    return list(dict.fromkeys(errors))


def _json_type(value: Any) -> str:
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
