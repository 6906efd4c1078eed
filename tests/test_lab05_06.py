"""Labs 05-06: affine and odd phi collapse sets, ReLU does not; hand-set exact sums; checks."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from labcode import checks
from labcode.data import PAIR_NORMS, make_data, make_symmetric_pairs
from labcode.models import DeepSetClassifier, DeepSets

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def verdict(check, *args, capsys):
    assert check(*args) is None
    out = capsys.readouterr().out
    assert "Traceback" not in out and out.count("\n") <= 2
    return out


# --------------------------------------------------------------------------- Lab 05: affine phi


def test_affine_phi_pools_both_classes_to_the_same_value():
    X, y = make_data(200, generator=1)
    for _ in range(3):  # any affine phi, whatever its parameters
        model = DeepSetClassifier(activation="none")
        with torch.no_grad():
            pooled = model.phi(X).sum(dim=1)[:, 0]
        assert (pooled.max() - pooled.min()).abs() < 1e-5


def test_tanh_phi_pools_the_classes_apart():
    X, y = make_data(200, generator=1)
    torch.manual_seed(3)
    model = DeepSetClassifier(activation="tanh")
    with torch.no_grad():
        pooled = model.phi(X).sum(dim=1)[:, 0]
    gap = pooled[y[:, 0] == 0].mean() - pooled[y[:, 0] == 1].mean()
    assert gap.abs() > 1e-4
    for c in (0, 1):  # within a class every instance is the same multiset
        p = pooled[y[:, 0] == c]
        assert (p.max() - p.min()).abs() < 1e-5


def test_phi_bias_false_removes_every_phi_bias_and_keeps_the_default():
    assert all(layer.bias is None for layer in DeepSetClassifier(phi_bias=False).phi
               if isinstance(layer, nn.Linear))
    assert sum(p.numel() for p in DeepSetClassifier().parameters()) == 62
    with pytest.raises(TypeError):
        DeepSetClassifier(phi_bias="no")


# --------------------------------------------------------------------------- Lab 06: {x, -x}


def symmetric_sets(n=6):
    x = torch.randn(n, 2)
    return torch.stack([x, -x], dim=1)


@pytest.mark.parametrize("activation,bias", [("tanh", False), ("none", False), ("none", True)])
def test_odd_or_affine_phi_gives_the_same_sum_on_every_symmetric_set(activation, bias):
    phi = DeepSetClassifier(n_features=2, phi_hidden=8, phi_out=4, activation=activation,
                            phi_bias=bias).phi
    with torch.no_grad():
        pooled = phi(symmetric_sets()).sum(dim=1)
    assert torch.allclose(pooled, pooled[:1].expand_as(pooled), atol=1e-6)


@pytest.mark.parametrize("activation,bias", [("relu", False), ("relu", True), ("tanh", True)])
def test_relu_or_biased_phi_separates_symmetric_sets(activation, bias):
    phi = DeepSetClassifier(n_features=2, phi_hidden=8, phi_out=4, activation=activation,
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


class SumDeepSet(nn.Module):
    def __init__(self, hidden=4):
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(1, hidden), nn.ReLU())
        self.rho = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.rho(self.phi(x).sum(dim=1)).squeeze(-1)


def good_exact_sum(model):
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.phi[0].weight[0, 0] = 1.0
        model.rho.weight[0, 0] = 1.0
    return model


def test_hand_set_parameters_sum_exactly_at_cardinality_1000():
    model = good_exact_sum(SumDeepSet(hidden=4))
    x = torch.randint(1, 11, (20, 1000, 1)).float()
    with torch.no_grad():
        assert torch.equal(model(x), x.sum(dim=(1, 2)))


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


def test_check_exact_sum_passes_a_correct_answer(capsys):
    assert "✓" in verdict(checks.check_exact_sum, good_exact_sum, SumDeepSet, capsys=capsys)


def forgets_the_other_units(model):  # unit 0 right, the other units left at random
    with torch.no_grad():
        model.phi[0].weight[0, 0], model.phi[0].bias[0] = 1.0, 0.0
        model.rho.weight[0, 0], model.rho.bias[0] = 1.0, 0.0


def leaves_a_bias(model):  # phi(0) = 0.5 in unit 0: padding adds 0.5 per zero
    good_exact_sum(model)
    with torch.no_grad():
        model.phi[0].bias[0] = 0.5
        model.rho.bias[0] = -0.5


def replaces_the_relu(model):
    good_exact_sum(model)
    model.phi = nn.Sequential(model.phi[0])


def returns_a_new_model(model):
    return good_exact_sum(SumDeepSet(hidden=4))


@pytest.mark.parametrize("wrong,hint", [
    (forgets_the_other_units, "every other unit"),
    (leaves_a_bias, "not summed exactly"),
    (replaces_the_relu, "keep the architecture"),
    (returns_a_new_model, "in place"),
    (lambda model: (_ for _ in ()).throw(NotImplementedError()), "not implemented"),
])
def test_check_exact_sum_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_exact_sum, wrong, SumDeepSet, capsys=capsys)
    assert out.startswith(("✗ set_exact_sum", "…")) and hint in out, out


def good_make_pairs(N):
    if N < 2 or N % 2:
        raise ValueError("N must be even")
    y = (torch.arange(N) >= N // 2).float()
    theta = 2 * math.pi * torch.rand(N)
    r = torch.where(y == 0, 0.25 + 0.75 * torch.rand(N), 1.25 + 0.75 * torch.rand(N))
    x = torch.stack([r * theta.cos(), r * theta.sin()], dim=1)
    return torch.stack([x, -x], dim=1), y.unsqueeze(1)


def test_check_make_pairs_passes_correct_answers(capsys):
    assert "✓" in verdict(checks.check_make_pairs, good_make_pairs, capsys=capsys)
    assert "✓" in verdict(checks.check_make_pairs, make_symmetric_pairs, capsys=capsys)


def not_mirrored(N):
    X, y = good_make_pairs(N)
    return torch.stack([X[:, 0], X[:, 0]], dim=1), y


def one_quadrant(N):
    X, y = good_make_pairs(N)
    return X.abs() * torch.tensor([1.0, -1.0]).view(1, 2, 1), y


def norms_swapped(N):
    X, y = good_make_pairs(N)
    return X, 1 - y


def unbalanced(N):
    X, y = good_make_pairs(N)
    y[0] = 1 - y[0]
    return X, y


def accepts_odd_n(N):
    return good_make_pairs(N + N % 2)


@pytest.mark.parametrize("wrong,hint", [
    (not_mirrored, "minus the first"),
    (one_quadrant, "four quadrants"),
    (norms_swapped, "norm"),
    (unbalanced, "half"),
    (accepts_odd_n, "odd N"),
    (lambda N: (good_make_pairs(N)[0].double(), good_make_pairs(N)[1]), "float32"),
])
def test_check_make_pairs_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_make_pairs, wrong, capsys=capsys)
    assert out.startswith("✗ make_pairs") and hint in out, out
