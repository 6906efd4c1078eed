"""Every self-check gives a specific hint for plausible wrong answers.

The checks with few or no wrong-answer tests elsewhere (``check_pool``, ``check_aggregate``) get
a correct answer and several typical mistakes here; so do the order-dependent models the model
checks must flag (a DeepSet that looks at one element, a recurrent layer, position weights) and a
few more mistakes for the other checks. Each mistake must give a "✗" verdict naming the problem,
on at most two lines, without a traceback.

``test_every_check_has_wrong_answer_tests`` makes sure a new ``check_*`` cannot be added without
tests of its hints.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from labcode import checks
from labcode.models import DeepSets, LSTMBaseline, check_digit_batch
from labcode.training import make_batch

TESTS = Path(__file__).resolve().parent


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def verdict(check, fn, capsys):
    assert check(fn) is None  # a notebook cell shows the printed verdict only
    out = capsys.readouterr().out
    assert "Traceback" not in out and out.count("\n") <= 2, out
    return out


def assert_hint(out, name, hint):
    assert out.startswith(f"✗ {name}:"), out
    assert hint in out, out


# --------------------------------------------------------------------------- Lab 07: pool


def pool(h, mask, how):  # the solution of Lab 07
    m = mask.unsqueeze(-1)
    if how == "sum":
        return (h * m).sum(dim=1)
    if how == "mean":
        return (h * m).sum(dim=1) / m.sum(dim=1)
    if how == "max":
        return h.masked_fill(~m, float("-inf")).max(dim=1).values
    raise ValueError(f"unknown pooling {how!r}")


def pool_with(how, wrong):
    """The solution of Lab 07 with ``wrong(h, mask, m)`` in place of one pooling."""
    def student(h, mask, how_):
        return wrong(h, mask, mask.unsqueeze(-1)) if how_ == how else pool(h, mask, how_)
    return student


def pool_unfinished(h, mask, how):
    if how == "sum":
        return pool(h, mask, how)
    raise NotImplementedError("pool: mean and max")


def test_correct_pool_passes(capsys):
    assert verdict(checks.check_pool, pool, capsys).startswith("✓ pool: all 6 checks passed")


@pytest.mark.parametrize("student, hint", [
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1) / h.shape[1]), "not by n = h.shape[1]"),
    (pool_with("mean", lambda h, mask, m: h.mean(1)), "the padding is averaged in"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1) / mask.sum()),
     "m.sum() counts the elements of the whole batch"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1) / mask.sum(1)),
     "mask.sum(dim=1, keepdim=True)"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1, keepdim=True) / m.sum(1, keepdim=True)),
     "drop the extra dimension of size 1"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1).double() / m.sum(1)),
     "got torch.float64"),
    (pool_with("max", lambda h, mask, m: (h * m).max(1).values), "padding set to 0 wins the max"),
    (pool_with("max", lambda h, mask, m: h.max(1).values), "the padding takes part in the max"),
    (pool_with("max", lambda h, mask, m: h.masked_fill(~m, float("-inf")).max(1)),
     "take its `.values`"),
    (pool_with("max", lambda h, mask, m: None), "did you forget the `return`?"),
])
def test_wrong_pool_gets_a_hint(student, hint, capsys):
    assert_hint(verdict(checks.check_pool, student, capsys), "pool", hint)


def test_unfinished_pool_is_not_implemented_yet(capsys):
    out = verdict(checks.check_pool, pool_unfinished, capsys)
    assert "not implemented" in out and not out.startswith("✗"), out


# --------------------------------------------------------------------------- Lab 08: aggregate


def aggregate(parts, sizes, how):  # the solution of Lab 08
    stacked = torch.stack(list(parts))
    if how == "sum":
        return stacked.sum(dim=0)
    if how == "mean":
        weights = torch.as_tensor(sizes, dtype=stacked.dtype).view(-1, 1, 1)
        return (weights * stacked).sum(dim=0) / weights.sum()
    if how == "max":
        return stacked.max(dim=0).values
    raise ValueError(f"how must be 'sum', 'mean' or 'max', got {how!r}")


def aggregate_with(how, wrong):
    def student(parts, sizes, how_):
        return wrong(parts, sizes) if how_ == how else aggregate(parts, sizes, how_)
    return student


def test_correct_aggregate_passes(capsys):
    out = verdict(checks.check_aggregate, aggregate, capsys)
    assert out.startswith("✓ aggregate: all 6 checks passed")


@pytest.mark.parametrize("student, hint", [
    (aggregate_with("mean", lambda p, s: torch.stack(p).mean(0)),
     "a plain mean of the means is wrong"),
    (aggregate_with("mean", lambda p, s: (torch.tensor(s).view(-1, 1, 1) * torch.stack(p)).sum(0)),
     "now divide by the total number of elements, sum(sizes)"),
    (aggregate_with("mean", lambda p, s: (torch.tensor(s) * torch.stack(p)).sum(0) / sum(s)),
     "make it a (chunks, 1, 1) tensor"),
    (aggregate_with("mean", lambda p, s: (torch.as_tensor(np.asarray(s) / sum(s)).view(-1, 1, 1)
                                          * torch.stack(p)).sum(0)),
     "got torch.float64"),
    (aggregate_with("sum", lambda p, s: torch.cat(p).sum(0)), "torch.cat would mix the chunks"),
    (aggregate_with("sum", lambda p, s: torch.stack(p).sum(1)), "reduce over the chunks, dim=0"),
    (aggregate_with("sum", lambda p, s: torch.stack(p).mean(0)),
     "the sum of a set is the sum of the chunks' sums"),
    (aggregate_with("max", lambda p, s: torch.stack(p).max(0)), "take its `.values`"),
    (aggregate_with("max", lambda p, s: torch.stack(p).sum(0)), "maximum of the chunks' maxima"),
    (lambda parts, sizes, how: list(parts), "got a list"),
])
def test_wrong_aggregate_gets_a_hint(student, hint, capsys):
    assert_hint(verdict(checks.check_aggregate, student, capsys), "aggregate", hint)


def test_unfinished_aggregate_is_not_implemented_yet(capsys):
    def unfinished(parts, sizes, how):
        raise NotImplementedError("aggregate")
    out = verdict(checks.check_aggregate, unfinished, capsys)
    assert "not implemented" in out and not out.startswith("✗"), out


# ------------------------------------------------------------------- Lab 04: permuted_copies


def permuted_copies(x, n_perms=3):  # the solution of Lab 04
    orders = [np.random.permutation(len(x)) for _ in range(n_perms)]
    return torch.stack([x] + [x[torch.as_tensor(order)] for order in orders])


def one_order_for_all(x, n_perms=3):
    order = np.random.permutation(len(x))
    return torch.stack([x] + [x[order] for _ in range(n_perms)])


def shuffles_features(x, n_perms=3):
    return torch.stack([x] + [x[:, np.random.permutation(x.shape[1])] for _ in range(n_perms)])


def permutes_the_tensor(x, n_perms=3):
    return torch.stack([x] + [np.random.permutation(x) for _ in range(n_perms)])


def shuffles_x_in_place(x, n_perms=3):
    copies = [x.clone()]
    for _ in range(n_perms):
        x[:] = x[np.random.permutation(len(x))]
        copies.append(x.clone())
    return torch.stack(copies)


def concatenates(x, n_perms=3):
    return torch.cat([x] + [x[np.random.permutation(len(x))] for _ in range(n_perms)])


def test_correct_permuted_copies_passes(capsys):
    out = verdict(checks.check_permuted_copies, permuted_copies, capsys)
    assert out.startswith("✓ permuted_copies: all 9 checks passed")


@pytest.mark.parametrize("student, hint", [
    (one_order_for_all, "once per copy"),
    (shuffles_features, "whole rows moved together"),
    (permutes_the_tensor, "draw the ORDER"),
    (shuffles_x_in_place, "never assign into x"),
    (concatenates, "torch.stack puts them along a new first dimension"),
])
def test_wrong_permuted_copies_gets_a_hint(student, hint, capsys):
    assert_hint(verdict(checks.check_permuted_copies, student, capsys), "permuted_copies", hint)


# --------------------------------------------------------------------------- Lab 03: DeepSet


class DeepSet(nn.Module):  # the solution of Lab 03
    def __init__(self, hidden=5):
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                                 nn.Tanh(), nn.Linear(hidden, 1))
        self.rho = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1),
                                 nn.Sigmoid())

    def forward(self, x):
        return self.rho(self.phi(x).sum(dim=1))


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


def test_correct_deepset_passes(capsys):
    out = verdict(checks.check_deepset, DeepSet, capsys)
    assert out.startswith("✓ DeepSet: all 11 checks passed")


@pytest.mark.parametrize("cls, hint", [
    (FirstObjectOnly, "must be permutation invariant"),
    (Recurrent, "must be permutation invariant"),
    (MeanPooled, "you pool with a mean"),
    (SumsTheBatch, "not over the batch (dim=0)"),
    (NoSuperInit, "Call super().__init__() as the first line"),
    (Float64Output, "of dtype torch.float64"),
])
def test_wrong_deepset_gets_a_hint(cls, hint, capsys):
    assert_hint(verdict(checks.check_deepset, cls, capsys), "DeepSet", hint)


# --------------------------------------------------------------------------- Lab 02: DeepSets


class LastElementOnly(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(self.tanh(self.fc1(self.embedding(x)))[:, -1]).squeeze(-1)


class PositionWeights(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        weights = torch.arange(1, x.shape[1] + 1).view(1, -1, 1)
        return self.fc2((weights * self.tanh(self.fc1(self.embedding(x)))).sum(1)).squeeze(-1)


class CumulativeSum(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(self.tanh(self.fc1(self.embedding(x)).cumsum(1)).sum(1)).squeeze(-1)


class DigitNoSuperInit(nn.Module):
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        self.embedding = nn.Embedding(input_dim, embedding_dim)


@pytest.mark.parametrize("cls, hint", [
    (LastElementOnly, "DeepSets must be permutation invariant"),
    (PositionWeights, "DeepSets must be permutation invariant"),
    (CumulativeSum, "DeepSets must be permutation invariant"),
    (DigitNoSuperInit, "Call super().__init__() as the first line"),
])
def test_order_dependent_digit_deepsets_get_a_hint(cls, hint, capsys):
    assert_hint(verdict(checks.check_digit_deepsets, cls, capsys), "DeepSets", hint)


# --------------------------------------------------------------------------- Lab 02: LSTMBaseline


class PoolsBeforeTheLSTM(LSTMBaseline):  # order independent: the LSTM sees one summed step
    def forward(self, x):
        check_digit_batch(x)
        _, (h_n, _) = self.lstm(self.embedding(x).sum(1, keepdim=True))
        return self.fc(h_n[-1]).squeeze(-1)


class MeanOfOutputs(LSTMBaseline):
    def forward(self, x):
        check_digit_batch(x)
        output, _ = self.lstm(self.embedding(x))
        return self.fc(output.mean(1)).squeeze(-1)


class CellState(LSTMBaseline):
    def forward(self, x):
        check_digit_batch(x)
        _, (_, c_n) = self.lstm(self.embedding(x))
        return self.fc(c_n[-1]).squeeze(-1)


class OutputLastStep(LSTMBaseline):  # correct too: output[:, -1] is h_n[-1]
    def forward(self, x):
        check_digit_batch(x)
        output, _ = self.lstm(self.embedding(x))
        return self.fc(output[:, -1]).squeeze(-1)


@pytest.mark.parametrize("cls", [LSTMBaseline, OutputLastStep])
def test_correct_lstms_pass(cls, capsys):
    out = verdict(checks.check_digit_lstm, cls, capsys)
    assert out.startswith("✓ LSTMBaseline: all 12 checks passed"), out


@pytest.mark.parametrize("cls, hint", [
    (PoolsBeforeTheLSTM, "reversing the sets did not change a single prediction"),
    (MeanOfOutputs, "not a mean of the outputs"),
    (CellState, "not the cell state c_n"),
])
def test_wrong_lstms_get_a_hint(cls, hint, capsys):
    assert_hint(verdict(checks.check_digit_lstm, cls, capsys), "LSTMBaseline", hint)


# --------------------------------------------------------------------------- Lab 02: make_batch


def numpy_batch(X, y, idx, device):
    return X[idx], y[idx]


def test_make_batch_returning_arrays_gets_a_hint(capsys):
    assert verdict(checks.check_make_batch, make_batch, capsys).startswith("✓ make_batch")
    out = verdict(checks.check_make_batch, numpy_batch, capsys)
    assert_hint(out, "make_batch", "a tuple of ndarray and ndarray: convert them")


# --------------------------------------------------------------------------- every check


def test_every_check_has_wrong_answer_tests():
    """Each public check_* is named in a test file that asserts a "✗" verdict."""
    names = sorted(n for n in dir(checks)
                   if n.startswith("check_") and callable(getattr(checks, n)))
    assert len(names) >= 15
    with_failures = [p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py")]
    with_failures = [t for t in with_failures
                     if any("assert" in line and "✗" in line for line in t.splitlines())]
    untested = [n for n in names
                if not any(re.search(rf"\b{n}\b", text) for text in with_failures)]
    assert not untested, (f"{untested}: add tests that feed wrong implementations to these "
                          "checks and assert a '✗' verdict with a specific hint")
