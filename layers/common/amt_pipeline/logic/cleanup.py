"""Delete a run's objects: its data, its SageMaker output, its reports (any subset).

Never anything outside that run. The request names a run id, which must be a
valid tuning-job name (so no ``''``, ``/``, ``..``, ``*``, ``a/b``), and the
parts to remove; each part is listed with its trailing slash
(``runs/abc/data/``), so run ``abc`` never reaches ``runs/abcd/...`` nor
``runs/abc/dataset/...``. Every key is checked again against its part's prefix
just before it is deleted (defence in depth).

On a versioned bucket (versioning Enabled or Suspended) every version and
delete marker under the prefixes is removed, so nothing of the run is left to
restore. Deletes go in batches of at most 1,000 keys (the ``DeleteObjects``
limit) while listing, one page behind it: a page is deleted once the next one
has been fetched, so the listing never resumes from a key (or version) that
is already gone, and memory stays flat however large the run is. A key
that S3 refuses to delete stops the cleanup after its batch with
``CleanupIncomplete``, which lists what failed; what was deleted before it
stays deleted, and rerunning the request resumes (cleanup is idempotent).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from amt_pipeline.aws.ports import ObjectDeleter
from amt_pipeline.errors import AmtPipelineError, UnsafeCleanupRequest, field_errors
from amt_pipeline.facts import is_run_id
from amt_pipeline.run.layout import RUN_PARTS, RUNS_ROOT, RunKeys

RunPart = Literal["data", "output", "reports"]  # layout.RUN_PARTS, as a type (a test checks)
ALL_PARTS: tuple[RunPart, ...] = get_args(RunPart)
DELETE_BATCH_SIZE = 1000  # S3 DeleteObjects takes at most 1,000 keys per call.
MAX_KEYS_REPORTED = 100  # how many deleted keys the result lists (the counts cover all).
MAX_ERRORS_IN_MESSAGE = 10


class CleanupIncomplete(AmtPipelineError):
    """S3 refused to delete some keys of a run; ``failures`` lists every one of the batch."""

    def __init__(self, run_id: str, failures: list[DeleteFailure], deleted: int):
        self.run_id = run_id
        self.failures = list(failures)
        self.deleted = deleted
        shown = "; ".join(str(f) for f in self.failures[:MAX_ERRORS_IN_MESSAGE])
        more = len(self.failures) - MAX_ERRORS_IN_MESSAGE
        super().__init__(
            f"cleanup of run {run_id!r} incomplete: {len(self.failures)} key(s) not deleted "
            f"({shown}{f'; and {more} more' if more > 0 else ''}); "
            f"{deleted} object(s) or version(s) deleted; rerun the request to resume"
        )


@dataclass(frozen=True)
class DeleteFailure:
    key: str
    code: str
    message: str
    version_id: str | None = None

    def __str__(self) -> str:
        version = f" (version {self.version_id})" if self.version_id else ""
        return f"{self.key}{version}: {self.code} {self.message}".rstrip()


class CleanupRequest(BaseModel):
    """What to delete: the parts of one run. The payload of the cleanup function."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: StrictStr = Field(
        description="The run to clean up: its tuning job name, as in runs/<run id>/ in the bucket."
    )
    parts: tuple[RunPart, ...] = Field(
        default=ALL_PARTS,
        description="Which parts of the run to delete; all of them by default.",
    )
    dry_run: StrictBool = Field(
        default=False, description="List what would be deleted and delete nothing."
    )

    @field_validator("run_id")
    @classmethod
    def _run_id_is_a_single_run(cls, value: str) -> str:
        if not is_run_id(value):
            shown = repr(value) if len(value) <= 40 else repr(value[:40]) + "..."
            raise PydanticCustomError(
                "unsafe_run_id",
                "{value} is not a run id: expected a tuning job name, 1-32 letters, digits and "
                "hyphens, starting and ending with a letter or digit (so no '/', '*' or '..')",
                {"value": shown},
            )
        return value

    @field_validator("parts")
    @classmethod
    def _parts_in_layout_order(cls, value: tuple[RunPart, ...]) -> tuple[RunPart, ...]:
        if not value:
            raise PydanticCustomError(
                "no_parts", "choose at least one of {parts}, or leave it out for all",
                {"parts": ", ".join(ALL_PARTS)},
            )
        return tuple(part for part in ALL_PARTS if part in value)  # in layout order, without duplicates

    @classmethod
    def parse(cls, payload: Any) -> CleanupRequest:
        """Validate a payload; UnsafeCleanupRequest names every field that is wrong."""
        try:
            return cls.model_validate(payload)
        except ValidationError as exc:
            raise UnsafeCleanupRequest("; ".join(str(e) for e in field_errors(exc))) from None


class CleanupResult(BaseModel):
    """What was deleted (or, on a dry run, would be)."""

    run_id: str
    parts: tuple[RunPart, ...]
    dry_run: bool
    prefixes: list[str] = Field(description="The S3 prefixes that were cleaned, one per part.")
    keys: list[str] = Field(description=f"The first {MAX_KEYS_REPORTED} keys deleted, in listing order.")
    keys_truncated: bool = Field(description="True when more keys were deleted than `keys` lists.")
    object_count: int = Field(description="Distinct keys deleted (would be, on a dry run).")
    version_count: int = Field(
        description="Object versions and delete markers deleted; 0 on an unversioned bucket."
    )


@dataclass(frozen=True)
class _Target:
    key: str
    version_id: str | None = None  # None: unversioned bucket, delete the key itself.


