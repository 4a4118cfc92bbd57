"""SageMaker's own limits, read from botocore's SageMaker service model (not copied by hand).

botocore's client validates only minimums and types. The service model that ships with it
also holds the maxima, enums and patterns that SageMaker enforces server-side: 32-bit
integers (an ``integer`` shape is a Java int), 256-character range values, 2,500-character
hyperparameter values, the training instance-type enum, the tag character set. This module
checks a value against a shape, recursively, with all of them. It is the one check used both
by the execution input's rules (one field against one shape) and by the property test (every
request the plan builds against its operation's input shape).

Patterns are Java regular expressions matched against the whole value: ``.`` does not match a
line terminator, and ``\\p{L}``-style classes are Unicode general categories.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Any

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
_JAVA_LINE_TERMINATORS = "\n\r\u0085\u2028\u2029"
_CATEGORY = re.compile(r"\\p\{(\w+)\}")


@cache
def sagemaker_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


def shape(name: str) -> Any:
    return sagemaker_model().shape_for(name)


@cache
def _major_categories() -> dict[str, list[tuple[int, int]]]:
    """Code point runs of each major Unicode general category (L, Z, N...), in one pass."""
    runs: dict[str, list[tuple[int, int]]] = {}
    current, start = "", 0
    for cp in range(sys.maxunicode + 2):
        major = unicodedata.category(chr(cp))[0] if cp <= sys.maxunicode and not 0xD800 <= cp <= 0xDFFF else ""
        if major != current:
            if current:
                runs.setdefault(current, []).append((start, cp - 1))
            current, start = major, cp
    return runs


def _category_class(category: str) -> str:
    """Every code point of a major Unicode general category as a regex class body."""
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in _major_categories()[category[0]]
    )


@cache
def _python_pattern(java: str) -> re.Pattern[str]:
    """A Java pattern as a Python one (``.`` without line terminators, ``\\p{X}`` expanded)."""
    out, in_class, i = [], False, 0
    while i < len(java):
        ch = java[i]
        if ch == "\\":
            match = _CATEGORY.match(java, i)
            if match:
                body = _category_class(match.group(1))
                out.append(body if in_class else f"[{body}]")
                i = match.end()
                continue
            out.append(java[i : i + 2])
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "." and not in_class:
            ch = f"[^{_JAVA_LINE_TERMINATORS}]"
        out.append(ch)
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _describe(value: str) -> str:
    text = value if len(value) <= 60 else value[:57] + "..."
    return repr(text)


def _string_errors(sh: Any, value: Any) -> Iterator[str]:
    if not isinstance(value, str):
        yield f"must be a string, not {type(value).__name__}"
        return
    meta = sh.metadata
    if "max" in meta and len(value) > meta["max"]:
        yield f"is {len(value):,} characters; SageMaker accepts at most {meta['max']:,}"
    if "min" in meta and len(value) < meta["min"]:
        yield f"is {len(value)} characters; SageMaker needs at least {meta['min']}"
    if sh.enum and value not in sh.enum:
        yield f"{_describe(value)} is not one SageMaker accepts (its {sh.name} list)"
    elif "pattern" in meta and not _python_pattern(meta["pattern"]).fullmatch(value):
        control = [c for c in value if unicodedata.category(c) == "Cc"]
        why = f" (it contains the control character {control[0]!r})" if control else ""
        yield f"{_describe(value)} does not match SageMaker's pattern {meta['pattern']}{why}"


def _number_errors(sh: Any, value: Any) -> Iterator[str]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        yield f"must be a number, not {type(value).__name__}"
        return
    meta = sh.metadata
    if sh.type_name in ("integer", "long"):
        if not isinstance(value, int):
            yield "must be an integer"
            return
        lo, hi = INT32 if sh.type_name == "integer" else INT64
        lo, hi = max(lo, meta.get("min", lo)), min(hi, meta.get("max", hi))
    else:
        if not math.isfinite(value):
            yield "must be a finite number"
            return
        lo, hi = meta.get("min", -math.inf), meta.get("max", math.inf)
    if value < lo or value > hi:
        yield f"{value} is outside SageMaker's range [{lo}, {hi}]"


def _count_errors(meta: dict[str, Any], value: Any, path: str) -> Iterator[tuple[str, str]]:
    if "max" in meta and len(value) > meta["max"]:
        yield path, f"has {len(value)} entries; SageMaker accepts at most {meta['max']}"
    if "min" in meta and len(value) < meta["min"]:
        yield path, f"has {len(value)} entries; SageMaker needs at least {meta['min']}"


def _container_errors(sh: Any, value: Any, path: str) -> Iterator[tuple[str, str]]:
    meta, kind = sh.metadata, sh.type_name
    if not isinstance(value, dict if kind in ("structure", "map") else list):
        yield path, f"must be a {'map' if kind != 'list' else 'list'}"
        return
    if kind != "structure":
        yield from _count_errors(meta, value, path)
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from violations(sh.member, item, f"{path}[{i}]")
    elif kind == "map":
        for key, item in value.items():
            yield from violations(sh.key, key, f"{path}.{key}(key)")
            yield from violations(sh.value, item, f"{path}.{key}")
    else:
        for name in sh.required_members:
            if name not in value:
                yield f"{path}.{name}".lstrip("."), "is required"
        for name, item in value.items():
            member = sh.members.get(name)
            if member is None:
                yield f"{path}.{name}".lstrip("."), "is not a field SageMaker knows"
            else:
                yield from violations(member, item, f"{path}.{name}".lstrip("."))


def violations(sh: Any, value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, message) for each way value breaks the shape's type, min, max, enum or pattern."""
    if isinstance(sh, str):
        sh = shape(sh)
    kind = sh.type_name
    if kind == "string":
        yield from ((path, m) for m in _string_errors(sh, value))
    elif kind in ("integer", "long", "float", "double"):
        yield from ((path, m) for m in _number_errors(sh, value))
    elif kind == "boolean":
        if not isinstance(value, bool):
            yield path, "must be a boolean"
    elif kind in ("structure", "list", "map"):
        yield from _container_errors(sh, value, path)


def first_violation(shape_name: str, value: Any) -> str | None:
    """The message of the first way value breaks the named shape, or None."""
    return next((message for _, message in violations(shape_name, value)), None)
