"""Labs 05-06 on labcode's models: affine and odd phi collapse sets, ReLU does not; a Lab 02
DeepSets hand-set to sum exactly (the self-checks of both labs: tests/checks/test_lab05.py,
test_lab06.py)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labcode.digits import DeepSets
from labcode.symmetric_pairs import PAIR_NORMS, make_symmetric_pairs
from labcode.thirds import DeepSet, make_data
from tests.conftest import EPS32

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# --------------------------------------------------------------------------- Lab 05: affine phi
# In float64, where the two classes' sums are equal up to rounding (~1e-16 of the size of phi's
# outputs): make_data's 1/3 and 1/5 are float32 (3 fl(1/3) != 5 fl(1/5) by ~1e-8), so the sets
# are rebuilt with float64 shares of 1.


def lab05_data(n, generator):
    X, y = make_data(n, generator=generator)
    nonzero = (X != 0).double()
    return nonzero / nonzero.sum(dim=1, keepdim=True), y  # 1/3 or 1/5 where X is, in float64


def test_affine_phi_pools_both_classes_to_the_same_value():
    X, y = lab05_data(200, generator=1)
    for _ in range(3):  # any affine phi, whatever its parameters
        model = DeepSet(activation="none").double()
        with torch.no_grad():
            h = model.phi(X)[..., 0]
        pooled = h.sum(dim=1)
        assert pooled.max() - pooled.min() < 1e-10 * h.abs().max()  # float64 rounding
        assert torch.equal(y.unique(), torch.tensor([0.0, 1.0]))  # both classes compared


def test_tanh_phi_pools_the_classes_apart():
    X, y = lab05_data(200, generator=1)
    torch.manual_seed(3)
    model = DeepSet(activation="tanh").double()
    with torch.no_grad():
        h = model.phi(X)[..., 0]
    pooled, scale = h.sum(dim=1), h.abs().max()
    gap = pooled[y[:, 0] == 0].mean() - pooled[y[:, 0] == 1].mean()
    assert gap.abs() > 1e-4 * scale  # a real gap (about 5e-2 of the scale here), not rounding
    for c in (0, 1):  # within a class every instance is the same multiset: float64 rounding
        p = pooled[y[:, 0] == c]
        assert p.max() - p.min() < 1e-10 * scale


def test_phi_bias_false_removes_every_phi_bias_and_keeps_the_default():
    assert all(layer.bias is None for layer in DeepSet(phi_bias=False).phi
               if isinstance(layer, nn.Linear))
    assert sum(p.numel() for p in DeepSet().parameters()) == 62
    with pytest.raises(TypeError):
        DeepSet(phi_bias="no")


# --------------------------------------------------------------------------- Lab 06: {x, -x}


# The sums are compared with the size of phi's outputs: an odd phi pools every set to 0.


def symmetric_sets(n=6):
    x = torch.randn(n, 2, dtype=torch.float64)
    return torch.stack([x, -x], dim=1)


def spread_of_sums(phi):
    """How far the sums over the sets differ, over the largest |phi(x)| (float64)."""
    with torch.no_grad():
        h = phi.double()(symmetric_sets())
    pooled = h.sum(dim=1)
    return float((pooled - pooled[:1]).abs().max() / h.abs().max())


@pytest.mark.parametrize("activation,bias", [("tanh", False), ("none", False), ("none", True)])
def test_odd_or_affine_phi_gives_the_same_sum_on_every_symmetric_set(activation, bias):
    phi = DeepSet(in_features=2, hidden_dim=8, latent_dim=4, activation=activation,
                  phi_bias=bias).phi
    assert spread_of_sums(phi) < 1e-10  # float64: phi(x) + phi(-x) is 0 or 2 b up to ~1e-16


@pytest.mark.parametrize("activation,bias", [("relu", False), ("relu", True), ("tanh", True)])
def test_relu_or_biased_phi_separates_symmetric_sets(activation, bias):
    phi = DeepSet(in_features=2, hidden_dim=8, latent_dim=4, activation=activation,
                  phi_bias=bias).phi
    assert spread_of_sums(phi) > 1e-2  # a share of phi's size (0.2 to 1 here), not rounding


def test_relu_of_z_plus_relu_of_minus_z_is_abs():
    z = torch.randn(100)
    assert torch.equal(torch.relu(z) + torch.relu(-z), z.abs())  # z + 0 or 0 + (-z): exact


def test_make_symmetric_pairs_contract():
    X, y = make_symmetric_pairs(400, generator=0)
    assert X.shape == (400, 2, 2) and y.shape == (400, 1) and X.dtype == torch.float32
    assert int(y.sum()) == 200
    assert torch.equal(X[:, 1], -X[:, 0])
    r = X[:, 0].norm(dim=1)
    tol = 8 * EPS32  # relative: r cos, r sin and their norm in float32 each round by ~eps32 / 2
    for k, (low, high) in PAIR_NORMS.items():
        norms = r[y[:, 0] == k]
        assert ((norms >= low * (1 - tol)) & (norms <= high * (1 + tol))).all()
    assert torch.equal(make_symmetric_pairs(10, generator=5)[0],
                       make_symmetric_pairs(10, generator=5)[0])
    with pytest.raises(ValueError):
        make_symmetric_pairs(7)


# --------------------------------------------------------------------------- exact sums


def test_hand_set_lab02_deepsets_sums_up_to_1000():
    c = 20.0
    model = DeepSets(input_dim=11, embedding_dim=8, hidden_dim=4).double()
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.embedding.weight[:, 0] = torch.atanh(torch.arange(11, dtype=torch.float64) / c)
        model.fc1.weight[0, 0] = 1.0
        model.fc2.weight[0, 0] = c
        x = torch.randint(1, 11, (20, 1000))
        total = x.sum(dim=1).double()
        # float64: c tanh(atanh(k / c)) = k up to ~1e-16 each, summed over 1000 elements
        assert (model(x) - total).abs().max() < 1e-10 * total.max()
        padded = torch.cat([torch.zeros(20, 7, dtype=torch.long), x[:, :3]], dim=1)
        # atanh(0) = 0: padding adds zeros, and only the order of the sum may change (~1e-16)
        assert (model(padded) - model(x[:, :3])).abs().max() < 1e-10 * x[:, :3].sum(1).max()
        # in float32 the sums are still right once rounded (off by ~1e-3, far below 0.5)
        assert torch.equal(model.float()(x).round(), total.float())
