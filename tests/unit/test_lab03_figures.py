"""Lab 03-04 figures and the permutation widget: they draw, they label, they reject bad input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from labcode import permutations, plots, thirds
from labcode.permutations import permutation_explorer
from labcode.thirds import DeepSet, make_data, mlp


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_object_sets():
    X, y = make_data(12, generator=0)
    ax = thirds.show_object_sets(X, y)
    assert ax.get_title() and ax.get_xlabel() and ax.get_legend() is not None
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 12 and all("class" in t for t in labels)
    with pytest.raises(ValueError, match="shape"):
        thirds.show_object_sets(X[:, :, 0], y)


def test_plot_step_losses():
    ax = plots.plot_step_losses({"a": [0.7] * 100 + [0.01] * 100, "b": [0.5] * 200})
    assert ax.get_yscale() == "log" and ax.get_title() and ax.get_legend() is not None
    with pytest.raises(TypeError):
        plots.plot_step_losses([])
    with pytest.raises(ValueError, match="window"):
        plots.plot_step_losses({"short": [0.1] * 10})


def test_plot_width_sweep_and_permutation_outputs():
    mlp_runs = [{"params": 169, "steps": None, "accuracy": 0.9},
                {"params": 465, "steps": 1200, "accuracy": 1.0}]
    ds_runs = [{"params": 62, "steps": 600, "accuracy": 1.0}]
    fig = permutations.plot_width_sweep(mlp_runs, ds_runs, budget=2000)
    assert all(ax.get_title() and ax.get_legend() is not None for ax in fig.axes)
    with pytest.raises(ValueError):
        permutations.plot_width_sweep([], ds_runs, budget=2000)
    ax = permutations.plot_permutation_outputs({"DeepSet": [1.0, 1.0], "MLP": [1.0, 2.0]})
    assert ax.get_title() and ax.get_legend() is not None


def test_permutation_explorer():
    X, _ = make_data(2, generator=0)
    widget = permutation_explorer({"DeepSet": DeepSet(), "MLP": mlp()}, X[0],
                                  n_orderings=5)
    slider, stack = widget.children
    assert slider.max == 4 and len(stack.children) == 5  # tests/unit/test_widgets.py: more
    with pytest.raises(ValueError, match="one set"):
        permutation_explorer({"m": mlp()}, X)
    with pytest.raises(TypeError, match="dict"):
        permutation_explorer([], X[0])
    with pytest.raises(ValueError, match="one set"):
        permutation_explorer({"m": mlp()}, torch.rand(1, 1))
