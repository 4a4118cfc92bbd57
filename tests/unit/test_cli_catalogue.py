"""`amt validate` on every catalogue case, as a user runs it on a file: each bad input
(tests/unit/bad_inputs) exits 1 naming its field, no traceback; each input SageMaker accepts
(tests/unit/good_inputs) exits 0. The model (test_execution_input) and the ValidateInput
handler (test_validate_handler) run the same catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amt.cli import main

HERE = Path(__file__).parent
BAD_INPUTS = sorted((HERE / "bad_inputs").glob("*.json"))
GOOD_INPUTS = sorted((HERE / "good_inputs").glob("*.json"))


def validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Path) -> tuple[int, str, str]:
    path = tmp_path / case.name
    path.write_text(json.dumps(json.loads(case.read_text())["input"]))  # the input alone, as a user's file
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[p.stem for p in BAD_INPUTS])
def test_each_bad_input_exits_1_naming_its_field(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 case: Path) -> None:
    code, out, err = validate(tmp_path, capsys, case)
    assert code == 1, err
    assert out == ""
    assert f"  {json.loads(case.read_text())['field']}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("case", GOOD_INPUTS, ids=[p.stem for p in GOOD_INPUTS])
def test_each_input_sagemaker_accepts_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              case: Path) -> None:
    code, _, err = validate(tmp_path, capsys, case)
    assert code == 0, err
