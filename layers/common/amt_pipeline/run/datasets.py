"""The built-in Digits data, without scikit-learn: loaded from the packaged CSV, split with numpy.

``data/digits.csv.gz`` is ``sklearn.datasets.load_digits()`` (1,797 rows; label,
then 64 pixels 0-16), generated once by ``scripts/generate_digits.py``.
Rows are (label, features...) int64 arrays; ``to_csv_bytes`` writes them as the
post's notebook does: headerless, label first, ints as ints.
"""

from __future__ import annotations

import gzip
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

if TYPE_CHECKING:
    from amt_pipeline.run.plan import BuiltinDatasetPlan

DIGITS_FILE = "digits.csv.gz"
SPLITS = ("post", "stratified")


@dataclass(frozen=True)
class Split:
    train: np.ndarray  # (n_train, 1 + features), label first
    validation: np.ndarray


@cache
def _digits() -> np.ndarray:
    raw = resources.files("amt_pipeline").joinpath("data", DIGITS_FILE).read_bytes()
    table = np.loadtxt(io.StringIO(gzip.decompress(raw).decode("ascii")), delimiter=",", dtype=np.int64)
    table.setflags(write=False)
    return table


def load_digits_table() -> np.ndarray:
    """All 1,797 rows, label first (a read-only array: copy before changing it)."""
    return _digits()


def validation_rows(n_rows: int, validation_fraction: float) -> int:
    """Rows that go to validation: ceil(fraction * n), as scikit-learn's train_test_split counts them."""
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation_fraction must be between 0 and 1, not {validation_fraction}")
    n_validation = math.ceil(round(validation_fraction * n_rows, 9))
    if not 0 < n_validation < n_rows:
        raise ValueError(f"validation_fraction {validation_fraction} of {n_rows} rows leaves a split empty")
    return n_validation


def split_post(table: np.ndarray, validation_fraction: float = 0.3) -> Split:
    """The post's split, NOT shuffled: the first 70% train, the last 30% validation (1,257 / 540)."""
    n_validation = validation_rows(len(table), validation_fraction)
    cut = len(table) - n_validation
    return Split(train=table[:cut], validation=table[cut:])


def split_stratified(table: np.ndarray, validation_fraction: float = 0.3, seed: int = 0) -> Split:
    """Shuffled, stratified by label (column 0), reproducible for a seed.

    Each class sends round(fraction * its rows) to validation (largest remainders
    settle the total to ceil(fraction * n)); both sides are then shuffled.
    """
    n_validation = validation_rows(len(table), validation_fraction)
    rng = np.random.default_rng(seed)
    labels = table[:, 0]
    classes, counts = np.unique(labels, return_counts=True)

    exact = counts * n_validation / len(table)
    per_class = np.floor(exact).astype(int)
    short = n_validation - int(per_class.sum())
    if short:
        # Largest remainder first; ties broken at random (but reproducibly).
        order = np.lexsort((rng.random(len(classes)), -(exact - per_class)))
        per_class[order[:short]] += 1

    validation_idx, train_idx = [], []
    for cls, k in zip(classes, per_class, strict=True):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        validation_idx.append(idx[:k])
        train_idx.append(idx[k:])
    train = rng.permutation(np.concatenate(train_idx))
    validation = rng.permutation(np.concatenate(validation_idx))
    return Split(train=table[train], validation=table[validation])


def split_digits(split: str = "post", validation_fraction: float = 0.3, seed: int = 0) -> Split:
    if split == "post":
        return split_post(load_digits_table(), validation_fraction)
    if split == "stratified":
        return split_stratified(load_digits_table(), validation_fraction, seed)
    raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")


def to_csv_bytes(rows: np.ndarray) -> bytes:
    """Headerless CSV, one row per line, label first; ints as ints (``5``, not ``5.0``)."""
    if rows.ndim != 2:
        raise ValueError(f"expected a 2-D array of rows, not shape {rows.shape}")
    if np.issubdtype(rows.dtype, np.floating) and np.array_equal(rows, np.rint(rows)):
        rows = rows.astype(np.int64)
    return "".join(",".join(map(str, row)) + "\n" for row in rows.tolist()).encode("ascii")


def builtin_dataset_files(plan: BuiltinDatasetPlan | Mapping[str, Any]) -> dict[str, bytes]:
    """The plan's built-in dataset as {S3 key: CSV bytes} (train and validation files)."""
    dataset_plan = plan.model_dump() if isinstance(plan, BaseModel) else plan
    if dataset_plan.get("kind") != "builtin":
        raise ValueError(f"not a built-in dataset plan: kind {dataset_plan.get('kind')!r}")
    if dataset_plan.get("name") != "digits":
        raise ValueError(f"unknown built-in dataset {dataset_plan.get('name')!r}")
    split = split_digits(
        dataset_plan["split"], dataset_plan["validation_fraction"], dataset_plan.get("seed", 0)
    )
    return {
        dataset_plan["train_key"]: to_csv_bytes(split.train),
        dataset_plan["validation_key"]: to_csv_bytes(split.validation),
    }
