"""Permutation-equivariant layers and the odd-one-out task (Lab 09).

- :func:`make_odd_one_out` -- sets of 2-D points, all from one Gaussian cluster but one;
  :func:`reorder` -- the same sets in a random order per set, the labels following;
- :class:`EquivariantLayer` -- DeepSets' equivariant layer ``X Lambda + 1 pool(X) Gamma``
  (Zaheer et al., 2017), with sum or max pooling;
- :class:`SetAttentionBlock` -- the Set Transformer's SAB (Lee et al., 2019): self-attention
  over the elements with a residual and a feed-forward block;
- scorers that give every element of a set one score, ``(batch, n, in_features) -> (batch, n)``:
  :class:`EquivariantScorer` (stacked equivariant layers), :class:`AttentionScorer` (stacked
  SABs), :class:`PerElementScorer` (one network per element, blind to the rest of the set) and
  :class:`FlatMLPScorer` (an MLP on the flattened set, which sees positions);
- :func:`predict_index`, :func:`index_accuracy`, :func:`index_equivariance`,
  :func:`farthest_point` -- predictions, accuracy and the equivariance of the predicted index;
- :func:`concatenate` -- the aggregation ``g`` of chunked per-element outputs.

A set batch is a float tensor ``(batch, set_size, in_features)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import nn

from labcode._validate import (
    as_generator,
    check_choice,
    check_int,
    check_real,
)
from labcode.plots import COLUMN_WIDTH, styled
from labcode.pooling import check_dtype
from labcode.thirds import check_feature_batch

#: The poolings of an :class:`EquivariantLayer`.
EQUIVARIANT_POOLINGS: tuple[str, ...] = ("sum", "max")


# --------------------------------------------------------------------------- the data


def make_odd_one_out(
    n_sets: int,
    set_size: int = 10,
    distance: float = 4.0,
    generator: torch.Generator | int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n_sets`` sets of ``set_size`` 2-D points in which one point is the odd one out.

    Each set has its own centre ``c ~ N(0, 9 I)``. Its normal points are ``c + N(0, I)``; its
    odd point is ``c + distance * u + N(0, I)``, ``u`` a uniformly random unit vector, and sits
    at a uniformly random position ``y``. ``generator``: a ``torch.Generator``, an int seed, or
    ``None`` (torch's global generator). Returns ``(X, y)``: float32 ``(n_sets, set_size, 2)``
    and int64 ``(n_sets,)``.

    Defined in Lab 09.
    """
    n_sets = check_int("n_sets", n_sets, 1)
    set_size = check_int("set_size", set_size, 2)
    distance = check_real("distance", distance)
    if distance < 0:
        raise ValueError(f"distance must be >= 0, got {distance}")
    g = as_generator(generator, "generator")
    centre = 3.0 * torch.randn(n_sets, 1, 2, generator=g)
    X = centre + torch.randn(n_sets, set_size, 2, generator=g)
    angle = 2 * math.pi * torch.rand(n_sets, generator=g)
    shift = distance * torch.stack([angle.cos(), angle.sin()], dim=1)
    y = torch.randint(0, set_size, (n_sets,), generator=g)
    X[torch.arange(n_sets), y] += shift
    return X, y


