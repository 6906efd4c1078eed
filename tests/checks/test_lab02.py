"""Lab 02's self-checks: the references pass; each kind of wrong answer gets a specific hint.

The references: the solution notebook's DeepSets, LSTMBaseline, make_batch, accuracy_and_mae
and MaskedDeepSets, and labcode's versions of the first four (which the later labs import).
The wrong answers include the order-dependent models the model checks must flag (a DeepSets
that looks at the last element only, position weights, a recurrent state).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from labcode import checks, digits, training
from labcode.digits import DeepSets, LSTMBaseline, check_digit_batch
from labcode.training import make_batch
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(2, ["DeepSets", "LSTMBaseline", "make_batch", "accuracy_and_mae",
                                  "MaskedDeepSets"])


@pytest.mark.parametrize("check, fn, name", [
    (checks.check_digit_deepsets, SOLUTION["DeepSets"], "DeepSets"),
    (checks.check_digit_lstm, SOLUTION["LSTMBaseline"], "LSTMBaseline"),
    (checks.check_make_batch, SOLUTION["make_batch"], "make_batch"),
    (checks.check_accuracy_and_mae, SOLUTION["accuracy_and_mae"], "accuracy_and_mae"),
    (checks.check_masked_deepsets, SOLUTION["MaskedDeepSets"], "MaskedDeepSets"),
], ids=["DeepSets", "LSTMBaseline", "make_batch", "accuracy_and_mae", "MaskedDeepSets"])
def test_the_solution_passes(check, fn, name, capsys):
    out = verdict(check, fn, capsys)
    assert out.startswith(f"✓ {name}: all"), out


@pytest.mark.parametrize("check, fn, name", [
    (checks.check_digit_deepsets, digits.DeepSets, "DeepSets"),
    (checks.check_digit_lstm, digits.LSTMBaseline, "LSTMBaseline"),
    (checks.check_make_batch, training.make_batch, "make_batch"),
    (checks.check_accuracy_and_mae, digits.accuracy_and_mae, "accuracy_and_mae"),
], ids=["DeepSets", "LSTMBaseline", "make_batch", "accuracy_and_mae"])
def test_labcode_references_pass(check, fn, name, capsys):
    out = verdict(check, fn, capsys)
    assert out.startswith(f"✓ {name}: all"), out


def test_model_checks_leave_the_global_random_state_alone(capsys):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    checks.check_digit_deepsets(DeepSets)
    checks.check_digit_lstm(LSTMBaseline)
    assert torch.equal(torch.rand(3), expected)


# --------------------------------------------------------------------------- DeepSets


class MeanPool(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(self.tanh(self.fc1(self.embedding(x))).mean(1)).squeeze(-1)


class NoTanh(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(self.fc1(self.embedding(x)).sum(1)).squeeze(-1)


class ReLUInsteadOfTanh(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(torch.relu(self.fc1(self.embedding(x))).sum(1)).squeeze(-1)


class TanhAfterSum(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(self.tanh(self.fc1(self.embedding(x)).sum(1))).squeeze(-1)


class NoInputCheck(DeepSets):
    def forward(self, x):
        return self.fc2(self.tanh(self.fc1(self.embedding(x))).sum(1)).squeeze(-1)


class SumOverBatch(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(self.tanh(self.fc1(self.embedding(x))).sum(0)).squeeze(-1)


class ExtraLayer(DeepSets):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra = nn.Linear(2, 2)


class NoSqueeze(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(self.tanh(self.fc1(self.embedding(x))).sum(1))


class Stub(nn.Module):
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        super().__init__()
        raise NotImplementedError()


class OtherSignature(DeepSets):
    def __init__(self, h1, h2):
        super().__init__(11, h1, h2)


@pytest.mark.parametrize("cls, hint", [
    (MeanPool, "Sum (not mean or max)"),
    (NoTanh, "phi looks affine"),
    (ReLUInsteadOfTanh, "phi is not bounded"),
    (TanhAfterSum, "apply only the last Linear after the sum"),
    (NoInputCheck, "keep check_digit_batch(x)"),
    (SumOverBatch, "not over the batch (dim=0)"),
    (ExtraLayer, "should have 11*8 + (8*4 + 4) + (4 + 1) = 129 parameters"),
    (NoSqueeze, "Squeeze the last dimension"),
    (Stub, "not implemented yet"),
    (OtherSignature, "build the model as OtherSignature(input_dim=11"),
    (42, "expected your function itself"),
])
def test_wrong_deepsets_get_a_hint(cls, hint, capsys):
    out = verdict(checks.check_digit_deepsets, cls, capsys)
    assert not out.startswith(checks.PASSED) and hint in out, out


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


# --------------------------------------------------------------------------- LSTMBaseline


class OutputLastStep(LSTMBaseline):  # correct too: output[:, -1] is h_n[-1]
    def forward(self, x):
        check_digit_batch(x)
        output, _ = self.lstm(self.embedding(x))
        return self.fc(output[:, -1]).squeeze(-1)


@pytest.mark.parametrize("cls", [LSTMBaseline, OutputLastStep])
def test_correct_lstms_pass(cls, capsys):
    out = verdict(checks.check_digit_lstm, cls, capsys)
    assert out.startswith("✓ LSTMBaseline: all 15 checks passed"), out


class NotBatchFirst(nn.Module):
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x):
        check_digit_batch(x)
        _, (h_n, _) = self.lstm(self.embedding(x))
        return self.fc(h_n[-1]).squeeze(-1)


class FirstStep(LSTMBaseline):
    def forward(self, x):
        check_digit_batch(x)
        output, _ = self.lstm(self.embedding(x))
        return self.fc(output[:, 0]).squeeze(-1)


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


@pytest.mark.parametrize("cls, hint", [
    (NotBatchFirst, "batch_first=True"),
    (FirstStep, "changing the LAST element"),
    (DeepSets, "= 317 parameters"),
    (PoolsBeforeTheLSTM, "reversing the sets did not change a single prediction"),
    (MeanOfOutputs, "not a mean of the outputs"),
    (CellState, "not the cell state c_n"),
])
def test_wrong_lstms_get_a_hint(cls, hint, capsys):
    assert_hint(verdict(checks.check_digit_lstm, cls, capsys), "LSTMBaseline", hint)


# --------------------------------------------------------------------------- make_batch


def float_batch(X, y, idx, device):
    return (torch.tensor(X[idx], dtype=torch.float32, device=device),
            torch.tensor(y[idx], dtype=torch.float32, device=device))


def ignores_device(X, y, idx, device):
    return torch.as_tensor(X[idx]), torch.as_tensor(y[idx], dtype=torch.float32)


def int_targets(X, y, idx, device):
    return torch.as_tensor(X[idx], device=device), torch.as_tensor(y[idx], device=device)


def first_rows(X, y, idx, device):
    return make_batch(X, y, np.arange(len(idx)), device)


def numpy_batch(X, y, idx, device):
    return X[idx], y[idx]


@pytest.mark.parametrize("fn, hint", [
    (float_batch, "x_batch should be a LongTensor"),
    (ignores_device, "put both tensors on `device`"),
    (int_targets, "y_batch should be float32"),
    (first_rows, "x_batch[i] should be X[idx[i]]"),
    (numpy_batch, "a tuple of ndarray and ndarray: convert them"),
])
def test_wrong_make_batch_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_make_batch, fn, capsys), "make_batch", hint)


# --------------------------------------------------------------------------- accuracy_and_mae


def count_hits(pred, target):
    return int((np.round(pred) == target).sum()), float(np.abs(pred - target).mean())


def rounded_mae(pred, target):
    return float((np.round(pred) == target).mean()), float(np.abs(np.round(pred) - target).mean())


def truncating(pred, target):
    return float((pred.astype(int) == target).mean()), float(np.abs(pred - target).mean())


def arrays(pred, target):
    return np.round(pred) == target, np.abs(pred - target)


@pytest.mark.parametrize("fn, hint", [
    (count_hits, "a fraction in [0, 1]"),
    (rounded_mae, "from the raw predictions"),
    (truncating, "round the predictions to the nearest integer"),
    (arrays, "two numbers, not arrays"),
])
def test_wrong_metrics_get_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_accuracy_and_mae, fn, capsys), "accuracy_and_mae", hint)


# --------------------------------------------------------------------------- MaskedDeepSets


class LibraryMasked(DeepSets):  # the library's mask, behind the exercise's signature
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        super().__init__(input_dim, embedding_dim, hidden_dim, mask_padding=True)


class SubtractsPadding(DeepSets):  # correct too: removes phi(0) once per padding position
    def forward(self, x):
        check_digit_batch(x)
        phi = self.tanh(self.fc1(self.embedding(x)))
        phi0 = self.tanh(self.fc1(self.embedding.weight[0]))
        n_pad = (x == 0).sum(1, keepdim=True)
        return self.fc2(phi.sum(1) - n_pad * phi0).squeeze(-1)


class Unmasked(DeepSets):
    pass


class MasksTheEmbedding(DeepSets):  # phi(0) = tanh(b1), not 0
    def forward(self, x):
        check_digit_batch(x)
        e = self.embedding(x) * (x != 0).unsqueeze(-1)
        return self.fc2(self.tanh(self.fc1(e)).sum(1)).squeeze(-1)


class MaskedMean(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        mask = (x != 0).unsqueeze(-1)
        phi = self.tanh(self.fc1(self.embedding(x))) * mask
        return self.fc2(phi.sum(1) / mask.sum(1).clamp(min=1)).squeeze(-1)


class InvertedMask(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        phi = self.tanh(self.fc1(self.embedding(x))) * (x == 0).unsqueeze(-1)
        return self.fc2(phi.sum(1)).squeeze(-1)


class DropsEverything(DeepSets):  # padding adds nothing because nothing does
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(torch.zeros(x.shape[0], self.fc2.in_features)).squeeze(-1)


@pytest.mark.parametrize("cls", [LibraryMasked, SubtractsPadding])
def test_correct_masked_deepsets_pass(cls, capsys):
    out = verdict(checks.check_masked_deepsets, cls, capsys)
    assert out.startswith("✓ MaskedDeepSets: all"), out


@pytest.mark.parametrize("cls, hint", [
    (Unmasked, "adding padding (zeros) in front changed the prediction"),
    (MasksTheEmbedding, "multiply phi of every element by the mask"),
    (MaskedMean, "a mean over the digits is not a sum"),
    (InvertedMask, "changed the prediction"),
    (DropsEverything, "every digit gets the same prediction"),
    (NoInputCheck, "keep check_digit_batch(x)"),
])
def test_wrong_masked_deepsets_get_a_hint(cls, hint, capsys):
    assert_hint(verdict(checks.check_masked_deepsets, cls, capsys), "MaskedDeepSets", hint)


# --------------------------------------------------------------------------- issue 14: contracts
# Wrong answers that passed before (a sum over the last 10 positions only, a .squeeze() that
# breaks a batch of one, the median error) and correct answers in other styles.


class LastTenPositions(DeepSets):  # right on the training rows (10 long), wrong beyond
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(self.tanh(self.fc1(self.embedding(x)))[:, -10:].sum(1)).squeeze(-1)


class SqueezeAllDeepSets(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        return self.fc2(self.tanh(self.fc1(self.embedding(x))).sum(1)).squeeze()


class SqueezeAllLSTM(LSTMBaseline):
    def forward(self, x):
        check_digit_batch(x)
        _, (h_n, _) = self.lstm(self.embedding(x))
        return self.fc(h_n[-1]).squeeze()


class SqueezeAllMasked(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        phi = self.tanh(self.fc1(self.embedding(x))) * (x != 0).unsqueeze(-1)
        return self.fc2(phi.sum(1)).squeeze()


@pytest.mark.parametrize("check, cls, name, hint", [
    (checks.check_digit_deepsets, LastTenPositions, "DeepSets", "not over a fixed number of "
     "positions such as the last 10"),
    (checks.check_digit_deepsets, SqueezeAllDeepSets, "DeepSets", "squeeze only the last one"),
    (checks.check_digit_lstm, SqueezeAllLSTM, "LSTMBaseline", "squeeze only the last one"),
    (checks.check_masked_deepsets, SqueezeAllMasked, "MaskedDeepSets",
     "squeeze only the last one"),
])
def test_issue14_wrong_digit_models_get_a_hint(check, cls, name, hint, capsys):
    assert_hint(verdict(check, cls, capsys), name, hint)


def median_error(pred, target):
    return float((np.round(pred) == target).mean()), float(np.median(np.abs(pred - target)))


def signed_error(pred, target):
    return float((np.round(pred) == target).mean()), float(np.mean(pred - target))


@pytest.mark.parametrize("fn, hint", [
    (median_error, "not the median"),
    (signed_error, "take the absolute value"),
])
def test_issue14_wrong_metrics_get_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_accuracy_and_mae, fn, capsys), "accuracy_and_mae", hint)


class SequentialDeepSets(nn.Module):  # phi and rho as modules of their own
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        super().__init__()
        self.phi = nn.Sequential(nn.Embedding(input_dim, embedding_dim),
                                 nn.Linear(embedding_dim, hidden_dim), nn.Tanh())
        self.rho = nn.Linear(hidden_dim, 1)

    def forward(self, x):
        check_digit_batch(x)
        return self.rho(torch.sum(self.phi(x), dim=1))[:, 0]


class FunctionalDeepSets(nn.Module):  # raw parameters, torch.tanh, einsum for sum and rho
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, embedding_dim)
        self.W = nn.Parameter(torch.randn(hidden_dim, embedding_dim) / embedding_dim ** 0.5)
        self.b = nn.Parameter(torch.zeros(hidden_dim))
        self.w = nn.Parameter(torch.randn(hidden_dim) / hidden_dim ** 0.5)
        self.c = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        check_digit_batch(x)
        phi = torch.tanh(nn.functional.linear(self.embedding(x), self.W, self.b))
        return torch.einsum("bnh,h->b", phi, self.w) + self.c


class TimeMajorLSTM(nn.Module):  # batch_first=False, the input transposed
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x):
        check_digit_batch(x)
        output, _ = self.lstm(self.embedding(x).transpose(0, 1))
        return self.fc(output[-1]).view(-1)


class CellLoopLSTM(nn.Module):  # one nn.LSTMCell, stepped by hand
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, embedding_dim)
        self.cell = nn.LSTMCell(embedding_dim, hidden_dim)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x):
        check_digit_batch(x)
        e = self.embedding(x)
        h = e.new_zeros(x.shape[0], self.cell.hidden_size)
        state = (h, h.clone())
        for t in range(x.shape[1]):
            state = self.cell(e[:, t], state)
        return self.fc(state[0]).squeeze(1)


def from_numpy_batch(X, y, idx, device):
    return (torch.from_numpy(X[idx]).long().to(device),
            torch.from_numpy(y[idx].astype(np.float32)).to(device))


def tensor_batch(X, y, idx, device):
    rows = torch.tensor(X, dtype=torch.int64)[torch.as_tensor(idx)]
    return rows.to(device), torch.tensor(y, dtype=torch.float32)[torch.as_tensor(idx)].to(device)


def rint_metrics(pred, target):
    hits = np.rint(pred).astype(int) == target
    return hits.sum() / len(hits), np.abs(pred - target).sum() / len(pred)


def torch_metrics(pred, target):
    p, t = torch.as_tensor(pred), torch.as_tensor(target, dtype=torch.float64)
    return (p.round() == t).double().mean().item(), (p - t).abs().mean().item()


class WhereMasked(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        phi = self.tanh(self.fc1(self.embedding(x)))
        phi = torch.where((x == 0).unsqueeze(-1), torch.zeros_like(phi), phi)
        return self.fc2(phi.sum(1)).squeeze(-1)


class EinsumMasked(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        phi = self.tanh(self.fc1(self.embedding(x)))
        return self.fc2(torch.einsum("bnh,bn->bh", phi, (x != 0).float())).squeeze(-1)


@pytest.mark.parametrize("check, fn, name", [
    (checks.check_digit_deepsets, SequentialDeepSets, "DeepSets"),
    (checks.check_digit_deepsets, FunctionalDeepSets, "DeepSets"),
    (checks.check_digit_lstm, TimeMajorLSTM, "LSTMBaseline"),
    (checks.check_digit_lstm, CellLoopLSTM, "LSTMBaseline"),
    (checks.check_make_batch, from_numpy_batch, "make_batch"),
    (checks.check_make_batch, tensor_batch, "make_batch"),
    (checks.check_accuracy_and_mae, rint_metrics, "accuracy_and_mae"),
    (checks.check_accuracy_and_mae, torch_metrics, "accuracy_and_mae"),
    (checks.check_masked_deepsets, WhereMasked, "MaskedDeepSets"),
    (checks.check_masked_deepsets, EinsumMasked, "MaskedDeepSets"),
], ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_issue14_correct_answers_in_other_styles_pass(check, fn, name, capsys):
    out = verdict(check, fn, capsys)
    assert out.startswith(f"✓ {name}: all"), out


class UnfinishedLSTM(nn.Module):
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        super().__init__()
        raise NotImplementedError()


class UnfinishedMasked(DeepSets):
    def forward(self, x):
        check_digit_batch(x)
        raise NotImplementedError()


def unfinished_batch(X, y, idx, device):
    raise NotImplementedError()


def unfinished_metrics(pred, target):
    raise NotImplementedError()


@pytest.mark.parametrize("check, fn, name", [
    (checks.check_digit_deepsets, Stub, "DeepSets"),
    (checks.check_digit_lstm, UnfinishedLSTM, "LSTMBaseline"),
    (checks.check_masked_deepsets, UnfinishedMasked, "MaskedDeepSets"),
    (checks.check_make_batch, unfinished_batch, "make_batch"),
    (checks.check_accuracy_and_mae, unfinished_metrics, "accuracy_and_mae"),
])
def test_unfinished_answers_are_not_implemented_yet(check, fn, name, capsys):
    assert_not_implemented(verdict(check, fn, capsys), name)


# --------------------------------------------------------------------------- issue: contracts
# Wrong answers that passed before: a mask shared by the batch (padding dropped only where every
# set has it), a size argument ignored, inputs changed in place, metrics that are not Python
# floats.


class AnyOverBatchMask(DeepSets):  # masks a position only where EVERY set of the batch pads it
    def forward(self, x):
        check_digit_batch(x)
        phi = self.tanh(self.fc1(self.embedding(x)))
        return self.fc2((phi * (x != 0).any(0).unsqueeze(-1)).sum(1)).squeeze(-1)


class FirstRowMask(DeepSets):  # the mask of the first set, for every set
    def forward(self, x):
        check_digit_batch(x)
        phi = self.tanh(self.fc1(self.embedding(x)))
        return self.fc2((phi * (x[:1] != 0).unsqueeze(-1)).sum(1)).squeeze(-1)


class CountsPaddingOfTheBatch(DeepSets):  # removes phi(0) as often as the batch pads on average
    def forward(self, x):
        check_digit_batch(x)
        phi = self.tanh(self.fc1(self.embedding(x)))
        phi0 = self.tanh(self.fc1(self.embedding.weight[0]))
        return self.fc2(phi.sum(1) - (x == 0).sum(1).float().mean() * phi0).squeeze(-1)


class SortsItsInput(DeepSets):  # sorts x in place "to make the order irrelevant"
    def forward(self, x):
        check_digit_batch(x)
        x.copy_(x.sort(dim=1).values)
        phi = self.tanh(self.fc1(self.embedding(x))) * (x != 0).unsqueeze(-1)
        return self.fc2(phi.sum(1)).squeeze(-1)


@pytest.mark.parametrize("cls, hint", [
    (AnyOverBatchMask, "each row needs its own mask"),
    (FirstRowMask, "each row needs its own mask"),
    (CountsPaddingOfTheBatch, "should not depend on the other sets of the batch"),
    (SortsItsInput, "forward changed its input x in place"),
])
def test_issue_wrong_masks_get_a_hint(cls, hint, capsys):
    assert_hint(verdict(checks.check_masked_deepsets, cls, capsys), "MaskedDeepSets", hint)


class FixedVocabulary(DeepSets):  # nn.Embedding(11, ...) whatever input_dim says
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        super().__init__(11, embedding_dim, hidden_dim)


class FixedVocabularyLSTM(LSTMBaseline):  # nn.Embedding(11, ...) whatever input_dim says
    def __init__(self, input_dim=11, embedding_dim=128, hidden_dim=64):
        super().__init__(11, embedding_dim, hidden_dim)


@pytest.mark.parametrize("check, cls, name, hint", [
    (checks.check_digit_deepsets, FixedVocabulary, "DeepSets",
     "(input_dim=13, embedding_dim=6, hidden_dim=3) should have 103 parameters"),
    (checks.check_digit_deepsets, SortsItsInput, "DeepSets", "changed its input x in place"),
    (checks.check_digit_lstm, FixedVocabularyLSTM, "LSTMBaseline", "instead of a fixed number"),
])
def test_issue_ignored_sizes_and_mutations_get_a_hint(check, cls, name, hint, capsys):
    assert_hint(verdict(check, cls, capsys), name, hint)


def sorts_idx(X, y, idx, device):  # sorted rows read faster, but the caller's idx is sorted
    idx.sort()
    return make_batch(X, y, idx, device)


def zeroes_used_targets(X, y, idx, device):
    batch = make_batch(X, y, idx, device)
    y[idx] = 0
    return batch


@pytest.mark.parametrize("fn, hint", [
    (sorts_idx, "make_batch changed idx in place"),
    (zeroes_used_targets, "make_batch changed y in place"),
])
def test_issue_make_batch_that_changes_its_inputs_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_make_batch, fn, capsys), "make_batch", hint)


def zero_d_arrays(pred, target):
    return np.mean(np.round(pred) == target, keepdims=True)[0:1].reshape(()), \
        np.asarray(np.mean(np.abs(pred - target)))


def float32_scalars(pred, target):
    return (np.float32(np.mean(np.round(pred) == target)),
            np.float32(np.mean(np.abs(pred - target))))


def rounds_in_place(pred, target):
    accuracy = float(np.mean(np.round(pred, out=pred) == target))
    return accuracy, float(np.mean(np.abs(pred - target)))


@pytest.mark.parametrize("fn, hint", [
    (zero_d_arrays, "return two Python floats"),
    (float32_scalars, "return two Python floats"),
    (rounds_in_place, "changed pred or target in place"),
])
def test_issue_metrics_of_the_wrong_type_get_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_accuracy_and_mae, fn, capsys), "accuracy_and_mae", hint)
