"""Symmetric vectors, Lab 06: sets {x, -x} that sum pooling cannot tell apart.

The data (:func:`make_symmetric_pairs`, classes told apart by the norm of ``x``), the phis
compared on it (:data:`PHI_CASES`, :func:`random_phi`) and the model trained on it
(:func:`pair_model`), its figures, and a widget that turns and stretches one pair.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from labcode._validate import (
    as_generator,
    check_int,
)
from labcode.plots import COLUMN_WIDTH, MIN_FONT_PT, as_numpy, stacked, styled
from labcode.thirds import DeepSet
from labcode.widgets import link, stack, text_stack

#: The norm ranges of x in the symmetric-pairs task: class 0 (short x) and class 1 (long x).
PAIR_NORMS: dict[int, tuple[float, float]] = {0: (0.25, 1.0), 1: (1.25, 2.0)}


def make_symmetric_pairs(
    N: int, generator: torch.Generator | int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``N`` sets ``{x, -x}`` of two 2-D vectors, exactly half of each class, rows shuffled.

    The angle of ``x`` is uniform in ``[0, 2 pi)``; its norm is uniform in ``PAIR_NORMS[0]``
    for class 0 and in ``PAIR_NORMS[1]`` for class 1. Every set sums to ``[0, 0]``. Returns
    ``(X, y)``: float32 tensors of shapes ``(N, 2, 2)`` (set, element, coordinate) and ``(N, 1)``.

    Defined in Lab 06.
    """
    N = check_int("N", N)
    if N < 2 or N % 2:
        raise ValueError(f"N must be even and >= 2 so that the classes balance, got N={N}")
    g = as_generator(generator, "generator")
    y = torch.zeros(N)
    y[N // 2:] = 1.0
    y = y[torch.randperm(N, generator=g)]
    angle = 2 * torch.pi * torch.rand(N, generator=g)
    low = torch.where(y == 0, PAIR_NORMS[0][0], PAIR_NORMS[1][0])
    high = torch.where(y == 0, PAIR_NORMS[0][1], PAIR_NORMS[1][1])
    r = low + (high - low) * torch.rand(N, generator=g)
    x = torch.stack([r * angle.cos(), r * angle.sin()], dim=1)
    return torch.stack([x, -x], dim=1).float(), y.unsqueeze(-1)


#: The phis Lab 06 compares: label -> (activation, the Linear layers of phi, 0 to 2, that keep
#: a bias). Defined in Lab 06.
PHI_CASES: dict[str, tuple[str, tuple[int, ...]]] = {
    "linear": ("none", ()),
    "affine": ("none", (0, 1, 2)),
    "tanh, no bias": ("tanh", ()),
    "tanh + output bias": ("tanh", (2,)),
    "tanh + bias": ("tanh", (0, 1, 2)),
    "ReLU, no bias": ("relu", ()),
    "ReLU + bias": ("relu", (0, 1, 2)),
}


def random_phi(activation: str, biases: tuple[int, ...]) -> nn.Sequential:
    """A randomly initialised phi ``2 -> 8 -> 8 -> 4`` (the ``phi`` of a fresh
    :class:`~labcode.thirds.DeepSet`, drawn from torch's global generator) with ``activation``;
    only the Linear layers whose index (0, 1, 2) is in ``biases`` keep a bias.

    Defined in Lab 06.
    """
    phi = DeepSet(in_features=2, hidden_dim=8, latent_dim=4, activation=activation,
                  phi_bias=bool(biases)).phi
    with torch.no_grad():
        for k, linear in enumerate(phi[::2]):  # the three Linear layers
            if linear.bias is not None and k not in biases:
                linear.bias.zero_()
    return phi


def pair_model(activation: str, phi_bias: bool) -> DeepSet:
    """A fresh :class:`~labcode.thirds.DeepSet` for sets of 2-D vectors: phi ``2 -> 8 -> 8 ->
    4`` with ``activation`` (with biases if ``phi_bias``), rho ``4 -> 8 -> 1``.

    Defined in Lab 06 (the notebook's ``make_model``).
    """
    return DeepSet(in_features=2, hidden_dim=8, latent_dim=4, rho_hidden_dim=8,
                   activation=activation, phi_bias=phi_bias)


@styled
def plot_symmetric_pairs(pairs: object) -> Figure:
    """One small panel per set ``{x, -x}``: ``x`` as a blue arrow, ``-x`` as an orange one.
    ``pairs`` is a tensor or array ``(n_sets, 2, 2)``: set, element, coordinate.

    Defined in Lab 06.
    """
    P = as_numpy(pairs)
    if P.ndim != 3 or P.shape[1:] != (2, 2) or not 1 <= len(P) <= 6:
        raise ValueError(f"pairs must have shape (n_sets <= 6, 2, 2), got {P.shape}")
    reach = 1.15 * float(np.abs(P).max())
    fig, axes = plt.subplots(1, len(P), figsize=(COLUMN_WIDTH, 2.5), sharex=True, sharey=True,
                             squeeze=False)
    for ax, (a, b) in zip(axes[0], P, strict=True):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        for end, colour in ((a, "C0"), (b, "C1")):
            ax.annotate("", tuple(end), (0, 0),
                        arrowprops={"arrowstyle": "->", "color": colour, "lw": 2})
        ax.set_title(f"x = [{a[0]:.1f}, {a[1]:.1f}]", fontsize=MIN_FONT_PT)
        ax.set(xlim=(-reach, reach), ylim=(-reach, reach), aspect="equal")
    fig.suptitle("Four sets {x, -x}: x in blue, -x in orange")
    return fig


@styled
def plot_pair_angle_sweep(degrees: object, pooled: dict[float, object],
                          logits: dict[tuple[str, float], object]) -> Figure:
    """Two stacked panels against the angle of ``x``: the pooled vector ``phi(x) + phi(-x)``
    of one phi (``pooled[norm]``, ``(n_angles, k)``: one colour per coordinate, one line style
    per norm), and the logits of several models (``logits[name, norm]``, ``(n_angles,)``).

    Defined in Lab 06.
    """
    deg = as_numpy(degrees).reshape(-1)
    norms = list(pooled)
    if not norms or not logits:
        raise ValueError("need pooled values for at least one norm and at least one logit curve")
    styles = {r: ls for r, ls in zip(norms, ("-", "--", ":", "-."), strict=False)}
    fig, (top, bottom) = stacked(2, 3.0, sharex=True)
    for r in norms:
        p = as_numpy(pooled[r])
        if p.ndim != 2 or len(p) != len(deg):
            raise ValueError(f"pooled[{r}] must have shape ({len(deg)}, k), got {p.shape}")
        for k in range(p.shape[1]):
            top.plot(deg, p[:, k], styles.get(r, "-"), color=f"C{k}",
                     label=f"|x| = {r}" if k == 0 else None)
    top.set(title="ReLU phi: phi(x) + phi(-x), one colour per coordinate",
            ylabel="pooled coordinate")
    top.legend(loc="upper right", ncol=len(norms))
    names = list(dict.fromkeys(name for name, _ in logits))
    for (name, r), values in logits.items():
        i = names.index(name)
        bottom.plot(deg, as_numpy(values).reshape(-1), styles.get(r, "-"),
                    color="0.55" if i else "C0", lw=3 if i else 1.8,
                    label=f"{name} phi, |x| = {r}")
    bottom.axhline(0, color="black", lw=0.8)
    lo, hi = bottom.get_ylim()
    bottom.set(title="The logit rho returns (class 1 above 0)", ylabel="logit",
               xlabel="angle of x (degrees)", xticks=range(0, 361, 90),
               ylim=(lo, hi + 0.7 * (hi - lo)))  # room for the legend
    bottom.legend(loc="upper center", ncol=2)
    return fig


#: The angles (degrees) and norms the Lab 06 sliders offer.
PAIR_ANGLES = tuple(range(0, 360, 15))


PAIR_SLIDER_NORMS = (0.5, 1.0, 1.5, 2.0)


def symmetric_pair_explorer(phis: dict[str, object], angle: int = 30,
                            norm: float = 1.0) -> widgets.Widget:
    """Rotate and scale x with sliders and watch ``phi(x) + phi(-x)`` for each phi.

    ``phis`` maps labels to element-wise networks ``(n, 2) -> (n, k)`` (e.g. ``model.phi``).
    The sliders offer the angles ``PAIR_ANGLES`` and the norms ``PAIR_SLIDER_NORMS``.

    Defined in Lab 06.
    """
    import torch

    if not isinstance(phis, dict) or not phis or not all(callable(f) for f in phis.values()):
        raise TypeError("phis must be a non-empty dict {label: callable (n, 2) -> (n, k)}")
    if angle not in PAIR_ANGLES or norm not in PAIR_SLIDER_NORMS:
        raise ValueError(f"angle must be one of {PAIR_ANGLES} and norm one of {PAIR_SLIDER_NORMS}")
    width = max(len(label) for label in phis)

    def text(degrees: float, r: float) -> str:
        t = np.deg2rad(degrees)
        x = torch.tensor([[r * np.cos(t), r * np.sin(t)]], dtype=torch.float32)
        lines = [f"x = [{float(x[0, 0]):+.2f}, {float(x[0, 1]):+.2f}],  x + (-x) = [0, 0]",
                 f"{'':<{width}}  phi(x) + phi(-x)"]
        with torch.no_grad():
            for label, phi in phis.items():
                s = (phi(x) + phi(-x))[0]
                shown = ", ".join(f"{float(v):+.3f}" for v in s[:4])
                lines.append(f"{label:<{width}}  [{shown}{', ...' if len(s) > 4 else ''}]  "
                             f"norm {float(s.norm()):.3f}")
        return "\n".join(lines)

    angle_slider = widgets.SelectionSlider(
        options=[(f"{a}°", a) for a in PAIR_ANGLES], value=angle, description="angle")
    norm_slider = widgets.SelectionSlider(options=list(PAIR_SLIDER_NORMS), value=norm,
                                          description="|x|")
    by_norm = []
    for r in PAIR_SLIDER_NORMS:
        inner = text_stack([text(a, r) for a in PAIR_ANGLES], PAIR_ANGLES.index(angle))
        link((angle_slider, "index"), (inner, "selected_index"))
        by_norm.append(inner)
    outer = stack(by_norm, PAIR_SLIDER_NORMS.index(norm))
    link((norm_slider, "index"), (outer, "selected_index"))
    return widgets.VBox([angle_slider, norm_slider, outer])
