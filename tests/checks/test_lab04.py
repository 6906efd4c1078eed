"""Lab 04's self-check: permuted_copies (the solution notebook's passes; mistakes get a hint)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labcode import checks
from tests.conftest import assert_hint, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

permuted_copies = solution_namespace(4, ["permuted_copies"])["permuted_copies"]


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


def one_order_for_all(x, n_perms=3):
    order = np.random.permutation(len(x))
    return torch.stack([x] + [x[order] for _ in range(n_perms)])


def shuffles_features(x, n_perms=3):
    return torch.stack([x] + [x[:, np.random.permutation(x.shape[1])] for _ in range(n_perms)])


def permutes_the_tensor(x, n_perms=3):
    return torch.stack([x] + [np.random.permutation(x) for _ in range(n_perms)])


def shuffles_x_in_place(x, n_perms=3):
    copies = [x.clone()]
    for _ in range(n_perms):
        x[:] = x[np.random.permutation(len(x))]
        copies.append(x.clone())
    return torch.stack(copies)


def concatenates(x, n_perms=3):
    return torch.cat([x] + [x[np.random.permutation(len(x))] for _ in range(n_perms)])


def test_correct_answer_passes(capsys):
    out = verdict(checks.check_permuted_copies, permuted_copies, capsys)
    assert out.startswith("✓ permuted_copies: all 9 checks passed"), out


@pytest.mark.parametrize("fn, hint", [
    (torch_orders, "np.random.permutation"),
    (features_shuffled_apart, "whole rows"),
    (without_original, "(6, 10, 2)"),
    (as_list, "torch.stack"),
    (fixed_count, "(6, 10, 2)"),
    (one_order_for_all, "once per copy"),
    (shuffles_features, "whole rows moved together"),
    (permutes_the_tensor, "draw the ORDER"),
    (shuffles_x_in_place, "never assign into x"),
    (concatenates, "torch.stack puts them along a new first dimension"),
])
def test_wrong_answers_get_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_permuted_copies, fn, capsys), "permuted_copies", hint)


def test_the_check_restores_numpy_random_state(capsys):
    np.random.seed(3)
    expected = np.random.rand(2)
    np.random.seed(3)
    checks.check_permuted_copies(permuted_copies)
    assert np.array_equal(np.random.rand(2), expected)
