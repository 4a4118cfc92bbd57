"""A tuning job in one JSON-safe dict: what the notification says and the report's words.

Numpy only through ``analysis``; no pandas, so the notify step stays light.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from typing import Any

from amt_pipeline.trials.analysis import hyperparameter_importance, rank_trials, scored_trials
from amt_pipeline.trials.boundaries import boundary_analysis
from amt_pipeline.trials.failures import failure_groups, stopped_trials
from amt_pipeline.trials.next_input import next_execution_input, next_input_notes
from amt_pipeline.trials.report_input import ReportInput, json_safe, parent_job_names
from amt_pipeline.trials.spend import spend
from amt_pipeline.trials.table import ParameterRange, is_hyperparameter_column

TRAINING_STATUSES = ("Completed", "InProgress", "Stopped", "Failed", "Stopping")


def typed_hyperparameters(row: dict[str, Any], ranges: dict[str, ParameterRange]) -> dict[str, Any]:
    """A trial's tuned hyperparameters as the user wrote them: ints for Integer ranges."""
    out: dict[str, Any] = {}
    for name in ranges or [k for k in row if is_hyperparameter_column(k)]:
        if name not in row:
            continue
        value = row[name]
        spec = ranges.get(name)
        if spec is not None and spec.kind == "Integer" and isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, float) and not math.isfinite(value):
            value = str(value)
        out[name] = value
    return out




def _seconds(start: Any, end: Any) -> float | None:
    if isinstance(start, str):
        start = datetime.fromisoformat(start)
    if isinstance(end, str):
        end = datetime.fromisoformat(end)
    if isinstance(start, datetime) and isinstance(end, datetime):
        return (end - start).total_seconds()
    return None


def _instance_count(tuning_job: dict[str, Any]) -> int:
    definition: dict[str, Any] = tuning_job.get("TrainingJobDefinition") or next(
        iter(tuning_job.get("TrainingJobDefinitions") or []), {}
    )
    return int((definition.get("ResourceConfig") or {}).get("InstanceCount") or 1)


def other_jobs(report_input: ReportInput) -> list[dict[str, Any]]:
    """The report's other tuning jobs (warm-start parents, or jobs compared with ``amt report A B``),
    each with its own counts and best: the summary's other figures are the first job's."""
    parents = set(parent_job_names(report_input.tuning_job))
    for job in report_input.tuning_jobs[1:]:  # parents of parents, in the order collected
        if job.get("HyperParameterTuningJobName") in parents:
            parents.update(parent_job_names(job))
    out = []
    for job in report_input.tuning_jobs[1:]:
        name = job.get("HyperParameterTuningJobName")
        rows = [t for t in report_input.parent_trials if t.get("TuningJobName") == name]
        ranked = rank_trials(rows, report_input.objective)
        out.append({
            "tuning_job_name": name,
            "role": "warm-start parent" if name in parents else "compared job",
            "trial_count": len(rows),
            "scored_trial_count": len(scored_trials(rows)),
            "best_objective": float(ranked[0]["FinalObjectiveValue"]) if ranked else None,
        })
    return out


def summarize(report_input: ReportInput) -> dict[str, Any]:
    """Status, counters, best trial, baseline and gain, time, boundary warnings, next input."""
    job = report_input.tuning_job
    objective = report_input.objective
    ranges = report_input.ranges
    trials = report_input.trials
    config = job.get("HyperParameterTuningJobConfig", {})

    counters = Counter(str(t.get("TrainingJobStatus")) for t in trials)
    ranked = rank_trials(trials, objective)
    best_row = ranked[0] if ranked else None
    best = None
    if best_row is not None:
        best = {
            "training_job_name": best_row["TrainingJobName"],
            "tuning_job_name": best_row.get("TuningJobName"),
            "objective": float(best_row["FinalObjectiveValue"]),
            "hyperparameters": typed_hyperparameters(dict(best_row), ranges),
        }
    overall = rank_trials(report_input.all_trials, objective)
    overall_best = None
    if report_input.parent_trials and overall:
        overall_best = {
            "training_job_name": overall[0]["TrainingJobName"],
            "tuning_job_name": overall[0].get("TuningJobName"),
            "objective": float(overall[0]["FinalObjectiveValue"]),
        }

    baseline = None
    gain = None
    if report_input.baseline is not None:
        b = report_input.baseline
        baseline = {
            "training_job_name": b.training_job_name,
            "status": b.status,
            "objective": b.objective_value,
        }
        if b.objective_value is not None and best is not None:
            delta = best["objective"] - b.objective_value
            if objective is not None and not objective.maximize:
                delta = -delta
            gain = {
                "absolute": delta,
                "relative": delta / abs(b.objective_value) if b.objective_value else None,
                "tuned_is_better": delta > 0,
            }

    elapsed = [
        t["TrainingElapsedTimeSeconds"] for t in trials if t.get("TrainingElapsedTimeSeconds") is not None
    ]
    total_training = float(sum(elapsed))
    boundaries = boundary_analysis(trials, ranges, objective)
    importance = hyperparameter_importance(trials, ranges)
    scored = scored_trials(trials)

    summary = {
        "tuning_job_name": report_input.tuning_job_name,
        "status": report_input.status,
        "failure_reason": job.get("FailureReason"),
        "strategy": config.get("Strategy"),
        "objective_name": objective.metric_name if objective else None,
        "objective_direction": objective.direction if objective else None,
        "trial_count": len(trials),
        "scored_trial_count": len(scored),
        "parent_trial_count": len(report_input.parent_trials),
        "warm_start_parents": [j.get("HyperParameterTuningJobName") for j in report_input.tuning_jobs[1:]],
        "other_jobs": other_jobs(report_input),
        "counters": {status: counters.get(status, 0) for status in TRAINING_STATUSES}
        | {s: c for s, c in counters.items() if s not in TRAINING_STATUSES},
        "sagemaker_counters": job.get("TrainingJobStatusCounters") or {},
        "objective_counters": job.get("ObjectiveStatusCounters") or {},
        "best": best,
        "overall_best": overall_best,
        "baseline": baseline,
        "gain_over_baseline": gain,
        "total_training_seconds": total_training,
        "billable_seconds_estimate": total_training * _instance_count(job),
        "wall_clock_seconds": _seconds(job.get("CreationTime"), job.get("HyperParameterTuningEndTime")),
        "completion_reason": (job.get("TuningJobCompletionDetails") or {}).get("CompletionReason"),
        "boundary_warnings": [f["warning"] for f in boundaries if f.get("warning")],
        "boundaries": boundaries,
        "importance": importance,
        "next_execution_input": next_execution_input(job, ranges, boundaries, scored_trial_count=len(scored)),
        "next_input_notes": next_input_notes(boundaries, scored_trial_count=len(scored)),
        "failure_groups": failure_groups(trials),
        "stopped_trials": stopped_trials(trials),
        "spend": spend(job, trials, price_per_hour=report_input.price_per_hour,
                       baseline=report_input.baseline.model_dump() if report_input.baseline else None),
        "failed_trials": [
            {"training_job_name": t["TrainingJobName"], "failure_reason": t.get("FailureReason")}
            for t in trials
            if t.get("TrainingJobStatus") == "Failed"
        ][:20],
    }
    return json_safe(summary)
