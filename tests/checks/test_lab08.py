"""Lab 08's self-checks: aggregate and minibatch_consistency_error (the solution notebook's,
labcode's and answers in other styles pass; each typical mistake gets a "✗" verdict naming the
problem)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(8, ["aggregate", "minibatch_consistency_error"])
aggregate = SOLUTION["aggregate"]
consistency_error = SOLUTION["minibatch_consistency_error"]


def aggregate_with(how, wrong):
    """The notebook's aggregate with ``wrong(parts, sizes)`` in place of one reduction."""
    def student(parts, sizes, how_):
        return wrong(parts, sizes) if how_ == how else aggregate(parts, sizes, how_)
    return student


def test_correct_aggregate_passes(capsys):
    out = verdict(checks.check_aggregate, aggregate, capsys)
    assert out.startswith("✓ aggregate: all 15 checks passed")


@pytest.mark.parametrize("student, hint", [
    (aggregate_with("mean", lambda p, s: torch.stack(p).mean(0)),
     "a plain mean of the means is wrong"),
    (aggregate_with("mean", lambda p, s: (torch.tensor(s).view(-1, 1, 1) * torch.stack(p)).sum(0)),
     "now divide by the total number of elements, sum(sizes)"),
    (aggregate_with("mean", lambda p, s: (torch.tensor(s) * torch.stack(p)).sum(0) / sum(s)),
     "make it a (chunks, 1, 1) tensor"),
    (aggregate_with("mean", lambda p, s: (torch.as_tensor(np.asarray(s) / sum(s)).view(-1, 1, 1)
                                          * torch.stack(p)).sum(0)),
     "got torch.float64"),
    (aggregate_with("sum", lambda p, s: torch.cat(p).sum(0)), "torch.cat would mix the chunks"),
    (aggregate_with("sum", lambda p, s: torch.stack(p).sum(1)), "reduce over the chunks, dim=0"),
    (aggregate_with("sum", lambda p, s: torch.stack(p).mean(0)),
     "the sum of a set is the sum of the chunks' sums"),
    (aggregate_with("max", lambda p, s: torch.stack(p).max(0)), "take its `.values`"),
    (aggregate_with("max", lambda p, s: torch.stack(p).sum(0)), "maximum of the chunks' maxima"),
    (lambda parts, sizes, how: list(parts), "got a list"),
    # one plain mean, whatever `how` asks for
    (lambda parts, sizes, how: torch.stack(parts).mean(0),
     "the sum of a set is the sum of the chunks' sums"),
])
def test_wrong_aggregate_gets_a_hint(student, hint, capsys):
    assert_hint(verdict(checks.check_aggregate, student, capsys), "aggregate", hint)


def weights_in_place(parts, sizes):  # scales the caller's chunk means by their sizes
    for part, n in zip(parts, sizes, strict=True):
        part.mul_(n)
    return torch.stack(parts).sum(0) / sum(sizes)


def squeezes(parts, sizes):  # a batch of one set of one feature loses both axes
    return aggregate(parts, sizes, "sum").squeeze()


@pytest.mark.parametrize("student, hint", [
    (aggregate_with("mean", weights_in_place), "changed its input parts or sizes in place"),
    (aggregate_with("sum", squeezes), "No .squeeze()"),
])
def test_issue_aggregate_in_place_or_squeezed_gets_a_hint(student, hint, capsys):
    assert_hint(verdict(checks.check_aggregate, student, capsys), "aggregate", hint)


def test_unfinished_aggregate_is_not_implemented_yet(capsys):
    def unfinished(parts, sizes, how):
        raise NotImplementedError("aggregate")
    assert_not_implemented(verdict(checks.check_aggregate, unfinished, capsys), "aggregate")


# --------------------------------------------------------------------------- issue 14: contracts


def aggregate_by_reduce(parts, sizes, how):
    """Correct: functools.reduce, torch.maximum, running weighted sums."""
    from functools import reduce

    if how == "sum":
        return reduce(torch.add, parts)
    if how == "max":
        return reduce(torch.maximum, parts)
    total = sum(sizes)
    return reduce(torch.add, [p * (n / total) for p, n in zip(parts, sizes, strict=True)])


