"""Where a run's objects live in the bucket: the one place that knows the layout.

A run is one tuning job. Its name (1-32 chars) is the run id, and everything
the run writes sits under ``runs/<run id>/``::

    runs/<run>/data/train/train.csv            built-in dataset only
    runs/<run>/data/validation/validation.csv
    runs/<run>/output/<training job>/output/model.tar.gz   (SageMaker's layout)
    runs/<run>/reports/trials.csv | trials.json | summary.json | index.html | chain.json (chain rounds)

RunKeys builds a run's keys; RunLayout adds the bucket and its URIs. Nothing else writes a key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from amt_pipeline.facts import is_run_id

RUNS_ROOT = "runs/"
RUN_PARTS = ("data", "output", "reports")
BASELINE_SUFFIX = "-baseline"


def baseline_job_name(run_id: str) -> str:
    """The baseline training job of a run (training-job names allow 63 chars)."""
    return f"{run_id}{BASELINE_SUFFIX}"


class _ReportFile:
    """The key of one file under the run's reports/ prefix, read as an attribute of RunKeys."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, keys: RunKeys, owner: type[RunKeys] | None = None) -> str:
        return keys.report_key(self.name)


def reports_glob(name: str = "*") -> str:
    """A glob for one report file (or all) of every run, relative to the bucket (e.g. a local copy of it)."""
    return f"{RUNS_ROOT}*/reports/{name}"


@dataclass(frozen=True)
class RunKeys:
    """A run's keys in its bucket, whichever bucket that is (the bucket apart: RunLayout adds it)."""

    run_id: str

    def __post_init__(self) -> None:
        if not is_run_id(self.run_id):
            raise ValueError(f"not a valid run id (tuning job name): {self.run_id!r}")

    @property
    def prefix(self) -> str:
        return f"{RUNS_ROOT}{self.run_id}/"

    def key(self, part: str, *names: str) -> str:
        if part not in RUN_PARTS:
            raise ValueError(f"unknown run part {part!r}; expected one of {RUN_PARTS}")
        return self.prefix + "/".join((part, *names))

    # Data (built-in datasets only: the user's own data stays where it is).
    @property
    def train_key(self) -> str:
        return self.key("data", "train", "train.csv")

    @property
    def validation_key(self) -> str:
        return self.key("data", "validation", "validation.csv")

    # Reports.
    @property
    def reports_prefix(self) -> str:
        return self.key("reports") + "/"

    def report_key(self, name: str) -> str:
        return self.key("reports", name)

    trials_csv_key = _ReportFile("trials.csv")
    trials_json_key = _ReportFile("trials.json")
    summary_key = _ReportFile("summary.json")
    report_html_key = _ReportFile("index.html")
    chain_json_key = _ReportFile("chain.json")  # a chain round's record, written when its follow-up is decided


@dataclass(frozen=True, init=False)
class RunLayout(RunKeys):
    """A run's keys in one bucket, and their s3:// URIs."""

    bucket: str

    def __init__(self, bucket: str, run_id: str) -> None:
        object.__setattr__(self, "bucket", bucket)
        super().__init__(run_id)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    # SageMaker output: OutputDataConfig.S3OutputPath of every training job.
    @property
    def output_uri(self) -> str:
        return self.uri(self.key("output")) + "/"

    @classmethod
    def from_output_uri(cls, s3_output_path: str) -> RunLayout:
        """Recover the layout from a training job's S3OutputPath (as in the tuning event)."""
        m = re.fullmatch(r"s3://([^/]+)/" + re.escape(RUNS_ROOT) + r"([^/]+)/output/?", s3_output_path)
        if not m:
            raise ValueError(f"not an AMT Pipeline output path: {s3_output_path!r}")
        return cls(bucket=m.group(1), run_id=m.group(2))
