"""Lab 07's self-check: pool (the solution notebook's and labcode's pass; each typical mistake
in mean or max pooling gets a "✗" verdict naming the problem)."""

from __future__ import annotations

import pytest

from labcode import checks
from labcode.pooling import pool as library_pool
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

pool = solution_namespace(7, ["pool"])["pool"]


def pool_with(how, wrong):
    """The notebook's pool with ``wrong(h, mask, m)`` in place of one pooling."""
    def student(h, how_, mask):
        return wrong(h, mask, mask.unsqueeze(-1)) if how_ == how else pool(h, how_, mask)
    return student


def pool_unfinished(h, how, mask):
    if how == "sum":
        return pool(h, how, mask)
    raise NotImplementedError("pool: mean and max")


def test_correct_pool_passes(capsys):
    assert verdict(checks.check_pool, pool, capsys).startswith("✓ pool: all 6 checks passed")


def test_library_pool_passes(capsys):
    out = verdict(checks.check_pool, library_pool, capsys)
    assert out.startswith("✓ pool: all 6 checks passed"), out


@pytest.mark.parametrize("student, hint", [
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1) / h.shape[1]), "not by n = h.shape[1]"),
    (pool_with("mean", lambda h, mask, m: h.mean(1)), "the padding is averaged in"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1) / mask.sum()),
     "m.sum() counts the elements of the whole batch"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1) / mask.sum(1)),
     "mask.sum(dim=1, keepdim=True)"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1, keepdim=True) / m.sum(1, keepdim=True)),
     "drop the extra dimension of size 1"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1).double() / m.sum(1)),
     "got torch.float64"),
    (pool_with("max", lambda h, mask, m: (h * m).max(1).values), "padding set to 0 wins the max"),
    (pool_with("max", lambda h, mask, m: h.max(1).values), "the padding takes part in the max"),
    (pool_with("max", lambda h, mask, m: h.masked_fill(~m, float("-inf")).max(1)),
     "take its `.values`"),
    (pool_with("max", lambda h, mask, m: None), "did you forget the `return`?"),
    # labcode's pool, misused: the mask forgotten; zero padding in the max
    (lambda h, how, m: library_pool(h, how), "REAL elements"),
    (lambda h, how, m: library_pool(h * m.unsqueeze(-1), how) if how == "max"
     else library_pool(h, how, m), "-inf"),
])
def test_wrong_pool_gets_a_hint(student, hint, capsys):
    assert_hint(verdict(checks.check_pool, student, capsys), "pool", hint)


def test_unfinished_pool_is_not_implemented_yet(capsys):
    assert_not_implemented(verdict(checks.check_pool, pool_unfinished, capsys), "pool")
