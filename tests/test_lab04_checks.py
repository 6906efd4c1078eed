"""Lab 04's self-check: permuted_copies."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labcode import checks


def permuted_copies(x, n_perms=3):
    orders = [np.random.permutation(len(x)) for _ in range(n_perms)]
    return torch.stack([x] + [x[torch.as_tensor(order)] for order in orders])


def torch_orders(x, n_perms=3):
    return torch.stack([x] + [x[torch.randperm(len(x))] for _ in range(n_perms)])


def features_shuffled_apart(x, n_perms=3):
    copies = [x]
    for _ in range(n_perms):
        columns = [x[np.random.permutation(len(x)), j] for j in range(x.shape[1])]
        copies.append(torch.stack(columns, dim=1))
    return torch.stack(copies)


def without_original(x, n_perms=3):
    return permuted_copies(x, n_perms)[1:]


def as_list(x, n_perms=3):
    return list(permuted_copies(x, n_perms))


def fixed_count(x, n_perms=3):
    return permuted_copies(x, 3)


def verdict(fn, capsys):
    assert checks.check_permuted_copies(fn) is None
    out = capsys.readouterr().out
    assert "Traceback" not in out and out.count("\n") <= 2
    return out


def test_correct_answer_passes(capsys):
    assert verdict(permuted_copies, capsys).startswith("✓ permuted_copies: all")


@pytest.mark.parametrize("fn, hint", [
    (torch_orders, "np.random.permutation"),
    (features_shuffled_apart, "whole rows"),
    (without_original, "(6, 10, 2)"),
    (as_list, "torch.stack"),
    (fixed_count, "(6, 10, 2)"),
])
def test_wrong_answers_get_a_hint(fn, hint, capsys):
    out = verdict(fn, capsys)
    assert out.startswith("✗ permuted_copies") and hint in out, out


def test_the_check_restores_numpy_random_state(capsys):
    np.random.seed(3)
    expected = np.random.rand(2)
    np.random.seed(3)
    checks.check_permuted_copies(permuted_copies)
    assert np.array_equal(np.random.rand(2), expected)
