"""A tuning job's ParameterRanges: parsed, checked as SageMaker checks them, and mapped to optuna.

- Scaling: Logarithmic -> log sampling; ReverseLogarithmic -> 1 - x with x log-sampled in
  (1 - max, 1 - min]; Integer ranges -> ints; Auto/Linear -> uniform.
- A Range turns optuna's internal value into the string a training job receives, and a recorded
  string back into optuna's value (warm start).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from amt.local.engine.errors import ValidationException

MAX_RANGES_PER_KIND = 30
RANGE_KINDS = (
    ("IntegerParameterRanges", "Integer"),
    ("ContinuousParameterRanges", "Continuous"),
    ("CategoricalParameterRanges", "Categorical"),
)


@dataclass(frozen=True)
class Range:
    name: str
    kind: str  # Integer | Continuous | Categorical
    scaling: str = "Auto"
    low: float = 0.0
    high: float = 0.0
    values: tuple[str, ...] = ()

    def distribution(self) -> BaseDistribution:
        if self.kind == "Categorical":
            return CategoricalDistribution(list(self.values))
        if self.kind == "Integer":
            return IntDistribution(int(self.low), int(self.high), log=self.scaling == "Logarithmic")
        if self.scaling == "ReverseLogarithmic":
            return FloatDistribution(1.0 - self.high, 1.0 - self.low, log=True)
        return FloatDistribution(self.low, self.high, log=self.scaling == "Logarithmic")

    def to_hyperparameter(self, internal: Any) -> str:
        """optuna's value -> the string SageMaker passes to the training job."""
        if self.kind == "Categorical":
            return str(internal)
        if self.kind == "Integer":
            return str(int(internal))
        value = 1.0 - float(internal) if self.scaling == "ReverseLogarithmic" else float(internal)
        return repr(min(max(value, self.low), self.high))

    def to_internal(self, text: str) -> Any | None:
        """A recorded hyperparameter string -> optuna's value, or None when outside this range."""
        try:
            if self.kind == "Categorical":
                return text if text in self.values else None
            if self.kind == "Integer":
                v = int(float(text))
                return v if self.low <= v <= self.high else None
            f = float(text)
            if not self.low <= f <= self.high:
                return None
            if self.scaling == "ReverseLogarithmic":
                f = 1.0 - f
                d = self.distribution()
                assert isinstance(d, FloatDistribution)
                return f if d.low <= f <= d.high else None
            return f
        except ValueError:
            return None


def parse_ranges(parameter_ranges: Mapping[str, Any], strategy: str) -> list[Range]:
    """ParameterRanges -> Ranges; ValidationException where SageMaker refuses them."""
    out: list[Range] = []
    for key, kind in RANGE_KINDS:
        items = parameter_ranges.get(key) or []
        if len(items) > MAX_RANGES_PER_KIND:
            raise ValidationException(f"{key} can hold at most {MAX_RANGES_PER_KIND} ranges")
        parse = _categorical if kind == "Categorical" else _numeric
        out += [parse(r, kind) for r in items]
    _check_together(out, strategy)
    return out


def _categorical(r: Mapping[str, Any], kind: str) -> Range:
    name = r["Name"]
    values = tuple(r.get("Values") or ())
    if not values:
        raise ValidationException(f"Categorical range {name!r} needs at least one value")
    if len(set(values)) != len(values):
        raise ValidationException(f"Categorical range {name!r} has duplicate values")
    return Range(name, kind, values=values)


def _numeric(r: Mapping[str, Any], kind: str) -> Range:
    name = r["Name"]
    scaling = r.get("ScalingType", "Auto")
    try:
        low, high = float(r["MinValue"]), float(r["MaxValue"])
        if kind == "Integer" and (low != int(low) or high != int(high)):
            raise ValueError
    except (KeyError, ValueError):
        raise ValidationException(f"Range {name!r}: MinValue and MaxValue must be {kind.lower()} numbers") from None
    if low > high:
        raise ValidationException(f"Range {name!r}: MinValue {r['MinValue']} is greater than MaxValue {r['MaxValue']}")
    if scaling == "Logarithmic" and low <= 0:
        raise ValidationException(f"Range {name!r}: Logarithmic scaling needs MinValue > 0")
    if scaling == "ReverseLogarithmic" and (kind != "Continuous" or low < 0 or high >= 1):
        raise ValidationException(f"Range {name!r}: ReverseLogarithmic scaling needs a Continuous range within [0, 1)")
    return Range(name, kind, scaling, low, high)


def _check_together(ranges: list[Range], strategy: str) -> None:
    names = [r.name for r in ranges]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValidationException(f"Hyperparameters {dupes} appear in more than one range")
    if strategy == "Grid" and any(r.kind != "Categorical" for r in ranges):
        raise ValidationException("The Grid strategy supports categorical parameter ranges only")
    if not ranges:
        raise ValidationException("ParameterRanges must hold at least one range")
