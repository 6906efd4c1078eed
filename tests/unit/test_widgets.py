"""labcode.widgets: every demo precomputes its states and links its controls to them in the
browser (jslink into a Stack), so it reacts without a kernel: on the static site too.

What a browser does with the links is tested on the built site (tests/browser/test_figures.py);
here: each state's text is right, the controls start on the shown state, and every control is
linked to the Stack it drives.
"""

from __future__ import annotations

import re

import ipywidgets as widgets
import numpy as np
import pytest
import torch
from ipywidgets.widgets.widget import _instances
from ipywidgets.widgets.widget_link import Link

from labcode.digits import create_train_dataset, padded_set_explorer
from labcode.nonlinearity import nonlinearity_toggle
from labcode.permutations import permutation_explorer
from labcode.symmetric_pairs import (
    PAIR_ANGLES,
    symmetric_pair_explorer,
)
from labcode.symmetric_pairs import (
    PAIR_SLIDER_NORMS as PAIR_NORMS,
)
from labcode.thirds import DeepSet, make_data, mlp
from labcode.widgets import TEXT_CLASS, text_stack
from tests.conftest import EPS32


def links_between(source, target, source_trait: str, target_trait: str) -> int:
    """How many jslinks join ``source.source_trait`` and ``target.target_trait``."""
    ends = {(id(source), source_trait), (id(target), target_trait)}
    return sum(1 for w in list(_instances.values()) if isinstance(w, Link)
               and {(id(w.source[0]), w.source[1]), (id(w.target[0]), w.target[1])} == ends)


def texts(stack: widgets.Stack) -> list[str]:
    out = []
    for page in stack.children:
        match = re.fullmatch(rf'<pre class="{TEXT_CLASS}">(.*)</pre>', page.value, re.S)
        assert match, page.value
        out.append(match.group(1))
    return out


def test_text_stack_escapes_and_shares_its_layout():
    stack = text_stack(["a < b", "c"], selected=1)
    assert stack.selected_index == 1
    assert texts(stack) == ["a &lt; b", "c"]
    assert len({id(p.layout) for p in stack.children}) == 1
    with pytest.raises(ValueError):
        text_stack([])


def test_padded_set_explorer_shows_the_chosen_cardinality():
    X, y = create_train_dataset(n_train=500, seed=0)
    box = padded_set_explorer(X, y, start=5)
    slider, stack = box.children
    assert isinstance(slider, widgets.SelectionSlider) and slider.value == 5
    assert list(slider.options) == list(range(1, 11))
    assert stack.selected_index == slider.index
    assert links_between(slider, stack, "index", "selected_index") == 1
    for M, text in zip(slider.options, texts(stack), strict=True):
        assert f"cardinality: {M}," in text
        row = eval(text.splitlines()[0].split(":", 1)[1])  # the padded row, a list
        assert sum(v != 0 for v in row) == M
    with pytest.raises(ValueError, match="start"):
        padded_set_explorer(X, y, start=11)
    with pytest.raises(ValueError, match="shape"):
        padded_set_explorer(X, y[:-1])


def test_permutation_explorer_precomputes_every_ordering():
    X, _ = make_data(2, generator=0)
    torch.manual_seed(0)
    models = {"DeepSet": DeepSet(), "MLP": mlp()}
    box = permutation_explorer(models, X[0], n_orderings=5)
    slider, stack = box.children
    assert isinstance(slider, widgets.IntSlider) and slider.max == 4
    assert len(stack.children) == 5 and stack.selected_index == slider.value == 0
    assert links_between(slider, stack, "value", "selected_index") == 1
    assert not any(isinstance(w, widgets.Play) for w in box.children), (
        "no Play: the theme's Font Awesome script breaks its icons, and then its links")
    shown = texts(stack)
    deepset = {re.search(r"DeepSet: P\(class 1\) = (\S+),", t).group(1) for t in shown}
    objects = {t.splitlines()[0] for t in shown}
    assert len(deepset) == 1, "the DeepSet's output is the same for every ordering"
    assert len(objects) > 1, "the orderings differ"
    with pytest.raises(ValueError, match="one set"):
        permutation_explorer({"m": mlp()}, X)
    with pytest.raises(TypeError, match="dict"):
        permutation_explorer([], X[0])
    with pytest.raises(ValueError, match="one set"):
        permutation_explorer({"m": mlp()}, torch.rand(1, 1))
    with pytest.raises(ValueError, match="n_orderings"):
        permutation_explorer({"m": mlp()}, X[0], n_orderings=1)


def test_nonlinearity_toggle_has_one_state_per_model():
    X, y = make_data(20, generator=0)
    models = {"tanh": DeepSet(activation="tanh"), "none": DeepSet(activation="none")}
    box = nonlinearity_toggle(models, X, y)
    toggle, stack = box.children
    assert list(toggle.options) == ["tanh", "none"] and toggle.index == 0
    assert links_between(toggle, stack, "index", "selected_index") == 1
    assert all("gap between the classes" in t for t in texts(stack))
    with pytest.raises(TypeError):
        nonlinearity_toggle({}, X, y)
    with pytest.raises(ValueError):
        nonlinearity_toggle(models, X, y[:3])


def test_symmetric_pair_explorer_covers_every_angle_and_norm():
    torch.manual_seed(0)
    odd = DeepSet(in_features=2, hidden_dim=8, latent_dim=4, activation="tanh",
                  phi_bias=False).phi
    box = symmetric_pair_explorer({"odd phi": odd}, angle=30, norm=1.0)
    angle, norm, outer = box.children
    assert [v for _, v in angle.options] == list(PAIR_ANGLES) and angle.value == 30
    assert list(norm.options) == list(PAIR_NORMS) and norm.value == 1.0
    assert outer.selected_index == PAIR_NORMS.index(1.0)
    assert links_between(norm, outer, "index", "selected_index") == 1
    for r, inner in zip(PAIR_NORMS, outer.children, strict=True):
        assert inner.selected_index == PAIR_ANGLES.index(30)
        assert links_between(angle, inner, "index", "selected_index") == 1
        for a, text in zip(PAIR_ANGLES, texts(inner), strict=True):
            x = [float(v) for v in re.search(r"x = \[(\S+), (\S+)\]", text).groups()]
            expected = [r * np.cos(np.deg2rad(a)), r * np.sin(np.deg2rad(a))]
            # printed with 2 decimals (off by 0.005 at most) from a float32 (eps32 / 2 of r)
            assert np.abs(np.subtract(x, expected)).max() <= 0.005 + EPS32 * r
            assert "norm 0.000" in text, "an odd phi: phi(x) + phi(-x) = 0"
    with pytest.raises(ValueError, match="angle"):
        symmetric_pair_explorer({"odd phi": odd}, angle=31)
    with pytest.raises(TypeError):
        symmetric_pair_explorer({"x": 3})
