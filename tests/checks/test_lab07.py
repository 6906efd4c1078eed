"""Lab 07's self-checks: pool and best_constant (the solution notebook's, labcode's and answers
in other styles pass; each typical mistake gets a "✗" verdict naming the problem)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from labcode import checks
from labcode.pooling import pool as library_pool
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(7, ["pool", "best_constant"])
pool, best_constant = SOLUTION["pool"], SOLUTION["best_constant"]


def pool_with(how, wrong):
    """The notebook's pool with ``wrong(h, mask, m)`` in place of one pooling."""
    def student(h, how_, mask):
        return wrong(h, mask, mask.unsqueeze(-1)) if how_ == how else pool(h, how_, mask)
    return student


def pool_unfinished(h, how, mask):
    if how == "sum":
        return pool(h, how, mask)
    raise NotImplementedError("pool: mean and max")


def test_correct_pool_passes(capsys):
    assert verdict(checks.check_pool, pool, capsys).startswith("✓ pool: all 12 checks passed")


def test_library_pool_passes(capsys):
    out = verdict(checks.check_pool, library_pool, capsys)
    assert out.startswith("✓ pool: all 12 checks passed"), out


@pytest.mark.parametrize("student, hint", [
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1) / h.shape[1]), "not by n = h.shape[1]"),
    (pool_with("mean", lambda h, mask, m: h.mean(1)), "the padding is averaged in"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1) / mask.sum()),
     "m.sum() counts the elements of the whole batch"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1) / mask.sum(1)),
     "mask.sum(dim=1, keepdim=True)"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1, keepdim=True) / m.sum(1, keepdim=True)),
     "drop the extra dimension of size 1"),
    (pool_with("mean", lambda h, mask, m: (h * m).sum(1).double() / m.sum(1)),
     "got torch.float64"),
    (pool_with("max", lambda h, mask, m: (h * m).max(1).values), "padding set to 0 wins the max"),
    (pool_with("max", lambda h, mask, m: h.max(1).values), "the padding takes part in the max"),
    (pool_with("max", lambda h, mask, m: h.masked_fill(~m, float("-inf")).max(1)),
     "take its `.values`"),
    (pool_with("max", lambda h, mask, m: None), "did you forget the `return`?"),
    # labcode's pool, misused: the mask forgotten; zero padding in the max
    (lambda h, how, m: library_pool(h, how), "REAL elements"),
    (lambda h, how, m: library_pool(h * m.unsqueeze(-1), how) if how == "max"
     else library_pool(h, how, m), "-inf"),
])
def test_wrong_pool_gets_a_hint(student, hint, capsys):
    assert_hint(verdict(checks.check_pool, student, capsys), "pool", hint)


def max_in_place(h, how, mask):  # the max branch writes -inf into the caller's h
    if how == "max":
        return h.masked_fill_(~mask.unsqueeze(-1), float("-inf")).max(dim=1).values
    return pool(h, how, mask)


def mean_in_place(h, how, mask):  # zeroes the padding of the caller's h
    if how == "mean":
        h *= mask.unsqueeze(-1)
        return h.sum(1) / mask.sum(1, keepdim=True)
    return pool(h, how, mask)


def squeezes(h, how, mask):  # drops every axis of size 1: one set of one feature loses both
    return pool(h, how, mask).squeeze()


@pytest.mark.parametrize("student, hint", [
    (max_in_place, "changed its input h or mask in place"),
    (mean_in_place, "changed its input h or mask in place"),
    (squeezes, "no .squeeze()"),
])
def test_issue_pool_in_place_or_squeezed_gets_a_hint(student, hint, capsys):
    assert_hint(verdict(checks.check_pool, student, capsys), "pool", hint)


def test_unfinished_pool_is_not_implemented_yet(capsys):
    assert_not_implemented(verdict(checks.check_pool, pool_unfinished, capsys), "pool")


# --------------------------------------------------------------------------- issue 14: contracts


