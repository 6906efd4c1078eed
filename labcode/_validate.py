"""Small argument validators shared by labcode's public functions (private module)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable

import numpy as np


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


def check_real(name: str, value: object, *, positive: bool = False,
               finite: bool = True) -> float:
    """Return ``value`` as a float if it is a real number (not a bool), finite unless
    ``finite=False``, and > 0 when ``positive``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:
        raise ValueError(f"{name} must be a finite number, got {value}") from None
    if (finite and not math.isfinite(value)) or math.isnan(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value}")
    return value


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is True or False (NumPy's bools included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of the strings ``choices``."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_torch_seed(seed: object) -> int | None:
    """Return ``seed`` if it is None or an int torch.manual_seed accepts, 0 <= seed < 2**64."""
    seed = check_seed(seed)
    if seed is not None and seed >= 2**64:
        raise ValueError(f"seed must be < 2**64 for torch's generator, got {seed}")
    return seed


def as_array(name: str, value: object, dtype: object = None) -> np.ndarray:
    """``value`` as a NumPy array; a torch tensor is detached and moved to the CPU first."""
    def plain(v: object) -> object:  # a torch.Tensor, even one that requires grad, as NumPy
        if callable(getattr(v, "detach", None)) and callable(getattr(v, "cpu", None)):
            return v.detach().cpu().numpy()
        return v

    value = plain(value)
    if isinstance(value, (list, tuple)):  # e.g. a history of loss tensors
        value = [plain(v) for v in value]
    try:
        return np.asarray(value, dtype=dtype)
    except (ValueError, TypeError) as error:
        kind = TypeError if isinstance(error, TypeError) else ValueError
        raise kind(f"{name} must be array-like{'' if dtype is None else ' of numbers'}: "
                   f"{error}") from None


def call_model(model: Callable[[object], object], x: object, what: str) -> object:
    """``model(x)``, with torch's RuntimeError (a dtype or shape the model's layers cannot take)
    turned into a ValueError that says which input ``what`` the model was given."""
    try:
        return model(x)
    except NotImplementedError:
        raise
    except RuntimeError as error:
        shape = tuple(getattr(x, "shape", ()))
        dtype = getattr(x, "dtype", type(x).__name__)
        raise ValueError(f"{type(model).__name__} could not be applied to {what} of shape "
                         f"{shape} and dtype {dtype}: {error}") from None
