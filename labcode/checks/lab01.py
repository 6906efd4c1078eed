"""Self-checks of Lab 01: the digit-sum data sets."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.checks.api import (
    Checker,
    is_int_array,
    run_check,
)


def _same_numpy_state(before: tuple, after: tuple) -> bool:
    """Whether two ``np.random.get_state()`` tuples are the same state."""
    return (before[0] == after[0] and np.array_equal(before[1], after[1])
            and tuple(before[2:]) == tuple(after[2:]))


def _int64_hint(arrays: dict[str, object]) -> str | None:
    """Why the named arrays are not all int64 NumPy arrays (None if they are)."""
    bad = {name: a for name, a in arrays.items()
           if not (isinstance(a, np.ndarray) and a.dtype == np.int64)}
    if not bad:
        return None
    got = ", ".join(f"{name} is {a.dtype if isinstance(a, np.ndarray) else type(a).__name__}"
                    for name, a in bad.items())
    return (f"the arrays should be int64, as the exercise says; {got}. Convert with "
            ".astype(np.int64) (np.int32 is an integer type too, but not the one asked for).")


def _leaves_numpy_global_state(draw: Callable[[], object]) -> bool:
    """Whether calling ``draw()`` leaves NumPy's global random state as it was (restoring it)."""
    state = np.random.get_state()
    try:
        draw()
        return _same_numpy_state(state, np.random.get_state())
    finally:
        np.random.set_state(state)


def check_create_train_dataset(create_train_dataset: Callable[..., object]) -> None:
    """Self-check for Lab 01's ``create_train_dataset``."""

    def body(c: Checker) -> None:
        n, m, d = 4000, 10, 10
        out = create_train_dataset(n_train=n, max_train_card=m, max_digit=d, seed=0)
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"return a tuple (X, y); got {type(out).__name__}.")
        X, y = out
        c.expect(is_int_array(X) and is_int_array(y),
                 "X and y should be NumPy arrays of integers (digits are categories: the "
                 "models of Lab 02 embed them). Use np.int64.")
        wrong_dtype = _int64_hint({"X": X, "y": y})
        c.expect(wrong_dtype is None, wrong_dtype or "")
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
        full = X[cards == m]  # the sets of max_train_card digits, about n / m of them
        repeats = np.mean([len(np.unique(row)) < m for row in full])
        c.expect(repeats > 0.5,
                 f"a set is a MULTISET: digits may repeat, and in sets of {m} digits out of {d} "
                 f"they almost always do; yours repeat in {repeats:.0%} of them. Draw every "
                 "digit independently, rng.integers(1, max_digit + 1, ...), not without "
                 "replacement.")
        c.expect(len(np.unique(full, axis=0)) > 0.95 * len(full),
                 f"the sets repeat: among {len(full)} sets of {m} digits only "
                 f"{len(np.unique(full, axis=0))} are different. Draw the digits of every "
                 "row afresh, in one array of shape (n_train, max_train_card), not one row "
                 "repeated or broadcast.")
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
        c.expect(_leaves_numpy_global_state(
                     lambda: create_train_dataset(n_train=50, max_train_card=4, max_digit=3,
                                                  seed=2)),
                 _numpy_state_hint("create_train_dataset"))

    _run_keeping_numpy_state("create_train_dataset", create_train_dataset, body)


