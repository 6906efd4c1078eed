"""Figures shared by the labs. Every figure has a title, axis labels and a legend."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from labcode.data import cardinalities_of


def _as_2d_int(X: np.ndarray, name: str = "X") -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.integer):
        raise ValueError(f"{name} must be a 2-D integer array, got shape {X.shape}, {X.dtype}")
    return X


def plot_cardinality_histogram(X: np.ndarray, ax: Axes | None = None) -> Axes:
    """Bar chart of how many padded sets have each cardinality, with the uniform expectation."""
    X = _as_2d_int(X)
    ax = ax or plt.figure(figsize=(6, 3.5)).gca()
    cards = cardinalities_of(X)
    values, counts = np.unique(cards, return_counts=True)
    ax.bar(values, counts, color="tab:blue", label="training sets")
    ax.axhline(len(X) / X.shape[1], color="black", ls="--", label="uniform expectation")
    ax.set(title="Cardinality of the training sets", xlabel="cardinality $M$ (digits in the set)",
           ylabel="number of sets", xticks=values)
    ax.legend(loc="lower right")
    return ax


def show_padded_rows(X: np.ndarray, n_rows: int = 8, ax: Axes | None = None) -> Axes:
    """Show the first ``n_rows`` padded sets as an image, with each digit written in its cell."""
    X = _as_2d_int(X)[:n_rows]
    ax = ax or plt.figure(figsize=(6, 0.45 * len(X) + 1.2)).gca()
    cmap = plt.get_cmap("Blues").copy()
    ax.imshow(np.ma.masked_equal(X, 0), cmap=cmap, vmin=0, vmax=X.max() + 2, aspect="auto")
    ax.set_facecolor("#eeeeee")
    for (i, j), v in np.ndenumerate(X):
        ax.text(j, i, str(v), ha="center", va="center", color="grey" if v == 0 else "black")
    ax.set(title="Padded training sets (0 = padding, on the left)", xlabel="position in the row",
           ylabel="set index", xticks=range(X.shape[1]), yticks=range(len(X)))
    ax.legend(handles=[Patch(color="#eeeeee", label="padding 0"),
                       Patch(color=cmap(0.6), label="digit 1..10")],
              loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_sums_by_cardinality(X: np.ndarray, y: np.ndarray, mean_digit: float | None = None,
                             ax: Axes | None = None) -> Axes:
    """Box plot of the target sums for each cardinality, with the expected mean ``M * E[digit]``."""
    X = _as_2d_int(X)
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},), got {y.shape}")
    ax = ax or plt.figure(figsize=(6, 3.5)).gca()
    cards = cardinalities_of(X)
    values = np.unique(cards)
    ax.boxplot([y[cards == c] for c in values], positions=values, widths=0.6,
               label="sum of the set", flierprops={"markersize": 2})
    if mean_digit is None:
        mean_digit = float(X[X != 0].mean())
    ax.plot(values, mean_digit * values, "o--", color="tab:red",
            label=f"expected sum $M \\times {mean_digit:.2f}$")
    ax.set(title="Target sums grow with the cardinality", xlabel="cardinality $M$",
           ylabel="sum of the digits")
    ax.legend(loc="upper left")
    return ax
