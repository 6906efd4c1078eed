"""Removing the nonlinearity, Lab 05: a linear phi pools to a mean, and loses the task.

What rho sees (:func:`pooled`) and the separation condition (:func:`separation`); the hand-set
sum models (:class:`SumDeepSet`, :func:`set_exact_sum`, :func:`set_exact_sum_lab02`) and what
padding adds to the last (:func:`padding_effect`); figures
of phi on the data and of the pooled features by class, and a toggle between the trained models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from labcode.digits import DeepSets
from labcode.plots import COLUMN_WIDTH, as_numpy, stacked, styled
from labcode.widgets import link, text_stack


@styled
def plot_phi_on_data(phis: dict[str, Callable[[Any], Any]],
                     points: Sequence[float] = (0.0, 1 / 5, 1 / 3)) -> Figure:
    """One panel per learned ``phi: R -> R`` (stacked): ``phi(x)`` between the smallest and
    the largest of ``points`` (the only inputs it ever sees, drawn as dots), and the chord
    joining its two ends. An affine ``phi`` runs through all the dots on the chord.

    ``phis`` maps a panel title to a callable that takes a float tensor ``(n, 1)`` and returns
    ``(n, 1)`` (e.g. ``model.phi``).

    Defined in Lab 05.
    """
    if not isinstance(phis, dict) or not phis or not all(callable(f) for f in phis.values()):
        raise TypeError("phis must be a non-empty dict {panel title: callable phi}")
    xs = np.asarray(points, dtype=float)
    if xs.ndim != 1 or len(xs) < 2:
        raise ValueError(f"points must hold at least two numbers, got {points!r}")
    lo, hi = float(xs.min()), float(xs.max())
    grid = torch.linspace(lo, hi, 200).unsqueeze(1)
    fig, axes = stacked(len(phis), 2.6, sharex=True)
    for ax, (title, phi) in zip(axes, phis.items(), strict=True):
        with torch.no_grad():
            curve = as_numpy(phi(grid))[:, 0]
            dots = as_numpy(phi(torch.tensor(xs, dtype=torch.float32).unsqueeze(1)))[:, 0]
        ends = dots[[int(np.argmin(xs)), int(np.argmax(xs))]]
        ax.plot(grid[:, 0].numpy(), curve, color="C0", lw=2, label="phi(x)")
        ax.plot([lo, hi], ends, "k--", lw=1, label=f"chord from {lo:g} to {hi:.3g}")
        ax.plot(xs, dots, "o", color="C3", ms=7, zorder=3, label="phi at the data")
        ax.set(title=title, ylabel="phi(x)")
        ax.legend(loc="best")
    axes[-1].set_xlabel("x")
    return fig


@styled
def plot_pooled_by_class(pooled: dict[str, object], y: object, ax: Axes | None = None) -> Axes:
    """What rho sees: ``sum_i phi(x_i)`` of every instance, one column per model, one marker
    per class. ``pooled`` maps a model's label to its pooled values ``(N,)``; ``y`` holds the
    classes (0 or 1) of the N instances.

    Defined in Lab 05.
    """
    if not isinstance(pooled, dict) or not pooled:
        raise TypeError("pooled must be a non-empty dict {model label: pooled values (N,)}")
    labels = as_numpy(y).reshape(-1)
    ax = ax or plt.figure(figsize=(COLUMN_WIDTH, 3.4)).gca()
    for k, values in enumerate(pooled.values()):
        v = as_numpy(values).reshape(-1)
        if v.shape != labels.shape:
            raise ValueError(f"each pooled array needs {len(labels)} values, got {v.shape}")
        for c, marker in ((0, "o"), (1, "s")):
            ax.plot(np.full(int((labels == c).sum()), k + (0.1 if c else -0.1)),
                    v[labels == c], marker, ls="none", color=f"C{c}", ms=6, alpha=0.8,
                    label=f"class {c}" if k == 0 else None)
    ax.set_xticks(range(len(pooled)), list(pooled))
    ax.set_xlim(-0.6, len(pooled) - 0.4)
    ax.set(title="What rho sees: the pooled value of each instance",
           ylabel="sum_i phi(x_i)", xlabel="phi of the model")
    ax.legend(loc="best")
    return ax


def nonlinearity_toggle(models: dict[str, object], X: object, y: object) -> widgets.Widget:
    """Pick a DeepSet by its phi (toggle buttons) and watch the pooled values of both classes.

    ``models`` maps labels ("tanh", "none"...) to trained ``DeepSet`` models with
    ``latent_dim=1``; ``X, y`` is a batch of the 1/3-vs-1/5 task. Shows ``sum_i phi(x_i)`` per
    class.

    Defined in Lab 05.
    """
    if not isinstance(models, dict) or not models:
        raise TypeError("models must be a non-empty dict {label: DeepSet}")
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor) or len(X) != len(y):
        raise ValueError("X and y must be tensors of the same length, e.g. make_data(200)")
    with torch.no_grad():
        pooled = {k: m.phi(X).sum(dim=1)[:, 0] for k, m in models.items()}

    def text(phi: str) -> str:
        lines = []
        for c in (0, 1):
            v = pooled[phi][y[:, 0] == c]
            lines.append(f"class {c}: sum_i phi(x_i) from {float(v.min()):+.4f} "
                         f"to {float(v.max()):+.4f}")
        gap = abs(float(pooled[phi][y[:, 0] == 0].mean() - pooled[phi][y[:, 0] == 1].mean()))
        lines.append(f"gap between the classes: {gap:.4f}"
                     + ("  -> rho sees one number for both: chance" if gap < 1e-3 else ""))
        return "\n".join(lines)

    texts = text_stack([text(phi) for phi in models])
    toggle = widgets.ToggleButtons(options=list(models), description="phi's activation")
    link((toggle, "index"), (texts, "selected_index"))
    return widgets.VBox([toggle, texts])


def pooled(model: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """What rho sees: ``sum_i phi(x_i)``, the first pooled feature of each instance of ``X``
    ``(batch, set size, 1)``, as ``(batch,)``, computed without gradients.

    Defined in Lab 05.
    """
    with torch.no_grad():
        return model.phi(X).sum(dim=1)[:, 0]


def separation(phi: nn.Module) -> float:
    """``3 [phi(1/3) - phi(0)] - 5 [phi(1/5) - phi(0)]`` for a ``phi`` on ``(n, 1)`` float32
    inputs (first output feature): nonzero if and only if the two classes of the 1/3-vs-1/5
    task pool to different values.

    Defined in Lab 05.
    """
    with torch.no_grad():
        v0, v3, v5 = phi(torch.tensor([[0.0], [1 / 3], [1 / 5]]))[:, 0]
    return float(3 * (v3 - v0) - 5 * (v5 - v0))


class SumDeepSet(nn.Module):
    """``rho(sum_i phi(x_i))`` with ``phi = Linear(1, hidden_dim) + ReLU`` and
    ``rho = Linear(hidden_dim, 1)``: ``(batch, set size, 1)`` -> ``(batch,)``.

    Defined in Lab 05.
    """

    def __init__(self, hidden_dim: int = 4):
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(1, hidden_dim), nn.ReLU())
        self.rho = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(batch, set size, 1)`` -> ``(batch,)`` predicted sums."""
        return self.rho(self.phi(x).sum(dim=1)).squeeze(-1)


