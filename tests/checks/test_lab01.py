"""Lab 01's self-checks: the reference passes; each kind of wrong answer gets a specific hint."""

from __future__ import annotations

import numpy as np
import pytest

from labcode import checks, digits
from labcode.digits import create_test_dataset, create_train_dataset
from tests.conftest import assert_hint, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(1, ["create_train_dataset", "create_test_dataset"])


@pytest.mark.parametrize("fn", [SOLUTION["create_train_dataset"], digits.create_train_dataset],
                         ids=["solution", "labcode"])
def test_reference_train_passes(fn, capsys):
    out = verdict(checks.check_create_train_dataset, fn, capsys)
    assert out.startswith("✓ create_train_dataset: all"), out


@pytest.mark.parametrize("fn", [SOLUTION["create_test_dataset"], digits.create_test_dataset],
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



# --------------------------------------------------------------------------- issue: contracts
# Wrong answers that passed before: int32 data, digits drawn without replacement, one row of
# digits repeated, NumPy's global generator, a test set that ignores its seed, cuts one array
# to every cardinality or reorders the caller's list.


def int32_data(n_train=100, max_train_card=10, max_digit=10, seed=None):
    X, y = create_train_dataset(n_train, max_train_card, max_digit, seed)
    return X.astype(np.int32), y


def int32_sums(n_train=100, max_train_card=10, max_digit=10, seed=None):
    X, y = create_train_dataset(n_train, max_train_card, max_digit, seed)
    return X, y.astype(np.int32)


def without_replacement(n_train=100, max_train_card=10, max_digit=10, seed=None):
    rng = np.random.default_rng(seed)
    X = np.zeros((n_train, max_train_card), dtype=np.int64)
    for row in X:
        card = rng.integers(1, max_train_card + 1)
        row[max_train_card - card:] = rng.choice(np.arange(1, max_digit + 1), card,
                                                 replace=False)
    return X, X.sum(axis=1)


def tiled_rows(n_train=100, max_train_card=10, max_digit=10, seed=None):
    X, _ = create_train_dataset(max(n_train // 4, 1), max_train_card, max_digit, seed)
    X = np.tile(X, (4, 1))[:n_train]  # every row 4 times
    return X, X.sum(axis=1)


def global_numpy_seed(n_train=100, max_train_card=10, max_digit=10, seed=None):
    np.random.seed(seed)
    cards = np.random.randint(1, max_train_card + 1, size=n_train)
    digits = np.random.randint(1, max_digit + 1, size=(n_train, max_train_card))
    keep = np.arange(max_train_card)[None, :] >= (max_train_card - cards)[:, None]
    X = np.where(keep, digits, 0).astype(np.int64)
    return X, X.sum(axis=1)


@pytest.mark.parametrize("fn, hint", [
    (int32_data, "X is int32"),
    (int32_sums, "y is int32"),
    (without_replacement, "a set is a MULTISET"),
    (tiled_rows, "the sets repeat"),
    (global_numpy_seed, "changed NumPy's global random state"),
])
def test_issue_wrong_train_data_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_create_train_dataset, fn, capsys), "create_train_dataset",
                hint)


def test_check_create_train_dataset_restores_numpy_random_state(capsys):
    np.random.seed(3)
    expected = np.random.rand(2)
    np.random.seed(3)
    checks.check_create_train_dataset(global_numpy_seed)
    assert np.array_equal(np.random.rand(2), expected)


def int32_test(n_per_card=10, cardinalities=(5,), max_digit=10, seed=None):
    X_test, y_test = create_test_dataset(n_per_card, cardinalities, max_digit, seed)
    return [X.astype(np.int32) for X in X_test], y_test


def seed_ignored(n_per_card=10, cardinalities=(5,), max_digit=10, seed=None):
    return create_test_dataset(n_per_card, cardinalities, max_digit, 0)


def cut_from_one_array(n_per_card=10, cardinalities=(5,), max_digit=10, seed=None):
    cards = list(cardinalities)
    rng = np.random.default_rng(seed)
    digits = rng.integers(1, max_digit + 1, size=(n_per_card, max(cards)))
    X_test = [digits[:, :c] for c in cards]
    return X_test, [X.sum(axis=1) for X in X_test]


def tiled_test_rows(n_per_card=10, cardinalities=(5,), max_digit=10, seed=None):
    X_test, _ = create_test_dataset(max(n_per_card // 4, 1), cardinalities, max_digit, seed)
    X_test = [np.tile(X, (4, 1))[:n_per_card] for X in X_test]  # every row 4 times
    return X_test, [X.sum(axis=1) for X in X_test]


def reverses_the_list(n_per_card=10, cardinalities=(5,), max_digit=10, seed=None):
    out = create_test_dataset(n_per_card, cardinalities, max_digit, seed)
    cardinalities.reverse()
    return out


def global_numpy_test(n_per_card=10, cardinalities=(5,), max_digit=10, seed=None):
    np.random.seed(seed)
    X_test = [np.random.randint(1, max_digit + 1, size=(n_per_card, c)).astype(np.int64)
              for c in cardinalities]
    return X_test, [X.sum(axis=1) for X in X_test]


def list_only(n_per_card=10, cardinalities=(5,), max_digit=10, seed=None):
    if not isinstance(cardinalities, list):
        cardinalities = [5]
    return create_test_dataset(n_per_card, cardinalities, max_digit, seed)


@pytest.mark.parametrize("fn, hint", [
    (int32_test, "X_test[0] is int32"),
    (seed_ignored, "different seeds should give different data"),
    (cut_from_one_array, "draw each cardinality's sets afresh"),
    (tiled_test_rows, "the sets repeat"),
    (reverses_the_list, "changed the list of cardinalities"),
    (global_numpy_test, "changed NumPy's global random state"),
    (list_only, "cardinalities may be a range"),
])
def test_issue_wrong_test_data_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_create_test_dataset, fn, capsys), "create_test_dataset",
                hint)
