"""labcode.training's progress line: text while a loop runs, one line of summary at the end.

In Jupyter the line is one text output updated in place (an IPython display with a display_id),
so a saved notebook keeps only the summary: no widget, no empty gap on the site. Here IPython's
display is replaced by a recorder; outside Jupyter the summary is printed.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from labcode import training
from labcode.digits import DeepSets, create_train_dataset
from labcode.thirds import DeepSet, make_data
from labcode.training import ProgressLine, progress_bar, train, train_steps


class FakeHandle:
    def __init__(self, shown):
        self.shown = shown

    def update(self, bundle, raw=False):
        assert raw and set(bundle) == {"text/plain"}
        self.shown[-1] = bundle["text/plain"]


@pytest.fixture
def kernel(monkeypatch):
    """Pretend to run in Jupyter: record what the progress line displays (its last state)."""
    import IPython.display

    shown: list[str] = []

    def display(bundle, raw=False, display_id=None):
        assert raw and display_id is True and set(bundle) == {"text/plain"}
        shown.append(bundle["text/plain"])
        return FakeHandle(shown)

    monkeypatch.setattr(training, "_in_kernel", lambda: True)
    monkeypatch.setattr(IPython.display, "display", display)
    return shown


@pytest.fixture(scope="module")
def digits():
    return create_train_dataset(n_train=600, seed=0)


def test_train_leaves_one_summary_line(kernel, digits):
    X, y = digits
    history = train(DeepSets(11, 4, 4), X, y, epochs=2, batch_size=200, desc="DeepSets")
    assert len(kernel) == 1, "one output, updated in place"
    assert re.fullmatch(r"DeepSets: trained 2 epochs in \d+\.\d s, final loss \d+\.\d{3}",
                        kernel[0]), kernel[0]
    assert f"{history.epoch_losses[-1]:.3f}" in kernel[0]


def test_train_steps_summary_says_when_it_stopped_early(kernel):
    torch.manual_seed(0)
    _, history = train_steps(DeepSet(), make_data, steps=30, batch_size=20)
    assert re.fullmatch(r"DeepSet: trained 30 steps in \d+\.\d s, final loss \d\.\d{3}",
                        kernel[-1]), kernel[-1]
    assert training._loss(0.00042) == "4.20e-04" and training._loss(0.5) == "0.500"
    _, history = train_steps(DeepSet(), make_data, steps=200, batch_size=20, stop_below=10.0,
                             desc="quick")
    assert len(history) == training.CONVERGENCE_WINDOW
    assert kernel[-1].startswith("quick: converged at step 50 of 200 in ")
    assert len(kernel) == 2


def test_summary_is_machine_independent_apart_from_the_seconds(kernel):
    torch.manual_seed(0)
    train_steps(DeepSet(), make_data, steps=5, batch_size=4, desc="a")
    assert re.sub(r"\d+\.\d s", "T s", kernel[0]).startswith("a: trained 5 steps in T s")


def test_nothing_is_shown_when_the_first_step_fails(kernel):
    def broken_draw(n):
        return "not a batch"

    with pytest.raises(TypeError, match="draw"):
        train_steps(DeepSet(), broken_draw, steps=10)
    assert kernel == []


def test_progress_false_shows_nothing(kernel, digits, capsys):
    X, y = digits
    train(DeepSets(11, 2, 2), X, y, epochs=1, progress=False)
    train_steps(DeepSet(), make_data, steps=3, progress=False)
    assert kernel == []
    assert capsys.readouterr() == ("", "")


def test_progress_bar_summary_and_break(kernel):
    assert list(progress_bar(range(4), desc="sweep")) == [0, 1, 2, 3]
    assert re.fullmatch(r"sweep: 4 steps in \d+\.\d s", kernel[-1])
    for i in progress_bar(range(10), desc="cut", unit="runs"):
        if i == 3:
            break
    assert re.fullmatch(r"cut: stopped after 3 of 10 runs, \d+\.\d s", kernel[-1])
    assert list(progress_bar(iter([5, 6]), desc="no len")) == [5, 6]
    assert kernel[-1].startswith("no len: 2 steps")
    assert list(progress_bar(range(3), disable=True)) == [0, 1, 2]
    assert len(kernel) == 3


def test_progress_bar_rejects_a_bad_desc():
    with pytest.raises(TypeError, match="desc"):
        progress_bar(range(3), desc=3)


def test_progress_line_draws_a_bar_and_updates_at_most_every_interval(kernel):
    line = ProgressLine(200, "run", interval=3600)
    line.update(50, note="loss 0.5")
    assert kernel[-1].startswith("run: █████░░░░░░░░░░░░░░░  25% 50/200 steps, ")
    assert kernel[-1].endswith(", loss 0.5")
    line.update(150)
    assert "50/200" in kernel[-1], "redrawn before the interval passed"
    line.close("run: done")
    line.close("again")
    assert kernel == ["run: done"]


def test_outside_jupyter_the_summary_is_printed(digits, capsys):
    X, y = digits
    train(DeepSets(11, 2, 2), X, y, epochs=1, batch_size=300, desc="plain")
    out = capsys.readouterr().out
    assert re.fullmatch(r"plain: trained 1 epoch in \d+\.\d s, final loss \d+\.\d{3}\n",
                        out), out
    assert np.isfinite(float(out.split()[-1]))
