"""Small argument validators shared by labcode's public functions (private module)."""

from __future__ import annotations

import numbers
from collections.abc import Iterable


def check_int(name: str, value: object, minimum: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_int_list(name: str, values: object, minimum: int | None = None) -> list[int]:
    """Return ``values`` as a non-empty list of ints, each >= ``minimum``."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list or range of ints, got {type(values).__name__}")
    out = [check_int(f"each entry of {name}", v, minimum) for v in values]
    if not out:
        raise ValueError(f"{name} must not be empty")
    return out


def check_seed(seed: object) -> int | None:
    """Return ``seed`` if it is None or a non-negative int."""
    if seed is None:
        return None
    return check_int("seed", seed, 0)
