"""Per-trial learning curves from the metrics SageMaker publishes to CloudWatch.

Built-in algorithms' metrics land in the ``/aws/sagemaker/TrainingJobs``
namespace, one series per metric and host (``<training job>/algo-1``). A job
that logs faster than CloudWatch's resolution leaves fewer points than rounds;
a job whose metrics expired leaves none, and its curve is simply absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from amt_pipeline.aws.ports import MetricReader
from amt_pipeline.trials.report_input import CurvePoint, ReportInput, parse_time

NAMESPACE = "/aws/sagemaker/TrainingJobs"
MAX_QUERIES_PER_CALL = 500  # GetMetricData's limit
CURVE_TRIALS = 25  # the best trials get curves: enough to compare, cheap to fetch


def host_dimension(training_job_name: str) -> list[dict[str, str]]:
    return [{"Name": "Host", "Value": f"{training_job_name}/algo-1"}]


def curve_metrics(objective_metric: str) -> list[str]:
    """The objective and its other channel (validation:x -> train:x), to show over-fitting."""
    channel, _, metric = objective_metric.partition(":")
    other = {"validation": "train", "train": "validation"}.get(channel)
    return [objective_metric] + ([f"{other}:{metric}"] if other and metric else [])


def best_trials(rows: Iterable[Mapping[str, Any]], maximize: bool, limit: int = CURVE_TRIALS) -> list[Mapping]:
    with_objective = [r for r in rows if r.get("FinalObjectiveValue") is not None]
    return sorted(with_objective, key=lambda r: r["FinalObjectiveValue"], reverse=maximize)[:limit]


def fetch_learning_curves(cloudwatch: MetricReader, trials: list[Mapping[str, Any]],
                          metrics: list[str]) -> dict[str, list[CurvePoint]]:
    """{training job: points} for these trials (rows with TrainingJobName and start/end times)."""
    queries, owners = [], {}
    for t, trial in enumerate(trials):
        for m, metric in enumerate(metrics):
            query_id = f"t{t}m{m}"
            owners[query_id] = (trial["TrainingJobName"], metric)
            queries.append({
                "Id": query_id,
                "MetricStat": {
                    "Metric": {"Namespace": NAMESPACE, "MetricName": metric,
                               "Dimensions": host_dimension(trial["TrainingJobName"])},
                    "Period": 1,
                    "Stat": "Maximum",
                },
                "ReturnData": True,
            })
    if not queries:
        return {}
    starts = [_time(t.get("TrainingStartTime")) for t in trials]
    ends = [_time(t.get("TrainingEndTime")) for t in trials]
    start = min(s for s in starts if s) if any(starts) else None
    end = max(e for e in ends if e) if any(ends) else None
    if start is None or end is None:
        return {}
    series: dict[str, list[tuple[datetime, str, float]]] = {}
    for offset in range(0, len(queries), MAX_QUERIES_PER_CALL):
        kwargs = {"MetricDataQueries": queries[offset:offset + MAX_QUERIES_PER_CALL],
                  "StartTime": start - timedelta(minutes=1), "EndTime": end + timedelta(minutes=1),
                  "ScanBy": "TimestampAscending"}
        while True:
            page = cloudwatch.get_metric_data(**kwargs)
            for result in page.get("MetricDataResults", []):
                if not result.get("Values"):
                    continue
                job, metric = owners[result["Id"]]
                series.setdefault(job, []).extend(
                    (ts, metric, value) for ts, value in zip(result["Timestamps"], result["Values"], strict=True)
                )
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    curves = {}
    for job, points in series.items():
        first = min(ts for ts, _, _ in points)
        curves[job] = [CurvePoint(metric=metric, x=(ts - first).total_seconds(), value=value)
                       for ts, metric, value in sorted(points, key=lambda p: (p[1], p[0]))]
    return curves


def add_learning_curves(report_input: ReportInput, cloudwatch: MetricReader) -> ReportInput:
    """The best trials' curves of the objective and its other channel, where CloudWatch has them."""
    objective = report_input.objective
    if objective is not None:
        report_input.learning_curves = fetch_learning_curves(
            cloudwatch, best_trials(report_input.trials, objective.maximize), curve_metrics(objective.metric_name)
        )
    return report_input


def _time(value: Any) -> datetime | None:
    moment = parse_time(value)
    return moment if isinstance(moment, datetime) else None