def set_exact_sum(model: SumDeepSet) -> SumDeepSet:
    """Set the parameters of ``model`` in place so that it outputs exactly the sum of each set
    of non-negative numbers (unit 0 of phi carries ``x``, rho reads it); return ``model``.

    Defined in Lab 05.
    """
    with torch.no_grad():
        linear = model.phi[0]
        linear.weight.zero_()
        linear.bias.zero_()
        linear.weight[0, 0] = 1.0
        model.rho.weight.zero_()
        model.rho.bias.zero_()
        model.rho.weight[0, 0] = 1.0
    return model


def set_exact_sum_lab02(model: DeepSets, c: float = 20.0) -> DeepSets:
    """Hand-set a Lab 02 :class:`~labcode.digits.DeepSets` in place so that it sums its digits:
    embedding ``artanh(d / c)`` (the padding token 0 maps to 0), ``fc1`` copies it, ``fc2``
    multiplies by ``c``; return ``model``.

    Defined in Lab 05.
    """
    digits = torch.arange(model.embedding.num_embeddings, dtype=torch.float64)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.embedding.weight[:, 0] = torch.atanh(digits / c).float()
        model.fc1.weight[0, 0] = 1.0
        model.fc2.weight[0, 0] = c
    return model


def padding_effect(x: torch.Tensor, pad_0: float = 0.0,
                   pad_1: float = 0.0) -> tuple[float, float, float]:
    """What padding adds to a hand-set Lab 02 DeepSets (:func:`set_exact_sum_lab02` of a fresh
    ``DeepSets(input_dim=11, embedding_dim=128, hidden_dim=64)``) whose padding token embeds
    to ``(artanh(pad_0), pad_1, 0, ...)`` and whose ``fc1`` unit 1 copies coordinate 1 (which
    ``fc2`` does not read).

    ``x``: digit sets ``(batch, n)`` without padding. Returns ``(|phi(pad)|, w . phi(pad),
    shift)``: the norm of the padding's phi, what ``fc2`` reads of it, and the mean change of the
    prediction when ``x`` is left-padded with ``n`` zeros.

    Defined in Lab 05.
    """
    model = set_exact_sum_lab02(DeepSets(input_dim=11, embedding_dim=128, hidden_dim=64))
    x_padded = torch.cat([torch.zeros_like(x), x], dim=1)
    with torch.no_grad():
        model.embedding.weight[0, 0] = float(np.arctanh(pad_0))
        model.embedding.weight[0, 1] = pad_1
        model.fc1.weight[1, 1] = 1.0
        phi_pad = model.tanh(model.fc1(model.embedding.weight[0]))
        contribution = (model.fc2.weight[0] @ phi_pad).item()
        shift = (model(x_padded) - model(x)).mean().item()
    return phi_pad.norm().item(), contribution, shift
