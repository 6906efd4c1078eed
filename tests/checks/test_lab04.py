"""Lab 04's self-checks: permuted_copies and invariance_deviation (the solution notebook's pass;
correct answers in other styles pass; each kind of mistake gets its own hint)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(4, ["permuted_copies", "invariance_deviation"])
permuted_copies = SOLUTION["permuted_copies"]
invariance_deviation = SOLUTION["invariance_deviation"]


def torch_orders(x, n_perms=3):
    return torch.stack([x] + [x[torch.randperm(len(x))] for _ in range(n_perms)])


def features_shuffled_apart(x, n_perms=3):
    copies = [x]
    for _ in range(n_perms):
        columns = [x[np.random.permutation(len(x)), j] for j in range(x.shape[1])]
        copies.append(torch.stack(columns, dim=1))
    return torch.stack(copies)


def without_original(x, n_perms=3):
    return permuted_copies(x, n_perms)[1:]


def as_list(x, n_perms=3):
    return list(permuted_copies(x, n_perms))


def fixed_count(x, n_perms=3):
    return permuted_copies(x, 3)


def one_order_for_all(x, n_perms=3):
    order = np.random.permutation(len(x))
    return torch.stack([x] + [x[order] for _ in range(n_perms)])


def shuffles_features(x, n_perms=3):
    return torch.stack([x] + [x[:, np.random.permutation(x.shape[1])] for _ in range(n_perms)])


def permutes_the_tensor(x, n_perms=3):
    return torch.stack([x] + [np.random.permutation(x) for _ in range(n_perms)])


def shuffles_x_in_place(x, n_perms=3):
    copies = [x.clone()]
    for _ in range(n_perms):
        x[:] = x[np.random.permutation(len(x))]
        copies.append(x.clone())
    return torch.stack(copies)


def concatenates(x, n_perms=3):
    return torch.cat([x] + [x[np.random.permutation(len(x))] for _ in range(n_perms)])


def test_correct_answer_passes(capsys):
    out = verdict(checks.check_permuted_copies, permuted_copies, capsys)
    assert out.startswith("✓ permuted_copies: all 11 checks passed"), out


@pytest.mark.parametrize("fn, hint", [
    (torch_orders, "np.random.permutation"),
    (features_shuffled_apart, "whole rows"),
    (without_original, "(6, 10, 2)"),
    (as_list, "torch.stack"),
    (fixed_count, "(6, 10, 2)"),
    (one_order_for_all, "once per copy"),
    (shuffles_features, "whole rows moved together"),
    (permutes_the_tensor, "draw the ORDER"),
    (shuffles_x_in_place, "never assign into x"),
    (concatenates, "torch.stack puts them along a new first dimension"),
])
def test_wrong_answers_get_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_permuted_copies, fn, capsys), "permuted_copies", hint)


def test_the_check_restores_numpy_random_state(capsys):
    np.random.seed(3)
    expected = np.random.rand(2)
    np.random.seed(3)
    checks.check_permuted_copies(permuted_copies)
    assert np.array_equal(np.random.rand(2), expected)


# --------------------------------------------------------------------------- issue 14: contracts


def cyclic_shifts(x, n_perms=3):  # reorders, but only by rotating: not a random permutation
    shifts = [np.random.randint(1, len(x)) for _ in range(n_perms)]
    return torch.stack([x] + [x.roll(k, dims=0) for k in shifts])


def reversed_shifts(x, n_perms=3):  # rotations and their mirror images: 20 orders only
    copies = [x]
    for _ in range(n_perms):
        y = x.roll(np.random.randint(len(x)), dims=0)
        copies.append(y.flip(0) if np.random.rand() < 0.5 else y)
    return torch.stack(copies)


def last_stays(x, n_perms=3):  # shuffles all objects but the last
    return torch.stack([x] + [torch.cat([x[:-1][np.random.permutation(len(x) - 1)], x[-1:]])
                              for _ in range(n_perms)])


def index_select_style(x, n_perms=3):
    """Correct: NumPy orders, index_select, preallocated output."""
    out = x.new_empty((n_perms + 1, *x.shape))
    out[0] = x
    for k in range(1, n_perms + 1):
        out[k] = x.index_select(0, torch.from_numpy(np.random.permutation(x.shape[0])))
    return out


def shuffle_copies(x, n_perms=3):
    """Correct: np.random.shuffle of an index array, a copy per draw."""
    copies = [x.clone()]
    for _ in range(n_perms):
        order = np.arange(len(x))
        np.random.shuffle(order)
        copies.append(x[order])
    return torch.stack(copies)


@pytest.mark.parametrize("fn, hint", [
    (cyclic_shifts, "cyclic shifts"),
    (reversed_shifts, "not uniformly random permutations"),
    (last_stays, "not uniformly random permutations"),
])
def test_issue14_wrong_orders_get_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_permuted_copies, fn, capsys), "permuted_copies", hint)


@pytest.mark.parametrize("fn", [index_select_style, shuffle_copies])
def test_issue14_permuted_copies_in_other_styles_pass(fn, capsys):
    out = verdict(checks.check_permuted_copies, fn, capsys)
    assert out.startswith("✓ permuted_copies: all 11 checks passed"), out


def test_unfinished_permuted_copies(capsys):
    def unfinished(x, n_perms=3):
        raise NotImplementedError()
    assert_not_implemented(verdict(checks.check_permuted_copies, unfinished, capsys),
                           "permuted_copies")


# ----------------------------------------------------------------- invariance_deviation


def per_set_randperm(f, X, n_perms=100):
    """Correct: a torch.randperm per set, a Python loop, torch.no_grad as a decorator."""
    @torch.no_grad()
    def run():
        base, best = f(X), 0.0
        for _ in range(n_perms):
            Y = torch.stack([s[torch.randperm(len(s))] for s in X])
            best = max(best, float((f(Y) - base).abs().max()))
        return best
    return run()


def one_big_batch(f, X, n_perms=100):
    """Correct: every reordering in one batch, a single call of f on X and its copies."""
    B, n = X.shape[:2]
    rows = torch.arange(B * n_perms).unsqueeze(1)
    Y = X.repeat(n_perms, 1, 1)[rows, torch.rand(B * n_perms, n).argsort(dim=1)]
    with torch.no_grad():
        out = f(torch.cat([X, Y]))
    base, moved = out[:B], out[B:].reshape(n_perms, B, *out.shape[1:])
    return (moved - base).abs().amax().item()


def one_order_per_batch(f, X, n_perms=100):
    base, worst = f(X), 0.0
    for _ in range(n_perms):
        worst = max(worst, (f(X[:, torch.randperm(X.shape[1])]) - base).abs().max().item())
    return worst


def features_apart(f, X, n_perms=100):
    base, worst = f(X), 0.0
    for _ in range(n_perms):
        Y = torch.stack([X[:, torch.randperm(X.shape[1]), k] for k in range(X.shape[2])], -1)
        worst = max(worst, (f(Y) - base).abs().max().item())
    return worst


def shuffles_the_batch(f, X, n_perms=100):
    base = f(X)
    return max((f(X[torch.randperm(len(X))]) - base).abs().max().item()
               for _ in range(n_perms))


def mean_change(f, X, n_perms=100):
    base = f(X)
    return max((f(torch.stack([s[torch.randperm(len(s))] for s in X])) - base).abs().mean()
               .item() for _ in range(n_perms))


def no_absolute_value(f, X, n_perms=100):
    base = f(X)
    return max((f(torch.stack([s[torch.randperm(len(s))] for s in X])) - base).max().item()
               for _ in range(n_perms))


def numpy_orders(f, X, n_perms=100):
    base = f(X)
    return max((f(torch.stack([s[np.random.permutation(len(s))] for s in X])) - base)
               .abs().max().item() for _ in range(n_perms))


def tensor_result(f, X, n_perms=100):
    return torch.tensor(invariance_deviation(f, X, n_perms))


def ignores_n_perms(f, X, n_perms=100):
    return invariance_deviation(f, X, 10)


def forgets_f_of_x(f, X, n_perms=100):
    return max(f(torch.stack([s[torch.randperm(len(s))] for s in X])).abs().max().item()
               for _ in range(n_perms))


@pytest.mark.parametrize("fn", [invariance_deviation, per_set_randperm, one_big_batch],
                         ids=["solution", "per_set_randperm", "one_big_batch"])
def test_correct_invariance_deviation_passes(fn, capsys):
    out = verdict(checks.check_invariance_deviation, fn, capsys)
    assert out.startswith("✓ invariance_deviation: all 13 checks passed"), out


def test_labcode_invariance_deviation_passes(capsys):
    from labcode.symmetry import invariance_deviation as library

    def with_global_rng(f, X, n_perms=100):  # seed=None: torch's global generator
        return library(f, X, n_perms)
    out = verdict(checks.check_invariance_deviation, with_global_rng, capsys)
    assert out.startswith("✓ invariance_deviation: all"), out


@pytest.mark.parametrize("fn, hint", [
    (one_order_per_batch, "the sets did not each get their own random orders"),
    (features_apart, "an element's features were separated"),
    (shuffles_the_batch, "not the sets of the batch (dim=0)"),
    (mean_change, "not a mean"),
    (no_absolute_value, "take the absolute value"),
    (numpy_orders, "not NumPy"),
    (tensor_result, "return a Python float"),
    (ignores_n_perms, "every set should be reordered 5 times"),
    (forgets_f_of_x, "subtract f(X)"),
])
def test_wrong_invariance_deviation_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_invariance_deviation, fn, capsys), "invariance_deviation",
                hint)


def test_unfinished_invariance_deviation(capsys):
    def unfinished(f, X, n_perms=100):
        raise NotImplementedError()
    assert_not_implemented(verdict(checks.check_invariance_deviation, unfinished, capsys),
                           "invariance_deviation")


def test_check_invariance_deviation_leaves_the_random_states_alone(capsys):
    torch.manual_seed(3)
    np.random.seed(3)
    expected = torch.rand(2), np.random.rand(2)
    torch.manual_seed(3)
    np.random.seed(3)
    checks.check_invariance_deviation(numpy_orders)
    assert torch.equal(torch.rand(2), expected[0])
    assert np.array_equal(np.random.rand(2), expected[1])


# --------------------------------------------------------------------------- issue: contracts
# Wrong answers that passed before: one reordering too few, each order compared with the
# previous one, the caller's X shuffled in place, cyclic shifts, a seed inside the function,
# NumPy scalars.


def _reorder(X):
    """Every set of X in its own random order (torch's global generator)."""
    order = torch.rand(X.shape[:2]).argsort(dim=1)
    return X.gather(1, order.unsqueeze(-1).expand_as(X))


def one_too_few(f, X, n_perms=100):
    base, worst = f(X), 0.0
    for _ in range(n_perms - 1):
        worst = max(worst, (f(_reorder(X)) - base).abs().max().item())
    return worst


def compares_with_the_previous_order(f, X, n_perms=100):
    previous, worst = f(X), 0.0
    for _ in range(n_perms):
        out = f(_reorder(X))
        worst = max(worst, (out - previous).abs().max().item())
        previous = out
    return worst


def shuffles_x_in_place(f, X, n_perms=100):
    base, worst = f(X), 0.0
    for _ in range(n_perms):
        X.copy_(_reorder(X))
        worst = max(worst, (f(X) - base).abs().max().item())
    return worst


def cyclic_shifts(f, X, n_perms=100):
    base, worst = f(X), 0.0
    n = X.shape[1]
    for _ in range(n_perms):
        shifts = torch.randint(1, n, (len(X),))
        Y = torch.stack([s.roll(int(k), dims=0) for s, k in zip(X, shifts, strict=True)])
        worst = max(worst, (f(Y) - base).abs().max().item())
    return worst


def seeds_inside(f, X, n_perms=100):
    torch.manual_seed(0)  # "reproducible": the same orders at every call
    return invariance_deviation(f, X, n_perms)


def seeded_generator(f, X, n_perms=100):
    g = torch.Generator().manual_seed(0)
    base, worst = f(X), 0.0
    for _ in range(n_perms):
        order = torch.rand(X.shape[:2], generator=g).argsort(dim=1)
        worst = max(worst, (f(X.gather(1, order.unsqueeze(-1).expand_as(X))) - base)
                    .abs().max().item())
    return worst


def reseeds_at_the_end(f, X, n_perms=100):
    worst = invariance_deviation(f, X, n_perms)
    torch.manual_seed(0)  # "leave a reproducible state behind"
    return worst


def float32_scalar(f, X, n_perms=100):
    return np.float32(invariance_deviation(f, X, n_perms))


def zero_d_array(f, X, n_perms=100):
    return np.array(invariance_deviation(f, X, n_perms))


@pytest.mark.parametrize("fn, hint", [
    (one_too_few, "reorder exactly n_perms times"),
    (compares_with_the_previous_order, "not with the previous reordering"),
    (shuffles_x_in_place, "invariance_deviation changed X, the caller's tensor"),
    (cyclic_shifts, "your reorderings are cyclic shifts"),
    (seeds_inside, "after torch.manual_seed(1) and after torch.manual_seed(2) you drew the same"),
    (seeded_generator, "you drew the same orders"),
    (reseeds_at_the_end, "reset torch's global random state"),
    (float32_scalar, "return a Python float (use float(...) or .item()), not a NumPy float32"),
    (zero_d_array, "return one number, the largest change; got ndarray"),
])
def test_issue_wrong_invariance_deviation_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_invariance_deviation, fn, capsys), "invariance_deviation",
                hint)


def test_check_invariance_deviation_restores_the_state_a_wrong_answer_seeds(capsys):
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    checks.check_invariance_deviation(reseeds_at_the_end)
    assert torch.equal(torch.rand(2), expected)


def test_check_permuted_copies_leaves_torch_random_state_alone(capsys):
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    checks.check_permuted_copies(permuted_copies)
    assert torch.equal(torch.rand(2), expected)
