"""labcode.plots: every figure is drawn in the course style, fits the page column, uses no text
smaller than MIN_FONT_PT, has titles, labels and legends, and rejects bad input clearly.

The size rule: the inline backend saves a figure with ``bbox_inches="tight"`` at the figure's
dpi, so the PNG is about ``COLUMN_WIDTH * DPI`` pixels wide (690): the page column (about 690
pixels at a 1280-pixel window) shows it at its own size, and ``MIN_FONT_PT`` points are
``MIN_FONT_PT * DPI / 72`` (~14) pixels. tests/browser/test_figures.py measures the built page.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import struct

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.text import Text

import labcode
from labcode import (
    digits,
    encodings,
    equivariant,
    interactions,
    nonlinearity,
    permutations,
    plots,
    pointclouds,
    pooling_tasks,
    set_outputs,
    streaming,
    symmetric_pairs,
    thirds,
)
from labcode.digits import create_train_dataset
from labcode.thirds import DeepSet, make_data
from labcode.training import History

#: The widest PNG a course figure may be (the column, plus matplotlib's 0.1-inch padding).
MAX_PNG_WIDTH = round((plots.COLUMN_WIDTH + 0.2) * plots.DPI)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _figure(out):
    return out if isinstance(out, plt.Figure) else out.figure


def png_width(fig) -> int:
    """The width in pixels of the PNG Jupyter's inline backend would save."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return struct.unpack(">II", buffer.getvalue()[16:24])[0]


def smallest_font(fig) -> float:
    return min(t.get_fontsize() for t in fig.findobj(Text)
               if t.get_visible() and t.get_text().strip())


