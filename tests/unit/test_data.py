"""The digit-sum data contract (seed Lab 8, Tasks 1-2)."""

from __future__ import annotations

import numpy as np
import pytest

from labcode.digits import (
    TEST_CARDINALITIES,
    cardinalities_of,
    create_test_dataset,
    create_train_dataset,
)


@pytest.fixture(scope="module")
def train():
    return create_train_dataset(seed=0)


@pytest.fixture(scope="module")
def test_sets():
    return create_test_dataset(seed=1)


def test_train_sizes_and_dtypes(train):
    X, y = train
    assert X.shape == (100_000, 10) and y.shape == (100_000,)
    assert X.dtype == np.int64 and y.dtype == np.int64


def test_train_padding_only_on_the_left(train):
    X, _ = train
    present = X != 0
    # once a digit appears in a row, no zero follows it
    assert np.all(present[:, 1:] >= present[:, :-1])
    assert np.all(present[:, -1]), "the last position always holds a digit"


def test_train_value_ranges(train):
    X, y = train
    assert X.min() == 0 and X.max() == 10
    assert set(np.unique(X[X != 0])) == set(range(1, 11))
    assert y.min() >= 1 and y.max() <= 100


def test_train_every_cardinality_present_and_uniform(train):
    X, _ = train
    counts = np.bincount(cardinalities_of(X), minlength=11)
    assert counts[0] == 0
    # uniform on 1..10: 10,000 expected each, binomial sd ~95
    assert np.all(np.abs(counts[1:] - 10_000) < 500), counts


def test_train_digits_uniform(train):
    X, _ = train
    counts = np.bincount(X[X != 0], minlength=11)[1:]
    assert np.all(np.abs(counts / counts.sum() - 0.1) < 0.005), counts


def test_train_targets_are_sums(train):
    X, y = train
    assert np.array_equal(y, X.sum(axis=1))


def test_test_sets_structure(test_sets):
    X_test, y_test = test_sets
    assert isinstance(X_test, list) and isinstance(y_test, list)
    assert [X.shape for X in X_test] == [(10_000, c) for c in range(5, 101, 5)]
    assert list(TEST_CARDINALITIES) == list(range(5, 101, 5))
    assert sum(len(X) for X in X_test) == 200_000
    for X, y in zip(X_test, y_test, strict=True):
        assert X.dtype == np.int64 and y.dtype == np.int64
        assert X.min() >= 1 and X.max() <= 10  # no padding in the test sets
        assert np.array_equal(y, X.sum(axis=1))


def test_determinism_under_a_seed():
    a, b = create_train_dataset(n_train=500, seed=7), create_train_dataset(n_train=500, seed=7)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    c = create_train_dataset(n_train=500, seed=8)
    assert not np.array_equal(a[0], c[0])
    t1, _ = create_test_dataset(n_per_card=50, seed=3)
    t2, _ = create_test_dataset(n_per_card=50, seed=3)
    assert all(np.array_equal(u, v) for u, v in zip(t1, t2, strict=True))


def test_arguments_are_respected():
    X, y = create_train_dataset(n_train=300, max_train_card=4, max_digit=3, seed=0)
    assert X.shape == (300, 4) and X.max() <= 3
    assert set(np.unique(cardinalities_of(X))) == {1, 2, 3, 4}
    X_test, _ = create_test_dataset(n_per_card=7, cardinalities=[1, 250], max_digit=2, seed=0)
    assert [X.shape for X in X_test] == [(7, 1), (7, 250)] and X_test[1].max() <= 2


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_train": -1}, ValueError, "n_train must be >= 1"),
        ({"n_train": 0}, ValueError, "n_train must be >= 1"),
        ({"max_digit": 0}, ValueError, "max_digit must be >= 1"),
        ({"max_train_card": 0}, ValueError, "max_train_card must be >= 1"),
        ({"n_train": 2.5}, TypeError, "n_train must be an int"),
        ({"n_train": True}, TypeError, "n_train must be an int"),
        ({"seed": -3}, ValueError, "seed must be >= 0"),
    ],
)
def test_train_rejects_nonsense(kwargs, error, match):
    with pytest.raises(error, match=match):
        create_train_dataset(**kwargs)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"cardinalities": []}, ValueError, "cardinalities must not be empty"),
        ({"cardinalities": [5, 0]}, ValueError, "cardinalities must be >= 1"),
        ({"cardinalities": "5,10"}, TypeError, "list or range of ints"),
        ({"n_per_card": -5}, ValueError, "n_per_card must be >= 1"),
        ({"max_digit": 0}, ValueError, "max_digit must be >= 1"),
    ],
)
def test_test_rejects_nonsense(kwargs, error, match):
    with pytest.raises(error, match=match):
        create_test_dataset(**kwargs)


def test_cardinalities_of_rejects_wrong_rank():
    with pytest.raises(ValueError, match="must be 2-D"):
        cardinalities_of(np.zeros(3, dtype=np.int64))
