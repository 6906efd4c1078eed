"""Generated data sets. Nothing is downloaded: every set is drawn from a seeded generator.

Digit sums (Lab 01, after Zaheer et al., 2017): each example is a multiset of digits and its
target is the sum of its elements.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from labcode._validate import check_int, check_int_list, check_seed

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
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_sets, max_card), got shape {X.shape}")
    return (X != 0).sum(axis=1)
