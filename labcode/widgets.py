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
