"""Small argument validators shared by labcode's public functions (private module)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

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


# --- a batch of sets, a seed or a generator: each checked here and nowhere else ---

_SHAPES = {2: "(batch, set size)", 3: "(batch, set size, features)"}


def check_sets(x: object, name: str = "x", *, dtype: str | None = "float",
               ranks: tuple[int, ...] = (3,), features: int | None = None,
               min_size: int = 1, empty_batch: bool = False) -> Any:
    """Return ``x`` if it is a batch of sets: a tensor ``(batch, set size[, features])``.

    ``dtype`` is ``"float"`` (any floating point), ``"long"`` (int64 tokens) or None (any);
    ``ranks`` the allowed numbers of dimensions; ``features`` the required last dimension;
    ``min_size`` the fewest elements a set may have; ``empty_batch`` allows a batch of no
    sets. Raises a ``TypeError`` or ``ValueError``
    that says what was expected.
    """
    import torch

    shape = " or ".join(_SHAPES[r] if features is None or r == 2 else
                        f"(batch, set size, {features})" for r in ranks)
    kind = {"float": "a float tensor", "long": "a LongTensor (torch.int64)",
            None: "a tensor"}[dtype]
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be {kind} of shape {shape}, got {type(x).__name__}")
    if (dtype == "float" and not torch.is_floating_point(x)) or \
            (dtype == "long" and x.dtype != torch.long):
        hint = "; use torch.as_tensor(X, dtype=torch.long)" if dtype == "long" else ""
        raise TypeError(f"{name} must be {kind} of shape {shape}, got a {x.dtype} tensor{hint}")
    if x.ndim not in ranks:
        hint = "; for one set use x.unsqueeze(0)" if x.ndim == min(ranks) - 1 else ""
        if features == 1 and x.ndim == 2:
            hint = "; for one feature per element use x.unsqueeze(-1)"
        raise ValueError(f"{name} must have shape {shape}, got shape {tuple(x.shape)}{hint}")
    if x.ndim == 3 and features is not None and x.shape[2] != features:
        raise ValueError(f"{name} must have {features} feature(s) per element, shape {shape}; "
                         f"got shape {tuple(x.shape)}")
    if (x.shape[0] == 0 and not empty_batch) or x.shape[1] < min_size:
        what = "at least 2 elements to be reordered" if min_size > 1 else "at least one element"
        raise ValueError(f"{name} must hold at least one set of {what}, got shape "
                         f"{tuple(x.shape)}")
    return x


def check_set_array(X: object, name: str = "X") -> np.ndarray:
    """Return ``X`` (a NumPy array or a tensor) as a 2-D integer array ``(n_sets, set size)``."""
    X = as_array(name, X)
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.integer):
        raise ValueError(f"{name} must be a 2-D integer array (n_sets, set size), got shape "
                         f"{X.shape} and dtype {X.dtype}")
    return X


def as_generator(seed: object, name: str = "seed") -> Any:
    """A ``torch.Generator`` for ``seed``: None (torch's global generator), an int seed (a new
    generator) or a ``torch.Generator`` (used as is)."""
    import torch

    if seed is None or isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an int, a torch.Generator or None, "
                        f"got {type(seed).__name__}")
    return torch.Generator().manual_seed(check_torch_seed(int(seed)))
