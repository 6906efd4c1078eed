"""labcode.encodings (Lab 11): the countable digit code, set functions, the grouped sweep."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labcode.digits import create_train_dataset
from labcode.encodings import (
    LatentSweep,
    decode_digit_code,
    digit_code,
    latent_sweep,
    set_function,
)
from tests.conftest import relative_error

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def histogram(X, n_symbols=10):
    return (X[..., None] == np.arange(1, n_symbols + 1)).sum(axis=1)


# --------------------------------------------------------------------------- digit codes


def test_digit_code_is_the_sum_of_base_powers_and_ignores_padding():
    X = np.array([[0, 0, 1, 2], [2, 1, 0, 0], [0, 0, 0, 3]])
    assert np.allclose(digit_code(X, 4), [1 / 4 + 1 / 16, 1 / 4 + 1 / 16, 1 / 64])
    assert digit_code(X, 4)[0] == digit_code(X, 4)[1]  # order and padding do not matter


def test_base_11_reads_every_lab01_set_back_and_gives_bit_identical_codes():
    X, _ = create_train_dataset(n_train=3000, seed=3)
    codes = digit_code(X, 11)
    assert np.array_equal(decode_digit_code(codes, 11, 10), histogram(X))
    shuffled = np.random.default_rng(0).permuted(X, axis=1)
    assert np.array_equal(digit_code(shuffled, 11), codes)  # exactly, not just close
    assert len(np.unique(codes)) == len({tuple(h) for h in histogram(X)})


def test_a_multiplicity_of_base_carries_into_the_next_digit():
    X = np.array([[2, 2, 2, 2], [0, 0, 0, 1], [1, 1, 1, 0]])
    codes = digit_code(X, 4)
    assert codes[0] == codes[1] == 0.25
    back = decode_digit_code(codes, 4, 3)
    assert back[0].tolist() == [1, 0, 0]  # four 2s read back as one 1
    assert back[2].tolist() == [3, 0, 0]  # three 1s are fine in base 4


@pytest.mark.parametrize("bad, error, match", [
    (lambda: digit_code(np.array([1, 2]), 4), ValueError, "2-D integer array"),
    (lambda: digit_code(np.array([[1.0, 2.0]]), 4), ValueError, "2-D integer array"),
    (lambda: digit_code(np.array([[True, False]]), 4), ValueError, "2-D integer array"),
    (lambda: digit_code(np.array([[-1, 2]]), 4), ValueError, ">= 0"),
    (lambda: digit_code(np.array([[1, 2]]), 1), ValueError, "base must be >= 2"),
    (lambda: digit_code(np.array([[1, 2]]), 2.5), TypeError, "base must be an int"),
    (lambda: decode_digit_code(np.array([[0.1]]), 4, 3), ValueError, "1-D array"),
    (lambda: decode_digit_code(np.array([np.nan]), 4, 3), ValueError, "finite"),
    (lambda: decode_digit_code(np.array([0.1]), 11, 40), ValueError, "too large"),
    (lambda: decode_digit_code(np.array([0.1]), 4, 0), ValueError, "n_symbols must be >= 1"),
])
def test_digit_codes_reject_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        bad()


# --------------------------------------------------------------------------- set functions


def test_set_functions():
    X = torch.tensor([[[3.0], [1.0], [4.0], [2.0]], [[0.5], [0.1], [0.2], [0.9]]])
    def values(name, x=X):
        out = set_function(x, name)
        assert out.shape == (2, 1)
        return out[:, 0].tolist()

    assert values("median") == pytest.approx([2.5, 0.35])
    assert values("median", X[:, :3]) == pytest.approx([3.0, 0.2])
    assert values("max") == pytest.approx([4.0, 0.9])
    assert values("second_largest") == pytest.approx([3.0, 0.5])
    assert set_function(X, "sorted")[0].tolist() == [1.0, 2.0, 3.0, 4.0]
    perm = torch.randperm(4)
    for name in ("median", "max", "second_largest", "sorted"):
        assert torch.equal(set_function(X[:, perm], name), set_function(X, name))


@pytest.mark.parametrize("bad, error, match", [
    (lambda: set_function(torch.ones(2, 3), "max"), ValueError, r"\(batch, set size, 1\)"),
    (lambda: set_function(torch.ones(2, 3, 1, dtype=torch.long), "max"), TypeError, "float"),
    (lambda: set_function(np.ones((2, 3, 1)), "max"), TypeError, "float tensor"),
    (lambda: set_function(torch.ones(2, 0, 1), "max"), ValueError, "at least one"),
    (lambda: set_function(torch.ones(2, 1, 1), "second_largest"), ValueError, "2 elements"),
    (lambda: set_function(torch.ones(2, 3, 1), "mean"), ValueError, "name must be one of"),
])
def test_set_function_rejects_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        bad()


# --------------------------------------------------------------------------- the sweep


def test_latent_sweep_models_are_independent_and_masked():
    torch.manual_seed(0)
    model = LatentSweep("sorted", [(2, 1), (3, 2), (3, 5)], hidden_dim=8)
    X = torch.rand(6, 3, 1)
    out = model(X)
    assert out.shape == (3, 6, 3)
    assert torch.all(out[0, :, 2:] == 0) and torch.all(out[1, :, 3:] == 0)
    z = model.encode(X)
    assert torch.all(z[0, :, 1:] == 0) and torch.all(z[1, :, 2:] == 0)
    # the model of set size 2 ignores the third element
    X2 = X.clone()
    X2[:, 2] = 5.0
    assert torch.equal(model(X2)[0], out[0])
    # each model's loss reaches its own weights only
    y = model.targets(X)
    loss = ((out[1] - y[1]) ** 2).sum()
    loss.backward()
    for p in model.parameters():
        assert torch.all(p.grad[[0, 2]] == 0)
        assert p.grad[1].abs().sum() > 0


def test_latent_sweep_members_match_an_ordinary_deepset():
    torch.manual_seed(0)
    model = LatentSweep("median", [(3, 2), (3, 4)], hidden_dim=5).double()
    X = torch.rand(4, 3, 1, dtype=torch.float64)
    phi, rho = [p[1] for p in model.phi], [p[1] for p in model.rho]

    def mlp(ps, h):
        for k in range(0, len(ps), 2):
            h = h @ ps[k] + ps[k + 1]
            h = torch.relu(h) if k + 2 < len(ps) else h
        return h

    with torch.no_grad():
        z = mlp(phi, X).sum(dim=1)
        # float64: the same products and sums, maybe in another order (~1e-16 relative)
        assert relative_error(model(X)[1], mlp(rho, z)) < 1e-10
    assert torch.allclose(set_function(X, "median"), model.targets(X)[1])


def test_latent_sweep_learns_the_max_of_two_numbers():
    torch.manual_seed(0)
    result = latent_sweep("max", [2], max_latent=2, steps=300, hidden_dim=16)
    assert set(result.errors) == {2} and len(result.errors[2]) == 2
    assert len(result.history) == 300 and result.history[-1] < result.history[0]
    assert all(0 < e < 0.5 for e in result.errors[2])


@pytest.mark.parametrize("bad, error, match", [
    (lambda: LatentSweep("mean", [(2, 1)]), ValueError, "task must be one of"),
    (lambda: LatentSweep("max", []), TypeError, "non-empty list"),
    (lambda: LatentSweep("max", [(2, 1, 3)]), TypeError, "pair"),
    (lambda: LatentSweep("max", [(0, 1)]), ValueError, "set size must be >= 1"),
    (lambda: LatentSweep("second_largest", [(1, 1)]), ValueError, "set size must be >= 2"),
    (lambda: LatentSweep("max", [(2, 0)]), ValueError, "latent size must be >= 1"),
    (lambda: LatentSweep("max", [(2, 1)])(torch.ones(4, 3, 1)), ValueError, "sets of 2"),
    (lambda: LatentSweep("max", [(2, 1)])(torch.ones(4, 2)), ValueError, "batch, set size"),
    (lambda: latent_sweep("max", [2], max_latent=0), ValueError, "max_latent must be >= 1"),
    (lambda: latent_sweep("max", []), ValueError, "must not be empty"),
])
def test_sweep_rejects_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        bad()
