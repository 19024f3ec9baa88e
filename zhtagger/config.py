"""Checks shared by the typed settings dataclasses of every layer (no torch here: readers validate too)."""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum


def parse_enum(enum_type: type[Enum], value: object, option: str) -> Enum:
    """``enum_type(value)`` with an error that names the option and the allowed values."""
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_type)
        raise ValueError(f"{option} must be one of {allowed}; got {value!r}") from None


def require_positive(value: object, option: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{option} must be a positive integer; got {value!r}")


def require_fraction(value: float, option: str) -> None:
    """``value`` in [0, 1), as dropout rates are."""
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{option} must be in [0, 1); got {value!r}")


def config_dict(config) -> dict:
    """A settings dataclass as JSON-friendly data (enums as their values, tuples as lists)."""
    return {key: value.value if isinstance(value, Enum) else list(value) if isinstance(value, tuple) else value
            for key, value in asdict(config).items()}
