"""ipywidgets demos. Each returns the widget it builds, so a notebook cell displays it.

On the static site a widget shows its saved state (the slider and the output it had when the
notebook was executed); each demo sits next to a static figure for readers without a kernel.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from labcode.data import cardinalities_of


def padded_set_explorer(X: np.ndarray, y: np.ndarray, start: int = 5) -> widgets.Widget:
    """Slider over the cardinality M: shows a padded training row with M digits, as a set."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(f"expected X of shape (n, max_card) and y of shape (n,), "
                         f"got {X.shape} and {y.shape}")
    cards = cardinalities_of(X)
    present = sorted(set(cards.tolist()))
    if start not in present:
        raise ValueError(f"start must be one of the cardinalities in X: {present}")

    def show(M: int) -> None:
        i = int(np.flatnonzero(cards == M)[0])
        digits = X[i][X[i] != 0]
        print(f"padded row : {X[i].tolist()}")
        print(f"as a set   : {{{', '.join(map(str, sorted(digits.tolist())))}}}")
        print(f"cardinality: {M}, zeros of padding: {X.shape[1] - M}, target sum: {y[i]}")

    slider = widgets.IntSlider(value=start, min=present[0], max=present[-1],
                               description="M", continuous_update=False)
    return widgets.interactive(show, M=slider)


# --- Lab 04: permutation checks ---


def permutation_explorer(models: dict[str, object], x: object, n_orderings: int = 20,
                         seed: int = 0) -> widgets.Widget:
    """Reorder one set with a slider (or a Shuffle button) and watch each model's output.

    ``models`` maps names to binary classifiers ending in a sigmoid (see
    :func:`labcode.models.logits_of`); ``x`` is one set, a tensor ``(set size, features)``.
    Ordering 0 is the set as given; orderings 1.. are fixed random permutations of it.
    """
    import torch

    from labcode.models import logits_of

    if not isinstance(models, dict) or not models:
        raise TypeError("models must be a non-empty dict {name: model}")
    if not isinstance(x, torch.Tensor) or x.ndim != 2 or len(x) < 2:
        raise ValueError("x must be one set: a tensor (set size >= 2, features), e.g. X[0]")
    rng = np.random.default_rng(seed)
    orders = [np.arange(len(x))] + [rng.permutation(len(x)) for _ in range(n_orderings - 1)]
    batch = torch.stack([x[torch.as_tensor(o)] for o in orders])
    with torch.no_grad():
        logits = {name: logits_of(m, batch)[:, 0].double() for name, m in models.items()}

    def fraction(v: float) -> str:
        return "0" if v == 0 else (f"1/{round(1 / v)}" if abs(1 / v - round(1 / v)) < 1e-4
                                   else f"{v:.2f}")

    def show(ordering: int) -> None:
        print("objects :", " ".join(f"{fraction(float(v)):>3}" for v in batch[ordering, :, 0]))
        for name, z in logits.items():
            print(f"{name:<8}: P(class 1) = {float(torch.sigmoid(z[ordering])):.4f}, "
                  f"logit = {float(z[ordering]):+.4f}")

    slider = widgets.IntSlider(value=0, min=0, max=n_orderings - 1, description="ordering",
                               continuous_update=False)
    button = widgets.Button(description="Shuffle", icon="random")
    picker = np.random.default_rng(seed + 1)

    def shuffle(_: object) -> None:
        slider.value = int(picker.integers(1, n_orderings))

    button.on_click(shuffle)
    return widgets.VBox([button, widgets.interactive(show, ordering=slider)])


# --- Lab 05: toggle phi's nonlinearity ---


def nonlinearity_toggle(models: dict[str, object], X: object, y: object) -> widgets.Widget:
    """Pick a DeepSet by its phi (toggle buttons) and watch the pooled values of both classes.

    ``models`` maps labels ("tanh", "none"...) to trained ``DeepSet`` models with
    ``latent_dim=1``; ``X, y`` is a batch of the 1/3-vs-1/5 task. Shows ``sum_i phi(x_i)`` per
    class.
    """
    import torch

    if not isinstance(models, dict) or not models:
        raise TypeError("models must be a non-empty dict {label: DeepSet}")
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor) or len(X) != len(y):
        raise ValueError("X and y must be tensors of the same length, e.g. make_data(200)")
    with torch.no_grad():
        pooled = {k: m.phi(X).sum(dim=1)[:, 0] for k, m in models.items()}

    def show(phi: str) -> None:
        for c in (0, 1):
            v = pooled[phi][y[:, 0] == c]
            print(f"class {c}: sum_i phi(x_i) from {float(v.min()):+.4f} to {float(v.max()):+.4f}")
        gap = abs(float(pooled[phi][y[:, 0] == 0].mean() - pooled[phi][y[:, 0] == 1].mean()))
        print(f"gap between the classes: {gap:.4f}"
              + ("  -> rho sees one number for both: chance" if gap < 1e-3 else ""))

    toggle = widgets.ToggleButtons(options=list(models), description="phi's activation")
    return widgets.interactive(show, phi=toggle)


# --- Lab 06: a symmetric pair {x, -x} ---


def symmetric_pair_explorer(phis: dict[str, object]) -> widgets.Widget:
    """Rotate and scale x with sliders and watch ``phi(x) + phi(-x)`` for each phi.

    ``phis`` maps labels to element-wise networks ``(n, 2) -> (n, k)`` (e.g. ``model.phi``).
    """
    import torch

    if not isinstance(phis, dict) or not phis or not all(callable(f) for f in phis.values()):
        raise TypeError("phis must be a non-empty dict {label: callable (n, 2) -> (n, k)}")

    def show(angle: float, norm: float) -> None:
        t = np.deg2rad(angle)
        x = torch.tensor([[norm * np.cos(t), norm * np.sin(t)]], dtype=torch.float32)
        print(f"x = [{float(x[0, 0]):+.2f}, {float(x[0, 1]):+.2f}],  x + (-x) = [0, 0]")
        with torch.no_grad():
            for label, phi in phis.items():
                s = (phi(x) + phi(-x))[0]
                shown = ", ".join(f"{float(v):+.3f}" for v in s[:4])
                print(f"{label:<12} phi(x) + phi(-x) = [{shown}{', ...' if len(s) > 4 else ''}]"
                      f"  (norm {float(s.norm()):.3f})")

    angle = widgets.FloatSlider(value=30.0, min=0.0, max=360.0, step=5.0, description="angle",
                                continuous_update=False)
    norm = widgets.FloatSlider(value=1.0, min=0.25, max=2.0, step=0.05, description="|x|",
                               continuous_update=False)
    return widgets.interactive(show, angle=angle, norm=norm)
