"""The SageMaker requests of a run, as boto3 keyword arguments.

``tuning_job_request`` builds ``CreateHyperParameterTuningJob`` and
``baseline_training_request`` the baseline's ``CreateTrainingJob``: the same
training definition, run once with every static hyperparameter (what the post's
``estimator.fit`` does). Both are plain JSON, so the state machine can pass them
to the SageMaker service integration as they are.
"""

from __future__ import annotations

from typing import Any

from amt_pipeline.run.image_uris import xgboost_image_uri
from amt_pipeline.run.input_models import (
    BuiltinDataset,
    CategoricalRange,
    ExecutionInput,
    IntegerRange,
    hyperparameter_string,
)
from amt_pipeline.run.layout import RunLayout, baseline_job_name

CONTENT_TYPE = "text/csv"  # the built-in dataset's
RUN_ID_TAG = "amt-pipeline:run-id"
STACK_TAG = "amt-pipeline:stack"
CHAIN_TAG = "amt-pipeline:chain-id"  # a run with follow_up: the chain's id (its first round's run id)
ROUND_TAG = "amt-pipeline:round"


def data_channel_uris(ei: ExecutionInput, layout: RunLayout) -> dict[str, str]:
    """S3 location of each channel: the run's data prefixes for built-in data, else the user's URIs."""
    if isinstance(ei.dataset, BuiltinDataset):
        return {
            "train": layout.uri(layout.key("data", "train")) + "/",
            "validation": layout.uri(layout.key("data", "validation")) + "/",
        }
    return {"train": ei.dataset.train_uri, "validation": ei.dataset.validation_uri}


def content_type(ei: ExecutionInput) -> str:
    return CONTENT_TYPE if isinstance(ei.dataset, BuiltinDataset) else ei.dataset.content_type


def tags(ei: ExecutionInput, run_id: str, stack_name: str) -> list[dict[str, str]]:
    """The user's tags plus the pipeline's own (never empty: the event rules and cleanup rely on them)."""
    own = {RUN_ID_TAG: run_id, STACK_TAG: stack_name}
    if ei.follow_up is not None:
        own |= {CHAIN_TAG: ei.follow_up.chain_id or run_id, ROUND_TAG: str(ei.follow_up.round)}
    return [{"Key": k, "Value": v} for k, v in {**ei.tags, **own}.items()]