def aggregate_by_einsum(parts, sizes, how):
    """Correct: einsum for the weighted mean, amax for the max."""
    stacked = torch.stack(parts)
    if how == "sum":
        return stacked.sum(0)
    if how == "max":
        return stacked.amax(0)
    w = torch.tensor(sizes, dtype=stacked.dtype)
    return torch.einsum("c,cbf->bf", w / w.sum(), stacked)


@pytest.mark.parametrize("fn", [aggregate_by_reduce, aggregate_by_einsum])
def test_issue14_aggregate_in_other_styles_passes(fn, capsys):
    out = verdict(checks.check_aggregate, fn, capsys)
    assert out.startswith("✓ aggregate: all 15 checks passed"), out


# ------------------------------------------------------------ minibatch_consistency_error


def by_narrowing(encode, aggregate, X, chunk_sizes):
    """Correct: torch.narrow in a loop, infinity norms."""
    parts, start = [], 0
    for n in chunk_sizes:
        parts.append(encode(X.narrow(1, start, n)))
        start += n
    whole = encode(X)
    inf = float("inf")
    gap = torch.linalg.vector_norm(aggregate(parts, chunk_sizes) - whole, ord=inf)
    return (gap / torch.linalg.vector_norm(whole, ord=inf)).item()


def by_cumulative_bounds(encode, aggregate, X, chunk_sizes):
    """Correct: slices from the cumulative sizes, NumPy for the final numbers."""
    bounds = np.cumsum([0, *chunk_sizes])
    parts = [encode(X[:, a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    whole = encode(X).numpy()
    combined = aggregate(parts, list(chunk_sizes)).numpy()
    return float(np.max(np.abs(combined - whole)) / np.max(np.abs(whole)))


def absolute_error(encode, aggregate, X, chunk_sizes):
    whole = encode(X)
    combined = aggregate([encode(c) for c in X.split(chunk_sizes, 1)], chunk_sizes)
    return float((combined - whole).abs().max())


def mean_error(encode, aggregate, X, chunk_sizes):
    whole = encode(X)
    combined = aggregate([encode(c) for c in X.split(chunk_sizes, 1)], chunk_sizes)
    return float((combined - whole).abs().mean() / whole.abs().max())


def norm_ratio(encode, aggregate, X, chunk_sizes):
    whole = encode(X)
    combined = aggregate([encode(c) for c in X.split(chunk_sizes, 1)], chunk_sizes)
    return float((combined - whole).norm() / whole.norm())


def equal_chunks(encode, aggregate, X, chunk_sizes):
    whole = encode(X)
    combined = aggregate([encode(c) for c in X.chunk(len(chunk_sizes), 1)], chunk_sizes)
    return float((combined - whole).abs().max() / whole.abs().max())


def splits_the_batch(encode, aggregate, X, chunk_sizes):
    whole = encode(X)
    combined = aggregate([encode(c) for c in X.split(1, 0)], chunk_sizes)
    return float((combined - whole).abs().max() / whole.abs().max())


def wrong_sizes(encode, aggregate, X, chunk_sizes):
    whole = encode(X)
    parts = [encode(c) for c in X.split(chunk_sizes, 1)]
    return float((aggregate(parts, [1] * len(parts)) - whole).abs().max() / whole.abs().max())


def encodes_twice(encode, aggregate, X, chunk_sizes):
    combined = aggregate([encode(c) for c in X.split(chunk_sizes, 1)], chunk_sizes)
    return float((combined - encode(X)).abs().max() / encode(X).abs().max())


def returns_a_tensor(encode, aggregate, X, chunk_sizes):
    whole = encode(X)
    combined = aggregate([encode(c) for c in X.split(chunk_sizes, 1)], chunk_sizes)
    return (combined - whole).abs().max() / whole.abs().max()


@pytest.mark.parametrize("fn", [consistency_error, by_narrowing, by_cumulative_bounds],
                         ids=["solution", "by_narrowing", "by_cumulative_bounds"])
def test_correct_consistency_error_passes(fn, capsys):
    out = verdict(checks.check_minibatch_consistency_error, fn, capsys)
    assert out.startswith("✓ minibatch_consistency_error: all 7 checks passed"), out


def test_labcode_consistency_error_passes(capsys):
    from labcode.symmetry import minibatch_consistency_error as library
    out = verdict(checks.check_minibatch_consistency_error, library, capsys)
    assert out.startswith("✓ minibatch_consistency_error: all"), out


@pytest.mark.parametrize("fn, hint", [
    (absolute_error, "divide by the largest |entry| of encode(X)"),
    (mean_error, "not the mean"),
    (norm_ratio, "not a norm"),
    (equal_chunks, "into chunks of [5, 2, 9] elements"),
    (splits_the_batch, "split X along the elements (dim=1)"),
    (wrong_sizes, "it was called with sizes [[1, 1, 1]]"),
    (encodes_twice, "must not be called on X twice"),
    (returns_a_tensor, "return a Python float"),
])
def test_wrong_consistency_error_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_minibatch_consistency_error, fn, capsys),
                "minibatch_consistency_error", hint)


def parts_and_whole(encode, aggregate, X, chunk_sizes):
    whole = encode(X)
    return aggregate([encode(c) for c in X.split(chunk_sizes, 1)], chunk_sizes), whole


def signed_difference(encode, aggregate, X, chunk_sizes):  # no abs on the difference
    combined, whole = parts_and_whole(encode, aggregate, X, chunk_sizes)
    return float((combined - whole).max() / whole.abs().max())


def signed_scale(encode, aggregate, X, chunk_sizes):  # no abs on the scale
    combined, whole = parts_and_whole(encode, aggregate, X, chunk_sizes)
    return float((combined - whole).abs().max() / whole.max())


def abs_of_the_max(encode, aggregate, X, chunk_sizes):  # |max f(X)|, not max |f(X)|
    combined, whole = parts_and_whole(encode, aggregate, X, chunk_sizes)
    return float((combined - whole).abs().max() / whole.max().abs())


def numpy_float32(encode, aggregate, X, chunk_sizes):  # NumPy on float32 tensors
    combined, whole = parts_and_whole(encode, aggregate, X, chunk_sizes)
    return np.abs(combined.numpy() - whole.numpy()).max() / np.abs(whole.numpy()).max()


def numpy_0d(encode, aggregate, X, chunk_sizes):
    return np.asarray(consistency_error(encode, aggregate, X, chunk_sizes))


def centres_in_place(encode, aggregate, X, chunk_sizes):  # X -= its mean: f(X) changes
    X -= X.mean()
    return consistency_error(encode, aggregate, X, chunk_sizes)


def pops_the_sizes(encode, aggregate, X, chunk_sizes):
    last = chunk_sizes.pop()
    parts = [encode(c) for c in X.split([*chunk_sizes, last], 1)]
    whole = encode(X)
    combined = aggregate(parts, [*chunk_sizes, last])
    return float((combined - whole).abs().max() / whole.abs().max())


@pytest.mark.parametrize("fn, hint", [
    (signed_difference, "take the largest ABSOLUTE difference"),
    (signed_scale, "divide by the largest ABSOLUTE entry of f(X)"),
    (abs_of_the_max, "divide by the largest ABSOLUTE entry of f(X)"),
    (numpy_float32, "got float32"),
    (numpy_0d, "not a NumPy array"),
    (centres_in_place, "changed X or chunk_sizes in place"),
    (pops_the_sizes, "changed X or chunk_sizes in place"),
])
def test_issue_consistency_error_without_abs_or_of_another_type_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_minibatch_consistency_error, fn, capsys),
                "minibatch_consistency_error", hint)


def test_unfinished_consistency_error(capsys):
    def unfinished(encode, aggregate, X, chunk_sizes):
        raise NotImplementedError()
    assert_not_implemented(verdict(checks.check_minibatch_consistency_error, unfinished, capsys),
                           "minibatch_consistency_error")
