"""Generate schema/execution-input.schema.json from the ExecutionInput model.

    .venv/bin/python scripts/generate_schema.py          # write it
    .venv/bin/python scripts/generate_schema.py --check  # exit 1 if it is out of date

The schema checks each field's type and bounds (editors and the console can
use it); the rules between fields live in the model only (see
docs/execution-input.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from amt_pipeline.run.input_models import ExecutionInput

OUT = Path(__file__).resolve().parents[1] / "schema/execution-input.schema.json"
SCHEMA_ID = "https://github.com/amt-pipeline/amt-pipeline/schema/execution-input.schema.json"


def schema() -> dict[str, Any]:
    body = ExecutionInput.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **body}


def render() -> str:
    return json.dumps(schema(), indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is out of date: run scripts/generate_schema.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
