"""amt_container.data: a channel read as the built-in container reads it, in the image's own environment
(XGBoost's CSV and LIBSVM readers, the container's checks and folder rules), for 1.5-1 and 1.7-1."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from amt.local.images import image_spec, prepare_image

# Runs in the image's interpreter: load one channel folder, print its rows' labels and the row count.
_LOAD = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
from amt_container.data import UserError, load_channels
job = json.loads(sys.stdin.read())
try:
    matrices = load_channels(job["channels"], job["content_type"], job["scratch"])
except UserError as e:
    print(json.dumps({"error": str(e)}))
else:
    print(json.dumps({name: {"labels": [float(v) for v in m.get_label()], "rows": m.num_row(), "cols": m.num_col()}
                      for name, m in matrices.items()}))
"""


def load(version: str, tmp_path: Path, content_type: str | None = "text/csv", **channels: Path) -> dict[str, Any]:
    env = prepare_image(image_spec(version))
    job = {"channels": {k: str(v) for k, v in channels.items()}, "content_type": content_type,
           "scratch": str(tmp_path / "links")}
    done = subprocess.run([str(env.python), "-I", "-c", _LOAD, str(env.code_root)], input=json.dumps(job),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def channel(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    for relative, text in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)
    return folder


def test_a_header_row_is_a_data_row_labelled_0_not_a_failure(tmp_path: Path) -> None:
    train = channel(tmp_path, "train", {"train.csv": "label,a,b\n1,0.5,2\n0,3,4\n"})
    assert load("1.5-1", tmp_path, train=train)["train"] == {"labels": [0.0, 1.0, 0.0], "rows": 3, "cols": 2}


def test_csv_is_parsed_by_xgboosts_own_reader_not_pandas(tmp_path: Path) -> None:
    import numpy as np

    train = channel(tmp_path, "train", {"train.csv": "1.43,1\n2,3\n"})
    (label, _) = load("1.5-1", tmp_path, train=train)["train"]["labels"]
    assert label == 1.4300000667572021 and label != float(np.float32("1.43"))  # pandas/numpy give 1.4299999


def test_a_folders_files_come_in_the_folders_listing_order(tmp_path: Path) -> None:
    # Given three files written in an order that is neither their names' nor their creation's sort
    train = channel(tmp_path, "train", {"b.csv": "2,1\n", "c.csv": "3,1\n", "a.csv": "1,1\n"})
    listing = [name for name in os.listdir(train)]
    expected = [{"a.csv": 1.0, "b.csv": 2.0, "c.csv": 3.0}[name] for name in listing]
    # Then both images read them in the order the file system lists the folder (XGBoost's readdir)
    assert load("1.5-1", tmp_path, train=train)["train"]["labels"] == expected


def test_1_5_1_reads_only_the_first_folder_without_sub_folders(tmp_path: Path) -> None:
    train = channel(tmp_path, "train", {"top.csv": "1,1\n", "more/deep.csv": "7,1\n"})
    assert load("1.5-1", tmp_path, train=train)["train"]["labels"] == [7.0]  # top.csv is not read


@pytest.mark.slow
def test_1_7_1_reads_every_file_up_to_three_folders_deep(tmp_path: Path) -> None:
    train = channel(tmp_path, "train", {"top.csv": "1,1\n", "more/deep.csv": "7,1\n"})
    assert sorted(load("1.7-1", tmp_path, train=train)["train"]["labels"]) == [1.0, 7.0]


@pytest.mark.parametrize(("files", "message"), [
    ({"part.csv": "1,2\n", ".part.csv.crc": "x"}, "Hidden file found in the data path! Remove that before training."),
    ({"part.csv": ""}, "No data in training channel path"),
], ids=["hidden-file", "empty"])
def test_the_containers_refusals_come_with_its_words(tmp_path: Path, files: dict[str, str], message: str) -> None:
    train = channel(tmp_path, "train", files)
    assert message in load("1.5-1", tmp_path, train=train)["error"]


def test_libsvm_and_the_default_content_type(tmp_path: Path) -> None:
    train = channel(tmp_path, "train", {"train.libsvm": "1 1:0.5 2:3\n0 1:0.25\n"})
    assert load("1.5-1", tmp_path, "text/libsvm", train=train)["train"]["labels"] == [1.0, 0.0]
    assert load("1.5-1", tmp_path, None, train=train)["train"]["labels"] == [1.0, 0.0]  # no ContentType: LIBSVM
    csv = channel(tmp_path, "csv", {"train.csv": "1,0.5\n"})
    assert "is not 'LIBSVM' format" in load("1.5-1", tmp_path, "text/libsvm", train=csv)["error"]


@pytest.mark.parametrize("content_type", ["application/x-parquet", "application/x-recordio-protobuf"])
def test_parquet_and_recordio_are_refused_saying_why(tmp_path: Path, content_type: str) -> None:
    train = channel(tmp_path, "train", {"train.bin": "PAR1"})
    assert "the local engine cannot read" in load("1.5-1", tmp_path, content_type, train=train)["error"]


def test_an_unknown_content_type_is_the_containers_error(tmp_path: Path) -> None:
    train = channel(tmp_path, "train", {"train.csv": "1,2\n"})
    assert "is not an accepted ContentType" in load("1.5-1", tmp_path, "text/plain", train=train)["error"]


def test_csv_weights_read_the_second_column_as_weights(tmp_path: Path) -> None:
    train = channel(tmp_path, "train", {"train.csv": "1,2.5,0.5\n0,0.5,3\n"})
    job = {"channels": {"train": str(train)}, "content_type": "text/csv", "scratch": str(tmp_path / "links")}
    env = prepare_image(image_spec("1.5-1"))
    weights_too = '"cols": m.num_col(), "weights": [float(w) for w in m.get_weight()]}'
    script = _LOAD.replace('"cols": m.num_col()}', weights_too)
    script = script.replace('job["scratch"])', 'job["scratch"], job["csv_weights"])')
    for weights, expected in ((1, {"cols": 1, "weights": [2.5, 0.5]}), (0, {"cols": 2, "weights": []})):
        done = subprocess.run([str(env.python), "-I", "-c", script, str(env.code_root)], capture_output=True,
                              text=True, check=True, input=json.dumps({**job, "csv_weights": weights}))
        loaded = json.loads(done.stdout.strip().splitlines()[-1])["train"]
        assert {k: loaded[k] for k in expected} == expected and loaded["labels"] == [1.0, 0.0]


@pytest.mark.slow
def test_the_3x_images_link_every_file_and_read_libsvm_by_name(tmp_path: Path) -> None:
    # master's data_utils.py: 1.7-1's links, and LIBSVM through "?format=libsvm"
    train = channel(tmp_path, "train", {"top.csv": "label,x\n1,1.43\n", "more/deep.csv": "7,1\n"})
    assert sorted(load("3.2-0", tmp_path, train=train)["train"]["labels"]) == [0.0, 1.0, 7.0]
    svm = channel(tmp_path, "svm", {"a.svm": "1 1:0.5 2:3\n0 1:0.25\n"})
    assert load("3.2-0", tmp_path, "text/libsvm", train=svm)["train"]["labels"] == [1.0, 0.0]
