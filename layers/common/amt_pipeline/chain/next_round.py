"""The next round's execution input, held to AWS's warm-start restrictions.

AWS's developer guide ("Run a Warm Start Hyperparameter Tuning Job", Warm Start
Tuning Restrictions) and the API reference (HyperParameterTuningJobWarmStartConfig):

1. at most 5 parents, each in a terminal state (every earlier round has ended
   when its report is rendered and the decision is taken);
2. the same objective metric as every parent;
3. the same number of static plus tunable hyperparameters;
4. the type of each hyperparameter (continuous, integer, categorical) unchanged;
5. at most 10 changes from tunable to static plus changes of static values
   (each categorical value counts);
6. warm start is not recursive: a round learns only from the parents it names,
   so the parents are chosen here (``choose_parents``);
7. the parents' training jobs count against the 500 a tuning job may run.

``IdenticalDataAndAlgorithm`` keeps the data and the training image and may
change only the ranges and the number of training jobs; any other change (here:
fewer jobs in parallel than before, in a last round cut short by the budget)
needs ``TransferLearning`` (``warm_start_type``). A round never changes its
data: every round reads the first round's channels (no second copy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from amt_pipeline.chain.state import ChainRecord, RoundRecord, round_run_id
from amt_pipeline.errors import FollowUpRefused
from amt_pipeline.run.input_models import MAX_JOBS, MAX_JOBS_RANDOM
from amt_pipeline.run.layout import RunLayout

MAX_PARENTS = 5


class NoJobsLeft(FollowUpRefused):
    """The parents' training jobs already take every job a tuning job may run: the budget is spent."""
MAX_STATIC_CHANGES = 10


def choose_parents(rounds: Sequence[RoundRecord], objective_type: str, *, next_jobs: int,
                   job_limit: int = MAX_JOBS) -> list[RoundRecord]:
    """The parents of the next round, at most MAX_PARENTS: the round just ended first (its ranges are
    the nearest to the next ones), then the others by their best objective, best first, while their
    training jobs and the next round's stay within ``job_limit``."""
    if not rounds:
        return []
    latest, earlier = rounds[-1], list(rounds[:-1])
    sign = -1.0 if objective_type == "Maximize" else 1.0
    earlier.sort(key=lambda r: (r.best_objective is None, sign * (r.best_objective or 0.0), -r.round))
    chosen = [latest]
    jobs = latest.training_jobs + next_jobs
    for candidate in earlier:
        if len(chosen) == MAX_PARENTS:
            break
        if candidate.best_objective is None or jobs + candidate.training_jobs > job_limit:
            continue
        chosen.append(candidate)
        jobs += candidate.training_jobs
    return chosen


def job_limit(strategy: str) -> int:
    return MAX_JOBS_RANDOM if strategy == "Random" else MAX_JOBS