def reorder(X: torch.Tensor, y: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The sets ``X`` ``(batch, n, features)``, each in its own random order (drawn from a
    generator seeded with ``seed``), and their labels ``y`` ``(batch,)`` moved with the odd
    point. Returns new tensors.

    Defined in Lab 09.
    """
    g = torch.Generator().manual_seed(seed)
    order = torch.rand(X.shape[:2], generator=g).argsort(dim=1)  # new position -> old
    inverse = order.argsort(dim=1)
    X_new = X.gather(1, order[..., None].expand_as(X))
    return X_new, inverse.gather(1, y[:, None]).squeeze(1)


# ------------------------------------------------------------------------- the layers


class EquivariantLayer(nn.Module):
    """DeepSets' permutation-equivariant layer: ``X Lambda + 1 pool(X) Gamma + 1 b``.

    ``X`` is ``(batch, n, in_features)``; every element gets ``x_i Lambda + b`` (``element``, an
    ``nn.Linear``) plus the same ``pool(X) Gamma`` (``pooled``, an ``nn.Linear`` without bias),
    where ``pool`` is the sum or the maximum over the elements, feature by feature. Output:
    ``(batch, n, out_features)``; the nonlinearity goes between layers.

    Defined in Lab 09.
    """

    def __init__(self, in_features: int, out_features: int, pool: str = "sum"):
        super().__init__()
        self.in_features = check_int("in_features", in_features, 1)
        self.out_features = check_int("out_features", out_features, 1)
        self.pool = check_choice("pool", pool, EQUIVARIANT_POOLINGS)
        self.element = nn.Linear(in_features, out_features)
        self.pooled = nn.Linear(in_features, out_features, bias=False)

    def pool_set(self, x: torch.Tensor) -> torch.Tensor:
        """``pool(X)``: the sum or max over the elements, ``(batch, in_features)``."""
        return x.sum(dim=1) if self.pool == "sum" else x.max(dim=1).values

    def forward(self, x: torch.Tensor, pooled: torch.Tensor | None = None) -> torch.Tensor:
        """``(batch, n, in_features)`` -> ``(batch, n, out_features)``.

        ``pooled`` (optional, ``(batch, in_features)``) replaces ``pool(x)``: the pooled
        vector of a whole set, so that a chunk of it is transformed as in the whole set.
        """
        check_dtype(self, check_feature_batch(x, self.in_features))
        if pooled is None:
            pooled = self.pool_set(x)
        elif not isinstance(pooled, torch.Tensor) or tuple(pooled.shape) != (
                x.shape[0], self.in_features):
            raise ValueError(f"pooled must be a tensor of shape (batch, in_features) = "
                             f"({x.shape[0]}, {self.in_features}), got "
                             f"{tuple(getattr(pooled, 'shape', ()))}")
        return self.element(x) + self.pooled(pooled).unsqueeze(1)


class SetAttentionBlock(nn.Module):
    """The Set Transformer's SAB (Lee et al., 2019), without layer norm.

    ``H = X + MultiheadAttention(X, X, X)``, then ``SAB(X) = H + rFF(H)`` with ``rFF`` a
    two-layer ReLU network applied to each element. Every element attends to every element
    of its set, so the block is permutation equivariant and mixes the elements.

    Defined in Lab 09.
    """

    def __init__(self, dim: int, num_heads: int = 4):
        super().__init__()
        self.dim = check_int("dim", dim, 1)
        check_int("num_heads", num_heads, 1)
        if dim % num_heads:
            raise ValueError(f"dim ({dim}) must be divisible by num_heads ({num_heads})")
        self.attention = nn.MultiheadAttention(dim, num_heads, batch_first=True)
        self.feedforward = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, n, dim)`` -> ``(batch, n, dim)``."""
        check_dtype(self, check_feature_batch(x, self.dim))
        h = x + self.attention(x, x, x, need_weights=False)[0]
        return h + self.feedforward(h)


# ------------------------------------------------------------------------ the scorers



def _relu_stack(in_features: int, hidden_dim: int, n_layers: int,
                make_layer: Callable[[int, int], nn.Module]) -> nn.Sequential:
    """``n_layers`` layers ``make_layer(a, b)``, each followed by a ReLU."""
    check_int("in_features", in_features, 1)
    check_int("hidden_dim", hidden_dim, 1)
    check_int("n_layers", n_layers, 1)
    widths = [in_features] + [hidden_dim] * n_layers
    layers: list[nn.Module] = []
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        layers += [make_layer(a, b), nn.ReLU()]
    return nn.Sequential(*layers)

class EquivariantScorer(nn.Module):
    """``n_layers`` equivariant layers (ReLU between them), then one score per element.

    ``(batch, n, in_features)`` -> ``(batch, n)``: permutation equivariant for any ``n``.

    Defined in Lab 09.
    """

    def __init__(self, in_features: int = 2, hidden_dim: int = 32, n_layers: int = 3,
                 pool: str = "sum"):
        super().__init__()
        self.layers = _relu_stack(in_features, hidden_dim, n_layers,
                                  lambda a, b: EquivariantLayer(a, b, pool))
        self.score = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.score(self.layers(x)).squeeze(-1)


class PerElementScorer(nn.Module):
    """A network applied to each element alone (DeepSets' ``phi``), one score per element.

    Equivariant, but the score of an element never depends on the other elements.

    Defined in Lab 09.
    """

    def __init__(self, in_features: int = 2, hidden_dim: int = 32, n_layers: int = 3):
        super().__init__()
        self.layers = _relu_stack(in_features, hidden_dim, n_layers, nn.Linear)
        self.score = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_dtype(self, check_feature_batch(x))
        return self.score(self.layers(x)).squeeze(-1)


class AttentionScorer(nn.Module):
    """A per-element ``Linear`` to ``hidden_dim``, ``n_blocks`` SABs, one score per element.

    Defined in Lab 09.
    """

    def __init__(self, in_features: int = 2, hidden_dim: int = 32, n_blocks: int = 2,
                 num_heads: int = 4):
        super().__init__()
        check_int("in_features", in_features, 1)
        check_int("n_blocks", n_blocks, 1)
        self.embed = nn.Linear(in_features, check_int("hidden_dim", hidden_dim, 1))
        self.blocks = nn.Sequential(*[SetAttentionBlock(hidden_dim, num_heads)
                                      for _ in range(n_blocks)])
        self.score = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_dtype(self, check_feature_batch(x))
        return self.score(self.blocks(self.embed(x))).squeeze(-1)


class FlatMLPScorer(nn.Module):
    """An MLP on the flattened set: ``set_size * in_features`` numbers in, ``set_size`` scores
    out. It sees positions, not a set, and only takes sets of exactly ``set_size`` elements.

    Defined in Lab 09.
    """

    def __init__(self, set_size: int = 10, in_features: int = 2, hidden_dim: int = 64,
                 n_layers: int = 2):
        super().__init__()
        self.set_size = check_int("set_size", set_size, 1)
        self.in_features = check_int("in_features", in_features, 1)
        check_int("hidden_dim", hidden_dim, 1)
        check_int("n_layers", n_layers, 1)
        widths = [set_size * in_features] + [hidden_dim] * n_layers
        layers: list[nn.Module] = [nn.Flatten()]
        for a, b in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.Linear(a, b), nn.ReLU()]
        layers.append(nn.Linear(hidden_dim, set_size))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_feature_batch(x, self.in_features)
        if x.shape[1] != self.set_size:
            raise ValueError(f"this MLP takes sets of exactly {self.set_size} elements, got "
                             f"shape {tuple(x.shape)}")
        return self.net(check_dtype(self, x))


