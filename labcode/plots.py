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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from labcode._validate import as_array, check_int
from labcode.data import cardinalities_of

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


def _styled(function: F) -> F:
    """Run a plotting function inside ``course_style()``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with course_style():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _stacked(n: int, height: float, sharex: bool = False) -> tuple[Figure, list[Axes]]:
    """``n`` panels one above the other, the width of the column, ``height`` inches each."""
    fig, axes = plt.subplots(n, 1, figsize=(COLUMN_WIDTH, height * n), sharex=sharex,
                             squeeze=False)
    return fig, list(axes[:, 0])


def _as_2d_int(X: np.ndarray, name: str = "X") -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.integer):
        raise ValueError(f"{name} must be a 2-D integer array, got shape {X.shape}, {X.dtype}")
    return X


@_styled
def plot_cardinality_histogram(X: np.ndarray, ax: Axes | None = None) -> Axes:
    """Bar chart of how many padded sets have each cardinality, with the uniform expectation."""
    X = _as_2d_int(X)
    ax = ax or plt.figure(figsize=(6, 3.5)).gca()
    cards = cardinalities_of(X)
    values, counts = np.unique(cards, return_counts=True)
    ax.bar(values, counts, color="tab:blue", label="training sets")
    ax.axhline(len(X) / X.shape[1], color="black", ls="--", label="uniform expectation")
    ax.set(title="Cardinality of the training sets", xlabel="cardinality $M$ (digits in the set)",
           ylabel="number of sets", xticks=values, ylim=(0, 1.3 * counts.max()))
    ax.legend(loc="upper center", ncol=2, frameon=False)  # in the headroom, above the bars
    return ax


@_styled
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


@_styled
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


@_styled
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
    ax = ax or plt.figure(figsize=(5.4, 0.3 * len(X) + 1.4)).gca()
    ax.imshow(codes, cmap=ListedColormap(list(_OBJECT_COLOURS.values())), vmin=0, vmax=2,
              aspect="auto")
    ax.set(title="A batch of make_data:\n3 x 1/3 (class 0) or 5 x 1/5 (class 1)",
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


@_styled
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


@_styled
def plot_width_sweep(mlp_runs: list[dict[str, object]], deepset_runs: list[dict[str, object]],
                     budget: int, threshold: float = 0.05) -> plt.Figure:
    """Steps to converge and final accuracy against parameter count, MLPs vs the DeepSet.

    Each run is a dict with ``params`` (int), ``steps`` (int, or None if the loss never fell
    below ``threshold`` within ``budget`` steps) and ``accuracy`` (float). Runs that never
    converged are drawn as open markers at the budget.
    """
    if not mlp_runs or not deepset_runs:
        raise ValueError("need at least one MLP run and one DeepSet run")
    fig, (ax1, ax2) = _stacked(2, 3.3, sharex=True)
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


@_styled
def plot_permutation_outputs(outputs: dict[str, object], ax: Axes | None = None) -> Axes:
    """One model output (e.g. a logit) per reordering of the same set, for several models.

    A permutation-invariant model draws a flat line; an order-sensitive one does not.
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


# --- Lab 02: DeepSets vs LSTM on digit sums ---


def _check_results(results: object) -> dict[str, dict[str, list[float]]]:
    if not isinstance(results, dict) or not results:
        raise TypeError("results must be a non-empty dict {model name: evaluation results}")
    for name, r in results.items():
        if not isinstance(r, dict) or not {"cardinality", "accuracy", "mae"} <= set(r):
            raise ValueError(f"results[{name!r}] must hold 'cardinality', 'accuracy' and 'mae' "
                             "lists (what labcode.evaluation.evaluate_by_cardinality returns)")
    return results


@_styled
def plot_results(results: dict[str, dict[str, list[float]]], train_max_card: int | None = 10
                 ) -> plt.Figure:
    """Accuracy (left) and mean absolute error (right, log scale) against the cardinality.

    ``results`` maps a model's name to its ``evaluate_by_cardinality`` results; the shaded band
    marks the cardinalities seen in training (up to ``train_max_card``).
    """
    results = _check_results(results)
    fig, (ax1, ax2) = _stacked(2, 3.2, sharex=True)
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
    ax1.set(title="Accuracy of the rounded prediction", ylabel="accuracy", ylim=(-0.03, 1.03))
    ax2.set(title="Mean absolute error", xlabel="cardinality $M$ of the test sets",
            ylabel="MAE (log scale)", yscale="log")
    ax1.legend(loc="center right")
    ax2.legend(loc="center right")
    return fig


