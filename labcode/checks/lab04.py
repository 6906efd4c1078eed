"""Self-checks of Lab 04: permuted copies of a set."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.checks._common import (
    _Checker,
    _Fail,
    _run,
)


def check_permuted_copies(permuted_copies: Callable[..., object]) -> None:
    """Self-check for Lab 04's ``permuted_copies(x, n_perms=3)``."""
    import torch

    def body(c: _Checker) -> None:
        x = torch.arange(20, dtype=torch.float32).view(10, 2)  # 10 objects, 2 features each
        original = x.clone()
        np.random.seed(0)
        try:
            batch = permuted_copies(x, n_perms=5)
        except TypeError as error:
            if "numpy.ndarray" not in str(error):
                raise
            raise _Fail(f"permuted_copies raised TypeError: {error}. np.random.permutation(x) "
                        "returns a NumPy array: draw the ORDER, order = "
                        "np.random.permutation(len(x)), and index the tensor with it, "
                        "x[order].") from None
        c.expect(isinstance(batch, torch.Tensor),
                 f"return one tensor (use torch.stack); got {type(batch).__name__}.")
        c.expect(tuple(batch.shape) == (6, 10, 2),
                 "for x of shape (10, 2) and n_perms=5 the batch should have shape "
                 f"(n_perms + 1, 10, 2) = (6, 10, 2); got {tuple(batch.shape)}."
                 + (" torch.cat joined the copies along the objects: torch.stack puts them "
                    "along a new first dimension." if tuple(batch.shape) == (60, 2) else ""))
        c.expect(batch.dtype == x.dtype, f"keep x's dtype ({x.dtype}); got {batch.dtype}.")
        untouched = torch.equal(x, original)
        c.expect(untouched and torch.equal(batch[0], x),
                 "batch[0] should be x itself, in its own order." if untouched else
                 "permuted_copies changed x itself: build the copies by indexing, x[order], "
                 "and never assign into x.")
        c.expect(all(torch.equal(row[row[:, 0].argsort()], x) for row in batch),
                 "each copy should hold the same objects as x, whole rows moved together: "
                 "index x with a permutation of its rows, x[order].")
        reordered = all(not torch.equal(row, x) for row in batch[1:])
        distinct = len({tuple(row.flatten().tolist()) for row in batch[1:]}) > 1
        c.expect(reordered and distinct,
                 "copies 1.. should be reordered: use np.random.permutation(len(x))."
                 if not reordered else
                 "every copy should get its own random order: call np.random.permutation "
                 "once per copy (yours are all the same).")
        np.random.seed(0)
        again = permuted_copies(x, n_perms=5)
        c.expect(torch.equal(batch, again),
                 "draw the orders with np.random.permutation, so that np.random.seed (or "
                 "seed_everything) makes them reproducible.")
        c.expect(not torch.equal(batch, permuted_copies(x, n_perms=5)),
                 "two calls should give different random orders.")
        single = permuted_copies(torch.rand(7, 1), n_perms=3)
        c.expect(tuple(single.shape) == (4, 7, 1),
                 "use the arguments: a set of 7 objects with n_perms=3 should give shape "
                 f"(4, 7, 1); got {tuple(single.shape)}.")

    state = np.random.get_state()
    try:
        _run("permuted_copies", permuted_copies, body)
    finally:
        np.random.set_state(state)


# --- Labs 07-08: pooling and mini-batch consistency ---
