"""Lab 01's self-checks: the reference passes; each kind of wrong answer gets a specific hint."""

from __future__ import annotations

import numpy as np
import pytest

from labcode import checks, data
from labcode.data import create_test_dataset, create_train_dataset
from tests.conftest import solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(1, ["create_train_dataset", "create_test_dataset"])


@pytest.mark.parametrize("fn", [SOLUTION["create_train_dataset"], data.create_train_dataset],
                         ids=["solution", "labcode"])
def test_reference_train_passes(fn, capsys):
    out = verdict(checks.check_create_train_dataset, fn, capsys)
    assert out.startswith("✓ create_train_dataset: all"), out


@pytest.mark.parametrize("fn", [SOLUTION["create_test_dataset"], data.create_test_dataset],
                         ids=["solution", "labcode"])
def test_reference_test_passes(fn, capsys):
    out = verdict(checks.check_create_test_dataset, fn, capsys)
    assert out.startswith("✓ create_test_dataset: all"), out


def right_padded(n_train=100, max_train_card=10, max_digit=10, seed=None):
    X, y = create_train_dataset(n_train, max_train_card, max_digit, seed)
    return np.array([np.roll(r, -(r == 0).sum()) for r in X]), y


def float_dtype(n_train=100, max_train_card=10, max_digit=10, seed=None):
    X, y = create_train_dataset(n_train, max_train_card, max_digit, seed)
    return X.astype(float), y.astype(float)


def digits_from_zero(n_train=100, max_train_card=10, max_digit=10, seed=None):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, max_digit, size=(n_train, max_train_card))  # off by one: 0..9
    return X, X.sum(axis=1)


def unseeded(n_train=100, max_train_card=10, max_digit=10, seed=None):
    return create_train_dataset(n_train, max_train_card, max_digit, None)


def fixed_cardinality(n_train=100, max_train_card=10, max_digit=10, seed=None):
    rng = np.random.default_rng(seed)
    X = rng.integers(1, max_digit + 1, size=(n_train, max_train_card))
    return X, X.sum(axis=1)


def transposed(n_train=100, max_train_card=10, max_digit=10, seed=None):
    X, y = create_train_dataset(n_train, max_train_card, max_digit, seed)
    return X.T, y


def wrong_sums(n_train=100, max_train_card=10, max_digit=10, seed=None):
    X, y = create_train_dataset(n_train, max_train_card, max_digit, seed)
    return X, y + 1


def not_implemented(**kwargs):
    raise NotImplementedError()


def crashes(**kwargs):
    return [][1]


@pytest.mark.parametrize(
    "fn, hint",
    [
        (right_padded, "pad on the LEFT"),
        (float_dtype, "arrays of integers"),
        (digits_from_zero, "pad on the LEFT"),
        (unseeded, "same seed should give the same data"),
        (fixed_cardinality, "cardinalities should cover 1..10"),
        (transposed, "X should have shape (n_train, max_train_card)"),
        (wrong_sums, "y[i] should be the sum"),
        (not_implemented, "not implemented yet"),
        (crashes, "raised IndexError: list index out of range"),
        (42, "expected your function itself"),
    ],
)
def test_wrong_train_implementations_get_a_hint(fn, hint, capsys):
    out = verdict(checks.check_create_train_dataset, fn, capsys)
    assert out.startswith(("✗ create_train_dataset", "… create_train_dataset")), out
    assert hint in out, out


def padded_test(n_per_card=10, cardinalities=(5,), max_digit=10, seed=None):
    X_test, y_test = create_test_dataset(n_per_card, cardinalities, max_digit, seed)
    return [np.pad(X, ((0, 0), (2, 0))) for X in X_test], y_test


def tuple_of_arrays(n_per_card=10, cardinalities=(5,), max_digit=10, seed=None):
    X_test, y_test = create_test_dataset(n_per_card, cardinalities, max_digit, seed)
    return tuple(X_test), tuple(y_test)


def one_cardinality_missing(n_per_card=10, cardinalities=(5,), max_digit=10, seed=None):
    X_test, y_test = create_test_dataset(n_per_card, list(cardinalities)[:-1], max_digit, seed)
    return X_test, y_test


@pytest.mark.parametrize(
    "fn, hint",
    [
        (padded_test, "should have shape (n_per_card, cardinalities[i])"),
        (tuple_of_arrays, "should be Python lists"),
        (one_cardinality_missing, "one entry per cardinality"),
        (not_implemented, "not implemented yet"),
    ],
)
def test_wrong_test_implementations_get_a_hint(fn, hint, capsys):
    out = verdict(checks.check_create_test_dataset, fn, capsys)
    assert out.startswith(("✗ create_test_dataset", "… create_test_dataset")), out
    assert hint in out, out

