"""labcode.interactions (Lab 14): the repeat task, pairwise pooling, the three models, cost."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from labcode import interactions
from labcode.interactions import (
    has_repeat,
    make_models,
    make_repeats,
    operation_counts,
    pairwise_pool,
)
from labcode.symmetry import invariance_deviation
from tests.conftest import relative_error

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# --------------------------------------------------------------------------- the data


@pytest.mark.parametrize("n_sets, n", [(2000, 5), (101, 40), (1, 2), (7, 100)])
def test_make_repeats_is_balanced_and_labelled_by_has_repeat(n_sets, n):
    X, y = make_repeats(n_sets, n, seed=0)
    assert X.shape == (n_sets, n) and X.dtype == torch.int64
    assert y.shape == (n_sets, 1) and y.dtype == torch.float32
    assert ((X >= 0) & (X < interactions.VOCAB_SIZE)).all()
    assert int(y.sum()) == n_sets - n_sets // 2
    assert torch.equal(has_repeat(X).float(), y[:, 0])
    counts = torch.stack([torch.bincount(s, minlength=100) for s in X])
    assert (counts.max(dim=1).values <= 2).all()  # at most one value twice


def test_make_repeats_is_reproducible_and_shuffled():
    X, y = make_repeats(500, 10, seed=3)
    X2, y2 = make_repeats(500, 10, seed=3)
    assert torch.equal(X, X2) and torch.equal(y, y2)
    assert not torch.equal(make_repeats(500, 10, seed=4)[0], X)
    positives = X[y[:, 0] == 1]
    first_two = (positives[:, 0] == positives[:, 1]).float().mean()
    assert first_two < 0.2  # the copy is not always at the front


@pytest.mark.parametrize("args", [(0, 5), (5, 1), (5, 101), (2.5, 3), (5, 3, 1)])
def test_make_repeats_refuses_bad_sizes(args):
    with pytest.raises((TypeError, ValueError)):
        make_repeats(*args)


def test_has_repeat_refuses_float_sets():
    with pytest.raises(TypeError):
        has_repeat(torch.rand(2, 3))


# ---------------------------------------------------------------------- pairwise pooling


def loop_reference(psi, x, reduce):
    n = x.shape[1]
    h = torch.stack([psi(torch.cat([x[:, i], x[:, j]], -1))
                     for i in range(n) for j in range(n) if i != j], dim=1)
    return {"sum": h.sum(1), "mean": h.mean(1), "max": h.max(1).values}[reduce]


@pytest.mark.parametrize("reduce", interactions.PAIR_REDUCTIONS)
def test_pairwise_pool_matches_a_loop_and_is_invariant(reduce):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 6, 3, generator=g, dtype=torch.float64)
    w = torch.randn(6, 5, generator=g, dtype=torch.float64)

    def psi(p):
        return torch.tanh(p @ w)

    out = pairwise_pool(psi, x, reduce)
    assert out.shape == (4, 5) and out.dtype == torch.float64
    assert relative_error(out, loop_reference(psi, x, reduce)) < 1e-12
    scale = float(out.abs().max())
    assert invariance_deviation(lambda s: pairwise_pool(psi, s, reduce), x, n_perms=10,
                                seed=0) <= 1e-12 * scale


def test_pairwise_pool_on_two_elements_and_refusals():
    x = torch.tensor([[[1.0], [3.0]]])

    def psi(p):
        return p[..., :1] - 2 * p[..., 1:]

    assert pairwise_pool(psi, x).tolist() == [[(1 - 6) + (3 - 2)]]
    with pytest.raises(ValueError):
        pairwise_pool(psi, x[:, :1])
    with pytest.raises(ValueError):
        pairwise_pool(psi, x, "median")


def test_edge_pool_on_the_complete_graph_is_pairwise_pool_and_a_ring_uses_its_edges():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(3, 5, 2, generator=g, dtype=torch.float64)

    def psi(p):
        return torch.sin(p[..., :2] * 3 + p[..., 2:])

    complete = (~torch.eye(5, dtype=torch.bool)).nonzero().T
    for reduce in interactions.PAIR_REDUCTIONS:
        assert relative_error(interactions.edge_pool(psi, x, complete, reduce),
                              pairwise_pool(psi, x, reduce)) < 1e-12
    ring = torch.tensor([[0, 1], [1, 0]])
    expected = (psi(torch.cat([x[:, 0], x[:, 1]], -1))
                + psi(torch.cat([x[:, 1], x[:, 0]], -1)))
    assert relative_error(interactions.edge_pool(psi, x, ring), expected) < 1e-12
    for bad in (torch.tensor([[0, 5]]).T, torch.zeros(2, 0, dtype=torch.long),
                torch.tensor([[0.0], [1.0]])):
        with pytest.raises(ValueError):
            interactions.edge_pool(psi, x, bad)


# ------------------------------------------------------------------------- the models


def test_models_are_invariant_probabilities_with_the_same_latent_size():
    torch.manual_seed(0)
    X, _ = make_repeats(8, 12, seed=1)
    for name, model in make_models(hidden_dim=16, latent_dim=8).items():
        assert model.latent_dim == 8, name
        with torch.no_grad():
            p = model(X)
            reordered = model(X[:, torch.randperm(12)])
            latent = model.encode(model.embedding(X))
        assert p.shape == (8, 1) and ((p > 0) & (p < 1)).all(), name
        assert latent.shape == (8, 8), name
        assert relative_error(reordered, p) < 1e-5, name


def test_models_refuse_bad_tokens():
    model = make_models()["pairwise"]
    with pytest.raises(TypeError):
        model(torch.rand(2, 5))
    with pytest.raises(ValueError):
        model(torch.full((2, 5), interactions.VOCAB_SIZE))


def test_accuracy_by_size_of_an_oracle_and_a_constant():
    class Oracle(torch.nn.Module):
        def forward(self, X):
            return has_repeat(X).float().unsqueeze(1)

    class Constant(torch.nn.Module):
        def forward(self, X):
            return torch.ones(len(X), 1)

    assert interactions.accuracy_by_size(Oracle(), (5, 40), n_sets=200) == {5: 1.0, 40: 1.0}
    assert interactions.accuracy_by_size(Constant(), (5,), n_sets=200) == {5: 0.5}


# --------------------------------------------------------------------------- cost, figures


def test_operation_counts_grow_like_n_and_n_squared():
    assert operation_counts(10) == {"DeepSets": 10, "pairwise": 90, "SAB": 100}
    with pytest.raises(ValueError):
        operation_counts(0)


def test_forward_seconds_and_figures():
    models = make_models(hidden_dim=8, latent_dim=4)
    seconds = interactions.forward_seconds(models, (5, 120), n_sets=2, repeats=1)
    assert set(seconds) == set(models)
    assert all(t > 0 for v in seconds.values() for t in v.values())
    scores = {"DeepSets": {5: 0.5, 10: 0.6}, "pairwise": {5: 1.0, 10: 1.0}}
    ax = interactions.plot_accuracy_by_size(scores, 10)
    assert ax.get_title() and ax.get_xlabel() and ax.get_legend() is not None
    counts = {name: {n: operation_counts(n)[name] for n in (5, 120)} for name in models}
    left, right = interactions.plot_cost(counts, seconds).axes
    assert left.get_legend() is not None and right.get_ylabel()
    plt.close("all")
