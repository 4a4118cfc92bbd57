"""PrepareData: write the built-in dataset (Digits) as headerless CSV, label first, under the
run's data/ prefix. Rerunning writes the same bytes."""

from __future__ import annotations

from amt_pipeline.aws.adapters import ObjectStore
from amt_pipeline.contracts import PreparedObject, PrepareRequest, PrepareResult
from amt_pipeline.errors import ForeignBucket
from amt_pipeline.run.datasets import builtin_dataset_files


def prepare_data(store: ObjectStore, request: PrepareRequest) -> PrepareResult:
    """``store``: the stack's bucket; a request naming another bucket is refused before anything is written."""
    if request.bucket != store.bucket:
        raise ForeignBucket(request.bucket, store.bucket)
    objects = []
    for key, body in builtin_dataset_files(request.dataset).items():
        store.put_bytes(key, body, "text/csv")
        objects.append(PreparedObject(uri=f"s3://{store.bucket}/{key}", rows=body.count(b"\n")))
    return PrepareResult(objects=objects)
