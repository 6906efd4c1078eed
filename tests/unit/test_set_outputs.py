"""labcode.set_outputs (Lab 12): the mixtures, the model, the three losses and the scores.
Values are compared with hand-worked cases and with each other, relative to their scale."""

from __future__ import annotations

import itertools

import matplotlib
import pytest
import torch

from labcode import set_outputs as so

matplotlib.use("Agg")
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_make_mixtures_shapes_seed_and_centres():
    points, centres = so.make_mixtures(5, set_size=30, k=3, seed=0)
    assert points.shape == (5, 30, 2) and centres.shape == (5, 3, 2)
    assert points.dtype == centres.dtype == torch.float32
    again = so.make_mixtures(5, set_size=30, k=3, seed=0)
    assert torch.equal(points, again[0]) and torch.equal(centres, again[1])
    assert centres.abs().max() <= 1
    # without noise every point sits on a centre, ten on each
    exact, c = so.make_mixtures(2, set_size=30, k=3, noise=0.0, seed=1)
    for P, C in zip(exact, c, strict=True):
        nearest = torch.cdist(P, C).argmin(dim=1)
        assert torch.cdist(P, C).min(dim=1).values.max() < 1e-6
        assert torch.bincount(nearest, minlength=3).tolist() == [10, 10, 10]


@pytest.mark.parametrize("kwargs", [dict(n_sets=0), dict(n_sets=2, k=0),
                                    dict(n_sets=2, set_size=2, k=3),
                                    dict(n_sets=2, noise=-1.0)])
def test_make_mixtures_refuses_bad_sizes(kwargs):
    with pytest.raises(ValueError):
        so.make_mixtures(**kwargs)


def test_set_predictor_shape_and_input_order():
    torch.manual_seed(0)
    model = so.SetPredictor(k=4, hidden_dim=16)
    X = torch.randn(3, 10, 2)
    out = model(X)
    assert out.shape == (3, 4, 2)
    scale = out.abs().max()
    assert (model(X[:, torch.randperm(10)]) - out).abs().max() <= 1e-5 * scale
    with pytest.raises(ValueError):
        model(torch.randn(3, 10, 3))


def _brute_hungarian(pred, target):
    """The best matching by trying all k! orders."""
    k = pred.shape[1]
    losses = []
    for P, T in zip(pred, target, strict=True):
        losses.append(min(((P - T[list(s)]) ** 2).sum(-1).mean()
                          for s in itertools.permutations(range(k))))
    return torch.stack(losses).mean()


def test_hungarian_loss_is_the_best_matching():
    torch.manual_seed(0)
    pred, target = torch.randn(6, 4, 2), torch.randn(6, 4, 2)
    ref = _brute_hungarian(pred, target)
    assert torch.isclose(so.hungarian_loss(pred, target), ref, rtol=1e-5)
    assert so.hungarian_loss(pred, target) <= so.fixed_order_mse(pred, target) * (1 + 1e-6)
    perm = target[:, torch.randperm(4)]
    assert so.fixed_order_mse(target, perm) > 0
    assert so.hungarian_loss(target, perm) <= 1e-6 * target.pow(2).mean()


def test_hungarian_loss_sends_gradients_to_pred():
    pred = torch.randn(2, 3, 2, requires_grad=True)
    target = torch.randn(2, 3, 2)
    so.hungarian_loss(pred, target).backward()
    assert pred.grad is not None and pred.grad.abs().sum() > 0


def test_chamfer_hand_worked_and_multiplicities():
    one = so.chamfer(torch.tensor([[[0.0]]]), torch.tensor([[[1.0], [3.0]]]))
    assert torch.isclose(one, torch.tensor(6.0))
    a, b = [0.0, 0.0], [1.0, 0.0]
    aab, abb = torch.tensor([[a, a, b]]), torch.tensor([[a, b, b]])
    assert so.chamfer(aab, abb) == 0
    assert torch.isclose(so.hungarian_loss(aab, abb), torch.tensor(1 / 3))


def test_is_permutation_invariant_on_the_three_losses():
    torch.manual_seed(0)
    pred, target = torch.randn(8, 3, 2), torch.randn(8, 3, 2)
    assert so.is_permutation_invariant(so.chamfer, pred, target) is True
    assert so.is_permutation_invariant(so.hungarian_loss, pred, target) is True
    assert so.is_permutation_invariant(so.fixed_order_mse, pred, target) is False


def test_matched_error_and_spread():
    torch.manual_seed(0)
    centres = torch.randn(4, 3, 2)
    assert so.matched_error(centres[:, [2, 0, 1]], centres).abs().max() < 1e-6
    shifted = centres + torch.tensor([3.0, 4.0])
    assert torch.allclose(so.matched_error(shifted, centres), torch.full((4,), 5.0))
    collapsed = centres.mean(dim=1, keepdim=True).expand(-1, 3, -1)
    assert so.centre_spread(collapsed).abs().max() < 1e-6
    assert torch.allclose(so.centre_spread(2 * centres), 2 * so.centre_spread(centres))
    square = torch.tensor([[[0.0, 0.0], [1.0, 0.0]]])
    assert torch.allclose(so.centre_spread(square), torch.tensor([1.0]))


@pytest.mark.parametrize("fn", [so.fixed_order_mse, so.hungarian_loss, so.matched_error])
def test_losses_refuse_mismatched_shapes(fn):
    with pytest.raises(ValueError):
        fn(torch.randn(2, 3, 2), torch.randn(2, 4, 2))
    with pytest.raises(ValueError):
        fn(torch.randn(2, 3), torch.randn(2, 3))


def test_plot_predictions_draws_one_panel_per_loss():
    points, centres = so.make_mixtures(3, seed=0)
    fig = so.plot_predictions(points, centres, {"a": centres, "b": centres}, n_examples=2)
    assert len(fig.axes) == 2
    with pytest.raises(ValueError):
        so.plot_predictions(points, centres, {"a": centres}, n_examples=4)
