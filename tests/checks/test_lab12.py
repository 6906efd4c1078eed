"""Lab 12's self-check: chamfer_loss, read from the solution notebook. The
reference passes; each wrong answer gets its own hint."""

from __future__ import annotations

import pytest

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(12, ["chamfer_loss"])
chamfer_loss = SOLUTION["chamfer_loss"]


def test_check_chamfer_loss_passes_the_solution(capsys):
    out = verdict(checks.check_chamfer_loss, chamfer_loss, capsys)
    assert out.startswith("✓ chamfer_loss: all"), out


def not_implemented(X):
    raise NotImplementedError("Exercise 12.1: implement chamfer_loss")


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
def test_check_chamfer_loss_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_chamfer_loss, wrong, capsys)
    assert_hint(out, "chamfer_loss", hint)


def test_check_chamfer_loss_says_not_implemented(capsys):
    assert_not_implemented(verdict(checks.check_chamfer_loss, not_implemented, capsys), "chamfer_loss")
