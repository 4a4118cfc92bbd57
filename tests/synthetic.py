"""Synthetic tuning jobs shaped exactly like boto3's parsed SageMaker responses.

For tests, benchmarks and demos: the post's example (XGBoost on Digits, four
ranges, validation:accuracy maximised), any number of trials, some failed and
some stopped early, an optional categorical range, warm-start parents, a
baseline and learning curves; and the other reports a user meets (issue 20's
matrix): another objective (AUC maximised, RMSE or logloss minimised), a subset
of the ranges (one hyperparameter, categorical only), a job still in progress,
a baseline without an objective, a second tuning job compared beside the first.
Seeded: the same arguments give the same job.
"""

from __future__ import annotations

import math
import random
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from amt_pipeline.trials.report_input import Baseline, CurvePoint, ReportInput, json_safe
from amt_pipeline.trials.table import trials_table

START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
OBJECTIVE = "validation:accuracy"
ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012"
NUMERIC = ("max_depth", "alpha", "eta", "min_child_weight")


def objective_value(metric: str, accuracy_like: float) -> float:
    """The objective a trial of this accuracy reports under another metric (lower is better for
    RMSE and logloss, so the best trial is the same whichever the direction)."""
    if metric.endswith("rmse"):
        return 2.0 * (1.0 - accuracy_like) + 0.1
    if metric.endswith("logloss"):
        return -3.0 * math.log(max(accuracy_like, 1e-6))
    return accuracy_like


def direction_of(metric: str) -> str:
    return "Minimize" if metric.endswith(("rmse", "logloss", "mae", "error")) else "Maximize"


def tuning_job_describe(
    name: str = "xgb-digits",
    *,
    status: str = "Completed",
    max_jobs: int = 50,
    categorical: tuple[str, ...] = (),
    parents: tuple[str, ...] = (),
    failure_reason: str | None = None,
    counters: dict[str, int] | None = None,
    objective: str = OBJECTIVE,
    numeric: tuple[str, ...] = NUMERIC,
) -> dict[str, Any]:
    """A DescribeHyperParameterTuningJob response (datetimes as datetime objects)."""
    ranges: dict[str, Any] = {
        "IntegerParameterRanges": [
            {"Name": "max_depth", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"}
        ],
        "ContinuousParameterRanges": [
            {"Name": "alpha", "MinValue": "0.01", "MaxValue": "0.5", "ScalingType": "Logarithmic"},
            {"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5", "ScalingType": "Auto"},
            {"Name": "min_child_weight", "MinValue": "0", "MaxValue": "2", "ScalingType": "Auto"},
        ],
        "CategoricalParameterRanges": [],
    }
    for key in ("IntegerParameterRanges", "ContinuousParameterRanges"):
        ranges[key] = [r for r in ranges[key] if r["Name"] in numeric]
    if categorical:
        ranges["CategoricalParameterRanges"] = [{"Name": "booster", "Values": list(categorical)}]
    describe: dict[str, Any] = {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobArn": f"{ARN_PREFIX}:hyper-parameter-tuning-job/{name}",
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": direction_of(objective), "MetricName": objective},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": max_jobs, "MaxParallelTrainingJobs": 3},
            "ParameterRanges": ranges,
            "TrainingJobEarlyStoppingType": "Off",
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {
                "num_class": "10",
                "num_round": "200",
                "objective": "multi:softmax",
                "eval_metric": objective.split(":")[-1],
                "early_stopping_rounds": "5",
            },
            "AlgorithmSpecification": {
                "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1",
                "TrainingInputMode": "File",
            },
            "RoleArn": "arn:aws:iam::123456789012:role/amt-pipeline-sagemaker",
            "InputDataConfig": [
                {
                    "ChannelName": channel,
                    "ContentType": "text/csv",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": f"s3://amt-bucket/runs/{name}/data/{channel}/",
                        }
                    },
                }
                for channel in ("train", "validation")
            ],
            "OutputDataConfig": {"S3OutputPath": f"s3://amt-bucket/runs/{name}/output/"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
        "HyperParameterTuningJobStatus": status,
        "CreationTime": START,
        "HyperParameterTuningEndTime": START + timedelta(minutes=30),
        "LastModifiedTime": START + timedelta(minutes=30),
        "TrainingJobStatusCounters": counters
        or {
            "Completed": max_jobs,
            "InProgress": 0,
            "RetryableError": 0,
            "NonRetryableError": 0,
            "Stopped": 0,
        },
        "ObjectiveStatusCounters": {"Succeeded": max_jobs, "Pending": 0, "Failed": 0},
        "ResponseMetadata": {"RequestId": "00000000-0000-0000-0000-000000000000", "HTTPStatusCode": 200},
    }
    if parents:
        describe["WarmStartConfig"] = {
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": p} for p in parents],
            "WarmStartType": "IdenticalDataAndAlgorithm",
        }
    if failure_reason:
        describe["FailureReason"] = failure_reason
    return describe


