"""Lab 02's digit-sum models: shapes, invariance (or not), parameter counts, clear errors."""

from __future__ import annotations

import pytest
import torch

from labcode.digits import (
    DeepSets,
    LSTMBaseline,
    check_digit_batch,
    count_params,
    deepsets_param_count,
    lstm_param_count,
)
from tests.conftest import relative_error

MODELS = [DeepSets, LSTMBaseline]


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize("shape", [(1, 1), (4, 10), (3, 37), (2, 300)])
def test_output_is_one_float_per_set_for_any_set_size(cls, shape):
    model = cls(11, 8, 4)
    x = torch.randint(0, 11, shape)
    with torch.no_grad():
        out = model(x)
    assert out.shape == (shape[0],) and out.dtype == torch.float32


@pytest.mark.parametrize("cls", MODELS)
def test_sets_in_a_batch_do_not_interact(cls):
    model = cls(11, 8, 4).double()
    x = torch.randint(0, 11, (5, 9))
    with torch.no_grad():
        # float64, where a batch of 5 and one of 2 agree up to rounding (~1e-16 relative)
        assert relative_error(model(x)[:2], model(x[:2])) < 1e-10


def test_deepsets_is_invariant_to_every_permutation_tried():
    model = DeepSets(11, 16, 8).double()
    x = torch.randint(0, 11, (64, 12))
    with torch.no_grad():
        out = model(x)
        for _ in range(10):
            # float64: reordering a sum of 12 terms moves it by ~12 * 1e-16 of its size
            assert relative_error(model(x[:, torch.randperm(12)]), out) < 1e-10


def test_lstm_is_not_invariant():
    model = LSTMBaseline(11, 16, 8)
    x = torch.randint(1, 11, (64, 12))
    with torch.no_grad():
        changes = [relative_error(model(x[:, torch.randperm(12)]), model(x)) for _ in range(5)]
    assert max(changes) > 1e-2  # a share of the outputs' size, not float32 rounding (1e-7)


def test_deepsets_is_rho_of_the_sum_of_phi():
    model = DeepSets(11, 6, 5).double()
    x = torch.randint(0, 11, (7, 4))
    with torch.no_grad():
        phi = torch.tanh(model.fc1(model.embedding(x)))
        expected = model.fc2(phi.sum(dim=1)).squeeze(-1)
        # float64: the same operations, maybe summed in another order (~1e-16 relative)
        assert relative_error(model(x), expected) < 1e-10
        # a linear rho of a sum: f(X u Y) + f(Z) = f(X u Z) + f(Y) for |Y| = |Z|
        X, Y, Z = (torch.randint(1, 11, (3, k)) for k in (2, 3, 3))
        lhs = model(torch.cat([X, Y], 1)) + model(Z)
        assert relative_error(lhs, model(torch.cat([X, Z], 1)) + model(Y)) < 1e-10


def test_lstm_answers_from_the_last_time_step():
    model = LSTMBaseline(11, 6, 5).double()
    x = torch.randint(1, 11, (7, 4))
    with torch.no_grad():
        output, _ = model.lstm(model.embedding(x))
        # float64: the same operations on the same numbers (~1e-16 relative)
        assert relative_error(model(x), model.fc(output[:, -1]).squeeze(-1)) < 1e-10
        changed = x.clone()
        changed[:, -1] = torch.where(changed[:, -1] == 1, 2, 1)
        assert (model(changed) - model(x)).abs().min().item() > 0


@pytest.mark.parametrize("sizes", [(11, 128, 64), (11, 8, 4), (5, 3, 7), (21, 1, 1)])
def test_parameter_counts_match_the_formulas(sizes):
    assert count_params(DeepSets(*sizes)) == deepsets_param_count(*sizes)
    assert count_params(LSTMBaseline(*sizes)) == lstm_param_count(*sizes)


def test_the_handout_sizes():
    assert deepsets_param_count() == 11 * 128 + 128 * 64 + 64 + 64 + 1 == 9729
    assert lstm_param_count() == 11 * 128 + 4 * (128 * 64 + 64 * 64 + 2 * 64) + 65 == 51137


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize(
    "x, error, match",
    [
        (torch.tensor([1, 2, 3]), ValueError, r"shape \(batch, set size\)"),
        (torch.ones(2, 3, 1, dtype=torch.long), ValueError, r"\(batch, set size\)"),
        (torch.ones(2, 3), TypeError, "LongTensor"),
        (torch.ones(2, 3, dtype=torch.int32), TypeError, "LongTensor"),
        ([[1, 2, 3]], TypeError, r"LongTensor \(torch.int64\)"),
        (torch.tensor([[1, 11]]), ValueError, r"tokens in 0\.\.10"),
        (torch.tensor([[-1, 2]]), ValueError, r"tokens in 0\.\.10"),
        (torch.zeros(3, 0, dtype=torch.long), ValueError, "at least one"),
    ],
)
def test_bad_input_gets_a_clear_error(cls, x, error, match):
    with pytest.raises(error, match=match):
        cls()(x)


def test_check_digit_batch_returns_its_input():
    x = torch.zeros(2, 3, dtype=torch.long)
    assert check_digit_batch(x) is x and check_digit_batch(x, 1) is x


@pytest.mark.parametrize("cls", MODELS)
def test_bad_sizes_are_refused(cls):
    with pytest.raises(ValueError, match="embedding_dim must be >= 1"):
        cls(11, 0, 4)
    with pytest.raises(TypeError, match="hidden_dim must be an int"):
        cls(11, 8, 4.0)


def test_masked_deepsets_ignores_padding_whatever_the_weights():
    torch.manual_seed(0)
    model = DeepSets(11, 8, 4, mask_padding=True).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(3 * torch.randn_like(p))
        x = torch.randint(1, 11, (5, 4))
        padded = torch.cat([torch.zeros(5, 6, dtype=torch.long), x], 1)
        # float64: masked padding adds exact zeros, so only summation order (~1e-16) differs
        assert relative_error(model(padded), model(x)) < 1e-10
        plain = DeepSets(11, 8, 4).double()
        plain.load_state_dict(model.state_dict())  # same parameters, no mask
        assert relative_error(plain(padded), plain(x)) > 1e-2  # six phi(0): a share of it
        assert relative_error(plain(x), model(x)) < 1e-10  # no padding: the same model


def test_mask_padding_must_be_a_bool():
    with pytest.raises(TypeError, match="mask_padding"):
        DeepSets(mask_padding="yes")
