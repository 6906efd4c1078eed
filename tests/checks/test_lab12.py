"""Lab 12's self-checks: chamfer_loss and is_permutation_invariant, read from the solution
notebook. The references pass, other correct methods pass, and each wrong answer gets its own
hint."""

from __future__ import annotations

import math

import pytest
import torch

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(12, ["chamfer_loss", "is_permutation_invariant"])
chamfer_loss = SOLUTION["chamfer_loss"]
is_permutation_invariant = SOLUTION["is_permutation_invariant"]


# ----------------------------------------------------------------------------- chamfer_loss


def test_check_chamfer_loss_passes_the_solution(capsys):
    out = verdict(checks.check_chamfer_loss, chamfer_loss, capsys)
    assert out.startswith("✓ chamfer_loss: all"), out


def chamfer_cdist(pred, target):
    """Another correct method: torch.cdist, squared."""
    d2 = torch.cdist(pred, target) ** 2
    return (d2.min(dim=2).values.mean(dim=1) + d2.min(dim=1).values.mean(dim=1)).mean()


def chamfer_loops(pred, target):
    """Another correct method: a loop over the examples."""
    losses = []
    for P, T in zip(pred, target, strict=True):
        d2 = ((P[:, None] - T[None]) ** 2).sum(-1)
        losses.append(d2.min(1).values.mean() + d2.min(0).values.mean())
    return torch.stack(losses).mean()


@pytest.mark.parametrize("other", [chamfer_cdist, chamfer_loops])
def test_check_chamfer_loss_accepts_other_methods(other, capsys):
    out = verdict(checks.check_chamfer_loss, other, capsys)
    assert out.startswith("✓ chamfer_loss: all"), out


def _d2(pred, target):
    return ((pred[:, :, None] - target[:, None]) ** 2).sum(-1)


def _in_place(pred, target):
    pred -= 0.0 * pred.mean()
    target.mul_(1.0)
    pred.add_(1.0)
    return chamfer_loss(pred, target)


def _first_slot_heavier(pred, target):
    d2 = _d2(pred, target)
    w = torch.ones(pred.shape[1], dtype=pred.dtype)
    w[0] = 2.0
    to_target = (d2.min(2).values * w).sum(1) / w.sum()
    return (to_target + d2.min(1).values.mean(1)).mean()


@pytest.mark.parametrize("wrong, hint", [
    (_in_place, "in place"),
    (lambda p, t: chamfer_loss(p, t).item(), "return a torch tensor"),
    (lambda p, t: _d2(p, t).min(2).values.mean(1) + _d2(p, t).min(1).values.mean(1),
     "average the per-example losses"),
    (lambda p, t: chamfer_loss(p, t) + 1e-3, "should have loss 0"),
    (lambda p, t: (_d2(p, t).max(2).values.mean(1) + _d2(p, t).max(1).values.mean(1)).mean(),
     "should have loss 0"),
    (lambda p, t: (torch.cdist(p, t).min(2).values.mean(1)
                   + torch.cdist(p, t).min(1).values.mean(1)).mean(), "squared distances"),
    (lambda p, t: _d2(p, t).min(1).values.mean(1).mean(), "each prediction's distance"),
    (lambda p, t: _d2(p, t).min(2).values.mean(1).mean(), "each target's distance"),
    (lambda p, t: (_d2(p, t).min(2).values.sum(1) + _d2(p, t).min(1).values.sum(1)).mean(),
     "do not sum them"),
    (lambda p, t: 2 * _d2(p, t).min(1).values.mean(1).mean(), "the NEAREST point"),
    (lambda p, t: (_d2(p, t).min(2).values.mean(1) + _d2(p, t).min(1).values.mean(1)).sum(),
     "do not sum over it"),
    (_first_slot_heavier, "order of the points"),
    (lambda p, t: (_d2(p, t).clamp(max=100).min(2).values.mean(1)
                   + _d2(p, t).clamp(max=100).min(1).values.mean(1)).mean(), "by 1000²"),
    (lambda p, t: chamfer_loss(p[..., :1], t[..., :1]), "over all d coordinates"),
    (lambda p, t: torch.tensor(chamfer_loss(p.detach(), t).item(), dtype=p.dtype),
     "gradients should flow"),
    (lambda p, t: chamfer_loss(p.double(), t.double()), "float32"),
])
def test_check_chamfer_loss_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_chamfer_loss, wrong, capsys)
    assert_hint(out, "chamfer_loss", hint)