def accuracy(alpha: float, eta: float, max_depth: int, min_child_weight: float) -> float:
    """A made-up response surface in the post's range: best near eta=0.5, max_depth=3-5."""
    score = 0.85 + 0.09 * (eta - 0.1) / 0.4 - 0.004 * (max_depth - 4) ** 2 - 0.01 * min_child_weight
    return score - 0.02 * abs(math.log10(alpha) + 1.3)


def training_job_summaries(
    tuning_job_name: str = "xgb-digits",
    n: int = 50,
    *,
    seed: int = 0,
    failed_every: int = 0,
    stopped_every: int = 0,
    categorical: tuple[str, ...] = (),
    start: datetime = START,
    objective: str = OBJECTIVE,
    numeric: tuple[str, ...] = NUMERIC,
    in_progress: int = 0,
) -> list[dict[str, Any]]:
    """ListTrainingJobsForHyperParameterTuningJob summaries (newest first, as SageMaker lists them);
    the last ``in_progress`` trials still running (no end time, no objective)."""
    rng = random.Random(seed)
    summaries = []
    for i in range(1, n + 1):
        alpha = 10 ** rng.uniform(math.log10(0.01), math.log10(0.5))
        eta = rng.uniform(0.1, 0.5)
        max_depth = rng.randint(1, 10)
        mcw = rng.uniform(0, 2)
        created = start + timedelta(seconds=40 * (i - 1) // 3)
        began = created + timedelta(seconds=30)
        name = f"{tuning_job_name}-{i:03d}-{rng.getrandbits(32):08x}"
        params = {
            "alpha": f"{alpha:.17g}",
            "eta": f"{eta:.17g}",
            "max_depth": str(max_depth),
            "min_child_weight": f"{mcw:.17g}",
        }
        params = {k: v for k, v in params.items() if k in numeric}
        # A hyperparameter left out of the ranges is static: one value for every trial, not noise.
        alpha = alpha if "alpha" in numeric else 0.1
        eta = eta if "eta" in numeric else 0.3
        max_depth = max_depth if "max_depth" in numeric else 4
        mcw = mcw if "min_child_weight" in numeric else 1.0
        bonus = 0.0
        if categorical:
            level = i % len(categorical)
            params["booster"] = categorical[level]
            bonus = 0.02 * level if not numeric else 0.0
        summary: dict[str, Any] = {
            "TrainingJobName": name,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
            "TuningJobName": tuning_job_name,
            "CreationTime": created,
            "TrainingStartTime": began,
            "TunedHyperParameters": params,
        }
        if i > n - in_progress:
            summary.update(TrainingJobStatus="InProgress")
        elif failed_every and i % failed_every == 0:
            summary.update(
                TrainingJobStatus="Failed",
                ObjectiveStatus="Failed",
                TrainingEndTime=began + timedelta(seconds=5),
                FailureReason="AlgorithmError: <b>bad</b> value for 'eta' & more"
                if i % (3 * failed_every)
                else f"ClientError: out of memory in {name} after {rng.randint(1000, 9999)} MB, see s3://amt-bucket/{i}",
            )
        else:
            score = accuracy(alpha, eta, max_depth, mcw) + bonus + rng.gauss(0, 0.006)
            value = round(objective_value(objective, score), 5)
            stopped = bool(stopped_every and i % stopped_every == 0)
            summary.update(
                TrainingJobStatus="Stopped" if stopped else "Completed",
                ObjectiveStatus="Succeeded",
                TrainingEndTime=began + timedelta(seconds=rng.uniform(40, 90)),
                FinalHyperParameterTuningJobObjectiveMetric={"MetricName": objective, "Value": value},
            )
        summaries.append(summary)
    return list(reversed(summaries))


def report_input(
    n: int = 50,
    *,
    seed: int = 0,
    name: str = "xgb-digits",
    failed_every: int = 7,
    stopped_every: int = 11,
    categorical: tuple[str, ...] = (),
    parents: int = 0,
    baseline: float | None = 0.848,
    curves: bool = False,
    details: bool = True,
    objective: str = OBJECTIVE,
    numeric: tuple[str, ...] = NUMERIC,
    in_progress: int = 0,
    baseline_scored: bool = True,
    compared: int = 0,
) -> ReportInput:
    """A whole ReportInput, as collect_report_input (``compared``: collect_compared_jobs) would build it.

    ``baseline`` is accuracy-like (as the trials' surface), reported in the objective's own units;
    ``baseline_scored=False`` gives a baseline job that failed without an objective.
    """
    job = {"categorical": categorical, "objective": objective, "numeric": numeric}
    parent_names = tuple(f"{name}-p{k}" for k in range(1, parents + 1))
    status = "InProgress" if in_progress else "Completed"
    describe = tuning_job_describe(name, max_jobs=n, parents=parent_names, status=status, **job)
    summaries = training_job_summaries(
        name,
        n,
        seed=seed,
        failed_every=failed_every,
        stopped_every=stopped_every,
        start=START + timedelta(hours=parents),
        in_progress=in_progress,
        **job,
    )
    tuning_jobs = [json_safe(describe)]
    parent_rows: list[dict[str, Any]] = []
    others = [*parent_names, *(f"{name}-compared{k}" for k in range(1, compared + 1))]
    for k, parent in enumerate(others):
        parent_describe = tuning_job_describe(parent, max_jobs=max(n // 2, 1), **job)
        tuning_jobs.append(json_safe(parent_describe))
        parent_rows += trials_table(
            parent_describe,
            training_job_summaries(
                parent,
                max(n // 2, 1),
                seed=seed + k + 1,
                start=START + timedelta(hours=k),
                **job,
            ),
        )
    rows = trials_table(describe, summaries)
    if details:
        add_synthetic_details(rows, objective)
    learning_curves = {}
    if curves:
        rng = random.Random(seed)
        sign = -1 if direction_of(objective) == "Minimize" else 1
        for row in rows[: min(len(rows), 20)]:
            final = row.get("FinalObjectiveValue")
            if final is None:
                continue
            learning_curves[row["TrainingJobName"]] = [
                CurvePoint(
                    metric=objective,
                    x=step,
                    value=final - sign * 0.2 * math.exp(-step / 8) + rng.gauss(0, 0.002),
                )
                for step in range(0, 40, 2)
            ]
    if details:
        add_synthetic_details(parent_rows, objective)
    return ReportInput(
        tuning_job_name=name,
        tuning_jobs=tuning_jobs,
        trials=rows,
        parent_trials=parent_rows,
        baseline=None
        if baseline is None
        else Baseline(
            training_job_name=f"{name}-baseline",
            status="Completed" if baseline_scored else "Failed",
            metric_name=objective,
            objective_value=round(objective_value(objective, baseline), 5) if baseline_scored else None,
            failure_reason=None if baseline_scored else "AlgorithmError: the baseline ran out of memory",
            training_start_time=START + timedelta(hours=parents) - timedelta(minutes=3),
            training_end_time=START + timedelta(hours=parents) - timedelta(minutes=2),
            billable_seconds=60,
            instance_type="ml.m5.large",
            instance_count=1,
        ),
        learning_curves=learning_curves,
    )


def add_synthetic_details(rows: list[dict[str, Any]], objective: str = OBJECTIVE) -> None:
    """What DescribeTrainingJob would add (trials.training_details): final metrics, billable seconds."""
    train_metric = "train:" + objective.split(":")[-1]
    better = -1 if direction_of(objective) == "Minimize" else 1
    for row in rows:
        value = row.get("FinalObjectiveValue")
        if value is not None:
            jitter = zlib.crc32(row["TrainingJobName"].encode()) % 7 / 500
            train = value + better * (0.03 + jitter)
            row[f"FinalMetric:{train_metric}"] = round(min(1.0, train) if better > 0 else max(0.0, train), 5)
            row[f"FinalMetric:{objective}"] = value
        if row.get("TrainingElapsedTimeSeconds") is not None:
            row["BillableTimeInSeconds"] = max(1, round(row["TrainingElapsedTimeSeconds"]))
            row["InstanceType"] = "ml.m5.large"
            row["InstanceCount"] = 1
