"""Figures shared by the labs. Every figure has a title, axis labels and a legend.

One style for the whole course (``STYLE``): every function here draws inside
``course_style()``, which sizes figures for the page column (at most ``COLUMN_WIDTH`` inches
wide at ``DPI``, so a figure is shown at its own size and its smallest text, ``MIN_FONT_PT``
points, is ``MIN_FONT_PT * DPI / 72`` ~ 14 pixels on the page) and uses no font smaller than
``MIN_FONT_PT``. Figures with two panels stack them. To draw a figure of your own in the same
style::

    with plots.course_style():
        fig, ax = plt.subplots()  # 7 x 3.5 inches, constrained layout
        ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from labcode._moved import aliases
from labcode._validate import as_array, check_int

#: The page column is about 690 pixels wide at 1280 pixels: 6.8 inches at 100 dpi fit it.
COLUMN_WIDTH = 6.8
DPI = 100
#: No text in a course figure is smaller than this (points).
MIN_FONT_PT = 10

#: The course's matplotlib settings (``course_style`` applies them).
STYLE: dict[str, Any] = {
    "figure.figsize": (COLUMN_WIDTH, 3.5),
    "figure.dpi": DPI,
    "savefig.dpi": "figure",
    "figure.constrained_layout.use": True,
    "figure.facecolor": "white",
    "font.size": MIN_FONT_PT,
    "axes.titlesize": 11,
    "axes.labelsize": MIN_FONT_PT,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "figure.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.5,
}

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def course_style() -> Iterator[None]:
    """Draw in the course style (``STYLE``) inside a ``with`` block."""
    with plt.rc_context(STYLE):
        yield


def styled(function: F) -> F:
    """Run a plotting function inside ``course_style()``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with course_style():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def stacked(n: int, height: float, sharex: bool = False) -> tuple[Figure, list[Axes]]:
    """``n`` panels one above the other, the width of the column, ``height`` inches each."""
    fig, axes = plt.subplots(n, 1, figsize=(COLUMN_WIDTH, height * n), sharex=sharex,
                             squeeze=False)
    return fig, list(axes[:, 0])


def running_mean(values: object, window: int = 50) -> np.ndarray:
    """Mean of each ``window`` consecutive values (the first ``window - 1`` steps are dropped)."""
    v = as_array("values", values, dtype=float)
    window = check_int("window", window, 1)
    if v.ndim != 1 or len(v) < window:
        raise ValueError(f"need a 1-D sequence of at least window={window} values, "
                         f"got shape {v.shape}")
    return np.convolve(v, np.ones(window) / window, mode="valid")


@styled
def plot_step_losses(histories: dict[str, object], window: int = 50,
                     threshold: float | None = 0.05, ax: Axes | None = None, *,
                     threshold_label: str | None = None,
                     title: str = "Training loss on fresh batches",
                     ylabel: str = "binary cross-entropy (log scale)") -> Axes:
    """Loss per training step of several models on one log-scale plot.

    Each history is drawn faintly as is and boldly as a running mean over ``window`` steps
    (``window=1``: as is, boldly); ``threshold`` adds a thin dashed line on top of them (e.g.
    the "converged" level 0.05, or ``np.log(2)`` with ``threshold_label="ln 2 (chance)"``):
    a curve that runs along it still shows between the dashes.
    """
    if not isinstance(histories, dict) or not histories:
        raise TypeError("histories must be a non-empty dict {model name: losses per step}")
    ax = ax or plt.figure(figsize=(COLUMN_WIDTH, 3.8)).gca()
    for i, (name, history) in enumerate(histories.items()):
        h = np.asarray(history, dtype=float)
        colour = f"C{i}"
        if window > 1:
            ax.plot(np.arange(1, len(h) + 1), h, color=colour, alpha=0.2, lw=0.7, zorder=2)
            ax.plot(np.arange(window, len(h) + 1), running_mean(h, window), color=colour,
                    lw=2, zorder=3, label=f"{name}, mean of {window} steps")
        else:
            ax.plot(np.arange(1, len(h) + 1), h, color=colour, lw=2.4, zorder=3, label=name)
    if threshold is not None:  # thin and on top: a curve along it shows between the dashes
        ax.axhline(threshold, color="black", ls=(0, (4, 4)), lw=1, zorder=4,
                   label=threshold_label or f"loss = {threshold}")
    ax.set(yscale="log", title=title, xlabel="training step", ylabel=ylabel)
    ax.margins(y=0.08)
    ax.legend(loc="best")
    return ax


def as_numpy(values: object) -> np.ndarray:
    """A tensor (detached, on the CPU) or an array-like as a float NumPy array."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=float)


__getattr__ = aliases(__name__)  # names that moved to the labs' topic modules
