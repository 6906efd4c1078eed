"""Lab 14's self-check: pairwise_pool, read from the solution notebook. The reference passes,
and so do other correct methods; each wrong answer gets its own hint."""

from __future__ import annotations

import pytest
import torch

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(14, ["pairwise_pool"])
pairwise_pool = SOLUTION["pairwise_pool"]


def _reduce(h, reduce):
    return h.sum(dim=1) if reduce == "sum" else h.max(dim=1).values


def loops(psi, x, reduce="sum"):
    """A correct answer with Python loops over the pairs."""
    n = x.shape[1]
    if n < 2:
        raise ValueError("need two elements")
    h = [psi(torch.cat([x[:, i], x[:, j]], -1)) for i in range(n) for j in range(n) if i != j]
    return _reduce(torch.stack(h, dim=1), reduce)


def broadcast(psi, x, reduce="sum"):
    """A correct answer that applies psi to the (n, n) grid and masks the diagonal."""
    b, n, d = x.shape
    if n < 2:
        raise ValueError("need two elements")
    grid = torch.cat([x[:, :, None].expand(b, n, n, d), x[:, None].expand(b, n, n, d)], -1)
    h = psi(grid)
    off = ~torch.eye(n, dtype=torch.bool)
    return _reduce(h[:, off], reduce)


def upper_both_orders(psi, x, reduce="sum"):
    """A correct answer from torch.triu_indices, each unordered pair in both orders."""
    n = x.shape[1]
    if n < 2:
        raise ValueError("need two elements")
    i, j = torch.triu_indices(n, n, offset=1)
    h = torch.cat([psi(torch.cat([x[:, i], x[:, j]], -1)),
                   psi(torch.cat([x[:, j], x[:, i]], -1))], dim=1)
    return _reduce(h, reduce)


@pytest.mark.parametrize("answer", [pairwise_pool, loops, broadcast, upper_both_orders])
def test_check_pairwise_pool_passes_correct_answers(answer, capsys):
    out = verdict(checks.check_pairwise_pool, answer, capsys)
    assert out.startswith("✓ pairwise_pool: all"), out


def not_implemented(psi, x, reduce="sum"):
    raise NotImplementedError("Exercise 14.1: implement pairwise_pool")


def with_self(psi, x, reduce="sum"):
    """Every ordered pair, i = j included."""
    n = x.shape[1]
    if n < 2:
        raise ValueError("need two elements")
    h = [psi(torch.cat([x[:, i], x[:, j]], -1)) for i in range(n) for j in range(n)]
    return _reduce(torch.stack(h, dim=1), reduce)


def only_self(psi, x, reduce="sum"):
    """psi(x_i, x_i): a sum of per-element terms, blind to pairs."""
    if x.shape[1] < 2:
        raise ValueError("need two elements")
    return _reduce(psi(torch.cat([x, x], -1)), reduce)


def one_order(psi, x, reduce="sum"):
    """Each unordered pair once, as (x_i, x_j) with i < j: depends on the order."""
    n = x.shape[1]
    if n < 2:
        raise ValueError("need two elements")
    i, j = torch.triu_indices(n, n, offset=1)
    return _reduce(psi(torch.cat([x[:, i], x[:, j]], -1)), reduce)


def sum_always(psi, x, reduce="sum"):
    """Ignores reduce."""
    return loops(psi, x, "sum")


def no_error_for_one(psi, x, reduce="sum"):
    """Returns zeros for a set of one element instead of refusing it."""
    if x.shape[1] < 2:
        return torch.zeros(x.shape[0], 3, dtype=x.dtype)
    return loops(psi, x, reduce)


def keepdim(psi, x, reduce="sum"):
    return loops(psi, x, reduce).unsqueeze(1)


def float32(psi, x, reduce="sum"):
    return loops(psi, x, reduce).float()


def in_place(psi, x, reduce="sum"):
    out = loops(psi, x, reduce)
    x.mul_(1.0)
    x[0, 0, 0] += 1.0
    return out


def mean_pairs(psi, x, reduce="sum"):
    out = loops(psi, x, reduce)
    n = x.shape[1]
    return out / (n * (n - 1)) if reduce == "sum" else out


@pytest.mark.parametrize("wrong, hint", [
    (with_self, "leave out the pairs of an element with itself"),
    (only_self, "psi never sees two different elements"),
    (one_order, "use both orders of every pair"),
    (sum_always, "reduce='max' should give the largest"),
    (no_error_for_one, "raise a ValueError"),
    (keepdim, "drop the extra dimension"),
    (float32, "dtype of its input"),
    (in_place, "do not change x in place"),
    (mean_pairs, "is not the sum of psi"),
    (lambda psi, x, reduce="sum": None, "forget the `return`"),
])
def test_check_pairwise_pool_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_pairwise_pool, wrong, capsys)
    assert_hint(out, "pairwise_pool", hint)


def test_check_pairwise_pool_says_not_implemented(capsys):
    assert_not_implemented(verdict(checks.check_pairwise_pool, not_implemented, capsys),
                           "pairwise_pool")
