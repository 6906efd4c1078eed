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


# ------------------------------------------------------------ chunk_state and merge_states

STREAMING = solution_namespace(8, ["chunk_state", "merge_states"])
chunk_state, merge_states = STREAMING["chunk_state"], STREAMING["merge_states"]
NAME = "chunk_state and merge_states"


def test_the_solution_online_softmax_passes(capsys):
    out = verdict(checks.check_online_softmax, chunk_state, capsys, merge_states)
    assert out.startswith(f"✓ {NAME}: all 11 checks passed"), out


def test_the_library_online_softmax_passes(capsys):
    from labcode.streaming import merge_softmax_states, softmax_state

    out = verdict(checks.check_online_softmax, softmax_state, capsys, merge_softmax_states)
    assert out.startswith("✓"), out


def state_by_logsumexp(scores, values):
    """Correct, another state: m = logsumexp, s = 1, w = the softmax-weighted mean."""
    m = torch.logsumexp(scores, -1)
    return m, torch.ones_like(m), torch.softmax(scores, -1) @ values


def merge_by_logaddexp(a, b):
    m = torch.logaddexp(a[0], b[0])
    share_a, share_b = torch.exp(a[0] - m), torch.exp(b[0] - m)
    mean_a, mean_b = a[2] / a[1].unsqueeze(-1), b[2] / b[1].unsqueeze(-1)
    return m, torch.ones_like(m), share_a[..., None] * mean_a + share_b[..., None] * mean_b


def state_lse_style(scores, values):
    """Correct, flash-decoding style: m = logsumexp, s = 1, w = exp(scores - m) @ values (no
    torch.softmax: in float32 the rounding of m near 1000 blurs w, hence the float64 test)."""
    m = torch.logsumexp(scores, -1)
    return m, torch.ones_like(m), torch.exp(scores - m.unsqueeze(-1)) @ values


def merge_lse_style(a, b):
    m = torch.logaddexp(a[0], b[0])
    share_a, share_b = torch.exp(a[0] - m), torch.exp(b[0] - m)
    return m, torch.ones_like(m), share_a[..., None] * a[2] + share_b[..., None] * b[2]


def state_by_einsum(scores, values):
    """Correct: max with keepdim, einsum."""
    m = scores.max(dim=-1, keepdim=True).values
    e = (scores - m).exp()
    return m.squeeze(-1), e.sum(-1), torch.einsum("...qn,...nd->...qd", e, values)


def merge_by_stacking(a, b):
    """Correct: stack both states, one max over them."""
    ms = torch.stack([a[0], b[0]])
    m = ms.max(0).values
    r = (ms - m).exp()
    return (m, (r * torch.stack([a[1], b[1]])).sum(0),
            (r.unsqueeze(-1) * torch.stack([a[2], b[2]])).sum(0))


@pytest.mark.parametrize("state, merge", [(state_by_logsumexp, merge_by_logaddexp),
                                          (state_lse_style, merge_lse_style),
                                          (state_by_einsum, merge_by_stacking),
                                          (state_by_einsum, merge_states)])
def test_online_softmax_in_other_styles_passes(state, merge, capsys):
    out = verdict(checks.check_online_softmax, state, capsys, merge)
    assert out.startswith("✓"), out


def no_max_subtracted(scores, values):  # exp(1000) overflows
    e = scores.exp()
    return torch.zeros(scores.shape[:-1]), e.sum(-1), e @ values


def sum_without_max(a, b):  # keeps the first chunk's m: exp(m_b - m_a) overflows
    r = torch.exp(b[0] - a[0])
    return a[0], a[1] + r * b[1], a[2] + r[..., None] * b[2]


def no_rescaling(a, b):  # forgets to rescale the old sums
    return torch.maximum(a[0], b[0]), a[1] + b[1], a[2] + b[2]


def averages_outputs(a, b):  # the mean of the chunks' normalised outputs
    out = (a[2] / a[1][..., None] + b[2] / b[1][..., None]) / 2
    return torch.maximum(a[0], b[0]), torch.ones_like(a[1]), out


