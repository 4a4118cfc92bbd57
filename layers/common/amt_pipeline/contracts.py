"""What passes between the pipeline's steps, as models: the one place each shape is written.

* The state machine's Lambdas: ``ValidateRequest`` in, ``run.plan.RunPlan`` out
  (the state machine reads it by JSONPath: tests/unit/test_step_contracts.py
  checks every path against the models); ``PrepareRequest`` in, ``PrepareResult`` out.
* The report steps (EventBridge): ``events.RunStepDetail`` in the "Trials
  Extracted" and "Report Rendered" events; ``ExtractResult``, ``RenderResult``
  and ``NotifyResult`` out, stored by the idempotency layer through Powertools'
  ``PydanticSerializer`` so that a replayed event gets the same model back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from amt_pipeline.events import RunStepDetail
from amt_pipeline.run.plan import BuiltinDatasetPlan


class StepResult(BaseModel):
    """A step's result. It reads by key too (``result["status"]``), as the dicts it replaced did."""

    model_config = ConfigDict(frozen=True)

    def __getitem__(self, field: str) -> Any:
        if field not in type(self).model_fields:
            raise KeyError(field)
        return getattr(self, field)


# --- The state machine's Lambdas ---------------------------------------------------------------


class ValidateRequest(BaseModel):
    """ValidateInput's Parameters: the execution input and the execution's own name and start."""

    input: Any  # checked by the planner, which names every bad field
    execution_name: str
    started_at: datetime


class PrepareRequest(BaseModel):
    """PrepareData's Parameters: the run and its built-in dataset's plan."""

    run_id: str
    bucket: str
    dataset: BuiltinDatasetPlan


class PreparedObject(BaseModel):
    uri: str
    rows: int


class PrepareResult(StepResult):
    """What PrepareData wrote (the state machine keeps it at $.dataset.prepared)."""

    objects: list[PreparedObject]


# --- The report steps -------------------------------------------------------------------------


class ExtractResult(RunStepDetail, StepResult):
    """The run step as extracted (status from the job's own describe), and how many trials it had."""

    trials: int


class RenderResult(StepResult):
    run_id: str
    status: str | None
    report_key: str


class NotifyResult(StepResult):
    message_id: str
    subject: str
    report_url: str
