"""labcode.symmetry: permuting sets, and invariance / equivariance checks."""

from __future__ import annotations

import pytest
import torch

from labcode.symmetry import equivariance_deviation, invariance_deviation, permute_sets
from labcode.thirds import DeepSet, mlp
from tests.conftest import rounding_bound


def test_permute_sets_reorders_each_set_and_keeps_its_elements():
    x = torch.arange(60, dtype=torch.float32).view(6, 10, 1)
    out = permute_sets(x, generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    assert torch.equal(out.sort(dim=1).values, x)  # same elements in every set
    assert not torch.equal(out, x)
    # each set is shuffled on its own: the elements never move from one set to another
    assert all(set(out[i, :, 0].tolist()) == set(x[i, :, 0].tolist()) for i in range(6))


def test_permute_sets_keeps_padding_in_place():
    x = torch.tensor([[0, 0, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5], [0, 0, 0, 0, 0, 9]])
    g = torch.Generator().manual_seed(1)
    seen = set()
    for _ in range(30):
        out = permute_sets(x, pad_value=0, generator=g)
        assert torch.equal(out == 0, x == 0)  # padding where it was
        assert torch.equal(out.sort(dim=1).values, x.sort(dim=1).values)
        seen.add(tuple(out[0].tolist()))
    assert len(seen) > 5  # the digits are really shuffled


def test_invariance_deviation_of_invariant_functions_is_rounding():
    # float32, as the docstring promises: rounding of sums of 10 terms, relative to the outputs
    x = torch.rand(50, 10, 3)
    bound = rounding_bound(10)
    sums = x.sum(dim=1)
    assert invariance_deviation(lambda t: t.sum(dim=1), x, n_perms=20, seed=0) \
        <= bound * sums.abs().max()
    assert invariance_deviation(lambda t: t.max(dim=1).values, x, n_perms=20, seed=0) == 0.0
    model = DeepSet(in_features=3)
    with torch.no_grad():
        scale = model(x).abs().max()
    assert invariance_deviation(model, x, n_perms=20, seed=0) <= bound * scale


def test_invariance_deviation_detects_order_dependence():
    x = torch.rand(50, 10, 1)
    assert invariance_deviation(lambda t: t[:, 0], x, n_perms=5, seed=0) > 0.1
    weights = torch.arange(10, dtype=torch.float32).view(1, 10, 1)
    assert invariance_deviation(lambda t: (weights * t).sum(dim=1), x, n_perms=5, seed=0) > 0.1
    net = mlp(hidden_dims=(8,))
    with torch.no_grad():
        scale = net(x).abs().max()
    assert invariance_deviation(net, x, n_perms=5, seed=0) > 1e-2 * scale  # ~0.1: a share


def test_invariance_deviation_with_padding_on_digit_rows():
    x = torch.tensor([[0, 0, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5]])

    def last_digit(t):
        return t[:, -1].float()

    assert invariance_deviation(last_digit, x, n_perms=20, pad_value=0, seed=0) > 0
    # a function of the padding count alone is invariant when the padding stays in place
    def n_pad(t):
        return (t == 0).sum(dim=1).float()

    assert invariance_deviation(n_pad, x, n_perms=20, pad_value=0, seed=0) == 0.0
    assert invariance_deviation(n_pad, x, n_perms=20, seed=0) == 0.0


def test_seed_makes_the_check_reproducible():
    x = torch.rand(20, 10, 1)
    f = mlp(hidden_dims=(4,))
    assert invariance_deviation(f, x, 3, seed=5) == invariance_deviation(f, x, 3, seed=5)


def test_equivariance_deviation():
    x = torch.rand(30, 8, 2, dtype=torch.float64)
    phi = DeepSet(in_features=2).phi.double()
    with torch.no_grad():
        scale = float(phi(x).abs().max())
    # float64: phi acts on each element alone, the mean of 8 terms rounds by ~8 * 1e-16
    assert equivariance_deviation(phi, x, n_perms=10, seed=0) <= 1e-10 * scale
    centred = equivariance_deviation(lambda t: t - t.mean(dim=1, keepdim=True), x, 10, 0)
    assert centred <= 1e-10  # x in [0, 1): the centred values are at most 1 in size
    assert equivariance_deviation(lambda t: t.cumsum(dim=1), x, n_perms=10, seed=0) > 0.1
    digits = torch.randint(1, 10, (30, 8))
    assert equivariance_deviation(lambda t: t * 2, digits, n_perms=5, seed=0) == 0.0


@pytest.mark.parametrize("x, error", [
    ([[1.0, 2.0]], TypeError),
    (torch.zeros(10), ValueError),  # only the shapes matter: nothing random at collection
    (torch.zeros(2, 3, 4, 5), ValueError),
    (torch.zeros(0, 5, 1), ValueError),
    (torch.zeros(4, 1, 1), ValueError),
])
def test_bad_batches_are_rejected(x, error):
    with pytest.raises(error):
        invariance_deviation(lambda t: t.sum(dim=1), x)


def test_bad_functions_and_arguments_are_rejected():
    x = torch.rand(4, 5, 1)
    with pytest.raises(TypeError, match="callable"):
        invariance_deviation(3, x)
    with pytest.raises(TypeError, match="tensor"):
        invariance_deviation(lambda t: 1.0, x)
    with pytest.raises(ValueError, match="one output per set"):
        invariance_deviation(lambda t: t.sum(), x)
    with pytest.raises(ValueError, match="one output per element"):
        equivariance_deviation(lambda t: t.sum(dim=1), x)
    with pytest.raises(ValueError, match="n_perms"):
        invariance_deviation(lambda t: t.sum(dim=1), x, n_perms=0)
    with pytest.raises(TypeError, match="generator"):
        permute_sets(x, generator=0)
