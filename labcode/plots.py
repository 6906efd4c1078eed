"""Figures shared by the labs. Every figure has a title, axis labels and a legend."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from labcode._validate import as_array, check_int
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
               label="median sum (box: middle half)", flierprops={"markersize": 2})
    if mean_digit is None:
        mean_digit = float(X[X != 0].mean())
    ax.plot(values, mean_digit * values, "o--", color="tab:red",
            label=f"expected sum $M \\times {mean_digit:.2f}$")
    ax.set(title="Target sums grow with the cardinality", xlabel="cardinality $M$",
           ylabel="sum of the digits")
    ax.legend(loc="upper left")
    return ax


# --- Lab 03: the 1/3-vs-1/5 task ---

_OBJECT_COLOURS = {"0": "#eeeeee", "1/5": "tab:orange", "1/3": "tab:blue"}


def show_object_sets(X: object, y: object, n_rows: int = 12, ax: Axes | None = None) -> Axes:
    """``plt.imshow`` of the first ``n_rows`` instances of ``make_data``: one row per instance,
    one column per object, coloured by value (0, 1/5 or 1/3), each row labelled with its class."""
    from matplotlib.colors import ListedColormap

    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 3 or X.shape[2] != 1 or y.shape != (len(X), 1):
        raise ValueError(f"expected X of shape (N, n_objects, 1) and y of shape (N, 1), "
                         f"got {X.shape} and {y.shape}")
    X, y = X[:n_rows, :, 0], y[:n_rows, 0]
    codes = np.select([np.isclose(X, 1 / 5), np.isclose(X, 1 / 3)], [1, 2], 0)
    ax = ax or plt.figure(figsize=(6, 0.3 * len(X) + 1.4)).gca()
    ax.imshow(codes, cmap=ListedColormap(list(_OBJECT_COLOURS.values())), vmin=0, vmax=2,
              aspect="auto")
    ax.set(title="A batch of make_data: 3 x 1/3 (class 0) or 5 x 1/5 (class 1)",
           xlabel="object (position in the instance)", ylabel="instance",
           xticks=range(X.shape[1]), yticks=range(len(X)))
    ax.set_yticklabels([f"#{i}: class {int(c)}" for i, c in enumerate(y)])
    ax.legend(handles=[Patch(color=col, label=f"value {v}") for v, col in _OBJECT_COLOURS.items()],
              loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def running_mean(values: object, window: int = 50) -> np.ndarray:
    """Mean of each ``window`` consecutive values (the first ``window - 1`` steps are dropped)."""
    v = as_array("values", values, dtype=float)
    window = check_int("window", window, 1)
    if v.ndim != 1 or len(v) < window:
        raise ValueError(f"need a 1-D sequence of at least window={window} values, "
                         f"got shape {v.shape}")
    return np.convolve(v, np.ones(window) / window, mode="valid")


def plot_step_losses(histories: dict[str, object], window: int = 50,
                     threshold: float | None = 0.05, ax: Axes | None = None) -> Axes:
    """Loss per training step of several models on one log-scale plot.

    Each history is drawn faintly as is and boldly as a running mean over ``window`` steps;
    ``threshold`` adds a dashed line (e.g. the "converged" level 0.05).
    """
    if not isinstance(histories, dict) or not histories:
        raise TypeError("histories must be a non-empty dict {model name: losses per step}")
    ax = ax or plt.figure(figsize=(7, 4)).gca()
    for i, (name, history) in enumerate(histories.items()):
        h = np.asarray(history, dtype=float)
        colour = f"C{i}"
        ax.plot(np.arange(1, len(h) + 1), h, color=colour, alpha=0.2, lw=0.7)
        ax.plot(np.arange(window, len(h) + 1), running_mean(h, window), color=colour,
                label=f"{name}, mean of {window} steps")
    if threshold is not None:
        ax.axhline(threshold, color="black", ls="--", lw=1, label=f"loss = {threshold}")
    ax.set(yscale="log", title="Training loss on fresh batches", xlabel="training step",
           ylabel="binary cross-entropy (log scale)")
    ax.legend(loc="upper right")
    return ax


def plot_width_sweep(mlp_runs: list[dict[str, object]], deepset_runs: list[dict[str, object]],
                     budget: int, threshold: float = 0.05) -> plt.Figure:
    """Steps to converge and final accuracy against parameter count, MLPs vs the DeepSet.

    Each run is a dict with ``params`` (int), ``steps`` (int, or None if the loss never fell
    below ``threshold`` within ``budget`` steps) and ``accuracy`` (float). Runs that never
    converged are drawn as open markers at the budget.
    """
    if not mlp_runs or not deepset_runs:
        raise ValueError("need at least one MLP run and one DeepSet run")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
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
            xlabel="number of parameters (log scale)", ylabel="training steps")
    ax2.set(xscale="log", title="Accuracy on a fresh test draw after training",
            xlabel="number of parameters (log scale)", ylabel="accuracy")
    ax1.legend(loc="upper right", fontsize=8)
    ax2.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_permutation_outputs(outputs: dict[str, object], ax: Axes | None = None) -> Axes:
    """One model output (e.g. a logit) per reordering of the same set, for several models.

    A permutation-invariant model draws a flat line; an order-sensitive one does not.
    """
    if not isinstance(outputs, dict) or not outputs:
        raise TypeError("outputs must be a non-empty dict {model name: one output per ordering}")
    ax = ax or plt.figure(figsize=(7, 3.5)).gca()
    for i, (name, values) in enumerate(outputs.items()):
        v = np.asarray(values, dtype=float).ravel()
        ax.plot(np.arange(len(v)), v, "o-", ms=3, lw=0.8, color=f"C{i}", label=name)
    ax.set(title="The same set in different orders", xlabel="ordering (0 = as drawn)",
           ylabel="model output (logit)")
    ax.legend(loc="best")
    return ax


# --- Lab 02: DeepSets vs LSTM on digit sums ---


def _check_results(results: object) -> dict[str, dict[str, list[float]]]:
    if not isinstance(results, dict) or not results:
        raise TypeError("results must be a non-empty dict {model name: evaluation results}")
    for name, r in results.items():
        if not isinstance(r, dict) or not {"cardinality", "accuracy", "mae"} <= set(r):
            raise ValueError(f"results[{name!r}] must hold 'cardinality', 'accuracy' and 'mae' "
                             "lists (what labcode.evaluation.evaluate_by_cardinality returns)")
    return results


def plot_results(results: dict[str, dict[str, list[float]]], train_max_card: int | None = 10
                 ) -> plt.Figure:
    """Accuracy (left) and mean absolute error (right, log scale) against the cardinality.

    ``results`` maps a model's name to its ``evaluate_by_cardinality`` results; the shaded band
    marks the cardinalities seen in training (up to ``train_max_card``).
    """
    results = _check_results(results)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    markers = ["o", "s", "^", "D"]
    for i, (name, r) in enumerate(results.items()):
        style = {"color": f"C{i}", "marker": markers[i % len(markers)], "ms": 4, "label": name}
        ax1.plot(r["cardinality"], r["accuracy"], **style)
        ax2.plot(r["cardinality"], r["mae"], **style)
    for ax in (ax1, ax2):
        if train_max_card is not None:
            ax.axvspan(0, train_max_card, color="grey", alpha=0.15,
                       label=f"seen in training (M ≤ {train_max_card})")
        ax.set_xlim(0, max(max(r["cardinality"]) for r in results.values()) + 2)
    ax1.set(title="Accuracy of the rounded prediction", xlabel="cardinality $M$ of the test sets",
            ylabel="accuracy", ylim=(-0.03, 1.03))
    ax2.set(title="Mean absolute error", xlabel="cardinality $M$ of the test sets",
            ylabel="MAE (log scale)", yscale="log")
    ax1.legend(loc="center right")
    ax2.legend(loc="center right")
    fig.tight_layout()
    return fig


def plot_training_losses(histories: dict[str, object], window: int = 100,
                         ax: Axes | None = None) -> Axes:
    """Training loss per mini-batch (running mean over ``window`` batches) against the epoch.

    Each history needs ``batch_losses`` (a list) and ``batches_per_epoch`` (an int), like the
    ``History`` that ``labcode.training.train`` returns.
    """
    if not isinstance(histories, dict) or not histories:
        raise TypeError("histories must be a non-empty dict {model name: History}")
    ax = ax or plt.figure(figsize=(7, 3.5)).gca()
    for i, (name, h) in enumerate(histories.items()):
        if not hasattr(h, "batch_losses") or not hasattr(h, "batches_per_epoch"):
            raise TypeError(f"histories[{name!r}] must be a History from labcode.training.train")
        smooth = running_mean(h.batch_losses, min(window, len(h.batch_losses)))
        steps = np.arange(len(h.batch_losses) - len(smooth) + 1, len(h.batch_losses) + 1)
        ax.plot(steps / h.batches_per_epoch, smooth, color=f"C{i}",
                label=f"{name}, mean of {window} batches")
    ax.set(yscale="log", title="Training loss", xlabel="epoch",
           ylabel="L1 loss per batch (log scale)")
    ax.legend(loc="upper right")
    return ax


def plot_error_growth(cardinalities: list[int], mean_error: list[float], slope: float,
                      intercept: float, padding_contribution: float | None = None,
                      train_max_card: int = 10, ax: Axes | None = None) -> Axes:
    """Mean signed error (prediction - sum) against the cardinality, with the line
    ``intercept + slope * M`` that the per-element contributions predict and, if
    ``padding_contribution`` (p) is given, the rough guide ``(M - train_max_card) * p``."""
    cards = np.asarray(cardinalities, dtype=float)
    err = np.asarray(mean_error, dtype=float)
    if cards.ndim != 1 or cards.shape != err.shape or len(cards) == 0:
        raise ValueError(f"cardinalities and mean_error must be 1-D of the same length, got "
                         f"shapes {cards.shape} and {err.shape}")
    ax = ax or plt.figure(figsize=(7, 3.5)).gca()
    ax.axhline(0, color="black", lw=0.8)
    grid = np.linspace(0, cards.max(), 50)
    ax.plot(grid, intercept + slope * grid, "--", color="tab:red",
            label=f"$b + M\\,\\bar e$ ($\\bar e$ = {slope:+.4f} per element)")
    if padding_contribution is not None:
        ax.plot(grid, (grid - train_max_card) * padding_contribution, ":", color="grey",
                label=f"$(M - {train_max_card})\\,p$ ($p$ = {padding_contribution:+.4f})")
    ax.plot(cards, err, "o", color="C0", ms=5, label="measured on the test sets")
    ax.axvspan(0, train_max_card, color="grey", alpha=0.15,
               label=f"seen in training (M ≤ {train_max_card})")
    ax.set(title="DeepSets: mean error of the unrounded prediction",
           xlabel="cardinality $M$ of the test sets", ylabel="mean of prediction − sum")
    ax.legend(loc="best")
    return ax
