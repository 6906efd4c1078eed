"""Self-checks of Lab 04: permuted copies of a set, the invariance deviation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.checks.api import (
    Checker,
    CheckFailed,
    run_check,
)


def check_permuted_copies(permuted_copies: Callable[..., object]) -> None:
    """Self-check for Lab 04's ``permuted_copies``: x first, then uniform NumPy-drawn orders."""
    import torch

    def body(c: Checker) -> None:
        x = torch.arange(20, dtype=torch.float32).view(10, 2)  # 10 objects, 2 features each
        original = x.clone()
        np.random.seed(0)
        try:
            batch = permuted_copies(x, n_perms=5)
        except TypeError as error:
            if "numpy.ndarray" not in str(error):
                raise
            raise CheckFailed(
                f"permuted_copies raised TypeError: {error}. np.random.permutation(x) "
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
        # Uniformly random orders: 200 copies of 10 objects are (almost surely) 200 different
        # orders, and every object lands in every position about 20 times.
        many = permuted_copies(x, n_perms=200)[1:, :, 0].long() // 2  # object ids, (200, 10)
        orders = {tuple(row.tolist()) for row in many}
        shifts = {tuple(np.roll(np.arange(10), k)) for k in range(10)}
        c.expect(not orders <= shifts,
                 "your copies are cyclic shifts of x (like np.roll or torch.roll): a random "
                 "permutation can put the objects in any order, not only rotate them. Use "
                 "order = np.random.permutation(len(x)).")
        where = np.stack([(many == k).sum(dim=0).numpy() for k in range(10)])  # object, place
        c.expect(len(orders) >= 150 and where.min() >= 5 and where.max() <= 45,
                 "the orders are not uniformly random permutations: in 200 copies "
                 f"you made {len(orders)} different orders, and an object took one position "
                 f"between {where.min()} and {where.max()} times (about 20 expected). Draw "
                 "each order with np.random.permutation(len(x)).")

    state = np.random.get_state()
    try:
        with torch.random.fork_rng():  # torch.rand below: not the notebook's draws
            torch.manual_seed(0)
            run_check("permuted_copies", permuted_copies, body)
    finally:
        np.random.set_state(state)




def check_invariance_deviation(invariance_deviation: Callable[..., object]) -> None:
    """Self-check for Lab 04's ``invariance_deviation``: the max |f change| over per-set orders."""
    import numbers

    import torch

    n, batch = 8, 4
    # set i holds the elements (j, i, 5j mod 8) for j = 0..7, in increasing order of j
    j = torch.arange(n).float()
    X = torch.stack([torch.stack([j, torch.full((n,), float(i)), (5 * j) % n], 1)
                     for i in range(batch)])

    def sensitive(Y: torch.Tensor) -> torch.Tensor:
        """(batch, 2): 10 and 5, but column 1 drops to 2 where set 2 is out of its order."""
        unsorted = (Y[:, 1:, 0] < Y[:, :-1, 0]).any(dim=1).float()
        out = torch.full((Y.shape[0], 2), 10.0)
        out[:, 1] = 5.0 - 3.0 * unsorted * (Y[:, 0, 1] == 2)
        return out

    def call(f: Callable[..., object], Y: torch.Tensor, n_perms: int) -> float:
        given = Y.clone()
        out = invariance_deviation(f, given, n_perms)
        if not torch.equal(given, Y):
            raise CheckFailed(
                "invariance_deviation changed X, the caller's tensor: build each "
                "reordering as a new tensor (X[i, order], X.gather(...)) and never "
                "assign into X (X[:] = ..., X.copy_(...)); the notebook uses X again.")
        if isinstance(out, torch.Tensor):
            raise CheckFailed(
                "return a Python float (use float(...) or .item()), not a tensor; got "
                f"a tensor of shape {tuple(out.shape)}.")
        if not isinstance(out, numbers.Real):
            raise CheckFailed(f"return one number, the largest change; got {type(out).__name__}.")
        if not isinstance(out, (float, int)) or isinstance(out, bool):
            raise CheckFailed(f"return a Python float (use float(...) or .item()), not a NumPy "
                              f"{type(out).__name__}.")
        return float(out)

    def orders_seen(n_perms: int) -> list[tuple[int, ...]]:
        """The orders of the reordered sets f was given, in the order f saw them."""
        calls: list[torch.Tensor] = []

        def recorder(Y: torch.Tensor) -> torch.Tensor:
            calls.append(Y.detach().clone())
            return Y.sum(dim=1)

        call(recorder, X, n_perms)
        rows = torch.cat(calls)
        moved = rows[~(rows == X[rows[:, 0, 1].long()]).all(dim=(1, 2))]
        return [tuple(o) for o in moved[:, :, 0].long().tolist()]

    def body(c: Checker) -> None:
        summed = call(lambda Y: Y.sum(dim=1), X, 5)
        size = float(X.sum(dim=1).abs().max())
        c.expect(summed <= 1e-5,
                 "subtract f(X): the deviation is |f(reordered) - f(X)|, not the size of f's "
                 "output." if abs(summed - size) < 1e-4 else
                 f"f = sum over the elements is invariant, but you report a change of "
                 f"{summed:.3g}: reorder the elements WITHIN each set (dim=1), not the sets of "
                 "the batch (dim=0) or the features (dim=2).")
        paired = call(lambda Y: (Y[..., 0] * Y[..., 2]).sum(dim=1, keepdim=True), X, 5)
        c.expect(paired <= 1e-5,
                 "an element's features were separated: f = sum_j x_j0 * x_j2 does not "
                 "depend on the order of whole elements, yet it changed. Move whole elements "
                 "(rows), one permutation for all the features: Y[i] = X[i, order].")
        worst = call(sensitive, X, 5)
        hints = {0.0: "f changes by -3 when set 2 is reordered, but you report 0: take the "
                      "absolute value of the change, |f(reordered) - f(X)|, before the max.",
                 -3.0: "take the absolute value of the change, |f(reordered) - f(X)|.",
                 10.0: "subtract f(X): the deviation is |f(reordered) - f(X)|, not the size "
                       "of f's output.",
                 3.0 / batch: "return the LARGEST change over all sets and outputs (max), "
                              "not a mean.",
                 3.0 / (2 * batch): "return the LARGEST change over all sets and outputs "
                                    "(max), not a mean."}
        hint = next((h for v, h in hints.items() if abs(worst - v) < 1e-6),
                    f"f changes by exactly 3 when set 2 is reordered; you report {worst:.3g}.")
        c.expect(abs(worst - 3.0) < 1e-6, hint)
        once = call(sensitive, X, 1)
        c.expect(abs(once - 3.0) < 1e-6,
                 f"with n_perms=1 you report {once:.3g}, but one reordering of set 2 changes f "
                 "by 3: reorder exactly n_perms times, for _ in range(n_perms).")
        outputs: list[float] = []

        def escalating(Y: torch.Tensor) -> torch.Tensor:
            """0 for a set in its own order; 10 + (the number of calls so far) for a set
            reordered: the deviation is the largest output f ever gave."""
            moved = ~(X[Y[:, 0, 1].long()] == Y).all(dim=(1, 2))
            out = (moved * (10.0 + len(outputs))).unsqueeze(1)
            outputs.append(float(out.max()))
            return out

        climbed = call(escalating, X, 5)
        c.expect(abs(climbed - max(outputs)) < 1e-6,
                 "compare every reordering with f(X), the output for the ORIGINAL order "
                 "(computed once, before the loop), not with the previous reordering: the "
                 "deviation is the largest |f(X reordered) - f(X)|; you report "
                 f"{climbed:.3g} where it is {max(outputs):.3g}.")
        calls: list[torch.Tensor] = []

        def recorder(Y: torch.Tensor) -> torch.Tensor:
            calls.append(Y.detach().clone())
            return Y.sum(dim=1)

        call(recorder, X, 5)
        rows = torch.cat(calls)  # every set f was given, reordered or not
        ids = rows[:, 0, 1].long()
        moved = rows[~(rows == X[ids]).all(dim=(1, 2))]
        per_set = [int((moved[:, 0, 1] == i).sum()) for i in range(batch)]
        c.expect(all(k in (4, 5) for k in per_set),
                 f"with n_perms=5 every set should be reordered 5 times; f saw {per_set} "
                 "reordered copies of the 4 sets.")
        orders = moved[:, :, 0].long()
        by_set = [{tuple(o.tolist()) for o in orders[moved[:, 0, 1] == i]} for i in range(batch)]
        c.expect(len(set().union(*by_set)) > 5,
                 "the sets did not each get their own random orders: draw a new permutation "
                 "for every set and every reordering (torch.rand(batch, n).argsort(dim=1), or "
                 "torch.randperm(n) per set).")
        weights = torch.arange(1.0, n + 1)

        def weighted(Y: torch.Tensor) -> torch.Tensor:
            return (Y[..., 0] * weights).sum(dim=1)

        state = np.random.get_state()
        torch.manual_seed(1)
        first = call(weighted, X, 3)
        torch.manual_seed(1)
        again = call(weighted, X, 3)
        np.random.set_state(state)
        c.expect(first == again,
                 "after the same torch.manual_seed the result changed: draw the orders with "
                 "torch (torch.randperm, or torch.rand(...).argsort), not NumPy, so that "
                 "seed_everything makes it reproducible.")
        # 50 reorderings of 4 sets of 8: 200 (almost surely) different orders, each element
        # about 25 times in each place
        orders = orders_seen(50)
        shifts = {tuple(np.roll(np.arange(n), k)) for k in range(n)}
        c.expect(not set(orders) <= shifts,
                 "your reorderings are cyclic shifts (like torch.roll): a random permutation "
                 "can put the elements in any order, not only rotate them. Draw a random order "
                 "per set, torch.rand(batch, n).argsort(dim=1) or torch.randperm(n).")
        where = np.stack([(np.array(orders) == k).sum(axis=0) for k in range(n)])
        c.expect(len(set(orders)) >= 150 and where.min() >= 5 and where.max() <= 50,
                 f"the orders are not uniformly random permutations: 50 reorderings of 4 sets "
                 f"gave {len(set(orders))} different orders (about 200 expected), and an "
                 f"element took one place between {where.min()} and {where.max()} times (about "
                 "25 expected). Draw each order with torch.randperm(n) or "
                 "torch.rand(batch, n).argsort(dim=1).")
        fixed = ("don't seed inside invariance_deviation (no torch.manual_seed, no seeded "
                 "torch.Generator there): draw from torch's global generator, which the notebook "
                 "seeds once with seed_everything.")
        torch.manual_seed(1)
        from_1 = orders_seen(3)
        torch.manual_seed(2)
        c.expect(orders_seen(3) != from_1,
                 "after torch.manual_seed(1) and after torch.manual_seed(2) you drew the same "
                 "orders: " + fixed)
        torch.manual_seed(3)
        c.expect(orders_seen(3) != orders_seen(3),
                 "two calls in a row drew the same orders: " + fixed)
        torch.manual_seed(1)
        orders_seen(3)
        after_1 = torch.rand(4)
        torch.manual_seed(2)
        orders_seen(3)
        c.expect(not torch.equal(torch.rand(4), after_1),
                 "invariance_deviation reset torch's global random state (a torch.manual_seed "
                 "inside it): every later draw of the notebook would repeat. " + fixed)

    state = np.random.get_state()
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            run_check("invariance_deviation", invariance_deviation, body)
    finally:
        np.random.set_state(state)
