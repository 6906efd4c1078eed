"""Labs 05-06 on labcode's models: affine and odd phi collapse sets, ReLU does not; a Lab 02
DeepSets hand-set to sum exactly (the self-checks of both labs: tests/checks/test_lab05.py,
test_lab06.py)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labcode.data import PAIR_NORMS, make_data, make_symmetric_pairs
from labcode.models import DeepSet, DeepSets

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# --------------------------------------------------------------------------- Lab 05: affine phi


def test_affine_phi_pools_both_classes_to_the_same_value():
    X, y = make_data(200, generator=1)
    for _ in range(3):  # any affine phi, whatever its parameters
        model = DeepSet(activation="none")
        with torch.no_grad():
            pooled = model.phi(X).sum(dim=1)[:, 0]
        assert (pooled.max() - pooled.min()).abs() < 1e-5


def test_tanh_phi_pools_the_classes_apart():
    X, y = make_data(200, generator=1)
    torch.manual_seed(3)
    model = DeepSet(activation="tanh")
    with torch.no_grad():
        pooled = model.phi(X).sum(dim=1)[:, 0]
    gap = pooled[y[:, 0] == 0].mean() - pooled[y[:, 0] == 1].mean()
    assert gap.abs() > 1e-4
    for c in (0, 1):  # within a class every instance is the same multiset
        p = pooled[y[:, 0] == c]
        assert (p.max() - p.min()).abs() < 1e-5


def test_phi_bias_false_removes_every_phi_bias_and_keeps_the_default():
    assert all(layer.bias is None for layer in DeepSet(phi_bias=False).phi
               if isinstance(layer, nn.Linear))
    assert sum(p.numel() for p in DeepSet().parameters()) == 62
    with pytest.raises(TypeError):
        DeepSet(phi_bias="no")


# --------------------------------------------------------------------------- Lab 06: {x, -x}


def symmetric_sets(n=6):
    x = torch.randn(n, 2)
    return torch.stack([x, -x], dim=1)


@pytest.mark.parametrize("activation,bias", [("tanh", False), ("none", False), ("none", True)])
def test_odd_or_affine_phi_gives_the_same_sum_on_every_symmetric_set(activation, bias):
    phi = DeepSet(in_features=2, hidden_dim=8, latent_dim=4, activation=activation,
                            phi_bias=bias).phi
    with torch.no_grad():
        pooled = phi(symmetric_sets()).sum(dim=1)
    assert torch.allclose(pooled, pooled[:1].expand_as(pooled), atol=1e-6)


@pytest.mark.parametrize("activation,bias", [("relu", False), ("relu", True), ("tanh", True)])
def test_relu_or_biased_phi_separates_symmetric_sets(activation, bias):
    phi = DeepSet(in_features=2, hidden_dim=8, latent_dim=4, activation=activation,
                            phi_bias=bias).phi
    with torch.no_grad():
        pooled = phi(symmetric_sets()).sum(dim=1)
    assert not torch.allclose(pooled, pooled[:1].expand_as(pooled), atol=1e-4)


def test_relu_of_z_plus_relu_of_minus_z_is_abs():
    z = torch.randn(100)
    assert torch.allclose(torch.relu(z) + torch.relu(-z), z.abs())


def test_make_symmetric_pairs_contract():
    X, y = make_symmetric_pairs(400, generator=0)
    assert X.shape == (400, 2, 2) and y.shape == (400, 1) and X.dtype == torch.float32
    assert int(y.sum()) == 200
    assert torch.equal(X[:, 1], -X[:, 0])
    r = X[:, 0].norm(dim=1)
    for k, (low, high) in PAIR_NORMS.items():
        assert ((r[y[:, 0] == k] >= low - 1e-5) & (r[y[:, 0] == k] <= high + 1e-5)).all()
    assert torch.equal(make_symmetric_pairs(10, generator=5)[0],
                       make_symmetric_pairs(10, generator=5)[0])
    with pytest.raises(ValueError):
        make_symmetric_pairs(7)


# --------------------------------------------------------------------------- exact sums


def test_hand_set_lab02_deepsets_sums_up_to_1000():
    c = 20.0
    model = DeepSets(input_dim=11, embedding_dim=8, hidden_dim=4)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.embedding.weight[:, 0] = torch.atanh(torch.arange(11, dtype=torch.float64) / c)
        model.fc1.weight[0, 0] = 1.0
        model.fc2.weight[0, 0] = c
        x = torch.randint(1, 11, (20, 1000))
        assert (model(x) - x.sum(dim=1)).abs().max() < 0.01
        padded = torch.cat([torch.zeros(20, 7, dtype=torch.long), x[:, :3]], dim=1)
        assert torch.allclose(model(padded), model(x[:, :3]))
