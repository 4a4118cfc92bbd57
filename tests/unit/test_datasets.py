"""The packaged Digits data equals scikit-learn's, and splits as the post (and stratified) do."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from amt_pipeline.run.datasets import (
    builtin_dataset_files,
    load_digits_table,
    split_digits,
    split_post,
    split_stratified,
    to_csv_bytes,
    validation_rows,
)

PACKAGE = Path(__file__).resolve().parents[2] / "layers/common/amt_pipeline"


def test_packaged_data_equals_load_digits() -> None:
    digits = load_digits()
    table = load_digits_table()
    assert table.shape == (1797, 65)
    np.testing.assert_array_equal(table[:, 0], digits.target)
    np.testing.assert_array_equal(table[:, 1:], digits.data)


def test_post_split_is_unshuffled_70_30() -> None:
    # Given the post's split / Then the first 1,257 rows train and the last 540 validate
    table = load_digits_table()
    split = split_post(table)
    assert (len(split.train), len(split.validation)) == (1257, 540)
    np.testing.assert_array_equal(split.train, table[:1257])
    np.testing.assert_array_equal(split.validation, table[1257:])


def test_post_split_equals_scikit_learns_unshuffled_split() -> None:
    digits = load_digits()
    x_train, x_val, y_train, y_val = train_test_split(
        digits.data, digits.target, test_size=0.3, shuffle=False
    )
    split = split_digits("post")
    np.testing.assert_array_equal(split.train[:, 1:], x_train)
    np.testing.assert_array_equal(split.validation[:, 0], y_val)


def test_stratified_split_keeps_class_proportions_and_every_row() -> None:
    table = load_digits_table()
    split = split_stratified(table, validation_fraction=0.3, seed=0)
    # Same sizes as the post's split
    assert (len(split.train), len(split.validation)) == (1257, 540)
    # Each class's validation share is within one row of 30%
    counts = np.bincount(table[:, 0], minlength=10)
    val_counts = np.bincount(split.validation[:, 0], minlength=10)
    assert np.all(np.abs(val_counts - counts * 0.3) <= 1)
    # No row lost or duplicated
    both = np.concatenate([split.train, split.validation])
    assert sorted(map(tuple, both.tolist())) == sorted(map(tuple, table.tolist()))


def test_stratified_split_is_shuffled_and_seeded() -> None:
    table = load_digits_table()
    a, b, c = (split_stratified(table, 0.3, seed) for seed in (1, 1, 2))
    np.testing.assert_array_equal(a.train, b.train)
    assert not np.array_equal(a.train, c.train)
    assert not np.array_equal(a.validation, split_post(table).validation)


@pytest.mark.parametrize("fraction", [0.1, 0.2, 0.25, 0.5])
def test_split_sizes_count_like_scikit_learn(fraction: float) -> None:
    expected_validation = len(train_test_split(np.arange(1797), test_size=fraction, shuffle=False)[1])
    assert validation_rows(1797, fraction) == expected_validation
    assert len(split_digits("stratified", fraction, 0).validation) == expected_validation


def test_a_fraction_that_empties_a_side_is_refused() -> None:
    with pytest.raises(ValueError):
        validation_rows(10, 0.95)  # ceil(9.5) = 10 rows: nothing left to train on
    with pytest.raises(ValueError):
        validation_rows(10, 1.0)


def test_csv_is_headerless_label_first_ints_as_ints() -> None:
    # Given two rows, floats with whole values as scikit-learn stores pixels
    rows = np.array([[3, 0.0, 16.0], [7, 5.0, 1.0]])
    # Then the CSV is what the post's notebook writes
    assert to_csv_bytes(rows) == b"3,0,16\n7,5,1\n"
    assert to_csv_bytes(load_digits_table()[:1]).startswith(b"0,0,0,5,13,9,1,0,0,")


def test_builtin_dataset_files_follow_the_plan() -> None:
    plan = {
        "kind": "builtin",
        "name": "digits",
        "split": "post",
        "seed": 0,
        "validation_fraction": 0.3,
        "train_key": "runs/r/data/train/train.csv",
        "validation_key": "runs/r/data/validation/validation.csv",
    }
    files = builtin_dataset_files(plan)
    assert list(files) == [plan["train_key"], plan["validation_key"]]
    assert files[plan["train_key"]].count(b"\n") == 1257
    assert files[plan["validation_key"]].count(b"\n") == 540
    assert files == builtin_dataset_files(plan)  # rerunning writes the same bytes


def test_the_domain_package_never_imports_scikit_learn() -> None:
    # The layer cannot carry scikit-learn: no module of mine may import it
    for name in (
        "run/datasets.py",
        "run/execution_input.py",
        "run/plan.py",
        "run/tuning_request.py",
        "run/image_uris.py",
        "run/input_data_check.py",
    ):
        tree = ast.parse((PACKAGE / name).read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            (node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        }
        assert not imported & {"sklearn", "scipy", "xgboost", "optuna"}, name
    assert "amt_pipeline.run.datasets" in sys.modules
