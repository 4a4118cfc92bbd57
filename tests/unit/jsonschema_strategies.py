"""hypothesis-jsonschema's ``from_schema``, on the Hypothesis this project installs.

hypothesis-jsonschema 0.23.1 (its newest release) draws an object's properties with
Hypothesis's internal ``many`` through ``while elements.more(): ... elements.reject()``;
Hypothesis 6.17x replaced that with ``with many(...) as elements: for _ in elements:``.
``_OldMany`` gives the new ``many`` the old interface (one element per ``more()``), and is
put in place only when the installed Hypothesis lacks ``many.more``. Drop this module once
hypothesis-jsonschema follows Hypothesis.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import hypothesis_jsonschema._from_schema as _from_schema
from hypothesis.internal.conjecture import utils as cu
from hypothesis_jsonschema import from_schema

__all__ = ["from_schema"]


class _OldMany:
    def __init__(self, data: Any, min_size: int, max_size: float, average_size: float) -> None:
        self._many = cu.many(data, min_size=min_size, max_size=max_size, average_size=average_size)
        self._many.__enter__()
        self._elements: Iterator[None] = iter(self._many)
        self._open = True

    def more(self) -> bool:
        if not self._open:
            return False
        try:
            next(self._elements)
        except StopIteration:
            self._open = False
            self._many.__exit__(None, None, None)
            return False
        return True

    def reject(self, why: str | None = None) -> None:
        self._many.reject(why)


if not hasattr(cu.many, "more"):
    _from_schema.cu = SimpleNamespace(**{**{name: getattr(cu, name) for name in dir(cu) if not name.startswith("__")},
                                         "many": _OldMany})
