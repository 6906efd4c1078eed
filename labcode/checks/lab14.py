"""Self-checks of Lab 14: pairwise pooling."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks.api import Checker, raises_value_error, run_check, tensor_output_hint


def _pairs_reduced(psi: Callable[..., object], x: object, pairs: list[tuple[int, int]],
                   reduce: str) -> object:
    """``reduce`` of ``psi([x_i, x_j])`` over ``pairs``, one pair at a time (the contract)."""
    import torch

    h = torch.stack([psi(torch.cat([x[:, i], x[:, j]], dim=-1)) for i, j in pairs], dim=1)
    return h.sum(dim=1) if reduce == "sum" else h.max(dim=1).values


def check_pairwise_pool(pairwise_pool: Callable[..., object]) -> None:
    """Self-check for Lab 14's ``pairwise_pool(psi, x, reduce)``: shape and dtype, the order
    of the elements, every ordered pair of distinct elements (and no element with itself),
    sum and max, two elements, and one."""
    import torch

    from labcode.symmetry import invariance_deviation

    def body(c: Checker) -> None:
        with torch.random.fork_rng():  # the check's draws leave the notebook's untouched
            torch.manual_seed(0)
            x = torch.randn(3, 5, 2, dtype=torch.float64)
            w = torch.randn(4, 3, dtype=torch.float64)
        before = x.clone()

        def psi(pair):  # not symmetric: psi(a, b) != psi(b, a)
            return torch.tanh(pair @ w)

        out = pairwise_pool(psi, x, "sum")
        c.expect(torch.equal(x, before), "do not change x in place.")
        problem = tensor_output_hint(out, "pairwise_pool(psi, x) for x of shape (3, 5, 2)",
                                     (3, 3), x.dtype, "Apply psi to the pairs, then sum over "
                                     "the pairs: one row of psi's features per set.")
        c.expect(problem is None, problem)
        scale = float(out.abs().max()) + 1e-12
        dev = invariance_deviation(lambda s: pairwise_pool(psi, s, "sum"), x, n_perms=20,
                                   seed=0)
        c.expect(dev <= 1e-9 * scale,
                 "reordering the elements changes the result: use both orders of every pair, "
                 "(x_i, x_j) and (x_j, x_i), so that the result does not depend on which "
                 "element comes first.")
        n = x.shape[1]
        distinct = [(i, j) for i in range(n) for j in range(n) if i != j]
        expected = _pairs_reduced(psi, x, distinct, "sum")

        def differ(p):  # zero on a pair of an element with itself
            return (p[..., :2] - p[..., 2:]).abs()

        gaps = pairwise_pool(differ, x, "sum")
        c.expect(not torch.allclose(gaps, torch.zeros_like(gaps)),
                 "psi never sees two different elements: pair x_i with every x_j, j != i, "
                 "not with itself.")
        with_self = _pairs_reduced(psi, x, distinct + [(i, i) for i in range(n)], "sum")
        c.expect(not torch.allclose(out, with_self, rtol=1e-6, atol=1e-9 * scale),
                 "leave out the pairs of an element with itself (i = j): the pairs are the "
                 "n (n - 1) ordered pairs of two different elements.")
        c.expect(torch.allclose(out, expected, rtol=1e-6, atol=1e-9 * scale),
                 "the sum over the pairs is not the sum of psi([x_i, x_j]) over all i != j: "
                 "concatenate x_i then x_j along the last dimension, apply psi, and sum over "
                 "the n (n - 1) pairs.")
        top = pairwise_pool(psi, x, "max")
        problem = tensor_output_hint(top, "pairwise_pool(psi, x, 'max')", (3, 3), x.dtype,
                                     "Take the maximum over the pairs, feature by feature.")
        c.expect(problem is None, problem)
        c.expect(torch.allclose(top, _pairs_reduced(psi, x, distinct, "max"), rtol=1e-6,
                                atol=1e-9 * scale),
                 "reduce='max' should give the largest psi([x_i, x_j]) over the pairs "
                 "i != j, feature by feature (.max(dim=...).values).")
        two = x[:, :2]
        c.expect(torch.allclose(pairwise_pool(psi, two, "sum"),
                                psi(torch.cat([two[:, 0], two[:, 1]], -1))
                                + psi(torch.cat([two[:, 1], two[:, 0]], -1))),
                 "a set of two elements a, b should give psi([a, b]) + psi([b, a]).")
        c.expect(raises_value_error(pairwise_pool, psi, x[:, :1], "sum"),
                 "a set of one element has no pair: raise a ValueError when x has fewer "
                 "than 2 elements.")

    run_check("pairwise_pool", pairwise_pool, body)
