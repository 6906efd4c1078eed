"""Permutation checks, Lab 04: what invariance is worth, measured.

The logits of a sigmoid classifier (:func:`logits_of`), the median steps of the MLP width sweep
(:func:`median_steps`) and its figure, the outputs under reordering, and a widget that reorders
one set.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from torch import nn

from labcode.plots import COLUMN_WIDTH, stacked, styled
from labcode.pooling import check_dtype
from labcode.widgets import link, text_stack


def logits_of(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The logits of a binary classifier that ends in a sigmoid.

    Works for a :class:`DeepSet` (or any model with a ``logits`` method) and for an
    ``nn.Sequential`` whose last layer is ``nn.Sigmoid``. Compare logits rather than
    probabilities when outputs saturate: ``sigmoid(12)`` and ``sigmoid(15)`` both print 1.0000.

    Defined in Lab 04.
    """
    if callable(getattr(model, "logits", None)):
        return model.logits(x)
    if isinstance(model, nn.Sequential) and len(model) > 1 and isinstance(model[-1], nn.Sigmoid):
        if not isinstance(x, torch.Tensor) or not torch.is_floating_point(x):
            got = f"a {x.dtype} tensor" if isinstance(x, torch.Tensor) else type(x).__name__
            raise TypeError(f"expected a float tensor (batch, set size, features), got {got}")
        check_dtype(model, x)
        if len(model) > 2 and isinstance(model[0], nn.Flatten) and isinstance(model[1], nn.Linear):
            in_features = model[1].in_features
            if x.ndim < 2 or math.prod(x.shape[1:]) != in_features:
                raise ValueError(f"this MLP takes {in_features} numbers per set (e.g. a batch of "
                                 f"shape (batch, {in_features}, 1)), got shape {tuple(x.shape)}")
        return model[:-1](x)
    raise TypeError("expected a model with a .logits(x) method or an nn.Sequential ending in "
                    f"nn.Sigmoid, got {type(model).__name__}")


def median_steps(steps: Iterable[float | None], budget: int) -> float:
    """The median number of steps to converge over runs, one entry of ``steps`` per run; a run
    that never converged (``None``, or ``inf``, or more than ``budget``) counts as ``budget``.

    Defined in Lab 04.
    """
    return float(np.median([budget if s is None or s > budget else s for s in steps]))


@styled
def plot_width_sweep(mlp_runs: list[dict[str, object]], deepset_runs: list[dict[str, object]],
                     budget: int, threshold: float = 0.05) -> plt.Figure:
    """Steps to converge and final accuracy against parameter count, MLPs vs the DeepSet.

    Each run is a dict with ``params`` (int), ``steps`` (int, or None if the loss never fell
    below ``threshold`` within ``budget`` steps) and ``accuracy`` (float). Runs that never
    converged are drawn as open markers at the budget.

    Defined in Lab 04.
    """
    if not mlp_runs or not deepset_runs:
        raise ValueError("need at least one MLP run and one DeepSet run")
    fig, (ax1, ax2) = stacked(2, 3.3, sharex=True)
    for runs, colour, marker, name in ((mlp_runs, "tab:orange", "o", "MLP"),
                                       (deepset_runs, "tab:blue", "*", "DeepSet")):
        params = np.array([r["params"] for r in runs], dtype=float)
        done = np.array([r["steps"] is not None for r in runs])
        steps = np.array([r["steps"] if r["steps"] is not None else budget for r in runs],
                         dtype=float)
        ax1.scatter(params[done], steps[done], color=colour, marker=marker, s=60, alpha=0.7,
                    label=f"{name} (one seed)")
        if (~done).any():
            ax1.scatter(params[~done], steps[~done], facecolors="none", edgecolors=colour,
                        marker=marker, s=60, label=f"{name}: not below {threshold} in {budget}")
        ax2.scatter(params, [r["accuracy"] for r in runs], color=colour, marker=marker, s=60,
                    alpha=0.7, label=name)
    by_size: dict[float, list[float]] = {}
    for r in mlp_runs:
        by_size.setdefault(float(r["params"]), []).append(
            budget if r["steps"] is None else float(r["steps"]))
    sizes = sorted(by_size)
    ax1.plot(sizes, [np.median(by_size[p]) for p in sizes], color="tab:orange", lw=1,
             label="MLP median")
    ds_steps = [r["steps"] if r["steps"] is not None else budget for r in deepset_runs]
    ax1.axhline(float(np.median(ds_steps)), color="tab:blue", ls="--",
                label="DeepSet median")
    ax1.set(xscale="log", title=f"Steps until the loss stays below {threshold}",
            ylabel="training steps", ylim=(0, 1.75 * budget))
    ax2.set(xscale="log", title="Accuracy on a fresh test draw after training",
            xlabel="number of parameters (log scale)", ylabel="accuracy")
    ax1.legend(loc="upper right", ncol=2)  # in the headroom above the budget
    ax2.legend(loc="lower right")
    return fig


