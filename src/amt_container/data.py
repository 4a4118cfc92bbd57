"""Read a job's channels as the built-in XGBoost container reads them, with this environment's XGBoost.

From ``aws/sagemaker-xgboost-container`` ``src/sagemaker_xgboost_container/data_utils.py`` and
``algorithm_mode/train.py`` (``get_validated_dmatrices``), File mode, one branch per image:

- The content type is the ``train`` channel's, for both channels; none means ``text/libsvm``
  (``channel_validation.py``: ``set_default_content_type("text/libsvm")``).
- ``get_size``: a hidden file anywhere under the channel fails the job.
- ``validate_data_file_path``: CSV, the first line of each data file must let ``csv.Sniffer`` find a
  delimiter; LIBSVM, the first line with a feature must be ``<label>(:<weight>) <index>:<value> ...``.
- The files XGBoost is pointed at (``_get_file_mode_files_path``): 1.5-1 reads the channel folder
  itself, or the first folder without sub-folders that ``os.walk`` meets under it (files beside a
  sub-folder are not read); 1.7-1 and later link every file up to 3 folders deep into one folder,
  each named ``<name><hash(path)>``.
- CSV through XGBoost's own reader, ``xgb.DMatrix("<path>?format=csv&label_column=0&delimiter=<d>")``:
  its float parsing differs from pandas' in the last bit ("1.43" -> 1.4300001), a header row is a
  data row (its label and every unparsable value read as 0 / missing), and a folder's files come
  in the order the file system lists the folder (``readdir``), not S3 key order.
  ``csv_weights=1`` reads the second column as instance weights (``&weight_column=1``).
- LIBSVM through ``xgb.DMatrix(path)`` (master: ``?format=libsvm``).
- A matrix with no label fails the job.

Parquet needs pyarrow and recordio-protobuf mlio (1.x) or the container's protobuf schema (master),
none of which the local environments hold: those content types fail with a message saying so.
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
import zlib
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CSV = "csv"
LIBSVM = "libsvm"
PARQUET = "parquet"
RECORDIO_PROTOBUF = "recordio-protobuf"
_ALIASES = {
    CSV: CSV, "text/csv": CSV,
    LIBSVM: LIBSVM, "text/libsvm": LIBSVM, "text/x-libsvm": LIBSVM,
    PARQUET: PARQUET, "application/x-parquet": PARQUET,
    RECORDIO_PROTOBUF: RECORDIO_PROTOBUF, "application/x-recordio-protobuf": RECORDIO_PROTOBUF,
}
VALID_CONTENT_TYPES = [CSV, LIBSVM, PARQUET, RECORDIO_PROTOBUF, "text/csv", "text/libsvm", "text/x-libsvm",
                       "application/x-parquet", "application/x-recordio-protobuf"]
DEFAULT_CONTENT_TYPE = "text/libsvm"
MAX_FOLDER_DEPTH = 3  # 1.7-1 and later
NOT_LOCAL = {
    PARQUET: "its reader needs pyarrow",
    RECORDIO_PROTOBUF: "its reader needs mlio (1.x images) or the container's protobuf schema (3.x)",
}
NO_LABELS = (
    "Got input data without labels. Please check the input data set. "
    "If training job is running on multiple instances, please switch "
    "to using single instance if number of records in the data set "
    "is less than number of workers (16 * number of instance) in the cluster."
)


class UserError(Exception):
    """The container's ``exc.UserError``: the job fails with ``ClientError: <message>``."""


def content_type(value: str | None) -> str:
    """``get_content_type``: 'text/csv; label_size=1' -> 'csv'; None -> 'libsvm'."""
    if value is None:
        return LIBSVM
    main, *params = [part.strip() for part in value.lower().split(";")]
    kind = _ALIASES.get(main)
    if kind is None:
        raise UserError(f"{value} is not an accepted ContentType: " + ", ".join(VALID_CONTENT_TYPES) + ".")
    options = dict(p.split("=", 1) for p in params if "=" in p)
    if kind == CSV and options.get("label_size", "1") != "1":
        raise UserError(f"{value} is not an accepted csv ContentType. Optional parameter label_size must be equal to 1")
    return kind


def _is_data_file(folder: Path, name: str) -> bool:
    if not (folder / name).is_file() or name.startswith((".", "_")):
        return False
    return not (".cache" in name and ("dtrain" in name or "dval" in name))


def _check_no_hidden_file(path: Path) -> None:
    """``get_size``: the size is only logged, but a hidden file fails the job."""
    if path.is_file():
        return
    for _root, _dirs, files in os.walk(path):
        if any(name.startswith(".") for name in files):
            raise UserError("Hidden file found in the data path! Remove that before training.")


def csv_delimiter(line: str) -> str:
    try:
        return csv.Sniffer().sniff(line).delimiter
    except Exception as e:  # noqa: BLE001 - the container wraps every sniffer failure
        raise UserError(f"Could not determine delimiter on line {line[:50]}:\n{e}") from None


def _first_line(path: Path) -> str:
    with open(path, errors="ignore") as handle:
        return handle.readline()


