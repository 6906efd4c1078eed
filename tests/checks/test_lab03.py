"""Lab 03's self-checks: correct answers pass; each kind of wrong answer gets its own hint.

The references: the solution notebook's make_data, DeepSet, train and count_params, and
labcode's versions; the wrong DeepSets extend the notebook's DeepSet with one mistake each.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labcode import checks, data, models
from labcode.data import make_data
from labcode.models import DeepSet as LibraryDeepSet
from labcode.training import train_steps
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(3, ["make_data", "DeepSet", "train", "count_params"])
DeepSet = SOLUTION["DeepSet"]


# --------------------------------------------------------------------------- make_data


def sorted_make_data(N):
    """A correct student answer: classes in order, no generator argument."""
    if N < 2 or N % 2:
        raise ValueError("N must be even")
    y = (torch.arange(N) >= N // 2).float().unsqueeze(1)
    X = torch.zeros(N, 10, 1)
    for i in range(N):
        k, v = (3, 1 / 3) if y[i] == 0 else (5, 1 / 5)
        X[i, torch.randperm(10)[:k], 0] = v
    return X, y


def fixed_positions(N):
    X, y = make_data(N)
    return X.sort(dim=1).values, y


def float64(N):
    X, y = make_data(N)
    return X.double(), y


def flat(N):
    X, y = make_data(N)
    return X[:, :, 0], y


def unbalanced(N):
    X, y = make_data(N + 2)
    return X[:N], y[:N]  # rows are shuffled: no longer exactly half of each class


def odd_accepted(N):
    return make_data(N + N % 2) if N >= 2 else make_data(2)


def wrong_count(N):
    X, y = make_data(N)
    X[y[:, 0] == 0] = X[y[:, 0] == 0].roll(1, dims=1) + X[y[:, 0] == 0] / 2
    return X, y


def asserts_instead(N):
    assert N % 2 == 0 and N >= 2, "N must be even"
    return make_data(N)


def not_implemented(N):
    raise NotImplementedError()


@pytest.mark.parametrize("fn", [SOLUTION["make_data"], data.make_data, sorted_make_data],
                         ids=["solution", "labcode", "sorted_make_data"])
def test_correct_make_data_passes(fn, capsys):
    assert verdict(checks.check_make_data, fn, capsys).startswith("✓ make_data: all")


@pytest.mark.parametrize("fn, hint", [
    (fixed_positions, "at random"),
    (float64, "float32"),
    (flat, "(N, 10, 1)"),
    (unbalanced, "balanced"),
    (odd_accepted, "make_data(7)"),
    (wrong_count, "class-0"),
    (asserts_instead, "ValueError"),
])
def test_wrong_make_data_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_make_data, fn, capsys), "make_data", hint)


def test_unimplemented_make_data(capsys):
    assert_not_implemented(verdict(checks.check_make_data, not_implemented, capsys), "make_data")


def test_check_make_data_leaves_the_global_generator_alone(capsys):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    checks.check_make_data(make_data)
    assert torch.equal(torch.rand(3), expected)


# --------------------------------------------------------------------------- DeepSet


class NoSigmoid(DeepSet):
    def __init__(self):
        super().__init__()
        self.rho = self.rho[:-1]


class PoolFirst(DeepSet):
    def forward(self, x):
        return self.rho(self.phi(x.sum(dim=1, keepdim=True))[:, 0])


class Positional(DeepSet):
    def forward(self, x):
        weights = torch.linspace(0.5, 1.5, x.shape[1]).view(1, -1, 1)
        return self.rho((weights * self.phi(x)).sum(dim=1))


class NoPhi(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(10, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


class MixesObjects(DeepSet):
    def __init__(self):
        super().__init__()
        self.phi = nn.Sequential(nn.Flatten(0, -1), nn.Linear(1, 1))  # wrong: flattens


class Huge(DeepSet):
    def __init__(self):
        super().__init__(hidden_dim=64)


class FirstObjectOnly(DeepSet):
    def forward(self, x):
        return self.rho(self.phi(x)[:, 0])


class Recurrent(DeepSet):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(1, 1, batch_first=True)

    def forward(self, x):
        out, _ = self.rnn(self.phi(x))
        return self.rho(out[:, -1])


class MeanPooled(DeepSet):
    def forward(self, x):
        return self.rho(self.phi(x).mean(dim=1))


class SumsTheBatch(DeepSet):
    def forward(self, x):
        return self.rho(self.phi(x).sum(dim=0))


class NoSuperInit(nn.Module):
    def __init__(self):
        self.phi = nn.Linear(1, 1)


class Float64Output(DeepSet):
    def forward(self, x):
        return super().forward(x).double()


@pytest.mark.parametrize("cls", [DeepSet, LibraryDeepSet], ids=["solution", "labcode"])
def test_correct_deepset_passes(cls, capsys):
    out = verdict(checks.check_deepset, cls, capsys)
    assert out.startswith("✓ DeepSet: all 11 checks passed"), out


@pytest.mark.parametrize("cls, hint", [
    (NoSigmoid, "sigmoid"),
    (PoolFirst, "in order"),
    (Positional, "permutation invariant"),
    (NoPhi, "self.phi"),
    (Huge, "small"),
    (FirstObjectOnly, "must be permutation invariant"),
    (Recurrent, "must be permutation invariant"),
    (MeanPooled, "you pool with a mean"),
    (SumsTheBatch, "not over the batch (dim=0)"),
    (NoSuperInit, "Call super().__init__() as the first line"),
    (Float64Output, "of dtype torch.float64"),
])
def test_wrong_deepset_gets_a_hint(cls, hint, capsys):
    assert_hint(verdict(checks.check_deepset, cls, capsys), "DeepSet", hint)


def test_an_instance_instead_of_the_class(capsys):
    out = verdict(checks.check_deepset, DeepSet(), capsys)
    assert "pass the class itself" in out


def test_a_broken_deepset_is_reported_without_traceback(capsys):
    out = verdict(checks.check_deepset, MixesObjects, capsys)
    assert out.startswith("✗ DeepSet")


# --------------------------------------------------------------------------- train


def good_train(model, steps=4000, batch_size=200, lr=1e-3, progress=True):
    return train_steps(model, make_data, steps=steps, batch_size=batch_size, lr=lr,
                       progress=progress)


def no_progress_argument(model, steps=4000):
    return good_train(model, steps, progress=False)


def keeps_tensors(model, steps=4000, batch_size=200, lr=1e-3, progress=True):
    model, history = good_train(model, steps, progress=False)
    return model, [torch.tensor(v, requires_grad=True) for v in history]


def never_steps(model, steps=4000, batch_size=200, lr=1e-3, progress=True):
    return model, [0.69] * steps


def too_short(model, steps=4000, batch_size=200, lr=1e-3, progress=True):
    return good_train(model, steps // 2, progress=False)


def only_history(model, steps=4000, batch_size=200, lr=1e-3, progress=True):
    return good_train(model, steps, progress=False)[1]


def tiny_lr(model, steps=4000, batch_size=200, lr=1e-3, progress=True):
    return good_train(model, steps, lr=1e-7, progress=False)


@pytest.mark.parametrize("fn", [SOLUTION["train"], good_train], ids=["solution", "train_steps"])
def test_correct_train_passes(fn, capsys):
    assert verdict(checks.check_train, fn, capsys).startswith("✓ train: all")


@pytest.mark.parametrize("fn, hint", [
    (no_progress_argument, "progress=False"),
    (keeps_tensors, "loss.item()"),
    (never_steps, "did not change"),
    (too_short, "one loss per step"),
    (only_history, "tuple (model, history)"),
    (tiny_lr, "go down"),
])
def test_wrong_train_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_train, fn, capsys), "train", hint)


# --------------------------------------------------------------------------- count_params


@pytest.mark.parametrize("fn", [SOLUTION["count_params"], models.count_params],
                         ids=["solution", "labcode"])
def test_correct_count_params_passes(fn, capsys):
    out = verdict(checks.check_count_params, fn, capsys)
    assert out.startswith("✓ count_params: all")


@pytest.mark.parametrize("fn, hint", [
    (lambda m: sum(p.numel() for p in m.parameters() if p.ndim > 1), "biases"),
    (lambda m: torch.tensor(sum(p.numel() for p in m.parameters())), "plain Python int"),
    (lambda m: len(list(m.parameters())), "parameters"),
    (lambda m: sum(p.numel() for layer in (list(m) if isinstance(m, nn.Sequential) else [m])
                   for p in layer.parameters()), "used twice"),
])
def test_wrong_count_params_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_count_params, fn, capsys), "count_params", hint)