def _training_definition(ei: ExecutionInput, layout: RunLayout, region: str, role_arn: str) -> dict[str, Any]:
    return {
        "AlgorithmSpecification": {
            "TrainingImage": xgboost_image_uri(region, ei.algorithm_version),
            "TrainingInputMode": "File",
        },
        "RoleArn": role_arn,
        "InputDataConfig": [
            {
                "ChannelName": channel,
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": uri,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
                "ContentType": content_type(ei),
                "CompressionType": "None",
            }
            for channel, uri in data_channel_uris(ei, layout).items()
        ],
        "OutputDataConfig": {"S3OutputPath": layout.output_uri},
        "ResourceConfig": {
            "InstanceType": ei.instance_type,
            "InstanceCount": ei.instance_count,
            "VolumeSizeInGB": ei.volume_size,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": ei.max_run},
    }


def parameter_ranges(ei: ExecutionInput) -> dict[str, list[dict[str, Any]]]:
    ranges: dict[str, list[dict[str, Any]]] = {
        "IntegerParameterRanges": [],
        "ContinuousParameterRanges": [],
        "CategoricalParameterRanges": [],
    }
    for name, rng in ei.hyperparameter_ranges.items():
        if isinstance(rng, CategoricalRange):
            ranges["CategoricalParameterRanges"].append(
                {"Name": name, "Values": [hyperparameter_string(v) for v in rng.values]}
            )
        else:
            kind = "IntegerParameterRanges" if isinstance(rng, IntegerRange) else "ContinuousParameterRanges"
            ranges[kind].append(
                {
                    "Name": name,
                    "MinValue": hyperparameter_string(rng.min_value),
                    "MaxValue": hyperparameter_string(rng.max_value),
                    "ScalingType": rng.scaling_type,
                }
            )
    return ranges


def _tuning_config(ei: ExecutionInput) -> dict[str, Any]:
    limits: dict[str, Any] = {
        "MaxNumberOfTrainingJobs": ei.max_jobs,
        "MaxParallelTrainingJobs": ei.max_parallel_jobs,
    }
    if ei.max_runtime_in_seconds is not None:
        limits["MaxRuntimeInSeconds"] = ei.max_runtime_in_seconds
    config: dict[str, Any] = {
        "Strategy": ei.strategy,
        "HyperParameterTuningJobObjective": {
            "Type": ei.objective_type,
            "MetricName": ei.objective_metric_name,
        },
        "ResourceLimits": limits,
        "ParameterRanges": parameter_ranges(ei),
        "TrainingJobEarlyStoppingType": ei.early_stopping_type,
    }
    criteria = _completion_criteria(ei)
    if criteria:
        config["TuningJobCompletionCriteria"] = criteria
    if ei.random_seed is not None:
        config["RandomSeed"] = ei.random_seed
    if ei.strategy == "Hyperband" and ei.hyperband is not None:
        hyperband = {
            key: value
            for key, value in (
                ("MinResource", ei.hyperband.min_resource),
                ("MaxResource", ei.hyperband.max_resource),
            )
            if value is not None
        }
        if hyperband:
            config["StrategyConfig"] = {"HyperbandStrategyConfig": hyperband}
    return config


def _completion_criteria(ei: ExecutionInput) -> dict[str, Any]:
    cc = ei.completion_criteria
    if cc is None:
        return {}
    out: dict[str, Any] = {}
    if cc.target_objective_metric_value is not None:
        out["TargetObjectiveMetricValue"] = cc.target_objective_metric_value
    if cc.max_number_of_training_jobs_not_improving is not None:
        out["BestObjectiveNotImproving"] = {
            "MaxNumberOfTrainingJobsNotImproving": cc.max_number_of_training_jobs_not_improving
        }
    if cc.complete_on_convergence is not None:
        out["ConvergenceDetected"] = {
            "CompleteOnConvergence": "Enabled" if cc.complete_on_convergence else "Disabled"
        }
    return out


def tuning_job_request(
    ei: ExecutionInput, *, layout: RunLayout, region: str, role_arn: str, stack_name: str
) -> dict[str, Any]:
    """``CreateHyperParameterTuningJob`` kwargs; the tuning job is named after the run."""
    definition = _training_definition(ei, layout, region, role_arn)
    request: dict[str, Any] = {
        "HyperParameterTuningJobName": layout.run_id,
        "HyperParameterTuningJobConfig": _tuning_config(ei),
        "TrainingJobDefinition": {"StaticHyperParameters": ei.untuned_hyperparameters(), **definition},
    }
    if ei.warm_start is not None:
        request["WarmStartConfig"] = {
            "ParentHyperParameterTuningJobs": [
                {"HyperParameterTuningJobName": parent} for parent in ei.warm_start.parents
            ],
            "WarmStartType": ei.warm_start.type,
        }
    request["Tags"] = tags(ei, layout.run_id, stack_name)
    return request


def baseline_training_request(
    ei: ExecutionInput, *, layout: RunLayout, region: str, role_arn: str, stack_name: str
) -> dict[str, Any]:
    """``CreateTrainingJob`` kwargs of the baseline: every static hyperparameter, tuned names included."""
    return {
        "TrainingJobName": baseline_job_name(layout.run_id),
        "HyperParameters": ei.static_hyperparameters(),
        **_training_definition(ei, layout, region, role_arn),
        "Tags": tags(ei, layout.run_id, stack_name),
    }