# ---------------------------------------------------------------- predictions, accuracy


def _check_scores_model(model: object) -> None:
    if not callable(model):
        raise TypeError(f"model must be callable (an nn.Module), got {type(model).__name__}")


def _scores(model: nn.Module, X: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        scores = model(X)
    if not isinstance(scores, torch.Tensor) or tuple(scores.shape) != tuple(X.shape[:2]):
        raise ValueError(f"the model must return one score per element, shape "
                         f"{tuple(X.shape[:2])}; got {tuple(getattr(scores, 'shape', ()))}")
    return scores


def predict_index(model: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """The element with the highest score in each set: int64 ``(batch,)``.

    Defined in Lab 09.
    """
    _check_scores_model(model)
    return _scores(model, check_feature_batch(X)).argmax(dim=1)


def _check_labels(y: object, X: torch.Tensor) -> torch.Tensor:
    if not isinstance(y, torch.Tensor) or y.dtype != torch.int64:
        raise TypeError("y must be an int64 tensor of indices (batch,)")
    if tuple(y.shape) != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {tuple(y.shape)}")
    return y


def index_accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of the sets whose highest-scoring element is the odd one, ``X[i, y[i]]``.

    Defined in Lab 09.
    """
    X = check_feature_batch(X)
    y = _check_labels(y, X)
    return float((predict_index(model, X) == y).float().mean())


def index_equivariance(model: nn.Module, X: torch.Tensor, n_perms: int = 5,
                       seed: int | None = 0) -> float:
    """Fraction of (set, permutation) pairs whose predicted *element* stays the same when the
    elements are reordered: the predicted index moves with the element. 1.0 for an
    equivariant model (up to exact ties).

    Defined in Lab 09.
    """
    X = check_feature_batch(X)
    if X.shape[1] < 2:
        raise ValueError("a set needs at least 2 elements to be reordered")
    n_perms = check_int("n_perms", n_perms, 1)
    g = as_generator(seed)
    before = predict_index(model, X)
    agree = 0.0
    for _ in range(n_perms):
        perm = torch.rand(X.shape[:2], generator=g).argsort(dim=1)  # new position -> old
        after = predict_index(model, X.gather(1, perm[..., None].expand_as(X)))
        agree += float((perm.gather(1, after[:, None]).squeeze(1) == before).float().mean())
    return agree / n_perms


def farthest_point(X: torch.Tensor) -> torch.Tensor:
    """A rule, not a model: in each set, the point farthest from the mean of the others.

    Defined in Lab 09.
    """
    X = check_feature_batch(X)
    n = X.shape[1]
    if n < 2:
        raise ValueError("a set needs at least 2 elements")
    others = (X.sum(dim=1, keepdim=True) - X) / (n - 1)
    return (X - others).pow(2).sum(-1).argmax(dim=1)


def concatenate(parts: list[torch.Tensor], sizes: list[int]) -> torch.Tensor:
    """The aggregation ``g`` for a layer with one output row per element: the chunks'
    outputs ``(batch, n_j, features)``, concatenated in order along the elements (``sizes`` is
    not needed).

    Defined in Lab 09.
    """
    return torch.cat(parts, dim=1)


# ---------------------------------------------------------------------------------- figures


@styled
def plot_set_probabilities(points: torch.Tensor, odd: int,
                           probs: dict[str, torch.Tensor]) -> Figure:
    """One set of 2-D points (top, numbered by position, the odd one ringed) and the
    probability each model gives each point (bottom, one bar per model; a name with
    "reordered" in it is drawn hatched).

    Defined in Lab 09.
    """
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(COLUMN_WIDTH, 7.2),
                                      height_ratios=[1.1, 1])
    xy = torch.as_tensor(points).detach().cpu().numpy()
    top.scatter(xy[:, 0], xy[:, 1], s=60, color="C7", label="point")
    top.scatter(*xy[odd], s=260, facecolors="none", edgecolors="black", lw=2,
                label="odd point")
    for i, (px, py) in enumerate(xy):
        top.annotate(str(i), (px, py), xytext=(6, 4), textcoords="offset points")
    middle, half = xy.mean(0), abs(xy - xy.mean(0)).max() + 0.8
    top.set(title="One test set", xlabel="x1", ylabel="x2", aspect="equal",
            xlim=(middle[0] - half, middle[0] + half),
            ylim=(middle[1] - half, middle[1] + half))
    top.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    n, width = len(xy), 0.8 / max(len(probs), 1)
    colours = ["C0", "C2", "C3", "C3", "C1", "C4"]
    for j, (name, p) in enumerate(probs.items()):
        reordered = "reordered" in name
        offset = (j - (len(probs) - 1) / 2) * width
        bottom.bar([i + offset for i in range(n)],
                   torch.as_tensor(p).detach().cpu().numpy(), width,
                   color=colours[j % len(colours)], alpha=0.5 if reordered else 1.0,
                   hatch="//" if reordered else None, label=name)
    bottom.set(title="Softmax over the set: the probability of each point",
               xlabel="point (its position in the set)", ylabel="probability",
               xticks=range(n))
    bottom.legend()
    return fig
