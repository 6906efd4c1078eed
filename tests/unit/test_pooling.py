"""Pooling (Lab 07) and mini-batch consistency (Lab 08): structure, not training."""

from __future__ import annotations

import pytest
import torch

from labcode.pooling import PMA, SlotSetEncoder, pool
from labcode.pooling_tasks import PooledSetModel
from labcode.symmetry import minibatch_consistency_error
from tests.conftest import relative_error


@pytest.fixture
def h():
    torch.manual_seed(0)
    return torch.randn(3, 7, 4) - 5.0  # all negative: padding must never win the max


def test_pool_ignores_padding(h):
    h = h.double()  # float64: padding adds exact zeros, the order of a sum moves it by ~1e-16
    mask = torch.ones(3, 7, dtype=torch.bool)
    mask[1, 3:] = False
    assert relative_error(pool(h, "sum", mask)[1], h[1, :3].sum(0)) < 1e-10
    assert relative_error(pool(h, "mean", mask)[1], h[1, :3].mean(0)) < 1e-10
    assert torch.equal(pool(h, "max", mask)[1], h[1, :3].max(0).values)  # a max: exact
    assert relative_error(pool(h, "mean"), h.mean(1)) < 1e-10


@pytest.mark.parametrize("bad, error, match", [
    (lambda h: pool(h, "median"), ValueError, "how must be one of"),
    (lambda h: pool(h.long(), "sum"), TypeError, "float tensor"),
    (lambda h: pool(h[0], "sum"), ValueError, r"\(batch, set size, features\)"),
    (lambda h: pool(h, "sum", torch.zeros(3, 7, dtype=torch.bool)), ValueError, "all False"),
    (lambda h: pool(h, "sum", torch.ones(3, 7)), TypeError, "bool tensor"),
])
def test_pool_rejects_bad_input(h, bad, error, match):
    with pytest.raises(error, match=match):
        bad(h)


def test_repeating_elements_is_seen_by_sum_only():
    once, thrice = torch.tensor([[3, 7, 0, 0, 0, 0]]), torch.tensor([[3, 7, 3, 7, 3, 7]])
    for pooling in ("sum", "mean", "max", "attention"):
        torch.manual_seed(1)
        model = PooledSetModel(pooling, input_dim=11, hidden_dim=8).double()
        with torch.no_grad():
            change = relative_error(model.encode(once), model.encode(thrice))
        # float64: mean, max and attention see the same set up to rounding (~1e-16); the sum
        # triples, a change of 2/3 of the scale
        assert (change < 1e-10) == (pooling != "sum"), pooling
        assert pooling != "sum" or change > 0.5


def test_pooled_model_shapes_and_errors():
    x = torch.randint(0, 11, (5, 9))
    x[:, -1] = 3
    assert PooledSetModel("max", input_dim=11).forward(x).shape == (5,)
    real = PooledSetModel("slots", in_features=2, out_features=3, rho_hidden_dim=8)
    assert real(torch.randn(4, 6, 2)).shape == (4, 3)
    with pytest.raises(ValueError, match="pooling must be one of"):
        PooledSetModel("median", input_dim=11)
    with pytest.raises(ValueError, match="exactly one of"):
        PooledSetModel("sum")


def test_minibatch_consistency_separates_encoders():
    torch.manual_seed(0)
    x = torch.randn(2, 3000, 3, dtype=torch.float64).sort(dim=1).values  # sorted: chunks differ
    sizes = [1000, 500, 1500]
    sse = SlotSetEncoder(3, num_slots=3, slot_dim=8, key_dim=8, out_dim=5).double()
    pma = PMA(3).double()
    with torch.no_grad():
        # relative errors in float64: sums of 3000 terms in three parts differ by ~3000 * 1e-16
        # at most; a softmax over each chunk alone (PMA) is off by a share (0.1% or more)
        assert minibatch_consistency_error(sse, lambda p, s: sse.aggregate(p), x, sizes) < 1e-10
        weighted = lambda p, s: sum(n * q for n, q in zip(s, p, strict=True)) / sum(s)  # noqa: E731
        assert minibatch_consistency_error(lambda t: pool(t, "mean"), weighted, x, sizes) < 1e-10
        assert minibatch_consistency_error(pma, weighted, x, sizes) > 1e-5
    with pytest.raises(ValueError, match="add up to"):
        minibatch_consistency_error(sse, lambda p, s: sse.aggregate(p), x, [10, 20])


def test_sse_invariant_in_elements_and_equivariant_in_slots():
    torch.manual_seed(0)
    sse = SlotSetEncoder(2, num_slots=4, slot_dim=6, key_dim=6, out_dim=3).double()
    x = torch.randn(1, 50, 2, dtype=torch.float64)
    with torch.no_grad():
        out = sse(x)
        # float64: a sum of 50 weighted elements in another order moves by ~50 * 1e-16
        assert relative_error(sse(x[:, torch.randperm(50)]), out) < 1e-10
        perm = torch.randperm(4)
        assert relative_error(sse(x, slots=sse.slots[perm]), out[:, perm]) < 1e-10

