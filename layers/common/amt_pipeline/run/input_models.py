"""The execution input's fields: what a user may pass to ``start-execution`` (or ``amt start``).

Field names mirror the SageMaker Python SDK that the AWS post uses
(``HyperparameterTuner(max_jobs=..., max_parallel_jobs=..., strategy=...)``,
``Estimator(instance_type=..., volume_size=..., max_run=...)``,
``ContinuousParameter(min_value, max_value, scaling_type)``). Every field has a
default, so ``{}`` is the post's exact example. Pydantic checks each field's own
type and bounds here; the rules between fields are in ``input_rules``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, JsonValue, Tag

from amt_pipeline.run import xgboost_algorithm as xgb
from amt_pipeline.run.job_names import TUNING_JOB_NAME_MAX_LENGTH, TUNING_JOB_NAME_PATTERN

JOB_NAME_PATTERN = TUNING_JOB_NAME_PATTERN.pattern
JOB_NAME_MAX_LENGTH = TUNING_JOB_NAME_MAX_LENGTH
# A bucket (s3://bucket, a whole bucket) or an object or prefix in it (s3://bucket/key).
S3_URI_PATTERN = r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$"

MAX_RANGES = 30  # per kind, and in all
MAX_CATEGORICAL_VALUES = 30
MAX_JOBS = 500  # default quota of training jobs per tuning job
MAX_JOBS_RANDOM = 10_000  # Random search may have its quota raised this far
MAX_TAGS = 50  # SageMaker's limit, including the pipeline's own tags
RESERVED_TAG_PREFIXES = ("aws:", "amt-pipeline:")  # aws: in any case (AWS reserves it)
PIPELINE_TAG_COUNT = 2  # amt-pipeline:run-id, amt-pipeline:stack
CHAIN_TAG_COUNT = 2  # amt-pipeline:chain-id, amt-pipeline:round (a run with follow_up)
MAX_FOLLOW_UP_ROUNDS = 10

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


def _instance_type_schema(schema: dict[str, Any]) -> None:
    """SageMaker's training instance types, from botocore's service model."""
    from amt_pipeline.run.service_model import shape

    schema["enum"] = list(shape("TrainingInstanceType").enum)


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


# What the built-in XGBoost containers read (data_utils.py, every image): the channels' ContentType.
CONTENT_TYPES = ("text/csv", "text/libsvm", "application/x-parquet", "application/x-recordio-protobuf")
ContentType = Literal[CONTENT_TYPES]  # type: ignore[valid-type]


class S3Dataset(_Model):
    """The user's own data, label first: headerless CSV by default (an object or a prefix)."""

    train_uri: str = Field(pattern=S3_URI_PATTERN, max_length=1024)
    validation_uri: str = Field(pattern=S3_URI_PATTERN, max_length=1024)
    content_type: ContentType = Field(
        default="text/csv",
        description="Both channels' ContentType, as the XGBoost container reads it: CSV and LIBSVM locally "
        "and on AWS; parquet and recordio-protobuf on AWS only.",
    )


def _dataset_kind(value: Any) -> str:
    if isinstance(value, Mapping) and ({"train_uri", "validation_uri", "content_type"} & set(value)):
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


class FollowUp(_Model):
    """The tuning conversation (issue 21): when a round's report is rendered, the pipeline decides on
    its own whether to start another round that warm-starts from the earlier ones with the suggested
    ranges, within this budget (amt_pipeline.chain)."""

    max_rounds: int = Field(default=3, ge=1, le=MAX_FOLLOW_UP_ROUNDS, description="Rounds in all, the first included.")
    max_total_jobs: int | None = Field(
        default=None, ge=1, le=MAX_FOLLOW_UP_ROUNDS * MAX_JOBS,
        description="Training jobs over the whole chain. Default: max_rounds x the size of a round.",
    )
    max_estimated_cost: float | None = Field(
        default=None, gt=0,
        description="USD over the whole chain, as the reports estimate it (billable seconds x the hourly "
        "price); no next round whose estimate would pass it.",
    )
    min_improvement: float = Field(
        default=0.001, ge=0,
        description="The smallest gain of the chain's best objective (in the objective's units) that earns "
        "another round; a round that gains less ends the chain.",
    )
    round_jobs: int | None = Field(
        default=None, ge=1, le=MAX_JOBS, description="Training jobs of each later round. Default: max_jobs."
    )
    notify: Literal["every_round", "last_round"] = Field(
        default="every_round",
        description='"every_round": a short message at each intermediate round and the chain\'s result at the '
        'last; "last_round": only the last.',
    )
    chain_id: JobName | None = Field(
        default=None, description="Set by the pipeline on later rounds: the first round's run id."
    )
    round: int = Field(
        default=1, ge=1, le=MAX_FOLLOW_UP_ROUNDS, description="Set by the pipeline on later rounds."
    )


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
    instance_type: str = Field(default="ml.m5.large", json_schema_extra=_instance_type_schema)
    instance_count: int = Field(default=1, ge=1, description="No API maximum: an account quota.")
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
    follow_up: FollowUp | None = Field(
        default=None,
        description="Opt in to follow-up rounds: each warm-starts from the earlier ones with the ranges the "
        "report suggests, until nothing is left to learn or the budget is spent.",
    )

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
            "maxProperties": MAX_TAGS - PIPELINE_TAG_COUNT,  # with follow_up, CHAIN_TAG_COUNT fewer
        },
    )

    # ------------------------------------------------------------ derived views
    def static_hyperparameters(self) -> dict[str, str]:
        """All static hyperparameters as SageMaker strings (the baseline's)."""
        return {name: hyperparameter_string(value) for name, value in self.hyperparameters.items()}

    def untuned_hyperparameters(self) -> dict[str, str]:
        """The tuning job's StaticHyperParameters: a tuned name overrides its static value."""
        return {k: v for k, v in self.static_hyperparameters().items() if k not in self.hyperparameter_ranges}

    def pipeline_tag_count(self) -> int:
        """How many tags the pipeline adds to the user's."""
        return PIPELINE_TAG_COUNT + (CHAIN_TAG_COUNT if self.follow_up is not None else 0)

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