def test_check_chamfer_loss_says_not_implemented(capsys):
    def not_implemented(pred, target):
        raise NotImplementedError("Exercise 12.1: implement chamfer_loss")

    assert_not_implemented(verdict(checks.check_chamfer_loss, not_implemented, capsys),
                           "chamfer_loss")


# ------------------------------------------------------------------ is_permutation_invariant


def test_check_is_permutation_invariant_passes_the_solution(capsys):
    out = verdict(checks.check_is_permutation_invariant, is_permutation_invariant, capsys)
    assert out.startswith("✓ is_permutation_invariant: all"), out


def invariant_same_order_for_the_batch(loss_fn, pred, target, n_perms=20):
    """Another correct method: one random order for the whole batch each time, allclose."""
    base = loss_fn(pred, target)
    for _ in range(n_perms):
        value = loss_fn(pred, target[:, torch.randperm(target.shape[1])])
        if not torch.allclose(value, base, rtol=1e-5):
            return False
    return True


def test_check_is_permutation_invariant_accepts_another_method(capsys):
    out = verdict(checks.check_is_permutation_invariant, invariant_same_order_for_the_batch,
                  capsys)
    assert out.startswith("✓ is_permutation_invariant: all"), out


def _with(compare, reorder, result=bool):
    """A wrong answer: ``reorder(pred, target)`` n_perms times, each loss compared with
    ``compare``, the verdict returned as ``result``."""
    def answer(loss_fn, pred, target, n_perms=20):
        base = loss_fn(pred, target)
        return result(all(compare(loss_fn(*reorder(pred, target)), base)
                          for _ in range(n_perms)))
    return answer


def _targets(reorder):
    return lambda p, t: (p, reorder(t))


_rand = _targets(lambda t: t[:, torch.randperm(t.shape[1])])
_close = lambda v, b: bool(torch.isclose(v, b, rtol=1e-5))  # noqa: E731


def _in_place_shuffle(loss_fn, pred, target, n_perms=20):
    base = loss_fn(pred, target)
    target[:] = target[:, torch.randperm(target.shape[1])]
    return bool(torch.isclose(loss_fn(pred, target), base, rtol=1e-5))


@pytest.mark.parametrize("wrong, hint", [
    (_in_place_shuffle, "in place"),
    (_with(_close, _rand, result=torch.tensor), "Python bool"),
    (lambda loss_fn, pred, target, n_perms=20: True, "MSE depends on the order"),
    (lambda loss_fn, pred, target, n_perms=20: False, "Chamfer loss ignores the order"),
    (_with(lambda v, b: bool(torch.isclose(v, b, rtol=0.05)), _rand), "too loose"),
    (_with(_close, _targets(lambda t: t.flip(1))), "random reorderings, not one"),
    (_with(_close, _targets(lambda t: t[:, [1, 0, *range(2, t.shape[1])]])),
     "one fixed swap is not a test"),
    (_with(_close, _targets(lambda t: t.roll(1, dims=1))), "not shifts"),
    (_with(_close, lambda p, t: (p[:, torch.randperm(p.shape[1])], t)),
     "reorder the targets, not the predictions"),
    (_with(lambda v, b: bool(v == b), _rand), "relative to the loss's size"),
    (_with(lambda v, b: bool((v - b).abs() < 1e-6), _rand), "relative to the loss's size"),
    (_with(lambda v, b: math.isclose(float(v), float(b), rel_tol=1e-12), _rand),
     "about 1e-5"),
])
def test_check_is_permutation_invariant_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_is_permutation_invariant, wrong, capsys)
    assert_hint(out, "is_permutation_invariant", hint)


def test_check_is_permutation_invariant_says_not_implemented(capsys):
    def not_implemented(loss_fn, pred, target, n_perms=20):
        raise NotImplementedError("Exercise 12.2: implement is_permutation_invariant")

    assert_not_implemented(verdict(checks.check_is_permutation_invariant, not_implemented,
                                   capsys), "is_permutation_invariant")

