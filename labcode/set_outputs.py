"""Sets as outputs, Lab 12: predict the centres of a Gaussian mixture, with three losses.

What Lab 12 introduces lives here; a later lab imports it from this module. Each public
name's docstring ends with the lab that teaches it (book/instructors.md, "Where things live").

- :func:`make_mixtures` -- sets of 2-D points from mixtures, and their centres in random order
- :class:`SetPredictor` -- a DeepSets encoder and an MLP decoder that outputs ``k`` points
- :func:`fixed_order_mse`, :func:`hungarian_loss`, :func:`chamfer` -- the three losses
- :func:`is_permutation_invariant` -- whether a loss ignores the order of its targets
- :func:`matched_error`, :func:`centre_spread` -- how close, and how spread out, predictions are
- :func:`plot_predictions` -- a few sets with their true and predicted centres
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from torch import nn

from labcode._validate import as_generator, check_int
from labcode.plots import stacked, styled

__all__ = ["SetPredictor", "centre_spread", "chamfer", "fixed_order_mse", "hungarian_loss",
           "is_permutation_invariant", "make_mixtures", "matched_error", "plot_predictions"]


def make_mixtures(n_sets: int, set_size: int = 32, k: int = 3, noise: float = 0.15,
                  seed: int | torch.Generator | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """``n_sets`` sets of ``set_size`` 2-D points, each drawn from a mixture of ``k`` Gaussians.

    Each set has its own ``k`` centres, uniform in the square [-1, 1]²; its points are split
    as evenly as possible between them and spread around them with standard deviation
    ``noise``, then shuffled. Returns ``(points, centres)``: float32 tensors of shapes
    ``(n_sets, set_size, 2)`` and ``(n_sets, k, 2)``, the centres of each set in a random
    order (a set has no first centre). ``seed``: an int, a ``torch.Generator``, or None
    (torch's global generator).

    Defined in Lab 12.
    """
    n_sets = check_int("n_sets", n_sets, 1)
    k = check_int("k", k, 1)
    set_size = check_int("set_size", set_size, k)
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    gen = as_generator(seed)
    centres = torch.rand(n_sets, k, 2, generator=gen) * 2 - 1
    which = torch.arange(set_size) % k  # an even split between the centres
    points = centres[:, which] + noise * torch.randn(n_sets, set_size, 2, generator=gen)
    shuffle = torch.rand(n_sets, set_size, generator=gen).argsort(dim=1)
    points = torch.gather(points, 1, shuffle[..., None].expand(-1, -1, 2))
    return points, centres


class SetPredictor(nn.Module):
    """A set in, ``k`` points out: DeepSets encoder (φ, mean pooling, ρ), then an MLP decoder.

    φ maps each 2-D point to ``hidden_dim`` numbers (two layers, ReLU); the mean over the set
    goes through ρ (two more such layers) and a linear decoder that outputs ``k × 2``
    numbers, read as ``k`` points. The encoder ignores the order of the input points; the decoder's
    ``k`` outputs come in a fixed order, slot 1 to slot ``k``. ``forward(X)`` maps
    ``(batch, n, 2)`` to ``(batch, k, 2)``.

    Defined in Lab 12.
    """

    def __init__(self, k: int = 3, hidden_dim: int = 64) -> None:
        super().__init__()
        self.k = check_int("k", k, 1)
        hidden_dim = check_int("hidden_dim", hidden_dim, 1)
        self.phi = nn.Sequential(nn.Linear(2, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, hidden_dim), nn.ReLU())
        self.rho = nn.Sequential(nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, 2 * k))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if X.dim() != 3 or X.shape[-1] != 2:
            raise ValueError(f"X must have shape (batch, n, 2), got {tuple(X.shape)}")
        return self.rho(self.phi(X).mean(dim=1)).view(len(X), self.k, 2)


def _check_pair(pred: torch.Tensor, target: torch.Tensor, same_size: bool) -> None:
    for name, t in (("pred", pred), ("target", target)):
        if not isinstance(t, torch.Tensor) or t.dim() != 3:
            raise ValueError(f"{name} must be a tensor of shape (batch, k, d)")
    if pred.shape[0] != target.shape[0] or pred.shape[2] != target.shape[2]:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} must "
                         "agree in batch and d")
    if same_size and pred.shape[1] != target.shape[1]:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} must "
                         "have the same number of points")


def fixed_order_mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Prediction ``i`` against target ``i``: the squared distance, averaged over the ``k``
    pairs and the batch. ``pred`` and ``target`` have shape ``(batch, k, d)``.

    Defined in Lab 12.
    """
    _check_pair(pred, target, same_size=True)
    return ((pred - target) ** 2).sum(dim=-1).mean()


def _matching(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """For each example, the target index matched to each prediction (optimal matching)."""
    from scipy.optimize import linear_sum_assignment  # imported here: only Lab 12 needs it

    cost = torch.cdist(pred.detach().double(), target.detach().double()) ** 2
    cols = [linear_sum_assignment(c)[1] for c in cost.cpu().numpy()]
    return torch.as_tensor(np.stack(cols), device=pred.device)


def hungarian_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The fixed-order MSE after the best matching of predictions to targets.

    For each example, ``scipy.optimize.linear_sum_assignment`` finds the one-to-one matching
    of the ``k`` predictions to the ``k`` targets with the smallest total squared distance
    (computed without gradient, O(k³)); the loss is the squared distance of the matched pairs,
    averaged over the pairs and the batch, and gradients flow through those distances.

    Defined in Lab 12.
    """
    _check_pair(pred, target, same_size=True)
    cols = _matching(pred, target)
    matched = torch.gather(target, 1, cols[..., None].expand(-1, -1, target.shape[2]))
    return ((pred - matched) ** 2).sum(dim=-1).mean()


def chamfer(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The Chamfer loss: each target's squared distance to its nearest prediction, averaged
    over the targets, plus each prediction's to its nearest target, averaged over the
    predictions; then the mean over the batch. ``pred`` ``(batch, k, d)`` and ``target``
    ``(batch, m, d)`` may hold different numbers of points. O(k·m) distances.

    Defined in Lab 12.
    """
    _check_pair(pred, target, same_size=False)
    d2 = ((pred[:, :, None, :] - target[:, None, :, :]) ** 2).sum(dim=-1)  # (batch, k, m)
    return (d2.min(dim=2).values.mean(dim=1) + d2.min(dim=1).values.mean(dim=1)).mean()


def is_permutation_invariant(loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                             pred: torch.Tensor, target: torch.Tensor,
                             n_perms: int = 20) -> bool:
    """Whether ``loss_fn(pred, target)`` ignores the order of the targets: the targets of each
    example of ``target`` ``(batch, k, d)`` are reordered at random, ``n_perms`` times (torch's
    global generator), and the loss must stay the same up to a relative 1e-4.

    Defined in Lab 12.
    """
    n_perms = check_int("n_perms", n_perms, 1)
    if not isinstance(target, torch.Tensor) or target.dim() != 3:
        raise ValueError("target must be a tensor of shape (batch, k, d)")
    base = loss_fn(pred, target)
    batch, k = target.shape[:2]
    for _ in range(n_perms):
        order = torch.rand(batch, k).argsort(dim=1).to(target.device)
        value = loss_fn(pred, torch.gather(target, 1, order[..., None].expand_as(target)))
        if not torch.isclose(value, base, rtol=1e-4, atol=1e-12):
            return False
    return True


def matched_error(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """For each example, the mean distance (not squared) between the predictions and the
    targets they are optimally matched to: the fair score, whatever the order of either.
    Returns a tensor of shape ``(batch,)``.

    Defined in Lab 12.
    """
    _check_pair(pred, target, same_size=True)
    with torch.no_grad():
        cols = _matching(pred, target)
        matched = torch.gather(target, 1, cols[..., None].expand(-1, -1, target.shape[2]))
        return (pred - matched).norm(dim=-1).mean(dim=1)


def centre_spread(points: torch.Tensor) -> torch.Tensor:
    """For each example of shape ``(k, d)``, the mean distance between its ``k`` points, over
    the ``k(k-1)/2`` pairs: 0 when they all sit on one spot. ``(batch, k, d)`` -> ``(batch,)``.

    Defined in Lab 12.
    """
    if not isinstance(points, torch.Tensor) or points.dim() != 3 or points.shape[1] < 2:
        raise ValueError("points must be a tensor of shape (batch, k, d) with k >= 2")
    k = points.shape[1]
    with torch.no_grad():
        d = torch.cdist(points, points)
        return d.sum(dim=(1, 2)) / (k * (k - 1))


@styled
def plot_predictions(points: torch.Tensor, centres: torch.Tensor,
                     predictions: Mapping[str, torch.Tensor], n_examples: int = 3):
    """One panel per loss, stacked: ``n_examples`` sets side by side (shifted apart), their
    points in grey, true centres as black crosses, the model's predicted centres as red
    dots. ``predictions`` maps a loss's name to predicted centres ``(batch, k, 2)``.
    Returns the figure.

    Defined in Lab 12.
    """
    n_examples = check_int("n_examples", n_examples, 1)
    if len(points) < n_examples:
        raise ValueError(f"need at least {n_examples} sets, got {len(points)}")
    fig, axes = stacked(len(predictions), 2.4, sharex=True)
    for ax, (name, pred) in zip(axes, predictions.items(), strict=True):
        for i in range(n_examples):
            shift = torch.tensor([3.0 * i, 0.0])
            P, C, Q = points[i] + shift, centres[i] + shift, pred[i].detach() + shift
            ax.scatter(P[:, 0], P[:, 1], s=8, color="0.7",
                       label="points of the set" if i == 0 else None)
            ax.scatter(C[:, 0], C[:, 1], s=70, marker="x", color="k",
                       label="true centres" if i == 0 else None)
            ax.scatter(Q[:, 0], Q[:, 1], s=45, color="tab:red", edgecolor="k",
                       label="predicted centres" if i == 0 else None)
        ax.set_title(f"trained with {name}")
        ax.set_aspect("equal")
        ax.set_ylim(-1.5, 1.5)
        ax.set_ylabel("y")
    axes[-1].set_xlabel(f"x ({n_examples} sets side by side)")
    axes[0].legend(loc="lower center", bbox_to_anchor=(0.5, 1.12), ncol=3)
    return fig
