"""PrepareData: write the built-in dataset (Digits) as headerless CSV, label
first, under the run's data/ prefix. Rerunning writes the same bytes."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import ObjectStore
from amt_pipeline.aws.clients import client
from amt_pipeline.contracts import PreparedObject, PrepareRequest, PrepareResult
from amt_pipeline.errors import ForeignBucket
from amt_pipeline.run.datasets import builtin_dataset_files
from amt_pipeline.settings import BucketSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    request = PrepareRequest.model_validate(event)
    stack_bucket = BucketSettings.from_env().bucket_name
    if request.bucket != stack_bucket:
        raise ForeignBucket(request.bucket, stack_bucket)
    store = ObjectStore(client("s3"), request.bucket)
    written = {}
    for key, body in builtin_dataset_files(request.dataset).items():
        store.put_bytes(key, body, "text/csv")
        written[key] = body.count(b"\n")
    logger.info("Dataset written", run_id=request.run_id, rows=written)
    metrics.add_metric(name="DatasetsPrepared", unit=MetricUnit.Count, value=1)
    objects = [PreparedObject(uri=f"s3://{request.bucket}/{key}", rows=rows) for key, rows in written.items()]
    return PrepareResult(objects=objects).model_dump()
