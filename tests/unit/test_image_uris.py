"""The built-in XGBoost image URI per region: the SageMaker SDK's own answers, without the SDK."""

from __future__ import annotations

import json
import subprocess
from importlib import resources
from typing import Any

import pytest

from amt_pipeline.run.image_uris import DATA_FILE, UnknownImageRegion, xgboost_image_uri
from tests.sdk.test_trials_match_the_sdk import sdk_venv_python

# What sagemaker 3.27.0's image_uris.retrieve("xgboost", region, "1.5-1") returns.
SDK_ANSWERS = {
    "us-east-1": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1",
    "us-west-2": "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.5-1",
    "eu-west-1": "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.5-1",
    "eu-central-1": "492215442770.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-xgboost:1.5-1",
    "ap-southeast-2": "783357654285.dkr.ecr.ap-southeast-2.amazonaws.com/sagemaker-xgboost:1.5-1",
    "cn-north-1": "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.5-1",
}


def _data() -> dict[str, Any]:
    return json.loads(resources.files("amt_pipeline").joinpath("data", DATA_FILE).read_text())


def xgboost_regions() -> list[str]:
    return list(_data()["accounts"])


def xgboost_versions() -> list[str]:
    return list(_data()["versions"])


@pytest.mark.parametrize(("region", "uri"), SDK_ANSWERS.items())
def test_known_regions(region: str, uri: str) -> None:
    assert xgboost_image_uri(region, "1.5-1") == uri


def test_other_versions_share_the_registry() -> None:
    assert xgboost_image_uri("us-east-1", "1.7-1") == (
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    )
    assert "1.5-1" in xgboost_versions()


def test_every_commercial_region_is_known() -> None:
    assert {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "eu-west-2",
        "eu-central-1",
        "ap-northeast-1",
        "ap-southeast-1",
        "sa-east-1",
        "ca-central-1",
    } <= set(xgboost_regions())


def test_unknown_region_is_a_clear_error() -> None:
    with pytest.raises(UnknownImageRegion, match="no built-in XGBoost image in region 'mars-east-1'"):
        xgboost_image_uri("mars-east-1", "1.5-1")


def test_unknown_version_is_a_clear_error() -> None:
    with pytest.raises(UnknownImageRegion, match="version '0.72'"):
        xgboost_image_uri("us-east-1", "0.72")


def test_equals_the_sdks_own_retrieve() -> None:
    # The SDK lives in .venv-sdk (its pins clash with moto): ask it there, for every region and version.
    python = sdk_venv_python("v3")
    oracle = subprocess.run(
        [str(python), "-c", SDK_IMAGE_URIS, json.dumps(xgboost_versions()), json.dumps(xgboost_regions())],
        capture_output=True, text=True, check=True, timeout=300,
    )
    sdk_uris = json.loads(oracle.stdout.strip().splitlines()[-1])
    ours = {f"{version} {region}": xgboost_image_uri(region, version)
            for version in xgboost_versions() for region in xgboost_regions()}
    assert ours == sdk_uris


SDK_IMAGE_URIS = """
import json, sys
from sagemaker.core import image_uris
versions, regions = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({f"{v} {r}": image_uris.retrieve("xgboost", region=r, version=v, image_scope="training")
                  for v in versions for r in regions}))
"""
