"""Lab 11's self-checks: power_sum_encoding and decode_power_sums (both read from the solution
notebook); the references pass, each kind of wrong answer gets a specific hint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(11, ["power_sum_encoding", "decode_power_sums"])
power_sum_encoding = SOLUTION["power_sum_encoding"]
decode_power_sums = SOLUTION["decode_power_sums"]


def test_the_solutions_round_trip():
    x = torch.tensor([[[0.0], [4.0], [7.0], [11.0]]], dtype=torch.float64)
    p = power_sum_encoding(x, 4)
    assert p[0].tolist() == [22.0, 186.0, 1738.0, 17298.0]
    assert np.allclose(decode_power_sums(p[0].numpy()), [0, 4, 7, 11])


# --------------------------------------------------------------------------- power sums


def test_check_power_sum_encoding_passes_a_correct_answer(capsys):
    out = verdict(checks.check_power_sum_encoding, power_sum_encoding, capsys)
    assert out.startswith("✓ power_sum_encoding: all"), out


def test_check_power_sum_encoding_passes_a_loop(capsys):
    def with_a_loop(X, n_powers):
        return torch.stack([(X[..., 0] ** k).sum(dim=1) for k in range(1, n_powers + 1)], 1)

    out = verdict(checks.check_power_sum_encoding, with_a_loop, capsys)
    assert out.startswith("✓"), out


def only_x(X, n_powers):  # the 1-D sum repeated
    return X.sum(dim=1).expand(-1, n_powers).clone()


def repeats_a_power(X, n_powers):  # powers 1, 1, 2, ...
    powers = torch.tensor([1] + list(range(1, n_powers)), dtype=X.dtype)
    return (X**powers).sum(dim=1)


def starts_at_zero(X, n_powers):  # x^0 = the count first
    return (X ** torch.arange(n_powers, dtype=X.dtype)).sum(dim=1)


def means(X, n_powers):
    return (X ** torch.arange(1, n_powers + 1, dtype=X.dtype)).mean(dim=1)


def keeps_a_dimension(X, n_powers):
    return (X ** torch.arange(1, n_powers + 1, dtype=X.dtype)).sum(dim=1, keepdim=True)


def sums_the_wrong_axis(X, n_powers):
    return (X ** torch.arange(1, n_powers + 1, dtype=X.dtype)).sum(dim=2)


def changes_the_dtype(X, n_powers):
    return power_sum_encoding(X, n_powers).float()


def in_place(X, n_powers):
    out = power_sum_encoding(X.clone(), n_powers)
    X.pow_(1.0).mul_(1.5)  # the student's x **= k on the caller's tensor
    return out


def forgets_the_return(X, n_powers):
    power_sum_encoding(X, n_powers)


@pytest.mark.parametrize("wrong,hint", [
    (only_x, "every column is sum_i x_i"),
    (repeats_a_power, "a power is repeated"),
    (starts_at_zero, "start at the power 1"),
    (means, "these are means"),
    (keeps_a_dimension, "drop the extra dimension"),
    (sums_the_wrong_axis, "Sum x**k over the elements, dim=1"),
    (changes_the_dtype, "dtype of its input"),
    (in_place, "in place"),
    (forgets_the_return, "forget the `return`"),
])
def test_check_power_sum_encoding_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_power_sum_encoding, wrong, capsys)
    assert_hint(out, "power_sum_encoding", hint)


def test_check_power_sum_encoding_catches_other_wrong_values(capsys):
    def squares_only(X, n_powers):  # p_2, p_4, ...: {x, -x} collide, and small ints too
        return (X ** (2 * torch.arange(1, n_powers + 1, dtype=X.dtype))).sum(dim=1)

    out = verdict(checks.check_power_sum_encoding, squares_only, capsys)
    assert_hint(out, "power_sum_encoding", "column k - 1 should be p_k")


def squeezes_x(X, n_powers):  # X.squeeze(): a batch of one set loses its batch axis
    x = X.squeeze()
    return torch.stack([(x**k).sum(dim=-1) for k in range(1, n_powers + 1)], dim=-1)


def squeezes_the_result(X, n_powers):  # (batch, 1, n) -> squeeze: a batch of one -> (n,)
    return (X ** torch.arange(1, n_powers + 1, dtype=X.dtype)).sum(dim=1, keepdim=True).squeeze()


def sums_the_last_axis_of_squeezed(X, n_powers):  # x = X.squeeze(); sums over the last axis
    x = X.squeeze()
    powers = torch.arange(1, n_powers + 1, dtype=X.dtype)
    return (x[..., None] ** powers).sum(dim=-2)


@pytest.mark.parametrize("wrong, hint", [
    (squeezes_x, "Do not .squeeze() X"),
    (squeezes_the_result, "no .squeeze()"),  # n_powers=1 already loses an axis
    (sums_the_last_axis_of_squeezed, "Do not .squeeze() X"),
])
def test_check_power_sum_encoding_wants_a_batch_of_one_set(wrong, hint, capsys):
    out = verdict(checks.check_power_sum_encoding, wrong, capsys)
    assert_hint(out, "power_sum_encoding", hint)


def test_check_power_sum_encoding_reports_an_unfinished_answer(capsys):
    def unfinished(X, n_powers):
        raise NotImplementedError()

    out = verdict(checks.check_power_sum_encoding, unfinished, capsys)
    assert_not_implemented(out, "power_sum_encoding")


# --------------------------------------------------------------------------- decoding


def elementary(p):  # Newton's identities, as in the reference
    e = [1.0]
    for k in range(1, len(p) + 1):
        e.append(sum((-1) ** (i - 1) * e[k - i] * p[i - 1] for i in range(1, k + 1)) / k)
    return e


def test_check_decode_power_sums_passes_a_correct_answer(capsys):
    out = verdict(checks.check_decode_power_sums, decode_power_sums, capsys)
    assert out.startswith("✓ decode_power_sums: all"), out


def no_alternating_signs(p):
    e = elementary(p)
    return np.sort(np.roots(e).real)


def complex_roots(p):
    e = elementary(p)
    return np.sort(np.roots([(-1) ** k * c for k, c in enumerate(e)]))


def unsorted(p):
    return decode_power_sums(p)[::-1].copy()


def power_sums_as_coefficients(p):  # e_k = p_k, no Newton
    coefficients = [1.0] + [(-1) ** k * v for k, v in enumerate(p, start=1)]
    return np.sort(np.roots(coefficients).real)


def forgets_to_divide_by_k(p):
    e = [1.0]
    for k in range(1, len(p) + 1):
        e.append(sum((-1) ** (i - 1) * e[k - i] * p[i - 1] for i in range(1, k + 1)))
    return np.sort(np.roots([(-1) ** k * c for k, c in enumerate(e)]).real)


def one_root_short(p):
    return decode_power_sums(p)[1:]


def returns_a_list(p):
    return decode_power_sums(p).tolist()


def overwrites_p(p):
    out = decode_power_sums(p.copy())
    p[:] = 0.0
    return out


def as_integers(p):  # rounds the decoded elements to whole numbers
    return np.rint(decode_power_sums(p)).astype(np.int64)


@pytest.mark.parametrize("wrong,hint", [
    (as_integers, "return the elements as floats"),
    (no_alternating_signs, "wrong sign"),
    (complex_roots, "keep their .real"),
    (unsorted, "sorted in increasing order"),
    (power_sums_as_coefficients, "Newton's identities"),
    (forgets_to_divide_by_k, "divide by k"),
    (one_root_short, "should decode to"),
    (returns_a_list, "NumPy array"),
    (overwrites_p, "in place"),
])
def test_check_decode_power_sums_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_decode_power_sums, wrong, capsys)
    assert_hint(out, "decode_power_sums", hint)


def test_check_decode_power_sums_reports_an_unfinished_answer(capsys):
    def unfinished(p):
        raise NotImplementedError()

    out = verdict(checks.check_decode_power_sums, unfinished, capsys)
    assert_not_implemented(out, "decode_power_sums")
