"""The user's own data as files on this machine: found, and staged under the run's ``data/`` prefix.

``dataset.train_uri`` / ``dataset.validation_uri`` (or ``--train`` / ``--validation``) may name a
local file, a folder, or a ``file://`` URI. The state machine reads S3 only, so before an
execution starts the files go to the bucket it reads, under the run's own prefix, in the layout
of the built-in dataset::

    runs/<run id>/data/train/<file, or the folder's files with their relative paths>
    runs/<run id>/data/validation/...

and the input names those prefixes (SageMaker's S3Prefix channels read every object under them,
as its File mode lays a folder out under /opt/ml/input/data/<channel>/). ``amt local run`` puts
them into the emulated bucket; ``amt start`` uploads them to the stack's bucket.

Paths written in an execution input file are taken relative to that file's folder (an example
runs from anywhere); paths given as options, relative to the working directory.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from amt_pipeline.aws.s3_uri import S3_SCHEME, split_s3_uri
from amt_pipeline.errors import FieldError, InvalidExecutionInput
from amt_pipeline.run.input_data_check import CHANNELS

if TYPE_CHECKING:
    from amt_pipeline.run.input_models import ExecutionInput

FILE_SCHEME = "file://"


@dataclass(frozen=True)
class LocalChannel:
    """One channel's files on this machine, by the name each gets under the channel's prefix."""

    channel: str
    given: str  # what the user wrote
    files: tuple[tuple[str, Path], ...]  # (relative name, path), in name order


@dataclass
class StagedData:
    """An execution input whose local channels are replaced by the S3 prefixes they are copied to."""

    execution_input: Any  # the input to start (JSON)
    objects: dict[str, Path] = field(default_factory=dict)  # S3 key -> local file
    channels: dict[str, LocalChannel] = field(default_factory=dict)
    data_uri: str | None = None  # s3://<bucket>/runs/<run id>/data/ when files are staged

    @property
    def has_local_files(self) -> bool:
        return bool(self.objects)


def with_channel_options(raw: Any, train: str | None, validation: str | None) -> Any:
    """``--train`` / ``--validation`` written into the input's dataset (they replace what it says)."""
    if train is None and validation is None:
        return raw
    result = copy.deepcopy(raw) if isinstance(raw, dict) else {}
    dataset = result.get("dataset")
    if not isinstance(dataset, dict) or not ({"train_uri", "validation_uri"} & set(dataset)):
        dataset = {}  # the options replace a built-in dataset as a whole
    else:
        dataset = dict(dataset)
    for channel, value in zip(CHANNELS, (train, validation), strict=True):
        if value is not None:
            dataset[f"{channel}_uri"] = _option_path(value)
    missing = [c for c in CHANNELS if f"{c}_uri" not in dataset]
    if missing:
        given, needed = "train" if train is not None else "validation", missing[0]
        raise InvalidExecutionInput([FieldError(
            f"dataset.{needed}_uri", f"--{given} needs --{needed} too (or dataset.{needed}_uri in the input)")])
    result["dataset"] = dataset
    return result


def is_local(uri: Any) -> bool:
    """A local path or a file:// URI (anything with no scheme, or the file scheme)."""
    return isinstance(uri, str) and (uri.startswith(FILE_SCHEME) or "://" not in uri) and bool(uri.strip())


def local_path(uri: str, base: Path) -> Path:
    """'file:///data/train.csv' -> /data/train.csv; 'data/train' -> base/data/train."""
    if uri.startswith(FILE_SCHEME):
        parts = urlsplit(uri)
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"{uri} names another host ({parts.netloc}); a file:// URI is file:///absolute/path")
        return Path(unquote(parts.path))
    path = Path(uri).expanduser()
    return path if path.is_absolute() else base / path


def _option_path(value: str) -> str:
    """An option's plain path, made absolute from the working directory (a path in a file is not)."""
    if not is_local(value) or value.startswith(FILE_SCHEME):
        return value
    return str(Path(value).expanduser().absolute())


