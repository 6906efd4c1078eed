"""The thread policy and seeding live in one helper that every notebook calls first."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labcode import reproducibility
from labcode.reproducibility import THREADS_ENV, seed_everything, torch_threads
from tests.conftest import SOLUTIONS


@pytest.fixture
def restore_threads():
    n = torch.get_num_threads()
    with torch.random.fork_rng():
        yield
    torch.set_num_threads(n)


def test_one_thread_by_default(monkeypatch, restore_threads):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    torch.set_num_threads(2)
    seed_everything(0)
    assert torch.get_num_threads() == reproducibility.DEFAULT_THREADS == 1


def test_the_environment_overrides_the_thread_count(monkeypatch, restore_threads):
    monkeypatch.setenv(THREADS_ENV, "2")
    seed_everything(0)
    assert torch_threads() == 2 and torch.get_num_threads() == 2


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_bad_thread_count_is_refused(monkeypatch, value):
    monkeypatch.setenv(THREADS_ENV, value)
    with pytest.raises(ValueError, match=THREADS_ENV):
        torch_threads()


def test_seeding_makes_draws_reproducible(restore_threads):
    seed_everything(3)
    first = (np.random.rand(), torch.rand(1).item())
    seed_everything(3)
    assert (np.random.rand(), torch.rand(1).item()) == first


def test_no_notebook_sets_threads_itself():
    paths = sorted(SOLUTIONS.glob("*.ipynb"))
    assert paths
    for path in paths:
        assert "set_num_threads" not in path.read_text(encoding="utf-8"), path.name
