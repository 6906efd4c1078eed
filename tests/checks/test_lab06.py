"""Lab 06's self-check: make_pairs (the solution notebook's and labcode's make_symmetric_pairs
pass; the wrong answers change the notebook's make_pairs in one way each)."""

from __future__ import annotations

import pytest
import torch

from labcode import checks
from labcode.data import make_symmetric_pairs
from tests.conftest import assert_hint, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

make_pairs = solution_namespace(6, ["make_pairs"])["make_pairs"]


@pytest.mark.parametrize("fn", [make_pairs, make_symmetric_pairs], ids=["solution", "labcode"])
def test_check_make_pairs_passes_correct_answers(fn, capsys):
    out = verdict(checks.check_make_pairs, fn, capsys)
    assert out.startswith("✓ make_pairs: all"), out


def not_mirrored(N):
    X, y = make_pairs(N)
    return torch.stack([X[:, 0], X[:, 0]], dim=1), y


def one_quadrant(N):
    X, y = make_pairs(N)
    return X.abs() * torch.tensor([1.0, -1.0]).view(1, 2, 1), y


def norms_swapped(N):
    X, y = make_pairs(N)
    return X, 1 - y


def unbalanced(N):
    X, y = make_pairs(N)
    y[0] = 1 - y[0]
    return X, y


def accepts_odd_n(N):
    return make_pairs(N + N % 2)


@pytest.mark.parametrize("wrong,hint", [
    (not_mirrored, "minus the first"),
    (one_quadrant, "four quadrants"),
    (norms_swapped, "norm"),
    (unbalanced, "half"),
    (accepts_odd_n, "odd N"),
    (lambda N: (make_pairs(N)[0].double(), make_pairs(N)[1]), "float32"),
])
def test_check_make_pairs_catches_wrong_answers(wrong, hint, capsys):
    assert_hint(verdict(checks.check_make_pairs, wrong, capsys), "make_pairs", hint)
