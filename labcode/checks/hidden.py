"""Hidden tests: second, stronger self-checks that run only when a notebook is graded.

``make grade`` (``labcode/authoring/grading.py``, ``HIDDEN_TESTS``) appends a call to one of
these to a lab's test cell, between nbgrader's ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``: the student notebook never shows it, the grader runs it. Each tests
the same contract as the lab's own check on other data and other sizes, so that an answer that
fits the visible check's sizes only (a hard-coded shape, a constant) loses the exercise. They
print and raise like every check (``run_check``), and need nothing a notebook does not have.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.checks.api import Checker, is_int_array, run_check


def check_create_train_dataset_sizes(create_train_dataset: Callable[..., object]) -> None:
    """Lab 01's ``create_train_dataset`` on other sizes: 25 elements, digits 1..3."""

    def body(c: Checker) -> None:
        n, m, d = 3000, 25, 3
        X, y = create_train_dataset(n_train=n, max_train_card=m, max_digit=d, seed=7)
        c.expect(is_int_array(X) and is_int_array(y), "X and y should be integer arrays.")
        c.expect(X.shape == (n, m) and y.shape == (n,),
                 f"with n_train={n}, max_train_card={m}: X {(n, m)}, y {(n,)}; "
                 f"got {X.shape}, {y.shape}.")
        present = X != 0
        c.expect(X.min() >= 0 and X.max() <= d, f"digits should be in 1..{d} (max_digit={d}).")
        c.expect(np.all(present[:, 1:] >= present[:, :-1]), "pad on the left.")
        cards = present.sum(axis=1)
        c.expect(set(np.unique(cards)) == set(range(1, m + 1)),
                 f"cardinalities should cover 1..{m}.")
        c.expect(np.array_equal(y, X.sum(axis=1)), "y should hold the sums of the rows.")
        X1, _ = create_train_dataset(n_train=1, max_train_card=1, max_digit=1, seed=0)
        c.expect(np.array_equal(X1, [[1]]), "one set of one digit in 1..1 is [[1]].")

    run_check("create_train_dataset (other sizes)", create_train_dataset, body)


def check_create_test_dataset_sizes(create_test_dataset: Callable[..., object]) -> None:
    """Lab 01's ``create_test_dataset`` on other sizes, and its default arguments."""

    def body(c: Checker) -> None:
        cards = [1, 2, 64]
        X_test, y_test = create_test_dataset(n_per_card=50, cardinalities=cards, max_digit=2,
                                             seed=3)
        c.expect([X.shape for X in X_test] == [(50, k) for k in cards],
                 "X_test[i] should have shape (n_per_card, cardinalities[i]).")
        c.expect(all(X.min() >= 1 and X.max() <= 2 for X in X_test), "digits in 1..max_digit.")
        c.expect(all(np.array_equal(y, X.sum(axis=1)) for X, y in zip(X_test, y_test,
                                                                       strict=True)),
                 "y_test[i] should hold the sums of X_test[i].")
        X_default, _ = create_test_dataset(n_per_card=10, seed=0)
        c.expect([X.shape[1] for X in X_default] == list(range(5, 101, 5)),
                 "the default cardinalities are 5, 10, ..., 100.")

    run_check("create_test_dataset (other sizes)", create_test_dataset, body)


def check_pool_sizes(pool: Callable[..., object]) -> None:
    """Lab 07's ``pool`` on other sizes and random masks, against a per-set computation."""
    import torch

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(11)
            h = torch.randn(7, 11, 5, dtype=torch.float64) - 1.0
            mask = torch.rand(7, 11) < 0.4
        mask[:, 4] = True  # at least one real element per set
        real = [h[i][mask[i]] for i in range(7)]
        for how, expected in (("sum", [r.sum(0) for r in real]),
                              ("mean", [r.mean(0) for r in real]),
                              ("max", [r.max(0).values for r in real])):
            out = pool(h, how, mask)
            c.expect(isinstance(out, torch.Tensor) and tuple(out.shape) == (7, 5),
                     f"pool(h, {how!r}, mask) should have shape (batch, features) = (7, 5).")
            c.expect(out.dtype == h.dtype, f"pool(h, {how!r}, mask) should keep h's dtype.")
            c.expect(torch.allclose(out, torch.stack(expected), atol=1e-9),
                     f"{how} pooling is wrong on other sizes and masks.")

    run_check("pool (other sizes)", pool, body)