@_styled
def plot_training_losses(histories: dict[str, object], window: int = 100,
                         ax: Axes | None = None) -> Axes:
    """Training loss per mini-batch (running mean over ``window`` batches) against the epoch.

    Each history needs ``batch_losses`` (a list) and ``batches_per_epoch`` (an int), like the
    ``History`` that ``labcode.training.train`` returns.
    """
    if not isinstance(histories, dict) or not histories:
        raise TypeError("histories must be a non-empty dict {model name: History}")
    ax = ax or plt.figure(figsize=(COLUMN_WIDTH, 3.5)).gca()
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


@_styled
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
    ax = ax or plt.figure(figsize=(COLUMN_WIDTH, 3.5)).gca()
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


# --- Lab 05: removing the nonlinearity ---


def _numpy(values: object) -> np.ndarray:
    """A tensor (detached, on the CPU) or an array-like as a float NumPy array."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=float)


@_styled
def plot_phi_on_data(phis: dict[str, Callable[[Any], Any]],
                     points: Sequence[float] = (0.0, 1 / 5, 1 / 3)) -> Figure:
    """One panel per learned ``phi: R -> R`` (stacked): ``phi(x)`` between the smallest and
    the largest of ``points`` (the only inputs it ever sees, drawn as dots), and the chord
    joining its two ends. An affine ``phi`` runs through all the dots on the chord.

    ``phis`` maps a panel title to a callable that takes a float tensor ``(n, 1)`` and returns
    ``(n, 1)`` (e.g. ``model.phi``).
    """
    import torch

    if not isinstance(phis, dict) or not phis or not all(callable(f) for f in phis.values()):
        raise TypeError("phis must be a non-empty dict {panel title: callable phi}")
    xs = np.asarray(points, dtype=float)
    if xs.ndim != 1 or len(xs) < 2:
        raise ValueError(f"points must hold at least two numbers, got {points!r}")
    lo, hi = float(xs.min()), float(xs.max())
    grid = torch.linspace(lo, hi, 200).unsqueeze(1)
    fig, axes = _stacked(len(phis), 2.6, sharex=True)
    for ax, (title, phi) in zip(axes, phis.items(), strict=True):
        with torch.no_grad():
            curve = _numpy(phi(grid))[:, 0]
            dots = _numpy(phi(torch.tensor(xs, dtype=torch.float32).unsqueeze(1)))[:, 0]
        ends = dots[[int(np.argmin(xs)), int(np.argmax(xs))]]
        ax.plot(grid[:, 0].numpy(), curve, color="C0", lw=2, label="phi(x)")
        ax.plot([lo, hi], ends, "k--", lw=1, label=f"chord from {lo:g} to {hi:.3g}")
        ax.plot(xs, dots, "o", color="C3", ms=7, zorder=3, label="phi at the data")
        ax.set(title=title, ylabel="phi(x)")
        ax.legend(loc="best")
    axes[-1].set_xlabel("x")
    return fig


@_styled
def plot_pooled_by_class(pooled: dict[str, object], y: object, ax: Axes | None = None) -> Axes:
    """What rho sees: ``sum_i phi(x_i)`` of every instance, one column per model, one marker
    per class. ``pooled`` maps a model's label to its pooled values ``(N,)``; ``y`` holds the
    classes (0 or 1) of the N instances."""
    if not isinstance(pooled, dict) or not pooled:
        raise TypeError("pooled must be a non-empty dict {model label: pooled values (N,)}")
    labels = _numpy(y).reshape(-1)
    ax = ax or plt.figure(figsize=(COLUMN_WIDTH, 3.4)).gca()
    for k, values in enumerate(pooled.values()):
        v = _numpy(values).reshape(-1)
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


# --- Lab 06: symmetric pairs {x, -x} ---


@_styled
def plot_symmetric_pairs(pairs: object) -> Figure:
    """One small panel per set ``{x, -x}``: ``x`` as a blue arrow, ``-x`` as an orange one.
    ``pairs`` is a tensor or array ``(n_sets, 2, 2)``: set, element, coordinate."""
    P = _numpy(pairs)
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


@_styled
def plot_pair_angle_sweep(degrees: object, pooled: dict[float, object],
                          logits: dict[tuple[str, float], object]) -> Figure:
    """Two stacked panels against the angle of ``x``: the pooled vector ``phi(x) + phi(-x)``
    of one phi (``pooled[norm]``, ``(n_angles, k)``: one colour per coordinate, one line style
    per norm), and the logits of several models (``logits[name, norm]``, ``(n_angles,)``)."""
    deg = _numpy(degrees).reshape(-1)
    norms = list(pooled)
    if not norms or not logits:
        raise ValueError("need pooled values for at least one norm and at least one logit curve")
    styles = {r: ls for r, ls in zip(norms, ("-", "--", ":", "-."), strict=False)}
    fig, (top, bottom) = _stacked(2, 3.0, sharex=True)
    for r in norms:
        p = _numpy(pooled[r])
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
        bottom.plot(deg, _numpy(values).reshape(-1), styles.get(r, "-"),
                    color="0.55" if i else "C0", lw=3 if i else 1.8,
                    label=f"{name} phi, |x| = {r}")
    bottom.axhline(0, color="black", lw=0.8)
    lo, hi = bottom.get_ylim()
    bottom.set(title="The logit rho returns (class 1 above 0)", ylabel="logit",
               xlabel="angle of x (degrees)", xticks=range(0, 361, 90),
               ylim=(lo, hi + 0.7 * (hi - lo)))  # room for the legend
    bottom.legend(loc="upper center", ncol=2)
    return fig


# --- Lab 07: which pooling for which task ---


@_styled
def plot_accuracy_heatmaps(accuracy: dict[tuple[str, str], dict[str, float]],
                           tasks: Sequence[str], columns: Sequence[str],
                           groups: Sequence[str], n_learned: int | None = None) -> Figure:
    """One heat map per group of test sets (stacked): the accuracy of each (task, column).

    ``accuracy[task, column][group]`` is a number in [0, 1]; ``columns`` are the poolings and
    any baselines; a white line separates the first ``n_learned`` columns (the learned
    poolings) from the rest.
    """
    tasks, columns, groups = list(tasks), list(columns), list(groups)
    if not tasks or not columns or not groups:
        raise ValueError("need at least one task, one column and one group")
    fig, axes = _stacked(len(groups), 2.9)
    image = None
    for ax, group in zip(axes, groups, strict=True):
        grid = np.array([[accuracy[t, c][group] for c in columns] for t in tasks], dtype=float)
        image = ax.imshow(grid, vmin=0, vmax=1, cmap="Greens", aspect="auto")
        for (r, c), v in np.ndenumerate(grid):
            ax.text(c, r, f"{v:.2f}", ha="center", va="center",
                    color="black" if v < 0.6 else "white")
        if n_learned is not None:
            ax.axvline(n_learned - 0.5, color="white", linewidth=4)
        ax.set(xticks=range(len(columns)), yticks=range(len(tasks)), yticklabels=tasks,
               ylabel="task", title=f"Accuracy on sets of {group} numbers")
        ax.set_xticklabels([c.replace(" ", "\n") for c in columns])
    axes[-1].set_xlabel("pooling")
    fig.colorbar(image, ax=axes, label="accuracy (|error| < 0.5)", shrink=0.8)
    return fig


# --- Lab 08: streaming a huge set ---


@_styled
def plot_convergence(seen: Sequence[int], curves: dict[str, dict[str, object]],
                     ax: Axes | None = None, truth: str = "the true answer") -> Axes:
    """Error against the number of points seen, for several encoders (log-log).

    ``curves[name]`` holds ``error`` (on ``truth``, solid) and ``to limit`` (distance to the
    encoder's own limit, dashed), one value per entry of ``seen``, and ``systematic`` (the
    error of the limit), drawn as a dotted line.
    """
    if not isinstance(curves, dict) or not curves:
        raise TypeError("curves must be a non-empty dict {encoder: {'error', 'to limit', ...}}")
    ax = ax or plt.figure(figsize=(COLUMN_WIDTH, 4.2)).gca()
    for i, (name, c) in enumerate(curves.items()):
        colour = f"C{i}"
        ax.plot(seen, c["error"], "o-", color=colour, label=f"{name}: error on {truth}")
        ax.plot(seen, c["to limit"], "s--", color=colour,
                label=f"{name}: distance to its limit")
        if "systematic" in c:
            ax.axhline(float(c["systematic"]), color=colour, lw=0.9, ls=":")
    ax.set(xscale="log", yscale="log", xlabel="points per set",
           ylabel="mean absolute difference",
           title="A consistent encoder converges to its own limit")
    ax.legend(loc="lower left")
    return ax