def check_create_test_dataset(create_test_dataset: Callable[..., object]) -> None:
    """Self-check for Lab 01's ``create_test_dataset``."""

    def body(c: Checker) -> None:
        n, cards, d = 300, [5, 10, 15, 40], 10
        given = list(cards)
        out = create_test_dataset(n_per_card=n, cardinalities=given, max_digit=d, seed=0)
        c.expect(given == cards, "create_test_dataset changed the list of cardinalities it was "
                                 f"given ({cards} became {given}): read it, never modify it.")
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"return a tuple (X_test, y_test); got {type(out).__name__}.")
        X_test, y_test = out
        c.expect(isinstance(X_test, list) and isinstance(y_test, list),
                 "X_test and y_test should be Python lists with one array per cardinality.")
        c.expect(len(X_test) == len(cards) and len(y_test) == len(cards),
                 f"expected one entry per cardinality ({len(cards)}); "
                 f"got {len(X_test)} and {len(y_test)}.")
        c.expect(all(is_int_array(X) for X in X_test) and all(is_int_array(y) for y in y_test),
                 "every entry should be a NumPy array of integers (np.int64).")
        arrays = {**{f"X_test[{i}]": X for i, X in enumerate(X_test)},
                  **{f"y_test[{i}]": y for i, y in enumerate(y_test)}}
        wrong_dtype = _int64_hint(arrays)
        c.expect(wrong_dtype is None, wrong_dtype or "")
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
        c.expect(len(np.unique(X_test[-1], axis=0)) > 0.95 * n,
                 f"the sets repeat: among the {n} sets of {cards[-1]} digits only "
                 f"{len(np.unique(X_test[-1], axis=0))} are different. Draw every row's "
                 "digits afresh: rng.integers(1, max_digit + 1, size=(n_per_card, c)).")
        c.expect(not any(np.array_equal(X[:, :cards[0]], X_test[0]) for X in X_test[1:]),
                 "the sets of one cardinality begin with the digits of the smaller sets: draw "
                 "each cardinality's sets afresh, not one array cut to each length.")
        again, _ = create_test_dataset(n_per_card=n, cardinalities=cards, max_digit=d, seed=0)
        c.expect(all(np.array_equal(a, b) for a, b in zip(X_test, again, strict=True)),
                 "the same seed should give the same data: use np.random.default_rng(seed).")
        other, _ = create_test_dataset(n_per_card=n, cardinalities=cards, max_digit=d, seed=1)
        c.expect(not np.array_equal(other[0], X_test[0]),
                 "different seeds should give different data: pass the seed to "
                 "np.random.default_rng(seed).")
        small = create_test_dataset(n_per_card=4, cardinalities=[2, 3], max_digit=3, seed=2)
        c.expect([X.shape for X in small[0]] == [(4, 2), (4, 3)]
                 and all(X.max() <= 3 for X in small[0]),
                 "use the arguments: n_per_card=4, cardinalities=[2, 3], max_digit=3 should "
                 "give shapes [(4, 2), (4, 3)] and digits <= 3; got shapes "
                 f"{[X.shape for X in small[0]]}.")
        ranged = create_test_dataset(n_per_card=4, cardinalities=range(5, 16, 5), seed=2)[0]
        c.expect([X.shape for X in ranged] == [(4, 5), (4, 10), (4, 15)],
                 "cardinalities may be a range, such as the default range(5, 101, 5), as well "
                 "as a list: cardinalities=range(5, 16, 5) should give shapes [(4, 5), (4, 10), "
                 f"(4, 15)]; got {[X.shape for X in ranged]}.")
        c.expect(_leaves_numpy_global_state(
                     lambda: create_test_dataset(n_per_card=4, cardinalities=[2], seed=3)),
                 _numpy_state_hint("create_test_dataset"))

    _run_keeping_numpy_state("create_test_dataset", create_test_dataset, body)


# --- Lab 03: the 1/3-vs-1/5 task ---
# These checks draw random numbers inside torch.random.fork_rng(), so running a check (or not)
# does not change the numbers a notebook draws afterwards.


def _numpy_state_hint(name: str) -> str:
    return (f"{name} changed NumPy's global random state (np.random.seed, "
            "np.random.randint...), which moves every later draw of the notebook: draw "
            "from a generator of your own, rng = np.random.default_rng(seed).")


def _run_keeping_numpy_state(name: str, fn: object, body: Callable[[Checker], None]) -> None:
    """``run_check``, then NumPy's global state put back: an answer that seeds NumPy must not
    move the notebook's later draws."""
    state = np.random.get_state()
    try:
        run_check(name, fn, body)
    finally:
        np.random.set_state(state)
