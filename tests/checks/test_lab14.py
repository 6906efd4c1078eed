"""Lab 14's self-check: sum_pool, read from the solution notebook. The
reference passes; each wrong answer gets its own hint."""

from __future__ import annotations

import pytest

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(14, ["sum_pool"])
sum_pool = SOLUTION["sum_pool"]


def test_check_sum_pool_passes_the_solution(capsys):
    out = verdict(checks.check_sum_pool, sum_pool, capsys)
    assert out.startswith("✓ sum_pool: all"), out


def not_implemented(X):
    raise NotImplementedError("Exercise 14.1: implement sum_pool")


@pytest.mark.parametrize("wrong, hint", [
    (lambda X: X.mean(dim=1), "sum the elements"),
    (lambda X: X.max(dim=1).values, "sum the elements"),
    (lambda X: X.max(dim=1), "take its `.values`"),
    (lambda X: X.sum(dim=2), "Sum over the elements, dim=1"),
    (lambda X: X.sum(dim=1, keepdim=True), "drop the extra dimension"),
    (lambda X: X.sum(dim=1).float(), "dtype of its input"),
    (lambda X: X.sum(dim=1) + 1.0, "should pool to that element"),
    (lambda X: X[:, 0], "sum the elements"),
])
def test_check_sum_pool_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_sum_pool, wrong, capsys)
    assert_hint(out, "sum_pool", hint)


def test_check_sum_pool_says_not_implemented(capsys):
    assert_not_implemented(verdict(checks.check_sum_pool, not_implemented, capsys), "sum_pool")
