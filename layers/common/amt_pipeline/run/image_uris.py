"""The built-in XGBoost training image for a region (what the SDK's ``image_uris.retrieve`` returns).

The registry accounts come from ``data/xgboost_image_accounts.json``, generated
from the SageMaker Python SDK by ``scripts/generate_image_uris.py``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DATA_FILE = "xgboost_image_accounts.json"


class UnknownImageRegion(ValueError):
    """The built-in XGBoost image is not published in that region (or for that version)."""


@cache
def _data() -> dict[str, Any]:
    return json.loads(resources.files("amt_pipeline").joinpath("data", DATA_FILE).read_text())


def xgboost_image_uri(region: str, version: str) -> str:
    """'us-east-1', '1.5-1' -> '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1'."""
    data = _data()
    if version not in data["versions"]:
        raise UnknownImageRegion(
            f"no built-in XGBoost image for version {version!r}; known: {', '.join(data['versions'])}"
        )
    account = data["accounts"].get(region)
    if account is None:
        raise UnknownImageRegion(
            f"no built-in XGBoost image in region {region!r}; known regions: {', '.join(data['accounts'])}"
        )
    domain = data["domains"].get(region, data["default_domain"])
    return f"{account}.dkr.ecr.{region}.{domain}/{data['repository']}:{version}"
