"""Generated data sets. Nothing is downloaded: every set is drawn from a seeded generator.

Digit sums (Lab 01, after Zaheer et al., 2017): each example is a multiset of digits and its
target is the sum of its elements.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from labcode._validate import (
    as_array,
    check_int,
    check_int_list,
    check_real,
    check_seed,
    check_torch_seed,
)

#: The test cardinalities of the digit-sum task: 5, 10, ..., 100.
TEST_CARDINALITIES: tuple[int, ...] = tuple(range(5, 101, 5))


def create_train_dataset(
    n_train: int = 100_000,
    max_train_card: int = 10,
    max_digit: int = 10,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n_train`` multisets of digits, left-padded with zeros to ``max_train_card``.

    Each set has a cardinality drawn uniformly from ``1..max_train_card`` and digits drawn
    uniformly from ``1..max_digit``; 0 is reserved for padding.

    Returns ``(X, y)``: ``X`` is an int64 array of shape ``(n_train, max_train_card)``,
    ``y`` the int64 array of the ``n_train`` sums.
    """
    n_train = check_int("n_train", n_train, 1)
    max_train_card = check_int("max_train_card", max_train_card, 1)
    max_digit = check_int("max_digit", max_digit, 1)
    rng = np.random.default_rng(check_seed(seed))

    cards = rng.integers(1, max_train_card + 1, size=n_train)
    digits = rng.integers(1, max_digit + 1, size=(n_train, max_train_card))
    # Position j holds a digit when it is among the last `card` positions (left padding).
    keep = np.arange(max_train_card)[None, :] >= (max_train_card - cards)[:, None]
    X = np.where(keep, digits, 0).astype(np.int64)
    return X, X.sum(axis=1)


def create_test_dataset(
    n_per_card: int = 10_000,
    cardinalities: Iterable[int] = TEST_CARDINALITIES,
    max_digit: int = 10,
    seed: int | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Draw ``n_per_card`` sets of exactly ``c`` digits for every ``c`` in ``cardinalities``.

    Returns ``(X_test, y_test)``, two lists with one entry per cardinality: ``X_test[i]`` is an
    int64 array of shape ``(n_per_card, cardinalities[i])`` (no padding, digits in
    ``1..max_digit``) and ``y_test[i]`` the int64 array of its sums.
    """
    n_per_card = check_int("n_per_card", n_per_card, 1)
    cards = check_int_list("cardinalities", cardinalities, 1)
    max_digit = check_int("max_digit", max_digit, 1)
    rng = np.random.default_rng(check_seed(seed))

    X_test = [rng.integers(1, max_digit + 1, size=(n_per_card, c)).astype(np.int64) for c in cards]
    y_test = [X.sum(axis=1) for X in X_test]
    return X_test, y_test


def cardinalities_of(X: np.ndarray) -> np.ndarray:
    """Number of non-padding (non-zero) entries in each row of a padded digit array."""
    X = as_array("X", X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_sets, max_card), got shape {X.shape}")
    return (X != 0).sum(axis=1)


def make_mixture_sets(
    n_sets: int,
    set_size: int,
    spread: float = 0.5,
    low: float = -4.0,
    high: float = 4.0,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sets of 1-D points from two-component Gaussian mixtures (Lab 08's streaming task).

    Each set draws two centres ``c1 < c2`` uniformly in ``[low, high]``; each of its
    ``set_size`` points picks a centre with probability 1/2 and adds ``spread * N(0, 1)``.
    Returns ``(X, centres)``: float32 arrays of shapes ``(n_sets, set_size, 1)`` and
    ``(n_sets, 2)`` (sorted, so the target does not depend on how the components are named).
    """
    n_sets = check_int("n_sets", n_sets, 1)
    set_size = check_int("set_size", set_size, 1)
    spread, low, high = (check_real(k, v) for k, v in (("spread", spread), ("low", low),
                                                       ("high", high)))
    if not spread > 0 or not low < high:
        raise ValueError(f"need spread > 0 and low < high, got spread={spread}, "
                         f"low={low}, high={high}")
    rng = np.random.default_rng(check_seed(seed))
    centres = np.sort(rng.uniform(low, high, size=(n_sets, 2)), axis=1)
    component = rng.integers(0, 2, size=(n_sets, set_size))
    points = np.take_along_axis(centres, component, axis=1)
    points = points + spread * rng.standard_normal((n_sets, set_size))
    return points[..., None].astype(np.float32), centres.astype(np.float32)


# --- Lab 03: the 1/3-vs-1/5 task ---

#: Objects per instance in the 1/3-vs-1/5 task, and the (count, value) of each class's nonzeros.
N_OBJECTS: int = 10
CLASS_PATTERNS: dict[int, tuple[int, float]] = {0: (3, 1 / 3), 1: (5, 1 / 5)}


def _torch_generator(generator: torch.Generator | int | None) -> torch.Generator | None:
    """``None`` (use torch's global generator), a seed, or a ``torch.Generator``."""
    if generator is None or isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, bool) or not isinstance(generator, int):
        raise TypeError("generator must be a torch.Generator, an int seed or None, "
                        f"got {type(generator).__name__}")
    return torch.Generator().manual_seed(check_torch_seed(generator))