def rescales_upside_down(a, b):
    m = torch.maximum(a[0], b[0])
    ra, rb = torch.exp(m - a[0]), torch.exp(m - b[0])
    return m, ra * a[1] + rb * b[1], ra[..., None] * a[2] + rb[..., None] * b[2]


def drops_a_tie(a, b):  # strict > on both sides: on equal maxima, chunk b is lost
    (m_a, s_a, w_a), (m_b, s_b, w_b) = a, b
    a_above, b_above = m_a > m_b, m_b > m_a
    f = torch.exp(-(m_a - m_b).abs())
    s = torch.where(a_above, s_a + f * s_b, torch.where(b_above, s_b + f * s_a, s_a))
    w = torch.where(a_above[..., None], w_a + f[..., None] * w_b,
                    torch.where(b_above[..., None], w_b + f[..., None] * w_a, w_a))
    return torch.maximum(m_a, m_b), s, w


def clamps_the_exponent(a, b):  # keeps m_a and clamps exp's argument to dodge inf
    r = torch.exp((b[0] - a[0]).clamp(max=80))
    return a[0], a[1] + r * b[1], a[2] + r[..., None] * b[2]


def computes_in_float32(scores, values):
    m, s, w = chunk_state(scores.float(), values.float())
    return m.to(scores.dtype), s.to(scores.dtype), w.to(scores.dtype)


def default_dtype_m(scores, values):  # m created as float32 whatever the scores
    _, s, w = chunk_state(scores, values)
    return torch.zeros(scores.shape[:-1]) + scores.amax(-1).float(), s, w


def keeps_dim(scores, values):
    m, s, w = chunk_state(scores, values)
    return m.unsqueeze(-1), s.unsqueeze(-1), w


def merges_in_place(a, b):
    m = torch.maximum(a[0], b[0])
    ra, rb = torch.exp(a[0] - m), torch.exp(b[0] - m)
    a[1].mul_(ra).add_(rb * b[1])
    return m, a[1], ra[..., None] * a[2] + rb[..., None] * b[2]


def returns_the_mean(scores, values):  # no state: the chunk's output only
    return torch.softmax(scores, -1) @ values


def mean_not_sum(scores, values):  # s and w as means over the elements
    m, s, w = chunk_state(scores, values)
    n = scores.shape[-1]
    return m, s / n, w


@pytest.mark.parametrize("state, merge, hint", [
    (no_max_subtracted, merge_states, "Subtract the chunk's largest score m first"),
    (chunk_state, sum_without_max, "Take the larger maximum as the new m"),
    (chunk_state, no_rescaling, "rescale the old sums to the new maximum"),
    (chunk_state, averages_outputs, "you averaged the chunks' normalised outputs"),
    (chunk_state, rescales_upside_down, "upside down"),
    (chunk_state, drops_a_tie, "leave a tie to one chunk alone"),
    (chunk_state, clamps_the_exponent, "clamping the exponent"),
    (computes_in_float32, merge_states, "only to float32 precision"),
    (default_dtype_m, merge_states, "dtype=scores.dtype"),
    (keeps_dim, merge_states, "no keepdim=True"),
    (chunk_state, merges_in_place, "changed its input states in place"),
    (returns_the_mean, merge_states, "a tuple of three tensors (m, s, w)"),
    (mean_not_sum, merge_states, "w / s should be softmax(scores) @ values"),
])
def test_wrong_online_softmax_gets_a_hint(state, merge, hint, capsys):
    assert_hint(verdict(checks.check_online_softmax, state, capsys, merge), NAME, hint)


def test_online_softmax_not_a_function_gets_a_hint(capsys):
    out = verdict(checks.check_online_softmax, chunk_state, capsys, None)
    assert_hint(out, NAME, "pass your functions themselves")


def test_unfinished_online_softmax_is_not_implemented_yet(capsys):
    def unfinished(*args):
        raise NotImplementedError()
    assert_not_implemented(verdict(checks.check_online_softmax, chunk_state, capsys, unfinished),
                           NAME)