def libsvm_features(line: str) -> int:
    """``_get_num_valid_libsvm_features``: -1 when the line is not LIBSVM (the container's own test)."""
    parts = line.split(" ")
    label = parts[0].split(":")
    try:
        if len(label) > 2:
            return -1
        for part in label:
            float(part)
    except ValueError:
        return -1
    if len(parts) == 1:
        return 0
    for part in parts[1:]:
        if ":" not in part or len(parts[1].split(":")) != 2:  # the container checks the first feature's form
            return -1
    return len(parts) - 1


def _validate_libsvm(path: Path) -> None:
    with open(path, errors="ignore") as handle:
        for line in handle:
            found = libsvm_features(line)
            if found > 1:
                return
            if found < 0:
                raise UserError(
                    f"First line '{line[:50]}...' of file '{path.name}' is not 'LIBSVM' format. "
                    "Please ensure the file is in 'LIBSVM' format.")


def _data_files(path: Path, leaf: Path) -> list[Path]:
    return [leaf / name for name in os.listdir(leaf) if _is_data_file(leaf, name)]


def first_leaf_folder(path: Path) -> Path:
    """1.5-1's ``get_files_path_from_string``: the first folder without sub-folders ``os.walk`` meets."""
    for root, dirs, _files in os.walk(path):
        if not dirs:
            return Path(root)
    return path


def _linked_folder(path: Path, links: Path) -> Path:
    """1.7-1+ ``_make_symlinks_from_a_folder_with_warning``: the channel's files (3 folders deep at most)
    linked into one folder. The container names each link ``<name><hash(path)>``, Python's per-process
    string hash: here a fixed one (crc32), so every trial of a job reads the rows in one order."""
    shutil.rmtree(links, ignore_errors=True)
    links.mkdir(parents=True)

    def link(item: Path, depth: int) -> None:
        if depth > MAX_FOLDER_DEPTH:
            log.warning("The depth of folder %s exceed the limit %s. Files in deeper sub dirs won't be loaded.",
                        path, MAX_FOLDER_DEPTH)
            return
        if item.is_file():
            (links / f"{item.name}{zlib.crc32(str(item).encode())}").symlink_to(item)
            return
        for entry in os.scandir(item):
            if entry.is_file():
                (links / f"{entry.name}{zlib.crc32(entry.path.encode())}").symlink_to(entry.path)
            elif entry.is_dir():
                link(Path(entry.path), depth + 1)

    link(path, 1)
    return links


def files_path(path: Path, links: Path) -> Path:
    """What the container hands to XGBoost for a channel, per image."""
    if path.is_file() or not _is_17_or_later():
        return path if path.is_file() else first_leaf_folder(path)
    return _linked_folder(path, links)


def _version() -> tuple[int, int]:
    import xgboost as xgb

    major, minor = (int(p) for p in xgb.__version__.split(".")[:2])
    return major, minor


def _is_17_or_later() -> bool:
    return _version() >= (1, 7)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum((Path(root) / name).stat().st_size for root, _dirs, files in os.walk(path) for name in files)


def load_channel(path: Path, kind: str, scratch: Path, csv_weights: int = 0) -> Any | None:
    """One channel's DMatrix as the container makes it (None when the channel has no data)."""
    import xgboost as xgb

    if not path.exists():
        return None
    _check_no_hidden_file(path)
    if _size(path) == 0:
        return None
    if kind in NOT_LOCAL:
        raise UserError(f"the local engine cannot read {kind} data: {NOT_LOCAL[kind]}, which the local "
                        "environment of this image does not hold; use text/csv or text/libsvm locally")
    # validate_data_file_path: the files of the first folder without sub-folders (every image)
    checked = [path] if path.is_file() else _data_files(path, first_leaf_folder(path))
    source = files_path(path, scratch / f"links-{path.name}")
    if kind == CSV:
        for data_file in checked:
            csv_delimiter(_first_line(data_file))
        # The delimiter of the first file os.listdir gives (its order, not sorted).
        first = source if source.is_file() else source / next(
            name for name in os.listdir(source) if (source / name).is_file())
        uri = f"{source}?format=csv&label_column=0&delimiter={csv_delimiter(_first_line(first))}"
        if csv_weights == 1:
            uri += "&weight_column=1"
    else:
        for data_file in checked:
            _validate_libsvm(data_file)
        uri = f"{source}?format=libsvm" if _version()[0] >= 3 else str(source)
    try:
        matrix = xgb.DMatrix(uri, nthread=1)
    except Exception as e:  # noqa: BLE001 - the container wraps every reader failure
        raise UserError(f"Failed to load {kind} data with exception:\n{e}") from None
    if matrix.get_label().size == 0:
        raise UserError(NO_LABELS)
    return matrix


def load_channels(channels: dict[str, str], content_type_value: str | None, scratch: str,
                  csv_weights: int = 0) -> dict[str, Any]:
    """{"train": folder, "validation": folder} -> DMatrices, or UserError naming the channel's problem."""
    kind = content_type(content_type_value)
    matrices: dict[str, Any] = {}
    for name in ("train", "validation"):
        if name not in channels:
            continue
        matrix = load_channel(Path(channels[name]), kind, Path(scratch), csv_weights)
        if matrix is None:
            raise UserError(f"No data in {'training' if name == 'train' else 'validation'} channel path "
                            f"{channels[name]}")
        matrices[name] = matrix
    return matrices