def find_local_channels(raw: Any, base: Path) -> dict[str, LocalChannel]:
    """The input's local channels, their files listed (InvalidExecutionInput naming the field when a
    path is missing, empty, or not a file or folder)."""
    dataset = raw.get("dataset") if isinstance(raw, dict) else None
    if not isinstance(dataset, dict):
        return {}
    found, errors = {}, []
    for channel in CHANNELS:
        uri = dataset.get(f"{channel}_uri")
        if not isinstance(uri, str) or not is_local(uri):
            continue
        field_name = f"dataset.{channel}_uri"
        try:
            found[channel] = LocalChannel(channel, uri, _files(local_path(uri, base)))
        except ValueError as error:
            errors.append(FieldError(field_name, str(error)))
    if errors:
        raise InvalidExecutionInput(errors)
    return found


def _files(path: Path) -> tuple[tuple[str, Path], ...]:
    if path.is_file():
        if path.stat().st_size == 0:
            raise ValueError(f"{path} is an empty file")
        return ((path.name, path),)
    if path.is_dir():
        files = tuple(sorted((p.relative_to(path).as_posix(), p) for p in path.rglob("*") if p.is_file()))
        if not files:
            raise ValueError(f"no file in the folder {path}")
        if all(p.stat().st_size == 0 for _, p in files):
            raise ValueError(f"only empty files in the folder {path}")
        return files
    if path.exists():
        raise ValueError(f"{path} is neither a file nor a folder")
    raise ValueError(f"no such file or folder: {path}")


def run_id_for(raw: Any, execution_name: str, started_at: datetime) -> str:
    """The run id the execution will have: its job_name, else the pipeline's default for this name and time."""
    from amt_pipeline.run.plan import default_run_id

    name = raw.get("job_name") if isinstance(raw, dict) else None
    return name if isinstance(name, str) and name else default_run_id(execution_name, started_at)


def stage(raw: Any, channels: Mapping[str, LocalChannel], *, bucket: str, run_id: str,
          fix_job_name: bool = True) -> StagedData:
    """The input with each local channel replaced by ``s3://<bucket>/runs/<run id>/data/<channel>/``,
    and the objects to put there. The run id is fixed in the input (job_name), so that the
    execution writes its data where it was staged."""
    if not channels:
        return StagedData(raw)
    from amt_pipeline.run.layout import RunLayout

    layout = RunLayout(bucket=bucket, run_id=run_id)
    staged = copy.deepcopy(raw)
    if fix_job_name:
        staged["job_name"] = run_id
    objects: dict[str, Path] = {}
    for channel, local in channels.items():
        prefix = layout.key("data", channel) + "/"
        staged["dataset"][f"{channel}_uri"] = layout.uri(prefix)
        for name, path in local.files:
            objects[prefix + name] = path
    return StagedData(staged, objects, dict(channels), layout.uri(layout.key("data")) + "/")


CHECK_BUCKET = "local-files"  # a stand-in for the bucket, where it is not known yet


def checked_input(raw: Any, channels: Mapping[str, LocalChannel]) -> tuple[Any, list[str]]:
    """The execution input model of an input with local channels, checked as it will be once staged,
    and its local files checked as ValidateInput checks data: (the model, the data's warnings), or
    InvalidExecutionInput. Before the bucket is known, with a stand-in for it."""
    from amt_pipeline.run.execution_input import parse_execution_input

    staged = stage(raw, channels, bucket=CHECK_BUCKET, run_id=CHECK_BUCKET, fix_job_name=False)
    model = parse_execution_input(staged.execution_input)
    return model, check_staged_data(staged, CHECK_BUCKET, model)


def emulated_bucket_sources(raw: Any, bucket: str, mirror: Path) -> dict[str, Path]:
    """``s3://<the local data bucket>/...`` URIs (an earlier local run's data, as its report's suggested
    next input names them): the objects under each, from the folder that run mirrored its bucket to,
    by key (put back at the same keys, so the URIs and a warm start's data stay identical)."""
    dataset = raw.get("dataset") if isinstance(raw, dict) else None
    if not isinstance(dataset, dict):
        return {}
    objects, errors = {}, []
    for channel in CHANNELS:
        uri = dataset.get(f"{channel}_uri")
        if not isinstance(uri, str) or not uri.startswith(S3_SCHEME):
            continue
        field_name = f"dataset.{channel}_uri"
        try:
            uri_bucket, key = split_s3_uri(uri)
        except ValueError as error:
            errors.append(FieldError(field_name, str(error)))
            continue
        if uri_bucket != bucket:
            errors.append(FieldError(field_name, _no_s3_locally(uri, channel)))
            continue
        found = _mirrored(mirror, key)
        if not found:
            errors.append(FieldError(field_name, (
                f"no file of {uri} in {mirror}: a local run's data stays in the --out folder it ran "
                f"with (pass that folder as --out, or the files as --{channel} PATH)")))
        objects.update(found)
    if errors:
        raise InvalidExecutionInput(errors)
    return objects


