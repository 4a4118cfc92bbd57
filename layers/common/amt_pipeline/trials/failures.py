"""Why trials failed, grouped: one normalised reason per group, its count and one example.

Failure reasons differ only by what each trial carries (its own name, an S3
key, an id, a number); normalised, 300 failures read as the two or three
causes they are (optuna-dashboard #199, #654). A trial that ran on AWS links to
its CloudWatch log stream (``/aws/sagemaker/TrainingJobs``, ``<job>/algo-1-...``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

LOG_GROUP = "/aws/sagemaker/TrainingJobs"
# AWS's documented example account (the local engine's and moto's): its jobs have no console logs.
EXAMPLE_ACCOUNTS = frozenset({"123456789012", "000000000000"})
REASON_KEY_MAX = 300
EXAMPLE_MAX = 1000
JOBS_LISTED = 50  # per group, in the summary (the CSV has them all)

_PATTERNS = [
    (re.compile(r"arn:aws[\w-]*:[^\s'\"]+"), "<arn>"),
    (re.compile(r"s3://[^\s'\"]+"), "<s3 uri>"),
    # A log line's own time ("[18:24:35]", "2024-05-01 18:24:35,123"): two trials failing alike differ by it.
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?|"
                r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b", re.I), "<id>"),
    (re.compile(r"\b\d+\.\d+(?:e[-+]?\d+)?\b|\b\d{4,}\b", re.I), "<n>"),
]


def normalise_reason(reason: str | None, job_name: str | None = None) -> str:
    """A failure reason without what is particular to one trial, on one line, at most 300 characters."""
    if not reason:
        return "no reason given"
    text = reason
    if job_name:
        text = text.replace(job_name, "<training job>")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    text = " ".join(text.split())
    return text if len(text) <= REASON_KEY_MAX else text[: REASON_KEY_MAX - 1] + "\u2026"


def log_stream_url(training_job_arn: str | None, training_job_name: str) -> str | None:
    """The CloudWatch console showing this training job's log streams, for a job that ran on AWS."""
    parts = (training_job_arn or "").split(":")
    if len(parts) < 6 or parts[1] != "aws" or parts[2] != "sagemaker" or parts[4] in EXAMPLE_ACCOUNTS:
        return None
    region = parts[3]
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
        return None

    def console(text: str) -> str:  # the console's fragment encoding: '%' itself becomes '$25'
        return quote(text, safe="").replace("%", "$25")

    fragment = (
        f"logsV2:log-groups/log-group/{console(LOG_GROUP)}"
        f"$3FlogStreamNameFilter$3D{console(training_job_name + '/algo-1')}"
    )
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#{fragment}"


def failure_groups(trials: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Failed trials by normalised reason, most frequent first: reason, count, one example, every job."""
    groups: dict[str, dict[str, Any]] = {}
    for t in trials:
        if t.get("TrainingJobStatus") != "Failed":
            continue
        name = str(t.get("TrainingJobName"))
        key = normalise_reason(t.get("FailureReason"), name)
        group = groups.setdefault(key, {"reason": key, "count": 0, "jobs": [],
                                        "example": {"training_job_name": name,
                                                    "failure_reason": (t.get("FailureReason") or "")[:EXAMPLE_MAX],
                                                    "log_url": log_stream_url(t.get("TrainingJobArn"), name)}})
        group["count"] += 1
        if len(group["jobs"]) < JOBS_LISTED:
                group["jobs"].append({"training_job_name": name,
                                  "log_url": log_stream_url(t.get("TrainingJobArn"), name)})
    return sorted(groups.values(), key=lambda g: -g["count"])


def stopped_trials(trials: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Trials stopped early (by early stopping or by a person), with the objective they had reached."""
    return [
        {"training_job_name": t.get("TrainingJobName"), "objective": t.get("FinalObjectiveValue"),
         "seconds": t.get("TrainingElapsedTimeSeconds")}
        for t in trials
        if t.get("TrainingJobStatus") == "Stopped"
    ]


def most_failed(counters: Mapping[str, int]) -> bool:
    """More than half of the trials failed."""
    total = sum(int(v or 0) for v in counters.values())
    return total > 0 and 2 * int(counters.get("Failed") or 0) > total
