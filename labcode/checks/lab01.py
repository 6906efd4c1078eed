"""Self-checks of Lab 01: the digit-sum data sets."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.checks._common import (
    _Checker,
    _is_int_array,
    _run,
)


def check_create_train_dataset(create_train_dataset: Callable[..., object]) -> None:
    """Self-check for Lab 01's ``create_train_dataset``."""

    def body(c: _Checker) -> None:
        n, m, d = 4000, 10, 10
        out = create_train_dataset(n_train=n, max_train_card=m, max_digit=d, seed=0)
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"return a tuple (X, y); got {type(out).__name__}.")
        X, y = out
        c.expect(_is_int_array(X) and _is_int_array(y),
                 "X and y should be NumPy arrays of integers (digits are categories: the "
                 "models of Lab 02 embed them). Use np.int64.")
        c.expect(X.shape == (n, m),
                 f"X should have shape (n_train, max_train_card) = {(n, m)}; got {X.shape}.")
        c.expect(y.shape == (n,), f"y should have shape (n_train,) = {(n,)}; got {y.shape}.")
        c.expect(X.min() >= 0 and X.max() <= d,
                 f"entries of X should be 0 (padding) or digits 1..{d}; "
                 f"found values from {X.min()} to {X.max()}.")
        present = X != 0
        c.expect(np.all(present[:, 1:] >= present[:, :-1]),
                 "pad on the LEFT: a row looks like [0, 0, 0, 4, 5, 1, 7, 5] -- zeros first, "
                 "then the digits, and no zero after the first digit.")
        cards = present.sum(axis=1)
        c.expect(cards.min() >= 1, "every set should hold at least one digit (cardinality >= 1).")
        c.expect(set(np.unique(cards)) == set(range(1, m + 1)),
                 f"cardinalities should cover 1..{m}; found {sorted(set(cards.tolist()))}.")
        counts = np.bincount(cards, minlength=m + 1)[1:]
        c.expect(counts.min() > 0.6 * n / m and counts.max() < 1.4 * n / m,
                 "cardinalities should be uniform in 1..max_train_card; yours are far from it "
                 f"(counts {counts.tolist()}).")
        digit_counts = np.bincount(X[present], minlength=d + 1)[1:]
        c.expect(digit_counts.min() > 0.6 * digit_counts.mean(),
                 f"digits should be uniform in 1..{d}; counts per digit {digit_counts.tolist()}.")
        c.expect(np.array_equal(y, X.sum(axis=1)), "y[i] should be the sum of the digits of X[i].")
        X2, y2 = create_train_dataset(n_train=50, max_train_card=4, max_digit=3, seed=1)
        c.expect(X2.shape == (50, 4) and X2.max() <= 3,
                 "use the arguments: with max_train_card=4 and max_digit=3, X should have "
                 f"shape (50, 4) and digits <= 3; got shape {X2.shape}, max {X2.max()}.")
        X3, _ = create_train_dataset(n_train=n, max_train_card=m, max_digit=d, seed=0)
        c.expect(np.array_equal(X, X3),
                 "the same seed should give the same data: draw from "
                 "rng = np.random.default_rng(seed).")
        X4, _ = create_train_dataset(n_train=n, max_train_card=m, max_digit=d, seed=1)
        c.expect(not np.array_equal(X, X4), "different seeds should give different data.")

    _run("create_train_dataset", create_train_dataset, body)


def check_create_test_dataset(create_test_dataset: Callable[..., object]) -> None:
    """Self-check for Lab 01's ``create_test_dataset``."""

    def body(c: _Checker) -> None:
        n, cards, d = 300, [5, 10, 15, 40], 10
        out = create_test_dataset(n_per_card=n, cardinalities=cards, max_digit=d, seed=0)
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"return a tuple (X_test, y_test); got {type(out).__name__}.")
        X_test, y_test = out
        c.expect(isinstance(X_test, list) and isinstance(y_test, list),
                 "X_test and y_test should be Python lists with one array per cardinality.")
        c.expect(len(X_test) == len(cards) and len(y_test) == len(cards),
                 f"expected one entry per cardinality ({len(cards)}); "
                 f"got {len(X_test)} and {len(y_test)}.")
        c.expect(all(_is_int_array(X) for X in X_test) and all(_is_int_array(y) for y in y_test),
                 "every entry should be a NumPy array of integers (np.int64).")
        shapes = [X.shape for X in X_test]
        c.expect(shapes == [(n, k) for k in cards],
                 f"X_test[i] should have shape (n_per_card, cardinalities[i]); got {shapes}.")
        c.expect(all(y.shape == (n,) for y in y_test), "y_test[i] should have shape (n_per_card,).")
        c.expect(all(X.min() >= 1 and X.max() <= d for X in X_test),
                 f"test sets hold exactly cardinalities[i] digits in 1..{d}: no padding, no zeros.")
        c.expect(all(np.array_equal(y, X.sum(axis=1)) for X, y in zip(X_test, y_test, strict=True)),
                 "y_test[i][j] should be the sum of X_test[i][j].")
        values = np.concatenate([X.ravel() for X in X_test])
        counts = np.bincount(values, minlength=d + 1)[1:]
        c.expect(counts.min() > 0.7 * counts.mean(),
                 f"digits should be uniform in 1..{d}; counts per digit {counts.tolist()}.")
        again, _ = create_test_dataset(n_per_card=n, cardinalities=cards, max_digit=d, seed=0)
        c.expect(all(np.array_equal(a, b) for a, b in zip(X_test, again, strict=True)),
                 "the same seed should give the same data: use np.random.default_rng(seed).")

    _run("create_test_dataset", create_test_dataset, body)


# --- Lab 03: the 1/3-vs-1/5 task ---
# These checks draw random numbers inside torch.random.fork_rng(), so running a check (or not)
# does not change the numbers a notebook draws afterwards.
