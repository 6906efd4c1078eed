"""ipywidgets demos that work without a kernel. Each returns the widget it builds, so a notebook
cell displays it.

Every demo computes all its states when it is built (a few dozen short texts) and shows them
in a ``Stack``: the controls select the text to show through ``jslink``, in the browser, with
no Python callback. So the demos react the same way in JupyterLab, in a saved notebook and on
the static website, where no kernel runs. Each demo sits next to a static figure for readers
whose browser shows no widget at all.

ipywidgets 7 (Google Colab preinstalls 7.7.1, and its front end runs no ipywidgets 8) has no
``Stack``: there the same states sit in a ``VBox`` that shows one page at a time, and the
controls select it through ``traitlets.link``, in the kernel. The demos then react while the
kernel runs (Colab) and show their first state in a saved notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import ipywidgets as widgets
import numpy as np
import traitlets

from labcode.data import cardinalities_of

#: The CSS class of the text a demo shows (book/_ext/static/widgets.css styles it).
TEXT_CLASS = "labcode-widget-text"

#: Whether this ipywidgets has ``Stack`` (8.0 and later): the demos then react in the browser.
HAS_STACK = hasattr(widgets, "Stack")


class KernelStack(widgets.VBox):
    """ipywidgets 7's stand-in for ``Stack``: all pages in a ``VBox``, only the selected shown.

    ``selected_index`` lives in the kernel (link it with :func:`link`, not ``jslink``).
    """

    selected_index = traitlets.Int(0)

    def __init__(self, children: Sequence[widgets.Widget], selected_index: int = 0) -> None:
        super().__init__(list(children))
        self.observe(self._show, "selected_index")
        self.selected_index = selected_index
        self._show()

    def _show(self, change: object = None) -> None:
        for i, page in enumerate(self.children):
            page.layout.display = None if i == self.selected_index else "none"


def stack(pages: Sequence[widgets.Widget], selected: int = 0) -> widgets.Box:
    """A ``Stack`` of ``pages`` (ipywidgets 8), or a :class:`KernelStack` (ipywidgets 7)."""
    if HAS_STACK:
        return widgets.Stack(list(pages), selected_index=selected)
    return KernelStack(pages, selected)


def link(source: tuple[widgets.Widget, str], target: tuple[widgets.Widget, str]) -> object:
    """Link a control to a stack: in the browser (``jslink``) where ``Stack`` exists, else in
    the kernel (``traitlets.link``)."""
    return widgets.jslink(source, target) if HAS_STACK else traitlets.link(source, target)


def text_stack(texts: Sequence[str], selected: int = 0) -> widgets.Box:
    """A stack (:func:`stack`) of precomputed texts (one ``<pre>`` each); only the selected one
    shows.

    Link a control to it with ``link((control, "index"), (stack, "selected_index"))``.
    """
    if not texts:
        raise ValueError("need at least one text to show")
    if HAS_STACK:  # one layout and one style shared by all the pages: a smaller saved state
        from ipywidgets.widgets.widget_string import HTMLStyle  # ipywidgets 8

        shared = {"layout": widgets.Layout(), "style": HTMLStyle()}
    else:  # each page shows or hides itself through its own layout
        shared = {}
    pages = [widgets.HTML(f'<pre class="{TEXT_CLASS}">{escape(t)}</pre>', **shared)
             for t in texts]
    return stack(pages, selected)


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

    def text(M: int) -> str:
        i = int(np.flatnonzero(cards == M)[0])
        digits = X[i][X[i] != 0]
        return (f"padded row : {X[i].tolist()}\n"
                f"as a set   : {{{', '.join(map(str, sorted(digits.tolist())))}}}\n"
                f"cardinality: {M}, zeros of padding: {X.shape[1] - M}, target sum: {y[i]}")

    texts = text_stack([text(M) for M in present], present.index(start))
    slider = widgets.SelectionSlider(options=present, value=start, description="M")
    link((slider, "index"), (texts, "selected_index"))
    return widgets.VBox([slider, texts])


# --- Lab 04: permutation checks ---


def permutation_explorer(models: dict[str, object], x: object, n_orderings: int = 20,
                         seed: int = 0) -> widgets.Widget:
    """Reorder one set with a slider and watch each model's output.

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


# --- Lab 06: a symmetric pair {x, -x} ---

#: The angles (degrees) and norms the Lab 06 sliders offer.
PAIR_ANGLES = tuple(range(0, 360, 15))
PAIR_NORMS = (0.5, 1.0, 1.5, 2.0)


def symmetric_pair_explorer(phis: dict[str, object], angle: int = 30,
                            norm: float = 1.0) -> widgets.Widget:
    """Rotate and scale x with sliders and watch ``phi(x) + phi(-x)`` for each phi.

    ``phis`` maps labels to element-wise networks ``(n, 2) -> (n, k)`` (e.g. ``model.phi``).
    The sliders offer the angles ``PAIR_ANGLES`` and the norms ``PAIR_NORMS``.
    """
    import torch

    if not isinstance(phis, dict) or not phis or not all(callable(f) for f in phis.values()):
        raise TypeError("phis must be a non-empty dict {label: callable (n, 2) -> (n, k)}")
    if angle not in PAIR_ANGLES or norm not in PAIR_NORMS:
        raise ValueError(f"angle must be one of {PAIR_ANGLES} and norm one of {PAIR_NORMS}")
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
    norm_slider = widgets.SelectionSlider(options=list(PAIR_NORMS), value=norm,
                                          description="|x|")
    by_norm = []
    for r in PAIR_NORMS:
        inner = text_stack([text(a, r) for a in PAIR_ANGLES], PAIR_ANGLES.index(angle))
        link((angle_slider, "index"), (inner, "selected_index"))
        by_norm.append(inner)
    outer = stack(by_norm, PAIR_NORMS.index(norm))
    link((norm_slider, "index"), (outer, "selected_index"))
    return widgets.VBox([angle_slider, norm_slider, outer])
