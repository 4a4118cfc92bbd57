"""Execution inputs as files: read, parsed, and their field errors printed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from amt.cli.errors import EXIT_FAILED, CliError


def read_input(path: str | None) -> Any:
    """An execution input file (`-` for stdin); none means `{}`, the post's example."""
    if path is None:
        return {}
    if path == "-":
        try:
            text = sys.stdin.read()
        except UnicodeDecodeError as error:
            raise CliError(f"standard input is not UTF-8 text ({error.reason})", EXIT_FAILED) from None
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CliError(f"no such file: {path}", EXIT_FAILED,
                           "check the path; examples/*.json holds ready-made inputs") from None
        except UnicodeDecodeError as error:
            raise CliError(f"{path} is not UTF-8 text ({error.reason})", EXIT_FAILED) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(f"{path} is not JSON: {error}", EXIT_FAILED) from None
    except RecursionError:
        raise CliError(f"{path} is not an execution input: JSON nested too deep", EXIT_FAILED) from None
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        raise CliError(f"{path} is not an execution input: {error}", EXIT_FAILED) from None


def input_folder(path: str | None) -> Path:
    """Where the relative paths of an input file are taken from: its folder (stdin, none: here)."""
    return Path(path).absolute().parent if path and path != "-" else Path.cwd()


def print_field_errors(error: Any) -> None:
    count = len(error.errors)
    print(f"invalid execution input ({count} problem{'s' * (count != 1)}):", file=sys.stderr)
    for field_error in error.errors:
        print(f"  {field_error.field}: {field_error.message}", file=sys.stderr)


def field_errors_json(error: Any) -> list[dict[str, str]]:
    return [{"field": e.field, "message": e.message} for e in error.errors]