def pool_with_where(h, how, mask):
    """Correct: torch.where for both, amax, counts clamped."""
    m = mask.unsqueeze(-1)
    if how == "sum":
        return torch.where(m, h, 0.0).sum(1)
    if how == "mean":
        return torch.where(m, h, 0.0).sum(1) / m.sum(1).clamp(min=1).to(h.dtype)
    return torch.where(m, h, torch.tensor(float("-inf"), dtype=h.dtype)).amax(dim=1)


def pool_per_set(h, how, mask):
    """Correct: a loop over the sets, reducing the real rows of each."""
    rows = [h[i][mask[i]] for i in range(len(h))]
    reduce = {"sum": lambda r: r.sum(0), "mean": lambda r: r.mean(0),
              "max": lambda r: r.max(0).values}[how]
    return torch.stack([reduce(r) for r in rows])


@pytest.mark.parametrize("fn", [pool_with_where, pool_per_set])
def test_issue14_pool_in_other_styles_passes(fn, capsys):
    assert verdict(checks.check_pool, fn, capsys).startswith("✓ pool: all 12 checks passed")


# ---------------------------------------------------------------------------- best_constant


def two_pointers(y):
    """Correct: a sliding window over the sorted targets, in plain Python."""
    s, best, j = sorted(y), 0, 0
    for i in range(len(s)):
        while j < len(s) and s[j] < s[i] + 1:
            j += 1
        best = max(best, j - i)
    return best / len(s)


def every_candidate(y):
    """Correct: try c just below y_i + 1/2 for every target, by broadcasting."""
    y = np.asarray(y, dtype=float)
    c = y + 0.5 - 1e-9
    return float((np.abs(y[None, :] - c[:, None]) < 0.5).sum(axis=1).max() / len(y))


def most_frequent(y):  # right for whole numbers only
    return Counter(y.tolist()).most_common(1)[0][1] / len(y)


def closed_window(y):  # [y_i, y_i + 1]: counts two whole numbers 1 apart
    y = np.sort(y)
    return float((np.searchsorted(y, y + 1.0, side="right") - np.arange(len(y))).max() / len(y))


def the_mean(y):
    return float(np.mean(np.abs(y - y.mean()) < 0.5))


def the_median(y):
    return float(np.mean(np.abs(y - np.median(y)) < 0.5))


def a_count(y):
    y = np.sort(y)
    return int((np.searchsorted(y, y + 1.0) - np.arange(len(y))).max())


def sorts_in_place(y):
    y.sort()
    return float((np.searchsorted(y, y + 1.0) - np.arange(len(y))).max() / len(y))


def rounded_mode(y):  # the commonest rounded target: misses windows across a .5
    return Counter(np.round(y).tolist()).most_common(1)[0][1] / len(y)


@pytest.mark.parametrize("fn", [best_constant, two_pointers, every_candidate],
                         ids=["solution", "two_pointers", "every_candidate"])
def test_correct_best_constant_passes(fn, capsys):
    out = verdict(checks.check_best_constant, fn, capsys)
    assert out.startswith("✓ best_constant: all 7 checks passed"), out


@pytest.mark.parametrize("fn, hint", [
    (most_frequent, "the most frequent value is not enough"),
    (closed_window, "strictly"),
    (the_mean, "neither the mean nor the median"),
    (the_median, "neither the mean nor the median"),
    (a_count, "not a count"),
    (sorts_in_place, "not y in place"),
    (rounded_mode, "c = 0.5 is within 0.5 of 0.1, 0.5, 0.55 and 0.6"),
])
def test_wrong_best_constant_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_best_constant, fn, capsys), "best_constant", hint)


def as_float32(y):  # a NumPy float32 scalar, not a Python float
    return np.float32(best_constant(y))


def as_0d_array(y):
    return np.asarray(best_constant(y))


@pytest.mark.parametrize("fn, hint", [
    (as_float32, "got ['float32']"),
    (as_0d_array, "not a 0-d NumPy array"),
])
def test_issue_best_constant_of_another_type_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_best_constant, fn, capsys), "best_constant", hint)


def test_unfinished_best_constant(capsys):
    def unfinished(y):
        raise NotImplementedError()
    assert_not_implemented(verdict(checks.check_best_constant, unfinished, capsys),
                           "best_constant")
