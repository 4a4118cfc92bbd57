"""The trials, once, in a compact column form that the page expands for every chart and download.

The page carries one copy of the trial rows (``trials.csv``'s columns, in its
row order) as typed columns: strings dictionary-encoded when they repeat, an
ARN column as "a prefix + the training job's name", times as whole units from
a base, floats as JSON numbers that the page prints back as Python's
``repr`` would. The page builds from it the ``trials`` dataset every chart
reads (named data) and the CSV and JSON downloads, which are therefore the
same trials as ``trials.csv``/``trials.json`` and are not embedded a second
time. A column that does not fit one type (mixed values) is carried as its CSV
text and its JSON value, still once per value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from amt_pipeline.trials.report_input import json_safe, trial_columns

NAME_COLUMN = "TrainingJobName"


def _kind(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if all(isinstance(v, str) for v in present):
        return "s"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "i"
    if all(isinstance(v, float) and math.isfinite(v) for v in present):
        return "f"
    if present and all(isinstance(v, datetime) for v in present):
        offsets = {v.utcoffset() for v in present}
        if len(offsets) == 1:
            return "t"
    return "m"


def _strings(values: list[Any], names: list[Any]) -> dict[str, Any]:
    present = [(v, n) for v, n in zip(values, names, strict=True) if v is not None]
    if present and all(isinstance(n, str) and v.endswith(n) for v, n in present):
        prefixes = {v[: len(v) - len(n)] for v, n in present}
        if len(prefixes) == 1:
            return {"prefix": prefixes.pop(), "nulls": [i for i, v in enumerate(values) if v is None]}
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    if len(distinct) * 2 <= len(values):
        index = {v: i for i, v in enumerate(distinct)}
        return {"dict": distinct, "codes": [None if v is None else index[v] for v in values]}
    return {"values": values}


def _times(values: list[Any]) -> dict[str, Any]:
    present = [v for v in values if v is not None]
    offset = present[0].utcoffset()
    epoch = datetime(1970, 1, 1, tzinfo=UTC) if offset is not None else datetime(1970, 1, 1)
    micros = [None if v is None else (v - epoch) // timedelta(microseconds=1) for v in values]
    base = min(m for m in micros if m is not None)
    unit = next(u for u in (1_000_000, 1_000, 1) if all(m is None or (m - base) % u == 0 for m in micros))
    return {
        "base": base,
        "unit": unit,
        "offset": None if offset is None else int(offset.total_seconds()),
        "values": [None if m is None else (m - base) // unit for m in micros],
    }


def _mixed(values: list[Any]) -> dict[str, Any]:
    def csv_text(value: Any) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return ""
        return value.isoformat() if isinstance(value, datetime) else str(value)

    return {"csv": [csv_text(v) for v in values], "json": [json_safe(v) for v in values]}


def compact_rows(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The rows as typed columns: {"n", "columns": [{"name", "type", "absent"?, ...encoding}]}."""
    names = [r.get(NAME_COLUMN) for r in rows]
    columns = []
    for name in trial_columns(rows):
        values = [r.get(name) for r in rows]
        kind = _kind(values)
        column: dict[str, Any] = {"name": name, "type": kind}
        absent = [i for i, r in enumerate(rows) if name not in r]
        if absent:
            column["absent"] = absent
        if kind == "s":
            column.update(_strings(values, names) if name != NAME_COLUMN else {"values": values})
        elif kind == "t":
            column.update(_times(values))
        elif kind == "m":
            column.update(_mixed(values))
        else:
            column["values"] = values
        columns.append(column)
    return {"n": len(rows), "columns": columns}


def derived_columns(frame: Any, fields: Sequence[str]) -> dict[str, list[Any]]:
    """Chart-only fields computed in Python (slot, rank...), in the rows' order (frame column ``row``)."""
    ordered = frame.sort_values("row", kind="stable")
    out: dict[str, list[Any]] = {}
    for field in fields:
        series = ordered[field]
        if series.dtype.kind == "f":
            out[field] = [None if v != v else float(f"{v:.6g}") for v in series.tolist()]
        else:
            out[field] = [None if v is None or v != v else v for v in series.tolist()]
    return out
