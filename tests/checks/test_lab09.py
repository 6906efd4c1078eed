"""Lab 09's self-checks: EquivariantLayer and make_odd_one_out (both read from the solution
notebook) pass; each typical mistake gets a "✗" verdict with a specific hint."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(9, ["EquivariantLayer", "make_odd_one_out"])
EquivariantLayer = SOLUTION["EquivariantLayer"]
make_odd_one_out = SOLUTION["make_odd_one_out"]


# ------------------------------------------------------------------ EquivariantLayer


def test_the_solution_layer_passes(capsys):
    out = verdict(checks.check_equivariant_layer, EquivariantLayer, capsys)
    assert out.startswith("✓ EquivariantLayer: all"), out


def test_the_library_layer_passes(capsys):
    from labcode.equivariant import EquivariantLayer as Library

    assert verdict(checks.check_equivariant_layer, Library, capsys).startswith("✓")


class Layer(nn.Module):
    """A configurable layer: ``pooled_of(x)`` and how the pooled term is added vary."""

    def __init__(self, in_features, out_features, pool="sum"):
        super().__init__()
        if pool not in ("sum", "max"):
            raise ValueError(pool)
        self.pool = pool
        self.element = nn.Linear(in_features, out_features)
        self.pooled = nn.Linear(in_features, out_features, bias=False)

    def pooled_of(self, x):
        return x.sum(dim=1) if self.pool == "sum" else x.max(dim=1).values

    def forward(self, x):
        return self.element(x) + self.pooled(self.pooled_of(x)).unsqueeze(1)


class PerElement(Layer):  # equivariant, but no pooled term
    def forward(self, x):
        return self.element(x)


class CumulativeSum(Layer):  # mixes the elements, in order
    def pooled_of(self, x):
        return x.cumsum(dim=1)

    def forward(self, x):
        return self.element(x) + self.pooled(self.pooled_of(x))


class Flattened(nn.Module):  # a Linear on the flattened set, built for sets of 5
    def __init__(self, in_features, out_features, pool="sum"):
        super().__init__()
        if pool not in ("sum", "max"):
            raise ValueError(pool)
        self.out_features = out_features
        self.linear = nn.Linear(5 * in_features, 5 * out_features)

    def forward(self, x):
        return self.linear(x.flatten(1)).view(x.shape[0], 5, self.out_features)


class MeanForSum(Layer):
    def pooled_of(self, x):
        return x.mean(dim=1) if self.pool == "sum" else x.max(dim=1).values


class MaxForSum(Layer):
    def pooled_of(self, x):
        return x.max(dim=1).values


class SumForMax(Layer):  # ignores pool
    def pooled_of(self, x):
        return x.sum(dim=1)


class MeanForMax(Layer):
    def pooled_of(self, x):
        return x.sum(dim=1) if self.pool == "sum" else x.mean(dim=1)


class NoUnsqueeze(Layer):
    def forward(self, x):
        return self.element(x) + self.pooled(self.pooled_of(x))


class PoolsTheBatch(Layer):
    def pooled_of(self, x):
        return x.sum(dim=0, keepdim=True).expand(x.shape[0], -1, -1).sum(dim=1)


class NoCheckOfPool(Layer):
    def __init__(self, in_features, out_features, pool="sum"):
        super().__init__(in_features, out_features, "max" if pool == "max" else "sum")


class NoSuperInit(nn.Module):
    def __init__(self, in_features, out_features, pool="sum"):
        self.element = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.element(x)


class ReturnsNothing(Layer):
    def forward(self, x):
        self.element(x)


class Float64(Layer):
    def forward(self, x):
        return super().forward(x).double()


@pytest.mark.parametrize("wrong, hint", [
    (PerElement, "treats each element alone"),
    (CumulativeSum, "not permutation equivariant"),
    (Flattened, "not permutation equivariant"),
    (MeanForSum, "did you take a mean?"),
    (MaxForSum, "yours is not: pool with the sum"),
    (SumForMax, "x.max(dim=1).values"),
    (MeanForMax, "x.max(dim=1).values"),
    (NoUnsqueeze, ".unsqueeze(1)"),
    (PoolsTheBatch, "not over the batch"),
    (NoCheckOfPool, "should raise a ValueError"),
    (NoSuperInit, "super().__init__()"),
    (ReturnsNothing, "forget the `return`"),
    (Float64, "should return float32"),
])
def test_wrong_layers_get_a_hint(wrong, hint, capsys):
    assert_hint(verdict(checks.check_equivariant_layer, wrong, capsys), "EquivariantLayer",
                hint)


class PoolsAfterGamma(Layer):  # Gamma (with a bias) on every element, then the pool
    def __init__(self, in_features, out_features, pool="sum"):
        super().__init__(in_features, out_features, pool)
        self.pooled = nn.Linear(in_features, out_features)

    def forward(self, x):
        g = self.pooled(x)
        pooled = g.sum(dim=1) if self.pool == "sum" else g.max(dim=1).values
        return self.element(x) + pooled.unsqueeze(1)


class LeaveOneOutMax(Layer):  # element i gets the max over the OTHER elements
    def forward(self, x):
        if self.pool == "sum":
            return super().forward(x)
        n = x.shape[1]
        others = x.unsqueeze(1).expand(-1, n, -1, -1)  # (batch, i, j, features)
        alone = torch.eye(n, dtype=torch.bool)[None, :, :, None]
        loo = others.masked_fill(alone, float("-inf")).max(dim=2).values
        loo = torch.where(torch.isinf(loo), x, loo)  # a set of one: the element itself
        return self.element(x) + self.pooled(loo)


class ReluInPlace(Layer):  # sigma applied to the caller's x, in place
    def forward(self, x):
        torch.relu_(x)
        return super().forward(x)


@pytest.mark.parametrize("wrong, hint", [
    (PoolsAfterGamma, "Pool the elements first, then apply Gamma"),
    (LeaveOneOutMax, "no leave-one-out pooling"),
    (ReluInPlace, "changed its input x in place"),
])
def test_issue_layers_pooling_after_gamma_or_leaving_one_out_get_a_hint(wrong, hint, capsys):
    assert_hint(verdict(checks.check_equivariant_layer, wrong, capsys), "EquivariantLayer",
                hint)


def test_max_pooling_after_gamma_is_rejected(capsys):
    class MaxAfterGamma(PoolsAfterGamma):
        def forward(self, x):
            if self.pool == "sum":
                return Layer.forward(self, x)
            return super().forward(x)

    out = verdict(checks.check_equivariant_layer, MaxAfterGamma, capsys)
    assert_hint(out, "EquivariantLayer", "pool with the maximum over the elements")


def test_check_equivariant_layer_wants_the_class(capsys):
    out = verdict(checks.check_equivariant_layer, None, capsys)
    assert out.startswith("✗ EquivariantLayer: expected your function itself"), out


def test_an_unfinished_layer_is_not_implemented_yet(capsys):
    class Unfinished(nn.Module):
        def __init__(self, in_features, out_features, pool="sum"):
            super().__init__()
            raise NotImplementedError("Exercise 1: implement EquivariantLayer.__init__")

    out = verdict(checks.check_equivariant_layer, Unfinished, capsys)
    assert_not_implemented(out, "EquivariantLayer")


# ----------------------------------------------------------------- make_odd_one_out


def test_the_solution_generator_passes(capsys):
    out = verdict(checks.check_make_odd_one_out, make_odd_one_out, capsys)
    assert out.startswith("✓ make_odd_one_out: all"), out


def test_the_library_generator_passes_and_draws_the_same_sets(capsys):
    from labcode.equivariant import make_odd_one_out as library

    assert verdict(checks.check_make_odd_one_out, library, capsys).startswith("✓")
    ours = make_odd_one_out(32, generator=torch.Generator().manual_seed(5))
    theirs = library(32, generator=5)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))


def generator_with(centre_std=3.0, noise_std=1.0, direction="random", odd_at=None,
                   label_shift=0, fixed_distance=None, use_generator=True, as_numpy=False,
                   dtype=torch.float32, y_shape="flat"):
    """A make_odd_one_out with one thing changed."""
    def student(n_sets, set_size=10, distance=4.0, generator=None):
        g = generator if use_generator else None
        d = distance if fixed_distance is None else fixed_distance
        centre = centre_std * torch.randn(n_sets, 1, 2, generator=g)
        X = centre + noise_std * torch.randn(n_sets, set_size, 2, generator=g)
        if direction == "random":
            angle = 2 * math.pi * torch.rand(n_sets, generator=g)
            u = torch.stack([angle.cos(), angle.sin()], dim=1)
        elif direction == "gaussian":  # not a unit vector
            u = torch.randn(n_sets, 2, generator=g)
        elif direction == "diagonal":  # the same number on both coordinates, normalised
            u = torch.randn(n_sets, 1, generator=g).expand(-1, 2)
            u = u / u.norm(dim=1, keepdim=True)
        elif direction == "square":  # uniform in a square, normalised: leans to the diagonals
            u = 2 * torch.rand(n_sets, 2, generator=g) - 1
            u = u / u.norm(dim=1, keepdim=True)
        elif direction == "four":  # one of the four axis directions
            k = torch.randint(0, 4, (n_sets,), generator=g) * (math.pi / 2)
            u = torch.stack([k.cos(), k.sin()], dim=1)
        else:  # always along the first axis, either way
            sign = torch.randint(0, 2, (n_sets,), generator=g) * 2 - 1
            u = torch.stack([sign.float(), torch.zeros(n_sets)], dim=1)
        if odd_at is None:
            y = torch.randint(0, set_size, (n_sets,), generator=g)
        else:  # always at one position: 0, or the last one
            y = torch.full((n_sets,), 0 if odd_at == "first" else set_size - 1)
        X[torch.arange(n_sets), y] += d * u
        y = (y + label_shift) % set_size
        X = X.to(dtype)
        if y_shape == "column":
            y = y[:, None]
        elif y_shape == "float":
            y = y.float()
        if as_numpy:
            return X.numpy(), y.numpy()
        return X, y
    return student


@pytest.mark.parametrize("wrong, hint", [
    (generator_with(odd_at="first"), "uniformly random position"),
    (generator_with(odd_at="last"), "uniformly random position"),
    (generator_with(label_shift=1), "is not the odd point"),
    (generator_with(direction="axis"), "uniformly random direction"),
    (generator_with(direction="gaussian"), "u a unit vector"),
    (generator_with(fixed_distance=4.0), "with distance=3"),
    (generator_with(centre_std=0.0), "its own centre c ~ N(0, 9 I)"),
    (generator_with(centre_std=1.0), "its own centre c ~ N(0, 9 I)"),
    (generator_with(noise_std=0.5), "standard deviation 1"),
    (generator_with(use_generator=False), "draw every random number"),
    (generator_with(as_numpy=True), "should be torch tensors"),
    (generator_with(dtype=torch.float64), "X should be float32"),
    (generator_with(y_shape="column"), "one index per set"),
    (generator_with(y_shape="float"), "int64 indices"),
    (lambda n_sets, set_size=10, distance=4.0, generator=None: generator_with()(
        n_sets, 10, distance, generator), "(8, 5, 2)"),
    (lambda n_sets, set_size=10, distance=4.0, generator=None: generator_with()(
        n_sets, set_size, distance, generator)[0], "should return a pair"),
])
def test_wrong_generators_get_a_hint(wrong, hint, capsys):
    assert_hint(verdict(checks.check_make_odd_one_out, wrong, capsys), "make_odd_one_out",
                hint)


@pytest.mark.parametrize("direction", ["diagonal", "square", "four"])
def test_generators_whose_directions_crowd_on_lines_get_a_hint(direction, capsys):
    out = verdict(checks.check_make_odd_one_out, generator_with(direction=direction), capsys)
    assert_hint(out, "make_odd_one_out", "crowd on some lines")


def test_an_unfinished_generator_is_not_implemented_yet(capsys):
    def unfinished(n_sets, set_size=10, distance=4.0, generator=None):
        raise NotImplementedError("Exercise 2: implement make_odd_one_out")

    out = verdict(checks.check_make_odd_one_out, unfinished, capsys)
    assert_not_implemented(out, "make_odd_one_out")


# ------------------------------------------------------------------ equivariant_basis

equivariant_basis = solution_namespace(9, ["equivariant_basis"])["equivariant_basis"]


def test_the_solution_basis_passes(capsys):
    out = verdict(checks.check_equivariant_basis, equivariant_basis, capsys)
    assert out.startswith("✓ equivariant_basis: all"), out


def _action(perm, order, transposed=False):
    """P acting on every index; ``transposed``: the mistake kron(P, P.T) for order 2."""
    p = torch.eye(len(perm), dtype=torch.float64)[list(perm)]
    a = p
    for _ in range(order - 1):
        a = torch.kron(a, p.T.contiguous() if transposed else p)
    return a


def _null_space(constraints, tol=1e-9, largest=False):
    _, values, vh = torch.linalg.svd(torch.cat(constraints))
    rank = int((values > tol * values.max()).sum())
    return vh[:len(vh) - rank] if largest else vh[rank:]


def basis_from(perms_of, tol=1e-9, largest=False, transpose=True, transposed_action=False):
    """A null-space basis from the constraints of the permutations ``perms_of(n)``;
    ``transpose=False``: kron(I, A) in place of kron(I, A.T); ``transposed_action``: the
    order-2 action kron(P, P.T)."""
    def student(n, order=1):
        size = n ** order
        eye = torch.eye(size, dtype=torch.float64)
        constraints = [torch.kron(a, eye)
                       - torch.kron(eye, a.T.contiguous() if transpose else a)
                       for a in (_action(p, order, transposed_action) for p in perms_of(n))]
        return _null_space(constraints, tol, largest).reshape(-1, size, size)
    return student


def swap(n):
    return [[1, 0, *range(2, n)]]


def cycle(n):
    return [torch.arange(n).roll(1).tolist()]


def orbit_basis(n, order=1):
    """Correct, another method: one 0/1 matrix per pattern of equal indices (Maron et al.)."""
    import itertools

    size = n ** order
    patterns = {}
    for index in itertools.product(range(n), repeat=2 * order):
        first = {}
        pattern = tuple(first.setdefault(i, len(first)) for i in index)
        row = sum(i * n ** k for k, i in enumerate(reversed(index[:order])))
        col = sum(i * n ** k for k, i in enumerate(reversed(index[order:])))
        patterns.setdefault(pattern, torch.zeros(size, size, dtype=torch.float64))[row, col] = 1
    return torch.stack(list(patterns.values()))


def group_average(n, order=1):
    """Correct, another method: the Reynolds average of every matrix unit over all n! perms,
    returned as a list of NumPy arrays."""
    import itertools

    size = n ** order
    actions = [_action(p, order) for p in itertools.permutations(range(n))]
    units = torch.eye(size * size, dtype=torch.float64).reshape(-1, size, size)
    averaged = sum(a.T @ units @ a for a in actions) / len(actions)
    flat = averaged.flatten(1)
    _, values, vh = torch.linalg.svd(flat, full_matrices=False)
    rank = int((values > 1e-9 * values.max()).sum())
    return [m.numpy() for m in vh[:rank].reshape(-1, size, size)]


@pytest.mark.parametrize("student", [orbit_basis, group_average,
                                     basis_from(lambda n: swap(n) + cycle(n))])
def test_basis_by_other_methods_passes(student, capsys):
    out = verdict(checks.check_equivariant_basis, student, capsys)
    assert out.startswith("✓ equivariant_basis: all"), out


def lemma_for_every_order(n, order=1):  # I and 11^T, also for n x n matrices
    size = n ** order
    return torch.stack([torch.eye(size), torch.ones(size, size)]).double()


def with_a_duplicate(n, order=1):
    basis = equivariant_basis(n, order)
    return torch.cat([basis, basis[:1] + basis[-1:]])


def identity_only(n, order=1):
    return torch.eye(n ** order, dtype=torch.float64)[None]


def ignores_order(n, order=1):
    return equivariant_basis(n)


def flattened(n, order=1):
    return equivariant_basis(n, order).flatten(1)


def with_a_zero(n, order=1):
    basis = equivariant_basis(n, order)
    return torch.cat([basis, torch.zeros_like(basis[:1])])


@pytest.mark.parametrize("student, hint", [
    (basis_from(swap), "did you include its constraints, with A.T in kron(I, A.T)?"),
    (basis_from(lambda n: swap(n) + cycle(n), transpose=False),
     "commute with the swap of elements 0 and 1 but not with the cycle"),
    (basis_from(lambda n: swap(n) + cycle(n), transposed_action=True),
     "acts as torch.kron(P, P), not torch.kron(P, P.T)"),
    (lemma_for_every_order, "Some equivariant maps are missing from your basis"),
    (basis_from(cycle), "the cycle alone generates only the rotations"),
    (basis_from(lambda n: swap(n) + cycle(n), largest=True), "not the largest ones"),
    (basis_from(lambda n: swap(n) + cycle(n), tol=1e-20), "singular values below a tolerance"),
    (with_a_duplicate, "not linearly independent"),
    (identity_only, "found 1 independent equivariant maps, but there are 2"),
    (ignores_order, "torch.kron(P, P)"),
    (flattened, ".reshape(-1, size, size)"),
    (with_a_zero, "some of them zero"),
    (lambda n, order=1: None, "forget the `return`"),
    (lambda n, order=1: "I and 11^T", "got a str"),
])
def test_wrong_basis_gets_a_hint(student, hint, capsys):
    assert_hint(verdict(checks.check_equivariant_basis, student, capsys), "equivariant_basis",
                hint)


def test_unfinished_basis_is_not_implemented_yet(capsys):
    def unfinished(n, order=1):
        raise NotImplementedError()
    assert_not_implemented(verdict(checks.check_equivariant_basis, unfinished, capsys),
                           "equivariant_basis")