def part_prefixes(request: CleanupRequest) -> dict[RunPart, str]:
    """part -> ``runs/<run id>/<part>/``, checked again whatever built the request."""
    run_id = request.run_id
    if not is_run_id(run_id):
        raise UnsafeCleanupRequest(f"run_id: {run_id!r} is not a run id (tuning job name)")
    if not request.parts:
        raise UnsafeCleanupRequest(f"parts: choose at least one of {', '.join(RUN_PARTS)}")
    unknown = [part for part in request.parts if part not in RUN_PARTS]
    if unknown:
        raise UnsafeCleanupRequest(f"parts: unknown part(s) {unknown!r}; expected some of {RUN_PARTS}")
    keys = RunKeys(run_id)
    prefixes = {part: keys.key(part) + "/" for part in ALL_PARTS if part in request.parts}
    for prefix in prefixes.values():
        # runs/<id>/<part>/ exactly: four segments, the last one empty.
        if not prefix.startswith(f"{RUNS_ROOT}{run_id}/") or prefix.count("/") != 3:
            raise UnsafeCleanupRequest(f"run_id: {run_id!r} does not give a single run's prefix")
    return prefixes


def clean_up_run(s3_client: ObjectDeleter, bucket: str, request: CleanupRequest) -> CleanupResult:
    """Delete (or list, on a dry run) every object of the request's parts of one run."""
    if not bucket or "/" in bucket:
        raise UnsafeCleanupRequest(f"bucket: {bucket!r} is not a bucket name")
    prefixes = part_prefixes(request)
    versioned = _is_versioned(s3_client, bucket)

    keys: list[str] = []
    object_count = version_count = deleted = 0
    for part_prefix in prefixes.values():
        last_key = None
        pending: list[_Target] = []  # the previous page: deleted once the listing has moved past it
        for page in _list_pages(s3_client, bucket, part_prefix, versioned):
            for target in page:
                if not target.key.startswith(part_prefix):  # defence in depth: S3 listed outside it
                    raise UnsafeCleanupRequest(
                        f"run_id: listing {part_prefix!r} returned {target.key!r}, outside the run; "
                        "nothing more deleted"
                    )
                if target.key != last_key:  # the versions of one key are listed together
                    last_key = target.key
                    object_count += 1
                    if len(keys) < MAX_KEYS_REPORTED:
                        keys.append(target.key)
                if versioned:
                    version_count += 1
            if request.dry_run:
                continue
            deleted += _delete(s3_client, bucket, request.run_id, part_prefix, pending, deleted)
            pending = page
        deleted += _delete(s3_client, bucket, request.run_id, part_prefix, pending, deleted)

    return CleanupResult(
        run_id=request.run_id,
        parts=tuple(prefixes),
        dry_run=request.dry_run,
        prefixes=list(prefixes.values()),
        keys=keys,
        keys_truncated=object_count > len(keys),
        object_count=object_count,
        version_count=version_count,
    )


def _is_versioned(s3_client: ObjectDeleter, bucket: str) -> bool:
    """Enabled or Suspended: the bucket may hold noncurrent versions and delete markers."""
    return s3_client.get_bucket_versioning(Bucket=bucket).get("Status") in ("Enabled", "Suspended")


def _list_pages(s3_client: ObjectDeleter, bucket: str, prefix: str, versioned: bool) -> Iterator[list[_Target]]:
    """The keys (or every version and delete marker) under ``prefix``, one listing page at a time."""
    if not versioned:
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            yield [_Target(obj["Key"]) for obj in page.get("Contents", [])]
        return
    for page in s3_client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        entries = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        entries.sort(key=lambda e: e["Key"])  # merged by key; stable, so each list keeps its order
        yield [_Target(entry["Key"], entry["VersionId"]) for entry in entries]


def _delete(
    s3_client: ObjectDeleter, bucket: str, run_id: str, prefix: str, targets: list[_Target], deleted_before: int
) -> int:
    """Delete ``targets`` in batches of at most 1,000; return how many went."""
    deleted = 0
    for start in range(0, len(targets), DELETE_BATCH_SIZE):
        batch = targets[start : start + DELETE_BATCH_SIZE]
        deleted += _delete_batch(s3_client, bucket, run_id, prefix, batch, deleted_before + deleted)
    return deleted


def _delete_batch(
    s3_client: ObjectDeleter, bucket: str, run_id: str, prefix: str, batch: Iterable[_Target], deleted_before: int
) -> int:
    """Delete one batch (<= 1,000 keys or versions); return how many went, raise if any did not."""
    objects: list[dict[str, str]] = []
    for target in batch:
        if not target.key.startswith(prefix):  # checked again right before the call
            raise UnsafeCleanupRequest(f"run_id: refusing to delete {target.key!r}, outside {prefix!r}")
        entry = {"Key": target.key}
        if target.version_id is not None:
            entry["VersionId"] = target.version_id
        objects.append(entry)
    if len(objects) > DELETE_BATCH_SIZE:
        raise ValueError(f"a DeleteObjects batch holds at most {DELETE_BATCH_SIZE} keys, not {len(objects)}")
    # Quiet: S3 answers with the failures only.
    response = s3_client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
    failures = [
        DeleteFailure(
            key=err.get("Key", "?"),
            code=err.get("Code", "Unknown"),
            message=err.get("Message", ""),
            version_id=err.get("VersionId"),
        )
        for err in response.get("Errors", [])
    ]
    if failures:
        raise CleanupIncomplete(run_id, failures, deleted=deleted_before + len(objects) - len(failures))
    return len(objects)