def widened_ranges(ranges: Mapping[str, Mapping[str, Any]],
                   boundaries: Sequence[Mapping[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The round's ranges with each crowded, movable edge moved as the report suggests; the changes in words."""
    widened = {name: dict(spec) for name, spec in ranges.items()}
    changes = []
    for finding in boundaries:
        name = finding.get("name")
        if not finding.get("edge") or finding.get("at_limit") or name not in widened:
            continue
        spec = widened[name]
        before = (spec["min_value"], spec["max_value"])
        spec["min_value"], spec["max_value"] = finding["suggested_min_value"], finding["suggested_max_value"]
        if spec["type"] == "Integer":
            spec["min_value"], spec["max_value"] = int(spec["min_value"]), int(spec["max_value"])
        else:
            spec["min_value"], spec["max_value"] = float(spec["min_value"]), float(spec["max_value"])
        if (spec["min_value"], spec["max_value"]) != before:
            changes.append(finding.get("warning") or f"{name}: {before} -> ({spec['min_value']}, {spec['max_value']})")
    return widened, changes


# What IdenticalDataAndAlgorithm keeps (besides the data): the image, the static hyperparameters, the
# objective and, as the guide lists only the ranges and the number of training jobs as changeable,
# the resources and the parallelism.
_KEPT_BY_IDENTICAL = ("algorithm_version", "hyperparameters", "objective_metric_name", "max_parallel_jobs",
                      "instance_type", "instance_count", "volume_size")


def warm_start_type(parent: ParentInput, next_input: Mapping[str, Any], next_layout: RunLayout) -> str:
    """The type AWS allows for what changed between a parent's input and the next round's."""
    changed = [field for field in _KEPT_BY_IDENTICAL if parent.input.get(field) != next_input.get(field)]
    if parent.channels != channels(next_input, next_layout):
        changed.append("dataset")
    return "IdenticalDataAndAlgorithm" if not changed else "TransferLearning"


class ParentInput:
    """A parent round's execution input and where its data was read."""

    def __init__(self, run_id: str, execution_input: Mapping[str, Any], layout: RunLayout):
        self.run_id, self.input = run_id, execution_input
        self.channels = channels(execution_input, layout)


def channels(ei: Mapping[str, Any], layout: RunLayout) -> dict[str, str]:
    """The S3 URIs a run's channels read (built-in data: where its PrepareData wrote it)."""
    dataset = ei["dataset"]
    if "train_uri" in dataset:
        return {"train": dataset["train_uri"], "validation": dataset["validation_uri"]}
    return {"train": layout.uri(layout.key("data", "train")) + "/",
            "validation": layout.uri(layout.key("data", "validation")) + "/"}


def check_warm_start(parents: Sequence[ParentInput], next_input: Mapping[str, Any], next_layout: RunLayout) -> None:
    """FollowUpRefused naming the first of AWS's warm-start restrictions the next round would break."""
    if not 1 <= len(parents) <= MAX_PARENTS:
        raise FollowUpRefused(f"{len(parents)} warm-start parents; SageMaker takes 1 to {MAX_PARENTS}")
    for parent_input in parents:
        parent, name = parent_input.input, parent_input.run_id
        if parent["objective_metric_name"] != next_input["objective_metric_name"]:
            raise FollowUpRefused(f"parent {name} optimised {parent['objective_metric_name']}, "
                                  f"not {next_input['objective_metric_name']}")
        before, after = _hyperparameter_kinds(parent), _hyperparameter_kinds(next_input)
        if len(before) != len(after):
            raise FollowUpRefused(f"parent {name} had {len(before)} static plus tunable hyperparameters, "
                                  f"the next round {len(after)}: warm start keeps the number")
        for hp, kind in after.items():
            if hp in before and before[hp] != kind:
                raise FollowUpRefused(f"{hp} was {before[hp]} in parent {name} and would be {kind}")
        if _static_changes(parent, next_input) > MAX_STATIC_CHANGES:
            raise FollowUpRefused(f"more than {MAX_STATIC_CHANGES} static hyperparameter changes from parent {name}")
        if next_input["warm_start"]["type"] == "IdenticalDataAndAlgorithm" and (
                parent_input.channels != channels(next_input, next_layout)
                or parent["algorithm_version"] != next_input["algorithm_version"]):
            raise FollowUpRefused(f"IdenticalDataAndAlgorithm needs parent {name}'s data and algorithm")


def _hyperparameter_kinds(ei: Mapping[str, Any]) -> dict[str, str]:
    kinds = {name: "Static" for name in ei.get("hyperparameters", {})}
    kinds.update({name: spec["type"] for name, spec in ei.get("hyperparameter_ranges", {}).items()})
    return kinds


def _static_changes(parent: Mapping[str, Any], next_input: Mapping[str, Any]) -> int:
    """Tunable -> static changes plus changed static values; each categorical value counts."""
    before_ranges, after_ranges = parent.get("hyperparameter_ranges", {}), next_input.get("hyperparameter_ranges", {})
    before_static, after_static = parent.get("hyperparameters", {}), next_input.get("hyperparameters", {})
    count = 0
    for name, spec in before_ranges.items():
        if name not in after_ranges and name in after_static:
            count += len(spec.get("values", [])) or 1
    for name, value in after_static.items():
        if name in before_static and name not in after_ranges and str(before_static[name]) != str(value):
            count += 2  # the guide's example: a static value changed from red to blue counts as 2
    return count


def next_round_input(round_input: Mapping[str, Any], chain: ChainRecord, *, layout: RunLayout,
                     boundaries: Sequence[Mapping[str, Any]], next_jobs: int,
                     parent_inputs: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The next round's execution input and its range changes in words (FollowUpRefused if AWS would refuse it).

    ``round_input`` is the round just ended (every default filled), run ``layout.run_id``; ``chain``
    holds every round so far, that one included; ``parent_inputs`` the earlier rounds' inputs by run id.
    """
    follow_up = dict(round_input["follow_up"])
    chain_id = follow_up.get("chain_id") or layout.run_id
    number = follow_up.get("round", 1) + 1
    ranges, changes = widened_ranges(round_input["hyperparameter_ranges"], boundaries)
    parents = choose_parents(chain.rounds, chain.objective_type, next_jobs=next_jobs,
                             job_limit=job_limit(round_input["strategy"]))
    next_jobs = min(next_jobs, job_limit(round_input["strategy"]) - sum(p.training_jobs for p in parents))
    if next_jobs < 1:
        raise NoJobsLeft(f"the parents' training jobs leave none of the {job_limit(round_input['strategy'])} "
                         "a tuning job may run (SageMaker counts them against it)")
    data = channels(round_input, layout)
    next_input = {key: value for key, value in round_input.items() if key not in ("warm_start", "follow_up")}
    next_input.update(
        job_name=round_run_id(chain_id, number),
        dataset={"train_uri": data["train"], "validation_uri": data["validation"]},
        hyperparameter_ranges=ranges,
        max_jobs=next_jobs,
        max_parallel_jobs=min(round_input["max_parallel_jobs"], next_jobs),
        baseline=False,  # the first round measured it
        follow_up={**follow_up, "chain_id": chain_id, "round": number,
                   "round_jobs": follow_up.get("round_jobs") or round_input["max_jobs"]},
    )
    inputs = {**parent_inputs, layout.run_id: round_input}
    parent_runs = [ParentInput(p.run_id, inputs[p.run_id], RunLayout(layout.bucket, p.run_id)) for p in parents]
    next_layout = RunLayout(layout.bucket, next_input["job_name"])
    next_input["warm_start"] = {
        "parents": [p.run_id for p in parents],
        # The type is the one the change from the round just ended allows; every parent is checked below.
        "type": max((warm_start_type(p, next_input, next_layout) for p in parent_runs), key=_TYPE_ORDER.index),
    }
    check_warm_start(parent_runs, next_input, next_layout)
    return next_input, changes


_TYPE_ORDER = ["IdenticalDataAndAlgorithm", "TransferLearning"]