def _history(n=800):
    losses = list(np.exp(-np.linspace(0, 5, n)) + 0.01)
    return History(batch_losses=losses, epoch_losses=[1.0, 0.1], batches_per_epoch=n // 2)


def _results():
    cards = list(range(5, 101, 5))

    def scores(accuracy, mae):
        return {m: digits.Score(a, e, e, 0.0, 100) for m, a, e in zip(cards, accuracy, mae,
                                                                        strict=True)}

    return {"DeepSets": scores([1.0] * 20, np.linspace(0.01, 0.3, 20)),
            "LSTM": scores([0.0, 0.95] + [0.0] * 18, np.linspace(20, 490, 20))}


def _runs():
    mlp_runs = [{"params": p, "steps": s, "accuracy": a}
                for p, s, a in [(169, None, 0.6), (465, 1200, 1.0), (1313, 600, 1.0)]]
    return mlp_runs, [{"params": 62, "steps": 800, "accuracy": 1.0}] * 3


def _pairs():
    xs = torch.tensor([[1.0, 0.0], [0.0, 1.5], [0.6, 0.6], [-1.2, 0.4]])
    return torch.stack([xs, -xs], dim=1)


def _heatmap_data():
    tasks, columns = ["sum", "max", "mean", "count"], ["sum", "mean", "max", "attention",
                                                         "best constant"]
    rng = np.random.default_rng(0)
    accuracy = {(t, c): {"1-10": rng.random(), "41-50": rng.random()}
                for t in tasks for c in columns}
    return accuracy, tasks, columns, ["1-10", "41-50"]


X_DIGITS, Y_DIGITS = create_train_dataset(n_train=2000, seed=0)
X_OBJECTS, Y_OBJECTS = make_data(12, generator=0)
DEGREES = np.linspace(0, 360, 37)

# Every figure function of labcode.plots, drawn with small data of the right shape.
FIGURES = {
    "plot_cardinality_histogram": lambda: digits.plot_cardinality_histogram(X_DIGITS),
    "show_padded_rows": lambda: digits.show_padded_rows(X_DIGITS, n_rows=8),
    "plot_sums_by_cardinality": lambda: digits.plot_sums_by_cardinality(X_DIGITS, Y_DIGITS,
                                                                       5.5),
    "show_object_sets": lambda: thirds.show_object_sets(X_OBJECTS, Y_OBJECTS),
    "plot_step_losses": lambda: plots.plot_step_losses({"a": [0.7] * 100 + [0.01] * 100,
                                                        "b": [0.5] * 200}),
    "plot_step_losses, chance line": lambda: plots.plot_step_losses(
        {"tanh": np.geomspace(0.69, 0.01, 300), "affine": np.full(500, np.log(2))}, window=1,
        threshold=np.log(2), threshold_label="ln 2 (chance)", title="BCE"),
    "plot_width_sweep": lambda: permutations.plot_width_sweep(*_runs(), budget=2000),
    "plot_permutation_outputs": lambda: permutations.plot_permutation_outputs(
        {"DeepSet": [1.0] * 5, "MLP": [1.0, 2.0, 0.5, 1.5, 1.0]}),
    "plot_results": lambda: digits.plot_results(_results()),
    "plot_training_losses": lambda: digits.plot_training_losses({"DeepSets": _history(),
                                                                "LSTM": _history()}),
    "plot_error_growth": lambda: digits.plot_error_growth(
        list(range(5, 101, 5)), list(np.linspace(0, 0.22, 20)), 0.0022, -0.0004, 0.0003),
    "plot_phi_on_data": lambda: nonlinearity.plot_phi_on_data(
        {"success": DeepSet(activation="relu", hidden_dim=3).phi,
         "failure": DeepSet(activation="relu", hidden_dim=3).phi}),
    "plot_pooled_by_class": lambda: nonlinearity.plot_pooled_by_class(
        {"tanh": torch.randn(20), "none": torch.zeros(20)},
        torch.cat([torch.zeros(10), torch.ones(10)])),
    "plot_symmetric_pairs": lambda: symmetric_pairs.plot_symmetric_pairs(_pairs()),
    "plot_pair_angle_sweep": lambda: symmetric_pairs.plot_pair_angle_sweep(
        DEGREES, {0.6: np.random.default_rng(0).normal(size=(37, 4))},
        {("ReLU", 0.6): np.sin(DEGREES / 20), ("odd", 0.6): np.zeros(37)}),
    "plot_accuracy_heatmaps": lambda: pooling_tasks.plot_accuracy_heatmaps(*_heatmap_data(),
                                                                   n_learned=4),
    "plot_set_probabilities": lambda: equivariant.plot_set_probabilities(
        torch.randn(10, 2), 3, {"equivariant": torch.full((10,), 0.1),
                                "MLP, reordered set": torch.full((10,), 0.1)}),
    "plot_shapes": lambda: pointclouds.plot_shapes(
        *pointclouds.make_point_clouds(5, 64, generator=0),
        pointclouds.sample_surface("cube", 2, 50, generator=1), 16, 0.05),
    "plot_deletion": lambda: pointclouds.plot_deletion(
        [0.0, 0.5, 0.9], {"max": [1.0, 0.9, 0.4], "sum": [0.9, 0.9, 0.7]}, 32),
    "plot_critical_points": lambda: pointclouds.plot_critical_points(
        *pointclouds.make_point_clouds(5, 64, generator=0),
        torch.arange(64).expand(5, 64) % 7 == 0, 32),
    "plot_latent_sweeps": lambda: encodings.plot_latent_sweeps(
        {"sorted": encodings.SweepResult("sorted", errors={2: [0.5, 0.01, 0.01, 0.01]})},
        {"sorted": "the set back"}),
    "plot_convergence": lambda: streaming.plot_convergence(
        [100, 1000, 10000], {"mean": {"error": [0.2, 0.07, 0.03], "to limit": [0.2, 0.06, 0.02],
                                      "systematic": 0.03}}),
    "plot_predictions": lambda: set_outputs.plot_predictions(
        *set_outputs.make_mixtures(3, seed=0),
        {name: set_outputs.make_mixtures(3, seed=1)[1] for name in ("MSE", "Hungarian",
                                                                      "Chamfer")}),
    "plot_accuracy_by_size": lambda: interactions.plot_accuracy_by_size(
        {"DeepSets": {5: 0.5, 10: 0.55, 40: 0.5}, "pairwise": {5: 1.0, 10: 1.0, 40: 0.99}}, 10),
    "plot_cost": lambda: interactions.plot_cost(
        {"DeepSets": {10: 10, 160: 160}, "pairwise": {10: 90, 160: 25440}},
        {"DeepSets": {10: 1e-4, 160: 3e-4}, "pairwise": {10: 5e-4, 160: 0.4}}),
}


def test_every_public_figure_function_is_tested():
    public = set()
    for info in pkgutil.iter_modules(labcode.__path__):
        if info.name.startswith("_") or info.name in ("authoring", "checks"):
            continue
        module = importlib.import_module(f"labcode.{info.name}")
        public |= {name for name, obj in vars(module).items()
                   if name.startswith(("plot_", "show_"))
                   and getattr(obj, "__module__", None) == module.__name__}
    assert public == {name.split(",")[0] for name in FIGURES}


@pytest.mark.parametrize("name", FIGURES)
def test_figure_fits_the_column_with_readable_text(name):
    fig = _figure(FIGURES[name]())
    assert fig.dpi == plots.DPI
    assert fig.get_figwidth() <= plots.COLUMN_WIDTH + 1e-9
    assert png_width(fig) <= MAX_PNG_WIDTH, "wider than the page column: shrunk on the page"
    assert smallest_font(fig) >= plots.MIN_FONT_PT


@pytest.mark.parametrize("name", FIGURES)
def test_figure_has_titles_labels_and_legends(name):
    fig = _figure(FIGURES[name]())
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert all(ax.get_title() or fig.get_suptitle() for ax in axes)
    assert any(ax.get_xlabel() for ax in axes) and any(ax.get_ylabel() for ax in axes) or (
        name == "plot_symmetric_pairs")  # four small arrow panels: the title says it all
    has_legend = any(ax.get_legend() is not None for ax in axes) or bool(fig.legends)
    has_colorbar = len(fig.axes) > len(axes)
    assert has_legend or has_colorbar or name in ("show_padded_rows", "plot_symmetric_pairs")


def test_two_panel_figures_are_stacked():
    for name in ("plot_width_sweep", "plot_results", "plot_phi_on_data", "plot_pair_angle_sweep",
                 "plot_accuracy_heatmaps", "plot_cost"):
        fig = _figure(FIGURES[name]())
        panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert len({round(ax.get_position().x0, 2) for ax in panels}) == 1, name


def test_course_style_applies_inside_its_block_only():
    with plt.rc_context({"legend.fontsize": 7, "figure.figsize": (11, 4)}):
        with plots.course_style():
            fig, _ = plt.subplots()
            assert tuple(fig.get_size_inches()) == (plots.COLUMN_WIDTH, 3.5)
            assert plt.rcParams["legend.fontsize"] == plots.MIN_FONT_PT
        assert plt.rcParams["legend.fontsize"] == 7  # restored after the block
        ax = permutations.plot_permutation_outputs({"m": [1.0, 2.0]})  # styled whatever the rc
        assert smallest_font(ax.figure) >= plots.MIN_FONT_PT
        assert ax.figure.get_figwidth() <= plots.COLUMN_WIDTH


def test_histogram_legend_stays_above_the_bars():
    ax = digits.plot_cardinality_histogram(X_DIGITS)
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    bars = [patch.get_window_extent() for patch in ax.patches]
    assert all(legend.y0 >= bar.y1 for bar in bars if bar.width > 0)


def test_chance_line_is_drawn_over_a_curve_that_runs_along_it():
    ax = FIGURES["plot_step_losses, chance line"]()
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "ln 2 (chance)")
    curves = [ln for ln in ax.get_lines() if ln is not line]
    assert all(line.get_zorder() > c.get_zorder() for c in curves)
    assert isinstance(line.get_linestyle(), str) and line.get_linewidth() < min(
        c.get_linewidth() for c in curves)
    assert ax.get_title() == "BCE"


def test_new_functions_reject_bad_input():
    with pytest.raises(TypeError, match="phis"):
        nonlinearity.plot_phi_on_data({})
    with pytest.raises(ValueError, match="points"):
        nonlinearity.plot_phi_on_data({"a": lambda x: x}, points=(0.0,))
    with pytest.raises(ValueError, match="values"):
        nonlinearity.plot_pooled_by_class({"a": torch.zeros(3)}, torch.zeros(4))
    with pytest.raises(ValueError, match="pairs"):
        symmetric_pairs.plot_symmetric_pairs(torch.zeros(4, 3, 2))
    with pytest.raises(ValueError):
        symmetric_pairs.plot_pair_angle_sweep(DEGREES, {}, {})
    with pytest.raises(ValueError, match="pooled"):
        symmetric_pairs.plot_pair_angle_sweep(DEGREES, {0.6: np.zeros((5, 4))},
                                              {("a", 0.6): DEGREES})
    with pytest.raises(ValueError):
        pooling_tasks.plot_accuracy_heatmaps({}, [], [], [])
    with pytest.raises(TypeError, match="curves"):
        streaming.plot_convergence([1], {})
