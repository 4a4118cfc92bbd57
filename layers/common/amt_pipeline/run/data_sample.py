"""The first rows of the user's data, read by the built-in XGBoost container's rules (no I/O here).

What the container does with a channel (aws/sagemaker-xgboost-container ``data_utils.py``, every
image) and what XGBoost then does with the labels decide what is an error here (every trial would
fail, or train on nonsense) and what is a warning (SageMaker trains, perhaps not as meant):

- CSV: the first line of each file must let ``csv.Sniffer`` find a delimiter, or the job fails.
  XGBoost's CSV reader then takes every value as a number: a header row becomes a data row with the
  label 0 and its values missing (a warning: SageMaker trains on it), and a text value anywhere else
  is silently a missing value, or a label of 0 in the first column (an error: the model would
  learn from a column that is not there, or from labels that are all 0).
- LIBSVM: ``<label>(:<weight>) <index>:<value> ...``, the container's own line test.
- Labels against the objective, as XGBoost checks them before its first round: ``binary:*`` and
  ``reg:logistic`` need labels in [0, 1], ``multi:*`` whole classes 0 .. num_class-1,
  ``count:poisson`` and ``reg:tweedie`` labels >= 0, ``reg:gamma`` labels > 0. Ranking, on XGBoost 3
  only (``src/common/ranking_utils.h``; 1.5.2 and 1.7.4 train on any label, tried in each image's
  environment): ``rank:ndcg`` or an ``ndcg`` metric needs whole relevance degrees 0 .. 31,
  ``rank:map`` or a ``map`` metric binary labels.

Only a sample is read (the first bytes of the first objects): a finding names the rows it saw.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

HEADER_WARNING = (
    "{where}: the first row {row!r} is a header. SageMaker's XGBoost container reads it as a data row "
    "(label 0, its values missing) and trains on it: remove the header row"
)


@dataclass(frozen=True)
class Sample:
    """The first bytes of one object (or file) of a channel."""

    where: str  # its URI or path, as the user knows it
    text: str
    complete: bool  # the whole object; else the last (partial) line is not read


@dataclass
class Findings:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    labels: list[float] = field(default_factory=list)
    rows: int = 0
    columns: int = 0  # the widest data row seen (CSV: label and features)


def _lines(sample: Sample) -> list[str]:
    lines = sample.text.splitlines()
    if not sample.complete and lines:
        lines = lines[:-1]
    return lines


def _number(value: str) -> float | None:
    """A value as XGBoost's CSV reader takes it: a number, or None (text); '' is a missing value."""
    try:
        return float(value)
    except ValueError:
        return None


def read_csv_sample(sample: Sample, findings: Findings) -> None:
    lines = [line for line in _lines(sample) if line.strip()]
    if not lines:
        return
    try:
        delimiter = csv.Sniffer().sniff(lines[0]).delimiter
    except csv.Error:
        findings.errors.append(
            f"{sample.where}: the container cannot find the delimiter of its first line {lines[0][:50]!r} "
            "(csv.Sniffer) and fails the job: CSV needs the label, then at least one feature, on each line")
        return
    if delimiter.isalnum() or delimiter in ".-+":
        findings.errors.append(
            f"{sample.where}: the container's csv.Sniffer takes {delimiter!r} for the delimiter of its first line "
            f"{lines[0][:50]!r}: a line with no delimiter is a label with no feature column, which XGBoost would "
            "misread; CSV needs the label, then at least one feature, on each line")
        return
    rows = [[v.strip() for v in line.split(delimiter)] for line in lines]
    first_is_header = _number(rows[0][0]) is None and len(rows) > 1 and all(
        _number(r[0]) is not None for r in rows[1:])
    if first_is_header or (len(rows) == 1 and all(_number(v) is None for v in rows[0] if v)):
        findings.warnings.append(HEADER_WARNING.format(where=sample.where, row=lines[0][:80]))
        rows = rows[1:]
    for index, row in enumerate(rows, start=2 if first_is_header else 1):
        label = _number(row[0]) if row[0] else None
        if label is None:
            findings.errors.append(
                f"{sample.where} row {index}: the label (first column) {row[0]!r} is not a number. "
                "SageMaker XGBoost reads CSV as label first, a number (classes as 0 .. num_class-1), "
                "then the features; XGBoost would read this label as 0")
            return
        text = next(((c, v) for c, v in enumerate(row[1:], start=2) if v and _number(v) is None), None)
        if text:
            findings.errors.append(
                f"{sample.where} row {index}, column {text[0]}: {text[1]!r} is not a number. XGBoost's CSV "
                "reader takes it as a missing value without a word; encode it as a number (a label goes first)")
            return
        findings.labels.append(label)
        findings.rows += 1
        findings.columns = max(findings.columns, len(row))


