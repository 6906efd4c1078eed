"""labcode.equivariant: the odd-one-out data, the equivariant layer and SAB, the scorers, and
the accuracy / equivariance of predicted indices."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labcode.equivariant import (
    AttentionScorer,
    EquivariantLayer,
    EquivariantScorer,
    FlatMLPScorer,
    PerElementScorer,
    SetAttentionBlock,
    farthest_point,
    index_accuracy,
    index_equivariance,
    make_odd_one_out,
    predict_index,
)
from labcode.symmetry import equivariance_deviation, minibatch_consistency_error
from tests.conftest import relative_error

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ------------------------------------------------------------------------------ data


def test_make_odd_one_out_shapes_dtypes_and_labels():
    X, y = make_odd_one_out(50, set_size=7, generator=0)
    assert X.shape == (50, 7, 2) and X.dtype == torch.float32
    assert y.shape == (50,) and y.dtype == torch.int64
    assert int(y.min()) >= 0 and int(y.max()) < 7


def test_make_odd_one_out_is_reproducible_from_a_seed_or_a_generator():
    a = make_odd_one_out(20, generator=3)
    b = make_odd_one_out(20, generator=torch.Generator().manual_seed(3))
    c = make_odd_one_out(20, generator=4)
    assert all(torch.equal(u, v) for u, v in zip(a, b, strict=True))
    assert not torch.equal(a[0], c[0])


def test_the_labelled_point_is_the_odd_one():
    X, y = make_odd_one_out(2000, distance=8.0, generator=1)
    assert float((farthest_point(X) == y).float().mean()) > 0.99
    positions = torch.bincount(y, minlength=10).float() / 2000
    assert float(positions.min()) > 0.06 and float(positions.max()) < 0.14


def test_distance_zero_makes_every_point_alike():
    X, y = make_odd_one_out(4000, distance=0.0, generator=2)
    assert abs(float((farthest_point(X) == y).float().mean()) - 0.1) < 0.03


@pytest.mark.parametrize("kwargs, error", [
    ({"n_sets": 0}, ValueError),
    ({"n_sets": 2.0}, TypeError),
    ({"n_sets": 2, "set_size": 1}, ValueError),
    ({"n_sets": 2, "distance": -1.0}, ValueError),
    ({"n_sets": 2, "distance": float("nan")}, ValueError),
    ({"n_sets": 2, "distance": True}, TypeError),
    ({"n_sets": 2, "generator": "seed"}, TypeError),
])
def test_make_odd_one_out_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        make_odd_one_out(**kwargs)


# ---------------------------------------------------------------------------- layers


@pytest.mark.parametrize("pool", ["sum", "max"])
def test_the_equivariant_layer_is_equivariant_and_mixes(pool):
    layer = EquivariantLayer(3, 5, pool).double()
    x = torch.randn(4, 9, 3, dtype=torch.float64)
    with torch.no_grad():
        out = layer(x)
        changed = x.clone()
        changed[:, 0] = x.max(dim=1).values + 1
        other = layer(changed)[:, 1:]
    assert out.shape == (4, 9, 5)
    # float64: reordering a pool of 9 elements moves it by ~9 * 1e-16 of the outputs' size
    scale = float(out.abs().max())
    assert equivariance_deviation(layer, x, n_perms=10, seed=0) < 1e-10 * scale
    assert relative_error(other, out[:, 1:]) > 1e-2  # the pool mixes: a share, not rounding


def test_the_layer_is_x_lambda_plus_pooled_gamma():
    layer = EquivariantLayer(2, 3, "sum").double()
    x = torch.randn(2, 4, 2, dtype=torch.float64)
    with torch.no_grad():
        expected = (x @ layer.element.weight.T + layer.element.bias
                    + (x.sum(1) @ layer.pooled.weight.T)[:, None])
        # float64: the same sums, maybe in another order (~1e-16 of the outputs' size)
        assert relative_error(layer(x), expected) < 1e-10


@pytest.mark.parametrize("pool", ["sum", "max"])
def test_two_passes_stream_the_layer_exactly(pool):
    layer = EquivariantLayer(2, 8, pool).double()
    x = torch.randn(1, 300, 2, dtype=torch.float64)
    sizes = [100, 7, 193]
    chunks = x.split(sizes, dim=1)
    with torch.no_grad():
        parts = torch.stack([layer.pool_set(c) for c in chunks])
        pooled = parts.sum(0) if pool == "sum" else parts.max(0).values
        streamed = torch.cat([layer(c, pooled=pooled) for c in chunks], dim=1)
        # float64: a pool of 300 elements summed in three parts moves by ~300 * 1e-16
        assert relative_error(streamed, layer(x)) < 1e-10
        one_pass = minibatch_consistency_error(
            layer, lambda p, s: torch.cat(p, dim=1), x, sizes)
    assert one_pass > 1e-2


def test_a_per_element_linear_is_minibatch_consistent():
    x = torch.randn(1, 300, 2, dtype=torch.float64)
    with torch.no_grad():
        err = minibatch_consistency_error(nn.Linear(2, 4).double(),
                                          lambda p, s: torch.cat(p, dim=1), x, [100, 7, 193])
    assert err < 1e-10  # relative; float64, where each element's output is its own rounding


@pytest.mark.parametrize("args, error", [
    ((0, 3), ValueError),
    ((2, 3, "mean"), ValueError),
    ((2.0, 3), TypeError),
])
def test_the_layer_rejects_bad_arguments(args, error):
    with pytest.raises(error):
        EquivariantLayer(*args)


def test_the_layer_rejects_bad_inputs():
    layer = EquivariantLayer(2, 3)
    with pytest.raises(ValueError, match="feature"):
        layer(torch.randn(2, 4, 3))
    with pytest.raises(TypeError):
        layer(torch.randn(2, 4, 2).double())
    with pytest.raises(ValueError, match="pooled"):
        layer(torch.randn(2, 4, 2), pooled=torch.randn(3, 2))


def test_the_set_attention_block_is_equivariant_and_checks_heads():
    sab = SetAttentionBlock(8, num_heads=2).double()
    x = torch.randn(3, 6, 8, dtype=torch.float64)
    with torch.no_grad():
        out = sab(x)
    assert out.shape == (3, 6, 8)
    # float64: attention over 6 elements in another order moves by ~1e-16 of the outputs' size
    scale = float(out.abs().max())
    assert equivariance_deviation(sab, x, n_perms=10, seed=0) < 1e-10 * scale
    with pytest.raises(ValueError, match="divisible"):
        SetAttentionBlock(6, num_heads=4)


# --------------------------------------------------------------------------- scorers


SCORERS = {  # built by each test (factories): nothing random happens at collection
    "equivariant, sum": lambda: EquivariantScorer(2, 16, 2, "sum"),
    "equivariant, max": lambda: EquivariantScorer(2, 16, 2, "max"),
    "attention": lambda: AttentionScorer(2, 16, 1, 2),
    "per element": lambda: PerElementScorer(2, 16, 2),
}


@pytest.mark.parametrize("name", SCORERS)
def test_set_scorers_are_equivariant_at_any_set_size(name):
    # In float64, where equivariance is exact up to rounding: reordering a sum of n terms moves
    # it by about n * 1e-16 times its size, so 1e-10 of the scores' scale leaves a margin of
    # 10^4 at n = 25 while an order-sensitive scorer is off by a share of its scale.
    model = SCORERS[name]().double()
    for n in (3, 10, 25):
        x = torch.randn(4, n, 2, dtype=torch.float64)
        with torch.no_grad():
            scores = model(x)
        assert scores.shape == (4, n)
        scale = float(scores.abs().max())
        assert equivariance_deviation(model, x, n_perms=5, seed=0) < 1e-10 * scale
    assert index_equivariance(model, torch.randn(50, 10, 2, dtype=torch.float64),
                              n_perms=3) == 1.0


def test_the_per_element_scorer_ignores_the_other_elements():
    model = PerElementScorer(2, 8, 2).double()
    x = torch.randn(2, 5, 2, dtype=torch.float64)
    changed = x.clone()
    changed[:, 1:] = torch.randn(2, 4, 2, dtype=torch.float64)
    with torch.no_grad():
        # float64: element 0's score is computed from element 0 alone (rounding ~1e-16)
        assert relative_error(model(x)[:, 0], model(changed)[:, 0]) < 1e-10
        assert relative_error(model(x)[:, 1:], model(changed)[:, 1:]) > 1e-2  # they did change


def test_the_flat_mlp_sees_positions_and_one_set_size():
    model = FlatMLPScorer(10, 2, 16)
    x = torch.randn(200, 10, 2)
    with torch.no_grad():
        scores = model(x)
    assert scores.shape == (200, 10)
    # off by a share of the scores' size (about 1), far above float32 rounding (1e-7)
    assert equivariance_deviation(model, x, n_perms=3, seed=0) > 0.1 * float(scores.abs().max())
    assert index_equivariance(model, x, n_perms=3) < 1.0
    with pytest.raises(ValueError, match="exactly 10"):
        model(torch.randn(2, 9, 2))


# --------------------------------------------------------------- predictions, accuracy


class LastWins(nn.Module):
    """Not equivariant: always picks the last position."""

    def forward(self, x):
        return torch.arange(x.shape[1], dtype=x.dtype).expand(x.shape[:2])


def test_predictions_accuracy_and_equivariance_of_a_positional_rule():
    X, y = make_odd_one_out(500, generator=0)
    model = LastWins()
    assert torch.equal(predict_index(model, X), torch.full((500,), 9))
    assert index_accuracy(model, X, y) == float((y == 9).float().mean())
    assert 0.05 < index_equivariance(model, X, n_perms=4) < 0.2  # about 1 / 10


def test_farthest_point_finds_an_obvious_outlier():
    X = torch.zeros(1, 5, 2)
    X[0, 3] = torch.tensor([10.0, 0.0])
    assert farthest_point(X).tolist() == [3]
    with pytest.raises(ValueError):
        farthest_point(torch.zeros(1, 1, 2))


@pytest.mark.parametrize("y, error", [
    (torch.zeros(4), TypeError),
    (torch.zeros(3, dtype=torch.int64), ValueError),
    ([0, 1, 2, 3], TypeError),
])
def test_index_accuracy_rejects_bad_labels(y, error):
    with pytest.raises(error):
        index_accuracy(LastWins(), torch.randn(4, 5, 2), y)


def test_predict_index_wants_one_score_per_element():
    with pytest.raises(ValueError, match="one score per element"):
        predict_index(lambda x: x.sum(1), torch.randn(4, 5, 2))
    with pytest.raises(TypeError):
        predict_index("model", torch.randn(4, 5, 2))
