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