def column_problems(train: Findings, validation: Findings, train_where: str, validation_where: str) -> Findings:
    """CSV channels of different widths: XGBoost fails every job when validation has more columns than the
    model was trained on ("Number of columns does not match number of features in booster"), and reads
    the missing ones as missing values when it has fewer."""
    found = Findings()
    if not train.columns or not validation.columns or train.columns == validation.columns:
        return found
    said = (f"{validation_where} has {validation.columns} columns and {train_where} {train.columns} "
            "(label included)")
    if validation.columns > train.columns:
        found.errors.append(f"{said}: XGBoost fails every job (\"Number of columns does not match number of "
                            "features in booster\")")
    else:
        found.warnings.append(f"{said}: XGBoost reads the validation rows' missing columns as missing values")
    return found


def libsvm_features(line: str) -> int:
    """The container's ``_get_num_valid_libsvm_features``: -1 when the line is not LIBSVM."""
    parts = line.split(" ")
    label = parts[0].split(":")
    if len(label) > 2 or any(_number(p) is None for p in label):
        return -1
    if any(":" not in p for p in parts[1:]) or (len(parts) > 1 and len(parts[1].split(":")) != 2):
        return -1
    return len(parts) - 1


def read_libsvm_sample(sample: Sample, findings: Findings) -> None:
    for index, line in enumerate(_lines(sample), start=1):
        if not line.strip():
            continue
        if libsvm_features(line) < 0:
            findings.errors.append(
                f"{sample.where} row {index}: {line[:50]!r} is not LIBSVM (<label>(:<weight>) <index>:<value> ...); "
                "the container fails the job")
            return
        label = _number(line.split(" ")[0].split(":")[0])
        if label is not None:
            findings.labels.append(label)
            findings.rows += 1


NDCG_METRIC = re.compile(r"ndcg(@\d+)?-?")  # ndcg, ndcg@n, ndcg-, ndcg@n- (not a prefix: 'mape' is no map)
MAP_METRIC = re.compile(r"map(@\d+)?-?")
MAX_RELEVANCE = 31  # XGBoost 3's ltr::MaxRel() with the exponential NDCG gain (the container cannot turn it off)


def label_problems(labels: Sequence[float], hyperparameters: Mapping[str, str], where: str, *,
                   version: str, objective_metric: str) -> Findings:
    """Labels that do not fit the static objective, as XGBoost checks them (errors) or reads them (warnings).
    ``version`` is the image's (its XGBoost's checks), ``objective_metric`` the tuning job's: the container
    adds it to ``eval_metric``, so XGBoost checks the labels for it too."""
    found = Findings()
    objective = str(hyperparameters.get("objective", "reg:squarederror"))
    if not labels:
        return found
    metrics = {m.strip() for m in str(hyperparameters.get("eval_metric", "")).split(",") if m.strip()}
    metrics.add(objective_metric.rpartition(":")[2])
    _relevance(labels, objective, metrics, version, where, found)
    if objective.startswith("binary:") or objective == "reg:logistic":
        _probabilities(labels, objective, where, found)
    elif objective.startswith("multi:"):
        _classes(labels, _int(hyperparameters.get("num_class")), where, found)
    elif objective in ("count:poisson", "reg:tweedie") and min(labels) < 0:
        found.errors.append(f"{where}: label {min(labels):g} is negative, which {objective} refuses "
                            "(XGBoost fails every job)")
    elif objective == "reg:gamma" and min(labels) <= 0:
        found.errors.append(f"{where}: label {min(labels):g} is not positive, which reg:gamma needs "
                            "(XGBoost fails every job)")
    return found


