"""Three thirds or five fifths, Lab 03: a task an MLP can learn, and a DeepSet learns faster.

Each instance has ``N_OBJECTS`` objects with one feature; class 0 holds three 1/3s, class 1
five 1/5s, so both sum to 1 (:func:`make_data`). :class:`DeepSet` (with any activation and
pooling) and :func:`mlp` are the two models, :func:`accuracy` their test accuracy; Labs 04-06
reuse them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from torch import nn

from labcode._validate import (
    as_generator,
    check_bool,
    check_choice,
    check_int,
    check_sets,
)
from labcode.plots import styled
from labcode.pooling import check_dtype, pool

#: Objects per instance in the 1/3-vs-1/5 task, and the (count, value) of each class's nonzeros.
N_OBJECTS: int = 10


CLASS_PATTERNS: dict[int, tuple[int, float]] = {0: (3, 1 / 3), 1: (5, 1 / 5)}


def make_data(
    N: int, generator: torch.Generator | int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``N`` instances of the 1/3-vs-1/5 task, exactly half of each class, rows shuffled.

    Every instance has ``N_OBJECTS`` = 10 objects with one feature. In class 0 a random subset of
    3 objects equals 1/3; in class 1 a random subset of 5 objects equals 1/5; the rest are 0.
    (Both classes sum to 1: a plain sum of the features cannot tell them apart.)

    ``generator`` is a ``torch.Generator``, an int seed, or ``None`` for torch's global
    generator (seeded by :func:`labcode.seed_everything`). Returns ``(X, y)``: float32 tensors
    of shapes ``(N, 10, 1)`` and ``(N, 1)``, ``y`` holding the class 0.0 or 1.0.

    Defined in Lab 03.
    """
    N = check_int("N", N)
    if N < 2:
        raise ValueError(f"N must be >= 2 (one instance of each class at least), got N={N}")
    if N % 2:
        raise ValueError(f"N must be even so that the classes are exactly balanced, got N={N}")
    g = as_generator(generator, "generator")
    y = torch.zeros(N)
    y[N // 2:] = 1.0
    y = y[torch.randperm(N, generator=g)]
    count = torch.where(y == 0, CLASS_PATTERNS[0][0], CLASS_PATTERNS[1][0])
    value = torch.where(y == 0, CLASS_PATTERNS[0][1], CLASS_PATTERNS[1][1])
    # The ranks of N_OBJECTS uniform numbers form a random permutation of the positions; the
    # positions ranked below `count` make a uniformly random subset of that size.
    ranks = torch.rand(N, N_OBJECTS, generator=g).argsort(dim=1).argsort(dim=1)
    X = torch.where(ranks < count[:, None], value[:, None], 0.0)
    return X.unsqueeze(-1).float(), y.unsqueeze(-1)


#: The element-wise activations a DeepSet's phi can use; "none" makes phi affine.
ACTIVATIONS: dict[str, type[nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU, "none": nn.Identity}


SET_POOLINGS: tuple[str, ...] = ("sum", "mean", "max")


def check_feature_batch(x: object, in_features: int | None = None) -> torch.Tensor:
    """Return ``x`` if it is a float tensor ``(batch, set size, in_features)`` with elements,
    else raise an error that says what was expected. Defined in Lab 03."""
    return check_sets(x, features=in_features)


class DeepSet(nn.Module):
    """A DeepSet for binary classification: ``sigmoid(rho(pool_i phi(x_i)))``.

    ``phi`` maps each element's ``in_features`` to ``latent_dim`` numbers through two hidden layers
    of ``hidden_dim`` units and ``activation`` ("tanh", "relu", or "none": phi is then affine);
    ``pooling`` ("sum", "mean" or "max") combines the elements; ``rho`` has one hidden layer of
    ``rho_hidden_dim`` tanh units and returns one logit. The defaults have 62 parameters.
    ``phi_bias=False`` drops phi's biases: with an odd activation ("tanh", "none") phi is then
    odd, ``phi(-x) = -phi(x)`` (Lab 06).

    Defined in Lab 03.
    """

    def __init__(self, in_features: int = 1, hidden_dim: int = 5, latent_dim: int = 1,
                 rho_hidden_dim: int = 5, activation: str = "tanh", pooling: str = "sum",
                 phi_bias: bool = True):
        super().__init__()
        self.in_features = check_int("in_features", in_features, 1)
        h, out = check_int("hidden_dim", hidden_dim, 1), check_int("latent_dim", latent_dim, 1)
        act = ACTIVATIONS[check_choice("activation", activation, tuple(ACTIVATIONS))]
        self.activation = activation
        self.pooling = check_choice("pooling", pooling, SET_POOLINGS)
        if not isinstance(phi_bias, bool):
            raise TypeError(f"phi_bias must be True or False, got {phi_bias!r}")
        self.phi = nn.Sequential(nn.Linear(in_features, h, bias=phi_bias), act(),
                                 nn.Linear(h, h, bias=phi_bias), act(),
                                 nn.Linear(h, out, bias=phi_bias))
        r = check_int("rho_hidden_dim", rho_hidden_dim, 1)
        self.rho = nn.Sequential(nn.Linear(out, r), nn.Tanh(), nn.Linear(r, 1))

    def pool(self, h: torch.Tensor) -> torch.Tensor:
        """Combine per-element features ``(batch, set size, k)`` into ``(batch, k)``."""
        return pool(h, self.pooling)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The score before the sigmoid: ``(batch, set size, in_features)`` -> ``(batch, 1)``."""
        check_dtype(self, check_feature_batch(x, self.in_features))
        return self.rho(self.pool(self.phi(x)))  # per element, then pool, then set-wide

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Probability of class 1 for each set, ``(batch, 1)``."""
        return torch.sigmoid(self.logits(x))


def mlp(in_features: int = 10, hidden_dims: tuple[int, ...] | list[int] = (16, 16),
        activation: str = "relu", sigmoid: bool = True) -> nn.Sequential:
    """A plain ``nn.Sequential`` MLP on the flattened set (it sees positions, not a set).

    ``Flatten`` turns ``(batch, set size, features)`` into ``(batch, in_features)``; then one
    ``Linear`` + ``activation`` per entry of ``hidden_dims``, a ``Linear`` to one output, and a
    final ``Sigmoid`` when ``sigmoid`` (drop it to get logits, or use :func:`logits_of`).

    Defined in Lab 03.
    """
    in_features = check_int("in_features", in_features, 1)
    if isinstance(hidden_dims, (str, bytes)) or not isinstance(hidden_dims, (tuple, list)):
        raise TypeError("hidden_dims must be a tuple of layer widths, got "
                        f"{type(hidden_dims).__name__}")
    widths = [check_int("each hidden width", w, 1) for w in hidden_dims]
    act = ACTIVATIONS[check_choice("activation", activation, tuple(ACTIVATIONS))]
    layers: list[nn.Module] = [nn.Flatten()]
    for n_in, n_out in zip([in_features, *widths], widths, strict=False):
        layers += [nn.Linear(n_in, n_out), act()]
    layers.append(nn.Linear(widths[-1] if widths else in_features, 1))
    if check_bool("sigmoid", sigmoid):
        layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of the instances of ``X`` that ``model`` (a probability of class 1 per
    instance, ``(batch, 1)``) classifies correctly against ``y`` ``(batch, 1)``: a probability
    above 0.5 means class 1. Computed without gradients. (Lab 03 computes it inline, Labs 04-06
    as their ``accuracy``.)

    Defined in Lab 03.
    """
    with torch.no_grad():
        return ((model(X) > 0.5).float() == y).float().mean().item()


_OBJECT_COLOURS = {"0": "#eeeeee", "1/5": "tab:orange", "1/3": "tab:blue"}


@styled
def show_object_sets(X: object, y: object, n_rows: int = 12, ax: Axes | None = None) -> Axes:
    """``plt.imshow`` of the first ``n_rows`` instances of ``make_data``: one row per instance,
    one column per object, coloured by value (0, 1/5 or 1/3), each row labelled with its class.

    Defined in Lab 03.
    """
    from matplotlib.colors import ListedColormap

    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 3 or X.shape[2] != 1 or y.shape != (len(X), 1):
        raise ValueError(f"expected X of shape (N, n_objects, 1) and y of shape (N, 1), "
                         f"got {X.shape} and {y.shape}")
    X, y = X[:n_rows, :, 0], y[:n_rows, 0]
    codes = np.select([np.isclose(X, 1 / 5), np.isclose(X, 1 / 3)], [1, 2], 0)
    ax = ax or plt.figure(figsize=(5.4, 0.3 * len(X) + 1.4)).gca()
    ax.imshow(codes, cmap=ListedColormap(list(_OBJECT_COLOURS.values())), vmin=0, vmax=2,
              aspect="auto")
    ax.set(title="A batch of make_data:\n3 x 1/3 (class 0) or 5 x 1/5 (class 1)",
           xlabel="object (position in the instance)", ylabel="instance",
           xticks=range(X.shape[1]), yticks=range(len(X)))
    ax.set_yticklabels([f"#{i}: class {int(c)}" for i, c in enumerate(y)])
    ax.legend(handles=[Patch(color=col, label=f"value {v}") for v, col in _OBJECT_COLOURS.items()],
              loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
