"""A trial's event names its tuning job as it was given: SageMaker's ARNs hold names lowercased."""

from __future__ import annotations

import json
from pathlib import Path

from amt_pipeline.live.trial_event import TrainingJobStateChange

EVENT = json.loads((Path(__file__).parents[1] / "events" / "sagemaker-training-job-completed.json").read_text())


def change(name: str, arn_name: str | None, run: str) -> TrainingJobStateChange:
    detail = {**EVENT["detail"], "TrainingJobName": name,
              "OutputDataConfig": {"S3OutputPath": f"s3://amt-pipeline-data-123456789012/runs/{run}/output/"}}
    detail.pop("TuningJobArn", None)
    if arn_name:
        detail["TuningJobArn"] = f"arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/{arn_name}"
    return TrainingJobStateChange.model_validate(detail)


def test_a_capitalised_tuning_job_keeps_its_case_although_its_arn_is_lowercase() -> None:
    event = change("Digits-Mixed-A-003-0a1b2c3d", "digits-mixed-a", "Digits-Mixed-A")
    assert event.tuning_job_name == "Digits-Mixed-A"


def test_without_an_arn_the_trial_name_still_gives_the_job_and_the_arn_wins_over_a_stranger_name() -> None:
    assert change("Digits-Mixed-A-003-0a1b2c3d", None, "Digits-Mixed-A").tuning_job_name == "Digits-Mixed-A"
    # a name that is not <job>-NNN-xxxxxxxx of the ARN's job: the ARN's name
    assert change("hand-made", "other-job", "other-job").tuning_job_name == "other-job"
    assert change("hand-made", None, "the-run").tuning_job_name == "the-run"
