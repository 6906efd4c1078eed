"""Lab 06's self-checks: pooled_pairs and make_pairs (the solution notebook's, labcode's
make_symmetric_pairs and answers in other styles pass; each wrong answer, often the notebook's
make_pairs changed in one way, gets its own hint)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labcode import checks
from labcode.symmetric_pairs import make_symmetric_pairs
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(6, ["pooled_pairs", "make_pairs"])
make_pairs, pooled_pairs = SOLUTION["make_pairs"], SOLUTION["pooled_pairs"]


@pytest.mark.parametrize("fn", [make_pairs, make_symmetric_pairs], ids=["solution", "labcode"])
def test_check_make_pairs_passes_correct_answers(fn, capsys):
    out = verdict(checks.check_make_pairs, fn, capsys)
    assert out.startswith("✓ make_pairs: all"), out


def not_mirrored(N):
    X, y = make_pairs(N)
    return torch.stack([X[:, 0], X[:, 0]], dim=1), y


def one_quadrant(N):
    X, y = make_pairs(N)
    return X.abs() * torch.tensor([1.0, -1.0]).view(1, 2, 1), y


def norms_swapped(N):
    X, y = make_pairs(N)
    return X, 1 - y


def unbalanced(N):
    X, y = make_pairs(N)
    y[0] = 1 - y[0]
    return X, y


def accepts_odd_n(N):
    return make_pairs(N + N % 2)


@pytest.mark.parametrize("wrong,hint", [
    (not_mirrored, "minus the first"),
    (one_quadrant, "four quadrants"),
    (norms_swapped, "norm"),
    (unbalanced, "half"),
    (accepts_odd_n, "odd N"),
    (lambda N: (make_pairs(N)[0].double(), make_pairs(N)[1]), "float32"),
])
def test_check_make_pairs_catches_wrong_answers(wrong, hint, capsys):
    assert_hint(verdict(checks.check_make_pairs, wrong, capsys), "make_pairs", hint)


# --------------------------------------------------------------------------- issue 14: contracts


def with_norms(N, draw):
    """The notebook's make_pairs with the norms redrawn by ``draw(y, u)`` (u uniform in [0, 1))."""
    X, y = make_pairs(N)
    r = draw(y[:, 0], torch.rand(N))
    return X / X[:, 0].norm(dim=1).view(-1, 1, 1) * r.view(-1, 1, 1), y


def uniform_in_area(N):  # r^2 uniform: more long vectors than short ones
    def draw(y, u):
        low = torch.where(y == 0, 0.25, 1.25)
        high = low + 0.75
        return torch.sqrt(low ** 2 + (high ** 2 - low ** 2) * u)
    return with_norms(N, draw)


def range_too_short(N):  # class 0 in [0.3, 1] instead of [0.25, 1]
    return with_norms(N, lambda y, u: torch.where(y == 0, 0.3 + 0.7 * u, 1.25 + 0.75 * u))


def range_stops_early(N):  # class 1 in [1.25, 1.95]
    return with_norms(N, lambda y, u: torch.where(y == 0, 0.25 + 0.75 * u, 1.25 + 0.7 * u))