def make_data(
    N: int, generator: torch.Generator | int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``N`` instances of the 1/3-vs-1/5 task, exactly half of each class, rows shuffled.

    Every instance has ``N_OBJECTS`` = 10 objects with one feature. In class 0 a random subset of
    3 objects equals 1/3; in class 1 a random subset of 5 objects equals 1/5; the rest are 0.
    (Both classes sum to 1: a plain sum of the features cannot tell them apart.)

    ``generator`` is a ``torch.Generator``, an int seed, or ``None`` for torch's global
    generator (seeded by :func:`labcode.seed_everything`). Returns ``(X, y)``: float32 tensors
    of shapes ``(N, 10, 1)`` and ``(N, 1)``, ``y`` holding the class 0.0 or 1.0.
    """
    N = check_int("N", N)
    if N < 2:
        raise ValueError(f"N must be >= 2 (one instance of each class at least), got N={N}")
    if N % 2:
        raise ValueError(f"N must be even so that the classes are exactly balanced, got N={N}")
    g = _torch_generator(generator)
    y = torch.zeros(N)
    y[N // 2:] = 1.0
    y = y[torch.randperm(N, generator=g)]
    count = torch.where(y == 0, CLASS_PATTERNS[0][0], CLASS_PATTERNS[1][0])
    value = torch.where(y == 0, CLASS_PATTERNS[0][1], CLASS_PATTERNS[1][1])
    # The ranks of N_OBJECTS uniform numbers form a random permutation of the positions; the
    # positions ranked below `count` make a uniformly random subset of that size.
    ranks = torch.rand(N, N_OBJECTS, generator=g).argsort(dim=1).argsort(dim=1)
    X = torch.where(ranks < count[:, None], value[:, None], 0.0)
    return X.unsqueeze(-1).float(), y.unsqueeze(-1)


# --- Lab 06: symmetric pairs {x, -x} ---

#: The norm ranges of x in the symmetric-pairs task: class 0 (short x) and class 1 (long x).
PAIR_NORMS: dict[int, tuple[float, float]] = {0: (0.25, 1.0), 1: (1.25, 2.0)}


def make_symmetric_pairs(
    N: int, generator: torch.Generator | int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``N`` sets ``{x, -x}`` of two 2-D vectors, exactly half of each class, rows shuffled.

    The angle of ``x`` is uniform in ``[0, 2 pi)``; its norm is uniform in ``PAIR_NORMS[0]``
    for class 0 and in ``PAIR_NORMS[1]`` for class 1. Every set sums to ``[0, 0]``. Returns
    ``(X, y)``: float32 tensors of shapes ``(N, 2, 2)`` (set, element, coordinate) and ``(N, 1)``.
    """
    N = check_int("N", N)
    if N < 2 or N % 2:
        raise ValueError(f"N must be even and >= 2 so that the classes balance, got N={N}")
    g = _torch_generator(generator)
    y = torch.zeros(N)
    y[N // 2:] = 1.0
    y = y[torch.randperm(N, generator=g)]
    angle = 2 * torch.pi * torch.rand(N, generator=g)
    low = torch.where(y == 0, PAIR_NORMS[0][0], PAIR_NORMS[1][0])
    high = torch.where(y == 0, PAIR_NORMS[0][1], PAIR_NORMS[1][1])
    r = low + (high - low) * torch.rand(N, generator=g)
    x = torch.stack([r * angle.cos(), r * angle.sin()], dim=1)
    return torch.stack([x, -x], dim=1).float(), y.unsqueeze(-1)
