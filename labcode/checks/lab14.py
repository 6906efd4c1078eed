"""Self-checks of Lab 14: When elements must interact."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks.api import Checker, run_check, tensor_output_hint


def check_sum_pool(sum_pool: Callable[..., object]) -> None:
    """Self-check for Lab 14's ``sum_pool(X)``: shape and dtype, the order of the elements,
    one-element sets, and two sets put together."""
    import torch

    def body(c: Checker) -> None:
        with torch.random.fork_rng():  # the check's draws leave the notebook's untouched
            torch.manual_seed(0)
            X = torch.rand(4, 5, 3, dtype=torch.float64)
            order = torch.randperm(5)
        before = X.clone()
        out = sum_pool(X)
        c.expect(torch.equal(X, before), "do not change X in place.")
        problem = tensor_output_hint(out, "sum_pool(X) for X of shape (4, 5, 3)", (4, 3),
                                     X.dtype, "Sum over the elements, dim=1.")
        c.expect(problem is None, problem)
        c.expect(torch.allclose(sum_pool(X[:, order]), out),
                 "the result should not depend on the order of the elements.")
        c.expect(torch.allclose(sum_pool(X[:, :1]), X[:, 0]),
                 "a set of one element should pool to that element.")
        c.expect(torch.allclose(sum_pool(X[:, :2]) + sum_pool(X[:, 2:]), out),
                 "two sets put together should pool to the sum of their pooled values: "
                 "sum the elements (a mean or a maximum does not add up).")

    run_check("sum_pool", sum_pool, body)
