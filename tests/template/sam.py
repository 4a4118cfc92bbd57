"""template.yaml as CloudFormation deploys it: transformed by aws-sam-translator
(the library `sam deploy` and cfn-lint use), so that the roles, permissions and
rules SAM generates are checked too. Offline: local code locations are replaced
by placeholders and the state machine's ASL is inlined."""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from amt.local.template import PROJECT_ROOT, TEMPLATE_PATH, load_template

PLACEHOLDER_CODE = "s3://placeholder-bucket/placeholder-key"


class _NoManagedPolicies:
    """The translator asks IAM for managed policy ARNs only when a template names one
    by name; this template does not, and a test must not call AWS."""

    def load(self) -> dict[str, str]:
        return {}


def asl_definition(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    props = template["Resources"][logical_id]["Properties"]
    if "Definition" in props:
        return props["Definition"]
    return json.loads((PROJECT_ROOT / props["DefinitionUri"]).read_text())


def _offline(template: dict[str, Any]) -> dict[str, Any]:
    template = copy.deepcopy(template)
    for logical_id, resource in template["Resources"].items():
        props = resource.setdefault("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = PLACEHOLDER_CODE
        elif kind == "AWS::Serverless::LayerVersion" and isinstance(props.get("ContentUri"), str):
            props["ContentUri"] = PLACEHOLDER_CODE
        elif kind == "AWS::Serverless::StateMachine" and isinstance(props.get("DefinitionUri"), str):
            props["Definition"] = asl_definition(template, logical_id)
            del props["DefinitionUri"]
    return template


def transform_template(template: dict[str, Any]) -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the translator's ARN partition
    return transform(_offline(template), {}, _NoManagedPolicies())  # type: ignore[arg-type]


@cache
def _transformed(path: str) -> str:
    return json.dumps(transform_template(load_template(Path(path))))


def transformed(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The transformed template (a fresh copy each call: tests may mutate it)."""
    return json.loads(_transformed(str(path)))