def _relevance(labels: Sequence[float], objective: str, metrics: set[str], version: str, where: str,
               found: Findings) -> None:
    ndcg = _ranking_use(objective, metrics, "ndcg", NDCG_METRIC)
    map_ = _ranking_use(objective, metrics, "map", MAP_METRIC)
    xgboost3 = version.startswith("3.")
    if ndcg:
        degree = next((v for v in labels if v < 0 or v != math.floor(v)), None)
        if degree is not None and xgboost3:
            found.errors.append(f"{where}: label {degree:g} is not a relevance degree, which {ndcg} needs on the "
                                f"{version} image: XGBoost fails every job (\"When using relevance degree as target, "
                                "label must be either 0 or positive integer.\")")
            return
        high = next((v for v in labels if v > MAX_RELEVANCE), None)
        if high is not None and xgboost3:
            found.errors.append(f"{where}: label {high:g} is above {MAX_RELEVANCE}, which {ndcg} refuses on the "
                                f"{version} image: XGBoost fails every job (\"Relevance degress must be lesser than "
                                "or equal to 31 when the exponential NDCG gain function is used.\")")
            return
        if degree is not None and degree < 0:
            found.warnings.append(f"{where}: label {degree:g} is a negative relevance degree: ndcg's gain 2^label - 1 "
                                  f"is then negative (the {version} image trains on it; XGBoost 3 refuses it)")
    if map_:
        graded = next((v for v in labels if v not in (0, 1)), None)
        if graded is not None and xgboost3:
            found.errors.append(f"{where}: label {graded:g} is not binary, which {map_} needs on the {version} "
                                "image: XGBoost fails every job (\"map can only be used with binary labels.\")")
        elif graded is not None:
            found.warnings.append(f"{where}: label {graded:g} is not binary: {map_} counts every nonzero label as "
                                  f"relevant (the {version} image trains on it; XGBoost 3 refuses it)")


def _ranking_use(objective: str, metrics: set[str], name: str, metric: re.Pattern[str]) -> str:
    """How the job uses ndcg or map, as a message names it ('' when it does not)."""
    if objective == f"rank:{name}":
        return objective
    used = sorted(m for m in metrics if metric.fullmatch(m))
    return f"the {used[0]} metric" if used else ""


def _probabilities(labels: Sequence[float], objective: str, where: str, found: Findings) -> None:
    outside = [v for v in labels if v < 0 or v > 1]
    if outside:
        found.errors.append(f"{where}: label {outside[0]:g} is outside [0, 1], which {objective} needs "
                            "(XGBoost fails every job: \"label must be in [0,1] for logistic regression\")")
        return
    fractional = [v for v in labels if v not in (0, 1)]
    if objective.startswith("binary:") and fractional:
        found.warnings.append(f"{where}: label {fractional[0]:g} is neither 0 nor 1: {objective} reads it as "
                              "a probability, not a class")


def _classes(labels: Sequence[float], num_class: int | None, where: str, found: Findings) -> None:
    outside = [v for v in labels if v < 0 or (num_class is not None and v >= num_class)]
    if outside:
        classes = f"0 .. {num_class - 1}" if num_class else "0 .. num_class-1"
        found.errors.append(f"{where}: label {outside[0]:g} is not a class of num_class={num_class} ({classes}); "
                            "XGBoost fails every job (\"label must be in [0, num_class)\"). Set "
                            "hyperparameters.num_class, or an objective for your labels (the default "
                            "hyperparameters are the post's: multi:softmax, 10 classes)")
        return
    fractional = [v for v in labels if v != math.floor(v)]
    if fractional:
        found.warnings.append(f"{where}: label {fractional[0]:g} is not a whole class number: XGBoost truncates it")


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def check_samples(samples: Sequence[Sample], content_type: str, hyperparameters: Mapping[str, str],
                  channel_where: str, *, version: str, objective_metric: str) -> Findings:
    """One channel's samples: format findings, then its labels against the objective."""
    findings = Findings()
    reader = {"text/csv": read_csv_sample, "text/libsvm": read_libsvm_sample}.get(content_type)
    if reader is None:
        return findings  # parquet, recordio-protobuf: binary formats the container reads itself
    for sample in samples:
        reader(sample, findings)
    if not findings.errors:
        if findings.rows == 0 and all(s.complete for s in samples):
            findings.errors.append(f"{channel_where} has no data row")
        labels = label_problems(findings.labels, hyperparameters, channel_where, version=version,
                                objective_metric=objective_metric)
        findings.errors += labels.errors
        findings.warnings += labels.warnings
    return findings
