"""Which pooling for which task, Lab 07: one set model with any pooling.

:class:`PooledSetModel` (sum, mean, max, attention, slots; reused by Labs 08 and 10), the four
tasks (:data:`TASKS`), the padded test sets (:func:`padded_test_sets`), the best constant
baseline (:func:`best_constant`) and the figure of accuracy per task and pooling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from labcode._validate import check_bool, check_choice, check_int
from labcode.digits import check_digit_batch, create_test_dataset
from labcode.plots import stacked, styled
from labcode.pooling import PMA, SlotSetEncoder, check_dtype, pool
from labcode.thirds import check_feature_batch

#: Lab 07's four tasks: the target of each digit set ``(n_sets, width)`` (0 = padding), as an
#: array ``(n_sets,)``. Defined in Lab 07.
TASKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sum": lambda X: X.sum(1),
    "max": lambda X: X.max(1),
    "mean": lambda X: X.sum(1) / (X != 0).sum(1),
    "count": lambda X: (X != 0).sum(1),
}


def padded_test_sets(sizes: Sequence[int], seed: int = 1, max_digit: int = 50,
                     n_per_size: int = 500) -> np.ndarray:
    """``n_per_size`` digit sets (numbers ``1..max_digit``) of each size in ``sizes``, drawn with
    :func:`~labcode.digits.create_test_dataset` (``seed``), left-padded with zeros to the
    largest size and stacked: an int array ``(n_per_size * len(sizes), max(sizes))``.

    Defined in Lab 07 (the notebook's ``test_sets``).
    """
    parts, _ = create_test_dataset(n_per_card=n_per_size, cardinalities=sizes,
                                   max_digit=max_digit, seed=seed)
    width = max(sizes)
    return np.concatenate([np.pad(X, ((0, 0), (width - X.shape[1], 0))) for X in parts])


def best_constant(y: np.ndarray) -> float:
    """Accuracy of the best single prediction ``c``: the largest share of ``y`` with
    ``|y - c| < 0.5`` (the fullest window ``[y_i, y_i + 1)``). ``y`` is not changed.

    Defined in Lab 07.
    """
    y = np.sort(y)
    in_window = np.searchsorted(y, y + 1.0) - np.arange(len(y))
    return float(in_window.max() / len(y))


class PooledSetModel(nn.Module):
    """``rho(pool_i phi(x_i))`` with a selectable pooling, for digits or real-valued elements.

    ``phi``: an embedding (``input_dim`` given: digit tokens, 0 = padding) or an MLP on
    ``in_features`` real features, then Linear + ReLU to ``hidden_dim``. ``pooling``: ``sum``,
    ``mean``, ``max`` (padding ignored), ``attention`` (:class:`~labcode.pooling.PMA`) or
    ``slots`` (:class:`~labcode.pooling.SlotSetEncoder`, divided by the number of elements).
    ``rho``: Linear + ReLU, Linear to ``out_features``.
    ``pma_feedforward=False`` (attention only) builds the PMA without its feed-forward block,
    so that the attention pooling, like the others, is followed by ``rho`` alone.

    Defined in Lab 07.
    """

    POOLINGS = ("sum", "mean", "max", "attention", "slots")

    def __init__(self, pooling: str = "sum", *, input_dim: int | None = None,
                 in_features: int | None = None, hidden_dim: int = 32, out_features: int = 1,
                 num_slots: int = 4, rho_hidden_dim: int = 0, pma_feedforward: bool = True):
        super().__init__()
        check_choice("pooling", pooling, self.POOLINGS)
        pma_feedforward = check_bool("pma_feedforward", pma_feedforward)
        if (input_dim is None) == (in_features is None):
            raise ValueError("give exactly one of input_dim (digit sets) or in_features "
                             "(real sets)")
        hidden_dim = check_int("hidden_dim", hidden_dim, 1)
        self.pooling, self.input_dim, self.in_features = pooling, input_dim, in_features
        if input_dim is not None:
            # a lookup table: the most general function of a digit
            self.phi: nn.Module = nn.Embedding(check_int("input_dim", input_dim, 2), hidden_dim)
        else:
            n_in = check_int("in_features", in_features, 1)
            self.phi = nn.Sequential(nn.Linear(n_in, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, hidden_dim), nn.ReLU())
        width = hidden_dim
        if pooling == "attention":
            self.pma = PMA(hidden_dim, num_heads=1, num_seeds=1,
                           feedforward=pma_feedforward)
        elif pooling == "slots":
            self.sse = SlotSetEncoder(hidden_dim, num_slots, hidden_dim, hidden_dim, hidden_dim)
            width = num_slots * hidden_dim
        out_features = check_int("out_features", out_features, 1)
        if check_int("rho_hidden_dim", rho_hidden_dim, 0):
            self.rho = nn.Sequential(nn.Linear(width, rho_hidden_dim), nn.ReLU(),
                                     nn.Linear(rho_hidden_dim, out_features))
        else:
            self.rho = nn.Linear(width, out_features)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled representation of each set (what ``rho`` sees)."""
        if self.input_dim is not None:
            check_digit_batch(x, self.input_dim)
            mask = x != 0
        else:
            check_dtype(self, check_feature_batch(x, self.in_features))
            mask = None
        h = self.phi(x)
        if self.pooling == "attention":
            return self.pma(h, mask)
        if self.pooling == "slots":
            n = h.shape[1] if mask is None else mask.sum(1).view(-1, 1, 1)
            return (self.sse(h, mask) / n).flatten(1)
        return pool(h, self.pooling, mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, set size[, features])`` -> ``(batch, out_features)``, squeezed if 1."""
        out = self.rho(self.encode(x))
        return out.squeeze(-1) if out.shape[-1] == 1 else out


@styled
def plot_accuracy_heatmaps(accuracy: dict[tuple[str, str], dict[str, float]],
                           tasks: Sequence[str], columns: Sequence[str],
                           groups: Sequence[str], n_learned: int | None = None) -> Figure:
    """One heat map per group of test sets (stacked): the accuracy of each (task, column).

    ``accuracy[task, column][group]`` is a number in [0, 1]; ``columns`` are the poolings and
    any baselines; a white line separates the first ``n_learned`` columns (the learned
    poolings) from the rest.

    Defined in Lab 07.
    """
    tasks, columns, groups = list(tasks), list(columns), list(groups)
    if not tasks or not columns or not groups:
        raise ValueError("need at least one task, one column and one group")
    fig, axes = stacked(len(groups), 2.9)
    image = None
    for ax, group in zip(axes, groups, strict=True):
        grid = np.array([[accuracy[t, c][group] for c in columns] for t in tasks], dtype=float)
        image = ax.imshow(grid, vmin=0, vmax=1, cmap="Greens", aspect="auto")
        for (r, c), v in np.ndenumerate(grid):
            ax.text(c, r, f"{v:.2f}", ha="center", va="center",
                    color="black" if v < 0.6 else "white")
        if n_learned is not None:
            ax.axvline(n_learned - 0.5, color="white", linewidth=4)
        ax.set(xticks=range(len(columns)), yticks=range(len(tasks)), yticklabels=tasks,
               ylabel="task", title=f"Accuracy on sets of {group} numbers")
        ax.set_xticklabels([c.replace(" ", "\n") for c in columns])
    axes[-1].set_xlabel("pooling")
    fig.colorbar(image, ax=axes, label="accuracy (|error| < 0.5)", shrink=0.8)
    return fig
