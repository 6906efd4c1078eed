"""Lab 03's self-checks: correct answers pass; each kind of wrong answer gets its own hint.

The references: the solution notebook's make_data, DeepSet, train and count_params, and
labcode's versions; the wrong DeepSets extend the notebook's DeepSet with one mistake each.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from labcode import checks, digits, thirds
from labcode.thirds import DeepSet as LibraryDeepSet
from labcode.thirds import make_data
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


@pytest.mark.parametrize("fn", [SOLUTION["make_data"], thirds.make_data, sorted_make_data],
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
    assert out.startswith("✓ DeepSet: all 18 checks passed"), out


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
    return good_train(model, steps, batch_size, lr=1e-7, progress=False)


@pytest.mark.parametrize("fn", [SOLUTION["train"], good_train], ids=["solution", "train_steps"])
def test_correct_train_passes(fn, capsys):
    assert verdict(checks.check_train, fn, capsys).startswith("✓ train: all")


@pytest.mark.parametrize("fn, hint", [
    (no_progress_argument, "progress=False"),
    (keeps_tensors, "loss.item()"),
    (never_steps, "did not change"),
    (too_short, "one loss per step"),
    (only_history, "tuple (model, history)"),
    (tiny_lr, "with lr=0 the parameters changed"),
])
def test_wrong_train_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_train, fn, capsys), "train", hint)


# --------------------------------------------------------------------------- count_params


@pytest.mark.parametrize("fn", [SOLUTION["count_params"], digits.count_params],
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


# --------------------------------------------------------------------------- issue 14: contracts
# Wrong answers that passed before (an affine phi, a hidden layer too few or an extra tanh, a
# train without zero_grad, on one batch, ignoring lr or with MSE, NumPy's RNG in make_data, a
# shared parameter counted twice) and correct answers in other styles.


def numpy_make_data(N):
    """Right data, drawn from NumPy: torch.manual_seed does not reproduce it."""
    if N < 2 or N % 2:
        raise ValueError("N must be even")
    X = np.zeros((N, 10, 1), dtype=np.float32)
    y = np.repeat([0.0, 1.0], N // 2).astype(np.float32)[:, None]
    for i in range(N):
        k, v = (3, 1 / 3) if y[i, 0] == 0 else (5, 1 / 5)
        X[i, np.random.permutation(10)[:k], 0] = v
    return torch.from_numpy(X), torch.from_numpy(y)


def topk_make_data(N):
    """Correct: the k largest of 10 uniform numbers mark a uniform random subset."""
    if N < 2 or N % 2:
        raise ValueError(f"N must be even and >= 2, got {N}")
    y = torch.cat([torch.zeros(N // 2), torch.ones(N // 2)])[torch.randperm(N)]
    X = torch.zeros(N, 10)
    scores = torch.rand(N, 10)
    for label, k, value in ((0, 3, 1 / 3), (1, 5, 1 / 5)):
        rows = (y == label).nonzero()[:, 0]
        top = scores[rows].topk(k, dim=1).indices
        X[rows.unsqueeze(1), top] = value
    return X.unsqueeze(-1), y.unsqueeze(-1)


def multinomial_make_data(N):
    """Correct: torch.multinomial draws k positions without replacement."""
    if N < 2 or N % 2 != 0:
        raise ValueError("N must be an even number of at least 2")
    X, y = torch.zeros(N, 10, 1), torch.zeros(N, 1)
    y[N // 2:] = 1
    for i in range(N):
        k = 5 if y[i] else 3
        X[i, torch.multinomial(torch.ones(10), k), 0] = 1 / k
    return X, y


@pytest.mark.parametrize("fn", [topk_make_data, multinomial_make_data])
def test_issue14_make_data_in_other_styles_passes(fn, capsys):
    assert verdict(checks.check_make_data, fn, capsys).startswith("✓ make_data: all")


def test_issue14_make_data_from_numpy_gets_a_hint(capsys):
    state = np.random.get_state()
    out = verdict(checks.check_make_data, numpy_make_data, capsys)
    assert_hint(out, "make_data", "not NumPy's")
    assert all(np.array_equal(a, b)
               for a, b in zip(state[1:3], np.random.get_state()[1:3], strict=True))


def sequential(*layers):
    return nn.Sequential(*layers)


class AffinePhi(DeepSet):
    def __init__(self, hidden_dim=5):
        super().__init__(hidden_dim)
        self.phi = sequential(nn.Linear(1, 5), nn.Linear(5, 5), nn.Linear(5, 1))


class ReLUPhi(DeepSet):
    def __init__(self, hidden_dim=5):
        super().__init__(hidden_dim)
        self.phi = sequential(nn.Linear(1, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(),
                              nn.Linear(5, 1))


class OneHiddenLayer(DeepSet):
    def __init__(self, hidden_dim=5):
        super().__init__(hidden_dim)
        self.phi = sequential(nn.Linear(1, 5), nn.Tanh(), nn.Linear(5, 1))


class ExtraTanhInPhi(DeepSet):
    def __init__(self, hidden_dim=5):
        super().__init__(hidden_dim)
        self.phi = sequential(*self.phi, nn.Tanh())


class NoHiddenLayerInRho(DeepSet):
    def __init__(self, hidden_dim=5):
        super().__init__(hidden_dim)
        self.rho = sequential(nn.Linear(1, 1), nn.Sigmoid())


class AffineRho(DeepSet):
    def __init__(self, hidden_dim=5):
        super().__init__(hidden_dim)
        self.rho = sequential(nn.Linear(1, 5), nn.Linear(5, 1), nn.Sigmoid())


class ExtraTanhInRho(DeepSet):
    def __init__(self, hidden_dim=5):
        super().__init__(hidden_dim)
        self.rho = sequential(*self.rho[:-1], nn.Tanh(), nn.Sigmoid())


class ExtraTanhAfterTheSum(DeepSet):
    def forward(self, x):
        return self.rho(torch.tanh(self.phi(x).sum(dim=1)))


class TwoSigmoids(DeepSet):
    def forward(self, x):
        return torch.sigmoid(super().forward(x))


@pytest.mark.parametrize("cls, hint", [
    (AffinePhi, "phi looks affine"),
    (ReLUPhi, "phi uses ReLU"),
    (OneHiddenLayer, "phi has ONE hidden layer"),
    (ExtraTanhInPhi, "phi ends with an activation"),
    (NoHiddenLayerInRho, "rho has no hidden layer"),
    (AffineRho, "rho's hidden layer has no activation"),
    (ExtraTanhInRho, "rho has a Tanh after its last Linear layer"),
    (ExtraTanhAfterTheSum, "forward should go in order"),
    (TwoSigmoids, "through the sigmoid twice"),
])
def test_issue14_wrong_deepset_layers_get_a_hint(cls, hint, capsys):
    assert_hint(verdict(checks.check_deepset, cls, capsys), "DeepSet", hint)


class LoopPhi(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(1, h), nn.Linear(h, h), nn.Linear(h, 1)])

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.tanh(layer(x))
        return self.layers[-1](x)


class ModuleListDeepSet(nn.Module):
    """Correct: phi a ModuleList looped over with torch.tanh; rho an OrderedDict Sequential."""

    def __init__(self, hidden_dim=5):
        super().__init__()
        from collections import OrderedDict

        self.phi = LoopPhi(hidden_dim)
        self.rho = nn.Sequential(OrderedDict(hidden=nn.Linear(1, hidden_dim), act=nn.Tanh(),
                                             out=nn.Linear(hidden_dim, 1),
                                             prob=nn.Sigmoid()))

    def forward(self, x):
        return self.rho(torch.sum(self.phi(x), dim=-2))


class EinsumPhi(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.w1, self.b1 = nn.Parameter(torch.randn(h)), nn.Parameter(torch.zeros(h))
        self.w2, self.b2 = nn.Parameter(torch.randn(h, h) / h), nn.Parameter(torch.zeros(h))
        self.w3, self.b3 = nn.Parameter(torch.randn(h) / h), nn.Parameter(torch.zeros(1))

    def forward(self, x):
        u = torch.tanh(x * self.w1 + self.b1)  # (N, n, 1) * (h,) -> (N, n, h)
        v = torch.tanh(torch.einsum("nmh,kh->nmk", u, self.w2) + self.b2)
        return (v @ self.w3 + self.b3).unsqueeze(-1)


class FunctionalDeepSet(nn.Module):
    """Correct: raw parameters and einsum in phi; rho returns a logit, forward the sigmoid."""

    def __init__(self, hidden_dim=5):
        super().__init__()
        self.phi = EinsumPhi(hidden_dim)
        self.rho = nn.Sequential(nn.Linear(1, hidden_dim), nn.Tanh(), nn.Linear(hidden_dim, 1))

    def forward(self, x):
        return torch.sigmoid(self.rho(torch.einsum("nmk->nk", self.phi(x))))


@pytest.mark.parametrize("cls", [ModuleListDeepSet, FunctionalDeepSet])
def test_issue14_deepset_in_other_styles_passes(cls, capsys):
    out = verdict(checks.check_deepset, cls, capsys)
    assert out.startswith("✓ DeepSet: all 18 checks passed"), out


def manual_train(model, steps=4000, batch_size=200, lr=1e-3, progress=True,
                 zero_grad=True, fresh=True, use_lr=True, loss="bce", optimizer="adam",
                 use_batch_size=True):
    """A loop written by hand; the keyword switches make its wrong variants."""
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(
        model.parameters(), lr=lr if use_lr else 1e-3)
    history = []
    X, y = make_data(batch_size)
    for _ in range(steps):
        if fresh:
            X, y = make_data(batch_size if use_batch_size else 200)
        pred = model(X)
        if loss == "bce":
            value = nn.functional.binary_cross_entropy(pred, y)
        elif loss == "mse":
            value = nn.functional.mse_loss(pred, y)
        else:
            value = nn.functional.binary_cross_entropy_with_logits(pred, y)
        if zero_grad:
            opt.zero_grad()
        value.backward()
        opt.step()
        history.append(value.item())
    return model, history


def zero_grad_last(model, steps=4000, batch_size=200, lr=1e-3, progress=True):
    """Correct: model.zero_grad(set_to_none=False) at the END of each step, float(loss)."""
    opt = torch.optim.Adam(model.parameters(), lr)
    loss_fn, history = nn.BCELoss(), []
    for _ in range(steps):
        X, y = make_data(batch_size)
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
        model.zero_grad(set_to_none=False)
        history.append(float(loss.detach()))
    return model, history


def wrong(**switch):
    def train(model, steps=4000, batch_size=200, lr=1e-3, progress=True):
        return manual_train(model, steps, batch_size, lr, progress, **switch)
    train.__name__ = "_".join(f"{k}_{v}" for k, v in switch.items())
    return train


@pytest.mark.parametrize("fn", [manual_train, zero_grad_last])
def test_issue14_train_in_other_styles_passes(fn, capsys):
    assert verdict(checks.check_train, fn, capsys).startswith("✓ train: all")


@pytest.mark.parametrize("fn, hint", [
    (wrong(zero_grad=False), "the gradients add up"),
    (wrong(fresh=False), "draw a fresh batch"),
    (wrong(use_lr=False), "with lr=0 the parameters changed"),
    (wrong(loss="mse"), "the loss is the mean squared error"),
    (wrong(loss="logits"), "not BCEWithLogitsLoss"),
    (wrong(optimizer="sgd"), "the way Adam does"),
    (wrong(use_batch_size=False), "every batch should hold 50"),
], ids=lambda v: getattr(v, "__name__", None))
def test_issue14_wrong_train_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_train, fn, capsys), "train", hint)


def count_modules_parameters(m):  # modules() lists a module once, but not a shared tensor
    return sum(p.numel() for mod in m.modules() for p in mod.parameters(recurse=False))


def count_unique_state(m):  # distinct tensors of the state_dict: buffers too
    return sum(t.numel() for t in {t.data_ptr(): t for t in m.state_dict().values()}.values())


def count_all_names(m):
    return sum(p.numel() for _, p in m.named_parameters(remove_duplicate=False))


@pytest.mark.parametrize("fn, hint", [
    (count_modules_parameters, "a parameter shared by two layers counts once"),
    (count_unique_state, "not its buffers"),
    (count_all_names, "a layer used twice is one set of parameters"),
])
def test_issue14_wrong_count_params_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_count_params, fn, capsys), "count_params", hint)


@pytest.mark.parametrize("fn", [
    lambda m: sum(math.prod(p.shape) for p in m.parameters()),
    lambda m: int(sum(p.nelement() for p in {id(p): p for _, p in m.named_parameters()}
                      .values())),
], ids=["math_prod", "named_parameters"])
def test_issue14_count_params_in_other_styles_passes(fn, capsys):
    assert verdict(checks.check_count_params, fn, capsys).startswith("✓ count_params: all")


class UnfinishedDeepSet(nn.Module):
    def __init__(self, hidden_dim=5):
        super().__init__()
        raise NotImplementedError()


def unfinished_train(model, steps=4000, batch_size=200, lr=1e-3, progress=True):
    raise NotImplementedError()


def unfinished_count(model):
    raise NotImplementedError()


@pytest.mark.parametrize("check, fn, name", [
    (checks.check_deepset, UnfinishedDeepSet, "DeepSet"),
    (checks.check_train, unfinished_train, "train"),
    (checks.check_count_params, unfinished_count, "count_params"),
])
def test_unfinished_answers_are_not_implemented_yet(check, fn, name, capsys):
    assert_not_implemented(verdict(check, fn, capsys), name)


# --------------------------------------------------------------------------- issue: contracts
# Wrong answers that passed before: hidden_dim ignored (always 5), the input changed in place,
# few subsets for class 1, a new Adam at every step, NumPy integers, a model changed by counting.


class FixedWidth(DeepSet):  # hidden_dim accepted, then ignored: always 5
    def __init__(self, hidden_dim=5):
        super().__init__(5)


class FixedRhoWidth(DeepSet):  # phi follows hidden_dim, rho is always 5 wide
    def __init__(self, hidden_dim=5):
        super().__init__(hidden_dim)
        self.rho = sequential(nn.Linear(1, 5), nn.Tanh(), nn.Linear(5, 1), nn.Sigmoid())


class ScalesItsInput(DeepSet):  # x *= 3 "so that 1/3 becomes 1": the caller's X changes
    def forward(self, x):
        x.mul_(3)
        return super().forward(x / 3)


@pytest.mark.parametrize("cls, hint", [
    (FixedWidth, "instead of a fixed 5"),
    (FixedRhoWidth, "22 parameters in phi and 10 in rho; yours has 22 and 16"),
    (ScalesItsInput, "forward changed its input x in place"),
])
def test_issue_deepset_sizes_and_mutation_get_a_hint(cls, hint, capsys):
    assert_hint(verdict(checks.check_deepset, cls, capsys), "DeepSet", hint)


def rotated_fifths(N):  # class 1: a run of 5 consecutive objects, rotated: 10 subsets only
    X, y = make_data(N)
    ones = y[:, 0] == 1
    shifts = torch.randint(10, (int(ones.sum()),))
    run = (torch.arange(10) < 5).float() / 5
    X[ones] = torch.stack([run.roll(int(k)) for k in shifts]).unsqueeze(-1)
    return X, y


def test_issue_make_data_with_few_class1_subsets_gets_a_hint(capsys):
    assert_hint(verdict(checks.check_make_data, rotated_fifths, capsys), "make_data",
                "instances of class 1")


def new_adam_every_step(model, steps=4000, batch_size=200, lr=1e-3, progress=True):
    history = []
    for _ in range(steps):
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)  # forgets its averages
        X, y = make_data(batch_size)
        loss = nn.BCELoss()(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    return model, history


def test_issue_train_with_a_new_adam_every_step_gets_a_hint(capsys):
    assert_hint(verdict(checks.check_train, new_adam_every_step, capsys), "train",
                "create the optimiser ONCE")


def numpy_integer(m):
    return np.sum([p.numel() for p in m.parameters()])


def freezes_while_counting(m):
    n = 0
    for p in m.parameters():
        p.requires_grad_(False)
        n += p.numel()
    return n


@pytest.mark.parametrize("fn, hint", [
    (numpy_integer, "return a plain Python int, not int64"),
    (freezes_while_counting, "count_params changed the model"),
])
def test_issue_count_params_type_and_mutation_get_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_count_params, fn, capsys), "count_params", hint)


def test_check_count_params_leaves_the_global_generator_alone(capsys):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    checks.check_count_params(SOLUTION["count_params"])
    assert torch.equal(torch.rand(3), expected)
