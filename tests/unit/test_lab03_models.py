"""Lab 03's labcode: make_data, DeepSet, mlp, logits_of, count_params, train_steps."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from labcode.digits import count_params
from labcode.permutations import logits_of
from labcode.symmetry import invariance_deviation
from labcode.thirds import DeepSet, make_data, mlp
from labcode.training import steps_to_reach, train_steps
from tests.conftest import EPS32, relative_error


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models train faster, and unaffected by other processes, on one CPU thread."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# --------------------------------------------------------------------------- make_data


def test_make_data_shapes_dtypes_and_balance():
    X, y = make_data(1000, generator=0)
    assert X.shape == (1000, 10, 1) and y.shape == (1000, 1)
    assert X.dtype == torch.float32 and y.dtype == torch.float32
    assert set(y.unique().tolist()) == {0.0, 1.0} and int(y.sum()) == 500


def test_make_data_content_matches_the_label():
    X, y = make_data(1000, generator=1)
    x, label = X[:, :, 0], y[:, 0]
    zero = label == 0
    # the float32 numbers nearest 1/3 and 1/5, exactly
    assert torch.all((x == torch.tensor(1 / 3)).sum(1)[zero] == 3)
    assert torch.all((x == torch.tensor(1 / 5)).sum(1)[~zero] == 5)
    assert torch.all((x != 0).sum(1) == torch.where(zero, 3, 5))
    # both classes sum to 1, up to float32 rounding: 1/3 and 1/5 round by eps32 / 2 each
    assert (x.sum(1) - 1).abs().max() <= 4 * EPS32


def test_make_data_positions_are_random_and_rows_shuffled():
    X, y = make_data(10_000, generator=2)
    per_position = (X[:, :, 0] != 0).sum(0).float()
    assert per_position.min() > 0.9 * per_position.mean()
    assert len(torch.unique(X[:, :, 0], dim=0)) == 120 + 252  # every arrangement appears
    assert 0 < y[:5000].sum() < 5000  # the classes are mixed, not sorted


def test_make_data_seeding():
    a, _ = make_data(50, generator=3)
    b, _ = make_data(50, generator=torch.Generator().manual_seed(3))
    c, _ = make_data(50, generator=4)
    assert torch.equal(a, b) and not torch.equal(a, c)
    torch.manual_seed(0)
    d, _ = make_data(50)
    torch.manual_seed(0)
    e, _ = make_data(50)
    assert torch.equal(d, e)  # None uses torch's global generator


@pytest.mark.parametrize("N, error, message", [
    (7, ValueError, "even"), (0, ValueError, ">= 2"), (1, ValueError, ">= 2"),
    (-4, ValueError, ">= 2"), (4.0, TypeError, "int"), (True, TypeError, "int"),
])
def test_make_data_rejects_bad_N(N, error, message):
    with pytest.raises(error, match=message):
        make_data(N)


def test_make_data_rejects_a_bad_generator():
    with pytest.raises(TypeError, match="torch.Generator"):
        make_data(4, generator="seed")
    assert make_data(2)[0].shape == (2, 10, 1)


# --------------------------------------------------------------------------- models


def test_deepset_classifier_defaults():
    model = DeepSet()
    assert count_params(model) == 62
    X, _ = make_data(64, generator=0)
    out = model(X)
    assert out.shape == (64, 1) and torch.all((out >= 0) & (out <= 1))
    assert torch.allclose(torch.sigmoid(model.logits(X)), out)
    assert torch.equal(logits_of(model, X), model.logits(X))
    assert model(torch.rand(3, 25, 1)).shape == (3, 1)  # any set size


@pytest.mark.parametrize("activation", ["tanh", "relu", "none"])
@pytest.mark.parametrize("pooling", ["sum", "mean", "max"])
def test_deepset_classifier_is_invariant_for_every_option(activation, pooling):
    model = DeepSet(in_features=2, activation=activation, pooling=pooling).double()
    x = torch.rand(40, 10, 2, dtype=torch.float64)
    with torch.no_grad():
        scale = float(model.logits(x).abs().max())
    # float64: a pool of 10 elements in another order moves by ~10 * 1e-16 of the logits' size
    assert invariance_deviation(model.logits, x, n_perms=10, seed=0) <= 1e-10 * scale


def test_activation_none_makes_phi_affine():
    phi = DeepSet(activation="none").phi.double()
    assert not any(isinstance(m, (nn.Tanh, nn.ReLU)) for m in phi)
    a, b = torch.rand(5, 10, 1, dtype=torch.float64), torch.rand(5, 10, 1, dtype=torch.float64)
    with torch.no_grad():
        for t in (0.3, -1.7, 2.0):  # affine: phi(t a + (1 - t) b) = t phi(a) + (1 - t) phi(b)
            # float64: equal up to rounding, ~1e-16 of the size of the values
            assert relative_error(phi(t * a + (1 - t) * b), t * phi(a) + (1 - t) * phi(b)) < 1e-10
    tanh_phi = DeepSet(activation="tanh").phi
    assert any(isinstance(m, nn.Tanh) for m in tanh_phi)
    assert any(isinstance(m, nn.ReLU) for m in DeepSet(activation="relu").phi)


def test_deepset_classifier_rejects_bad_options_and_input():
    with pytest.raises(ValueError, match="activation"):
        DeepSet(activation="sigmoid")
    with pytest.raises(ValueError, match="pooling"):
        DeepSet(pooling="median")
    with pytest.raises(ValueError, match="hidden_dim"):
        DeepSet(hidden_dim=0)
    model = DeepSet()
    with pytest.raises(ValueError, match="unsqueeze"):
        model(torch.rand(4, 10))
    with pytest.raises(TypeError, match="float"):
        model(torch.ones(4, 10, 1, dtype=torch.long))
    with pytest.raises(ValueError, match="feature"):
        model(torch.rand(4, 10, 2))
    with pytest.raises(ValueError, match="at least one"):
        model(torch.rand(4, 0, 1))


def test_mlp_builder():
    net = mlp()
    assert isinstance(net, nn.Sequential) and isinstance(net[-1], nn.Sigmoid)
    assert count_params(net) == (10 * 16 + 16) + (16 * 16 + 16) + (16 + 1) == 465
    X, _ = make_data(8, generator=0)
    assert net(X).shape == (8, 1)
    assert torch.allclose(torch.sigmoid(logits_of(net, X)), net(X))
    assert count_params(mlp(hidden_dims=(32, 32))) == (10 * 32 + 32) + (32 * 32 + 32) + (32 + 1)
    assert count_params(mlp(hidden_dims=())) == 11  # logistic regression
    no_sigmoid = mlp(hidden_dims=(4,), activation="tanh", sigmoid=False)
    assert not isinstance(no_sigmoid[-1], nn.Sigmoid)
    with pytest.raises(TypeError, match="logits"):
        logits_of(no_sigmoid, X)
    with pytest.raises(TypeError, match="tuple"):
        mlp(hidden_dims=16)
    with pytest.raises(ValueError, match="hidden width"):
        mlp(hidden_dims=(16, 0))


def test_count_params():
    assert count_params(nn.Linear(3, 4)) == 16
    shared = nn.Linear(2, 2)
    assert count_params(nn.Sequential(shared, nn.Tanh(), shared)) == 6
    assert count_params(nn.ReLU()) == 0
    with pytest.raises(TypeError, match="nn.Module"):
        count_params([nn.Linear(2, 2)])


# --------------------------------------------------------------------------- training


def test_train_steps_reduces_the_loss():
    torch.manual_seed(0)
    model = mlp(hidden_dims=(32, 32))
    trained, history = train_steps(model, make_data, steps=300, progress=False)
    assert trained is model and len(history) == 300
    assert all(isinstance(v, float) and math.isfinite(v) for v in history)
    assert sum(history[-50:]) / 50 < 0.8 * sum(history[:50]) / 50


def test_train_steps_with_another_loss_and_early_stopping():
    torch.manual_seed(0)

    def draw(n):
        x = torch.rand(n, 3, 1)
        return x, x.sum(dim=(1, 2))

    class Sum(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return self.w * x.sum(dim=(1, 2))

    _, history = train_steps(Sum(), draw, steps=2000, lr=0.05, loss_fn=nn.MSELoss(),
                             progress=False, stop_below=1e-3)
    assert len(history) < 2000 and steps_to_reach(history, 1e-3) == len(history)


def test_train_steps_checks_the_model_and_what_draw_returns():
    """Only what students write is checked (the settings come from the notebooks)."""
    model = mlp(hidden_dims=(2,))
    with pytest.raises(TypeError, match="nn.Module"):
        train_steps(lambda x: x, make_data, steps=1)
    with pytest.raises(ValueError, match="no parameters"):
        train_steps(nn.Identity(), make_data, steps=1)
    with pytest.raises(TypeError, match=r"draw\(n\) must return a tuple of two tensors"):
        train_steps(model, lambda n: make_data(n)[0], steps=1)
    with pytest.raises(ValueError, match="could not be applied to a batch drawn by draw"):
        train_steps(model, lambda n: (torch.rand(n, 3, 1), torch.rand(n, 1)), steps=1)
    with pytest.raises(ValueError, match="needs probabilities"):
        train_steps(model, lambda n: (make_data(n)[0], 3 * make_data(n)[1]), steps=1)
    with pytest.raises(ValueError, match="returned shape"):
        train_steps(model, lambda n: (make_data(n)[0], make_data(n)[1][:, 0]), steps=1)

    class ReturnsAPair(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))

        def forward(self, x):
            return self.w * x, x

    with pytest.raises(TypeError, match="the model must return a tensor, got tuple"):
        train_steps(ReturnsAPair(), make_data, steps=1, loss_fn=nn.MSELoss())


def test_steps_to_reach():
    history = [1.0] * 100 + [0.0] * 100
    assert steps_to_reach(history, 0.5, window=10) == 106  # mean of steps 97..106 is 0.4
    assert steps_to_reach(history, 0.5, window=1) == 101
    assert steps_to_reach([1.0] * 100, 0.5) is None
    assert steps_to_reach([0.0] * 5, 0.5, window=10) is None
    with pytest.raises(ValueError, match="1-D"):
        steps_to_reach([[0.1, 0.2]], 0.5)


def test_steps_to_reach_reads_a_history_of_loss_tensors():
    """Lab 03's own train may return loss tensors (forgetting .item()): the same answer."""
    history = [1.0] * 60 + [0.0] * 60
    tensors = [torch.tensor(v, requires_grad=True) * 1 for v in history]
    assert steps_to_reach(tensors, 0.5) == steps_to_reach(history, 0.5) == 86