def numpy_pairs(N):  # right distribution, NumPy's generator: torch.manual_seed does not repeat it
    if N < 2 or N % 2:
        raise ValueError("N must be even")
    y = np.repeat([0.0, 1.0], N // 2)
    theta = np.random.uniform(0, 2 * np.pi, N)
    r = np.where(y == 0, np.random.uniform(0.25, 1, N), np.random.uniform(1.25, 2, N))
    x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return (torch.tensor(np.stack([x, -x], axis=1), dtype=torch.float32),
            torch.tensor(y, dtype=torch.float32).unsqueeze(1))


def distributions_pairs(N):
    """Correct: torch.distributions, torch.polar, shuffled labels."""
    if N % 2 or N < 2:
        raise ValueError(f"N = {N} is odd: the classes cannot balance")
    y = torch.cat([torch.zeros(N // 2), torch.ones(N // 2)])[torch.randperm(N)]
    low = 0.25 + y
    r = torch.distributions.Uniform(low, low + 0.75).sample()
    theta = torch.distributions.Uniform(0.0, 2 * torch.pi).sample((N,))
    x = torch.view_as_real(torch.polar(r, theta))
    return torch.stack([x, -x], dim=1), y.unsqueeze(1)


def loop_pairs(N):
    """Correct: one set at a time, torch.rand for everything."""
    if N % 2 or N < 2:
        raise ValueError("odd N")
    X, y = torch.zeros(N, 2, 2), torch.zeros(N, 1)
    for i in range(N):
        label = 1.0 if i % 2 else 0.0
        r = (1.25 if label else 0.25) + 0.75 * torch.rand(()).item()
        theta = 2 * np.pi * torch.rand(()).item()
        x = torch.tensor([r * np.cos(theta), r * np.sin(theta)])
        X[i, 0], X[i, 1], y[i] = x, -x, label
    return X, y


@pytest.mark.parametrize("fn", [distributions_pairs, loop_pairs])
def test_issue14_make_pairs_in_other_styles_passes(fn, capsys):
    out = verdict(checks.check_make_pairs, fn, capsys)
    assert out.startswith("✓ make_pairs: all 20 checks passed"), out


@pytest.mark.parametrize("wrong, hint", [
    (uniform_in_area, "as if x were uniform in the AREA of the ring"),
    (range_too_short, "the norms of class 0 should cover all of [0.25, 1.0]"),
    (range_stops_early, "the norms of class 1 should cover all of [1.25, 2.0]"),
    (numpy_pairs, "not NumPy"),
])
def test_issue14_wrong_make_pairs_gets_a_hint(wrong, hint, capsys):
    assert_hint(verdict(checks.check_make_pairs, wrong, capsys), "make_pairs", hint)


def square_directions(N):  # x from the square [-1, 1]^2, normalised: leans to the diagonals
    X, y = make_pairs(N)
    u = 2 * torch.rand(N, 2) - 1
    x = u / u.norm(dim=1, keepdim=True) * X[:, 0].norm(dim=1, keepdim=True)
    return torch.stack([x, -x], dim=1), y


def one_diagonal(N):  # the same number on both coordinates: x on the line y = x only
    X, y = make_pairs(N)
    r = X[:, 0].norm(dim=1, keepdim=True)
    sign = torch.where(torch.rand(N, 1) < 0.5, -1.0, 1.0)
    x = sign * r * torch.tensor([[1.0, 1.0]]) / 2**0.5
    x = x * torch.tensor([[1.0, -1.0]]) ** (torch.arange(N)[:, None] % 2)  # both diagonals
    return torch.stack([x, -x], dim=1), y


def half_for_400_only(N):  # the classes split at a number written into the code
    X, _ = make_pairs(N)
    return X, (torch.arange(N) >= 200).float().unsqueeze(1)


@pytest.mark.parametrize("wrong, hint", [
    (square_directions, "leans towards the diagonals"),
    (one_diagonal, "the direction of x should be uniform over the circle"),
    (half_for_400_only, "take every size from N"),
])
def test_issue_make_pairs_with_a_bias_or_a_fixed_size_gets_a_hint(wrong, hint, capsys):
    assert_hint(verdict(checks.check_make_pairs, wrong, capsys), "make_pairs", hint)


def test_check_make_pairs_leaves_the_random_states_alone(capsys):
    torch.manual_seed(3)
    np.random.seed(3)
    expected = torch.rand(2), np.random.rand(2)
    torch.manual_seed(3)
    np.random.seed(3)
    checks.check_make_pairs(numpy_pairs)
    assert torch.equal(torch.rand(2), expected[0])
    assert np.array_equal(np.random.rand(2), expected[1])


def test_unfinished_make_pairs(capsys):
    def unfinished(N):
        raise NotImplementedError()
    assert_not_implemented(verdict(checks.check_make_pairs, unfinished, capsys), "make_pairs")


# ----------------------------------------------------------------------------- pooled_pairs


def stacked_sets(phi, xs):
    """Correct: build the sets {x, -x}, apply phi, sum over the elements."""
    return phi(torch.stack([xs, -xs], dim=1)).sum(dim=1)


def one_at_a_time(phi, xs):
    """Correct: a loop over the vectors."""
    return torch.stack([phi(x.unsqueeze(0))[0] + phi((-x).unsqueeze(0))[0] for x in xs])


def sum_before_phi(phi, xs):  # the lab's misconception: x + (-x) = 0 first
    return phi(xs + (-xs))


def mean_pooling(phi, xs):
    return phi(torch.stack([xs, -xs], dim=1)).mean(dim=1)


def difference(phi, xs):
    return phi(xs) - phi(-xs)


def phi_twice(phi, xs):  # as if phi(-x) were phi(x)
    return 2 * phi(xs)


def assumes_odd(phi, xs):  # as if phi(-x) were -phi(x)
    return phi(xs) - phi(xs)


def sums_over_the_sets(phi, xs):
    return phi(torch.stack([xs, -xs], dim=1)).sum(dim=0)


def no_pooling(phi, xs):
    return phi(torch.stack([xs, -xs], dim=1))


def negates_in_place(phi, xs):
    a = phi(xs)
    return a + phi(xs.neg_())


def squeezes(phi, xs):
    return (phi(xs) + phi(-xs)).squeeze()


@pytest.mark.parametrize("fn", [pooled_pairs, stacked_sets, one_at_a_time],
                         ids=["solution", "stacked_sets", "one_at_a_time"])
def test_correct_pooled_pairs_passes(fn, capsys):
    out = verdict(checks.check_pooled_pairs, fn, capsys)
    assert out.startswith("✓ pooled_pairs: all 5 checks passed"), out


@pytest.mark.parametrize("fn, hint", [
    (sum_before_phi, "The sum comes AFTER phi"),
    (mean_pooling, "not a mean"),
    (difference, "not a difference"),
    (phi_twice, "phi(-x) is not phi(x) in general"),
    (assumes_odd, "phi(-x) is not -phi(x) in general"),
    (sums_over_the_sets, "not over the sets"),
    (no_pooling, "pool the two elements"),
    (negates_in_place, "never negate xs in place"),
    (squeezes, "no .squeeze()"),
])
def test_wrong_pooled_pairs_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_pooled_pairs, fn, capsys), "pooled_pairs", hint)


def test_unfinished_pooled_pairs(capsys):
    def unfinished(phi, xs):
        raise NotImplementedError()
    assert_not_implemented(verdict(checks.check_pooled_pairs, unfinished, capsys), "pooled_pairs")