@styled
def plot_permutation_outputs(outputs: dict[str, object], ax: Axes | None = None) -> Axes:
    """One model output (e.g. a logit) per reordering of the same set, for several models.

    A permutation-invariant model draws a flat line; an order-sensitive one does not.

    Defined in Lab 04.
    """
    if not isinstance(outputs, dict) or not outputs:
        raise TypeError("outputs must be a non-empty dict {model name: one output per ordering}")
    ax = ax or plt.figure(figsize=(COLUMN_WIDTH, 3.5)).gca()
    for i, (name, values) in enumerate(outputs.items()):
        v = np.asarray(values, dtype=float).ravel()
        ax.plot(np.arange(len(v)), v, "o-", ms=3, lw=0.8, color=f"C{i}", label=name)
    ax.set(title="The same set in different orders", xlabel="ordering (0 = as drawn)",
           ylabel="model output (logit)")
    ax.legend(loc="best")
    return ax


def permutation_explorer(models: dict[str, object], x: object, n_orderings: int = 20,
                         seed: int = 0) -> widgets.Widget:
    """Reorder one set with a slider and watch each model's output.

    ``models`` maps names to binary classifiers ending in a sigmoid (see
    :func:`labcode.permutations.logits_of`); ``x`` is one set, a tensor ``(set size, features)``.
    Ordering 0 is the set as given; orderings 1.. are fixed random permutations of it.

    Defined in Lab 04.
    """
    import torch

    from labcode.permutations import logits_of

    if not isinstance(models, dict) or not models:
        raise TypeError("models must be a non-empty dict {name: model}")
    if not isinstance(x, torch.Tensor) or x.ndim != 2 or len(x) < 2:
        raise ValueError("x must be one set: a tensor (set size >= 2, features), e.g. X[0]")
    if not isinstance(n_orderings, int) or n_orderings < 2:
        raise ValueError(f"n_orderings must be an int >= 2, got {n_orderings!r}")
    rng = np.random.default_rng(seed)
    orders = [np.arange(len(x))] + [rng.permutation(len(x)) for _ in range(n_orderings - 1)]
    batch = torch.stack([x[torch.as_tensor(o)] for o in orders])
    with torch.no_grad():
        logits = {name: logits_of(m, batch)[:, 0].double() for name, m in models.items()}
    width = max(len(name) for name in models)

    def fraction(v: float) -> str:
        return "0" if v == 0 else (f"1/{round(1 / v)}" if abs(1 / v - round(1 / v)) < 1e-4
                                   else f"{v:.2f}")

    def text(k: int) -> str:
        lines = ["objects: " + " ".join(f"{fraction(float(v)):>3}" for v in batch[k, :, 0])]
        for name, z in logits.items():
            lines.append(f"{name:<{width}}: P(class 1) = {float(torch.sigmoid(z[k])):.4f}, "
                         f"logit = {float(z[k]):+.4f}")
        return "\n".join(lines)

    # No Play button: its icons are <i> elements that the theme's Font Awesome script turns
    # into SVGs, after which the Play view raises on every change and breaks the links.
    texts = text_stack([text(k) for k in range(n_orderings)])
    slider = widgets.IntSlider(value=0, min=0, max=n_orderings - 1, description="ordering")
    link((slider, "value"), (texts, "selected_index"))
    return widgets.VBox([slider, texts])