def _mirrored(mirror: Path, key: str) -> dict[str, Path]:
    target = mirror / key
    if key and not key.endswith("/") and target.is_file():
        return {key: target}
    folder = target if target.is_dir() else None
    if folder is None:
        return {}
    return {f"{key.rstrip('/')}/{p.relative_to(folder).as_posix()}": p
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _no_s3_locally(uri: str, channel: str) -> str:
    return (f"a local run cannot read {uri}: it has no AWS account, and its emulated S3 holds only "
            f"what the run puts there. Copy the data here (aws s3 cp --recursive {uri} data/{channel}/) "
            f"and pass the local path (--{channel} data/{channel}, or \"{channel}_uri\": \"data/{channel}\"); "
            "or start it on AWS: amt start CONFIG --stack STACK")


def restore_given_uris(normalised: dict[str, Any], channels: Mapping[str, LocalChannel]) -> dict[str, Any]:
    """A normalised input shown with the local paths the user gave, not checked_input's stand-ins."""
    shown = copy.deepcopy(normalised)
    for channel, local in channels.items():
        shown["dataset"][f"{channel}_uri"] = local.given
    return shown


class LocalFileReader:
    """The ObjectReader port of the input-data check over files on this machine, by the keys they are
    staged at: the check reads local data exactly as ValidateInput reads S3 (a list, the first bytes)."""

    def __init__(self, bucket: str, objects: Mapping[str, Path]):
        self.bucket, self.objects = bucket, dict(objects)

    def _path(self, bucket: str, key: str) -> Path:
        from botocore.exceptions import ClientError

        if bucket != self.bucket or key not in self.objects:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": key}}, "GetObject")
        return self.objects[key]

    def head_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:  # boto3's names
        return {"ContentLength": self._path(Bucket, Key).stat().st_size}

    def list_objects_v2(self, *, Bucket: str, Prefix: str, MaxKeys: int = 1000) -> dict[str, Any]:
        keys = sorted(k for k in self.objects if Bucket == self.bucket and k.startswith(Prefix))[:MaxKeys]
        return {"Contents": [{"Key": k, "Size": self.objects[k].stat().st_size} for k in keys]}

    def get_object(self, *, Bucket: str, Key: str, Range: str = "") -> dict[str, Any]:
        import io

        path = self._path(Bucket, Key)
        first, _, last = Range.removeprefix("bytes=").partition("-")
        with open(path, "rb") as handle:
            handle.seek(int(first or 0))
            body = handle.read(int(last) - int(first or 0) + 1) if last else handle.read()
        return {"Body": io.BytesIO(body)}


def check_staged_data(staged: StagedData, bucket: str, execution_input: ExecutionInput) -> list[str]:
    """The input-data check (ValidateInput's, amt_pipeline.run.input_data_check) on the staged files,
    before anything is copied or started: its warnings, or InvalidExecutionInput, said with the
    paths the user gave rather than the keys the files will have."""
    from amt_pipeline.run.input_data_check import check_input_data

    dataset = staged.execution_input.get("dataset") if isinstance(staged.execution_input, dict) else None
    if not staged.objects or not isinstance(dataset, dict):
        return []
    plan = {"kind": "s3", "train_uri": dataset["train_uri"], "validation_uri": dataset["validation_uri"],
            "content_type": dataset.get("content_type", "text/csv")}
    names = {f"s3://{bucket}/{key}": str(path) for key, path in staged.objects.items()}
    names.update({dataset[f"{c}_uri"]: local.given for c, local in staged.channels.items()})

    def said(text: str) -> str:
        for uri in sorted(names, key=len, reverse=True):  # a file's URI before its channel's prefix
            text = text.replace(uri, names[uri])
        return text

    try:
        warnings = check_input_data(plan, execution_input.hyperparameters, LocalFileReader(bucket, staged.objects),
                                    algorithm_version=execution_input.algorithm_version,
                                    objective_metric_name=execution_input.objective_metric_name)
    except InvalidExecutionInput as error:
        raise InvalidExecutionInput([FieldError(e.field, said(e.message)) for e in error.errors]) from None
    return [said(w) for w in warnings]
