"""PrepareData: write the built-in dataset (Digits) as headerless CSV, label
first, under the run's data/ prefix. Rerunning writes the same bytes."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from amt_pipeline.aws.adapters import ObjectStore
from amt_pipeline.aws.clients import client
from amt_pipeline.contracts import PrepareRequest
from amt_pipeline.logic.prepare_data import prepare_data
from amt_pipeline.observability import count, lambda_entry, logger
from amt_pipeline.settings import BucketSettings


@lambda_entry()
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    request = PrepareRequest.model_validate(event)
    settings = BucketSettings.from_env()
    result = prepare_data(ObjectStore(client("s3"), settings.bucket_name), request)
    logger.info("Dataset written", run_id=request.run_id, rows={o.uri: o.rows for o in result.objects})
    count("DatasetsPrepared")
    return result.model_dump()
