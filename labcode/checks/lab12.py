"""Self-checks of Lab 12: Sets as outputs."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks.api import Checker, run_check


def _brute_chamfer(pred, target) -> float:  # noqa: ANN001 - float64 tensors
    """The Chamfer loss by plain loops: the check's own reference, independent of any answer."""
    total = 0.0
    for P, T in zip(pred.tolist(), target.tolist(), strict=True):
        def d2(u: list[float], v: list[float]) -> float:
            return sum((a - b) ** 2 for a, b in zip(u, v, strict=True))
        to_pred = sum(min(d2(t, p) for p in P) for t in T) / len(T)
        to_target = sum(min(d2(p, t) for t in T) for p in P) / len(P)
        total += to_pred + to_target
    return total / len(pred)


def check_chamfer_loss(chamfer_loss: Callable[..., object]) -> None:
    """Self-check for Lab 12's ``chamfer_loss(pred, target)``: a scalar tensor, a hand-worked
    value, a loop reference on sets of different sizes, zero on equal sets, invariance in both
    arguments, squared distances, the mean over the batch, gradients."""
    import torch

    def close(x: object, y: float, rtol: float = 1e-5) -> bool:
        return abs(float(x) - y) <= rtol * max(abs(y), 1e-12)

    def body(c: Checker) -> None:
        with torch.random.fork_rng():  # the check's draws leave the notebook's untouched
            torch.manual_seed(0)
            pred = torch.rand(4, 5, 3, dtype=torch.float64)
            target = torch.rand(4, 7, 3, dtype=torch.float64)
            order_p, order_t = torch.randperm(5), torch.randperm(7)
        before = (pred.clone(), target.clone())
        out = chamfer_loss(pred, target)
        c.expect(torch.equal(pred, before[0]) and torch.equal(target, before[1]),
                 "do not change pred or target in place.")
        c.expect(isinstance(out, torch.Tensor),
                 f"return a torch tensor (got {type(out).__name__}): stay in torch, so that "
                 "gradients can flow.")
        c.expect(out.dim() == 0,
                 f"return one number, a tensor of shape () (got {tuple(out.shape)}): "
                 "average the per-example losses over the batch with .mean().")
        same = float(chamfer_loss(pred, pred))
        c.expect(abs(same) <= 1e-9 * max(abs(float(out)), 1.0),
                 f"two equal sets should have loss 0, yours gives {same:.3g}: the nearest "
                 "point of the other set is then the point itself.")
        # One set in 1-D: pred {0}, target {1, 3}. Targets to nearest prediction: (1 + 9) / 2;
        # the prediction to its nearest target: 1. Total 6.
        hand = chamfer_loss(torch.tensor([[[0.0]]], dtype=torch.float64),
                            torch.tensor([[[1.0], [3.0]]], dtype=torch.float64))
        value = float(hand)
        mistakes = {
            3.0: "use squared distances, ||a - b||², not distances.",
            5.0: "add both directions: each prediction's distance to its nearest target too.",
            1.0: "add both directions: each target's distance to its nearest prediction too.",
            11.0: "average over each set's points (mean), do not sum them.",
        }
        for wrong, hint in mistakes.items():
            c.expect(not close(value, wrong), hint)
        c.expect(close(value, 6.0),
                 f"for pred = {{0}} and target = {{1, 3}} (1-D) the loss is (1 + 9)/2 + 1 = 6, "
                 f"yours gives {value:.4g}. Use squared distances to the NEAREST point of the "
                 "other set, averaged over each set, in both directions.")
        per_example = [_brute_chamfer(pred[i:i + 1], target[i:i + 1]) for i in range(4)]
        c.expect(not close(out, sum(per_example)),
                 "average over the batch (.mean()), do not sum over it.")
        c.expect(close(chamfer_loss(pred[:, order_p], target[:, order_t]), float(out)),
                 "the loss should not depend on the order of the points in either set.")
        c.expect(close(chamfer_loss(1000 * pred, 1000 * target), 1e6 * float(out), 1e-4),
                 "scaling both sets by 1000 should scale the loss by 1000²: squared "
                 "distances, nothing capped or normalised.")
        reference = _brute_chamfer(pred, target)
        c.expect(close(out, reference),
                 f"on random sets of 5 and 7 points in 3-D your loss gives {float(out):.6g}, "
                 f"a loop over the points gives {reference:.6g}. Sum the squared differences "
                 "over all d coordinates; pred (batch, k, d) against target (batch, m, d) "
                 "gives distances of shape (batch, k, m).")
        p32 = pred.float().requires_grad_(True)
        loss32 = chamfer_loss(p32, target.float())
        c.expect(isinstance(loss32, torch.Tensor) and loss32.dtype == torch.float32,
                 "for float32 sets, return a float32 tensor.")
        try:
            loss32.backward()
            grad = p32.grad
        except RuntimeError:
            grad = None
        c.expect(grad is not None and bool(grad.abs().sum() > 0),
                 "gradients should flow to pred: compute the loss with torch operations on "
                 "pred itself (no .detach(), .item(), .numpy() or torch.tensor(...) of it).")

    run_check("chamfer_loss", chamfer_loss, body)


def check_is_permutation_invariant(is_permutation_invariant: Callable[..., object]) -> None:
    """Self-check for Lab 12's ``is_permutation_invariant(loss_fn, pred, target, n_perms)``:
    a bool; False for fixed-order losses, including ones invariant to some reorderings only;
    True for invariant losses, at any scale; the targets reordered, not the predictions."""
    import torch

    from labcode.set_outputs import chamfer, fixed_order_mse, hungarian_loss

    def body(c: Checker) -> None:
        with torch.random.fork_rng():  # the check's draws leave the notebook's untouched
            torch.manual_seed(0)
            pred, target = torch.rand(6, 4, 2), torch.rand(6, 4, 2)
            big_pred, big_target = torch.rand(8, 50, 2), torch.rand(8, 50, 2)
        before = (pred.clone(), target.clone())

        def ask(loss_fn: Callable[..., object], p: torch.Tensor = pred,
                t: torch.Tensor = target) -> object:
            with torch.random.fork_rng():
                torch.manual_seed(1)
                return is_permutation_invariant(loss_fn, p, t, n_perms=20)

        first = ask(fixed_order_mse)
        c.expect(torch.equal(pred, before[0]) and torch.equal(target, before[1]),
                 "do not change pred or target in place: reorder a copy (indexing or "
                 "torch.gather makes one).")
        c.expect(first is True or first is False,
                 f"return True or False, a Python bool (got {type(first).__name__}): wrap a "
                 "tensor's answer in bool(...).")
        c.expect(first is False,
                 "fixed-order MSE depends on the order of the targets: it should give False. "
                 "Reorder the targets of each example at random and compare the losses.")
        c.expect(ask(chamfer) is True,
                 "the Chamfer loss ignores the order of the targets: it should give True.")
        c.expect(ask(hungarian_loss) is True,
                 "the Hungarian loss ignores the order of the targets: it should give True.")

        def pred_order(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return chamfer(p, t) + fixed_order_mse(p, p.flip(1))

        c.expect(ask(pred_order) is True,
                 "reorder the targets, not the predictions: a loss that depends on the order "
                 "of pred only still ignores the order of its targets.")

        def mixed(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return chamfer(p, t) + 0.01 * fixed_order_mse(p, t)

        c.expect(ask(mixed) is False,
                 "Chamfer + 0.01 x fixed-order MSE depends on the order: it should give False. "
                 "Is your tolerance too loose? Rounding errors are about 1e-6 of the loss.")

        def reversal(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return fixed_order_mse(p, t) + fixed_order_mse(p, t.flip(1))

        def cyclic(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            """Chamfer plus the signed area of the polygon t_1, ..., t_k (shoelace formula):
            unchanged when the list is shifted round, changed by other reorderings."""
            nxt = t.roll(-1, dims=1)
            area = 0.5 * (t[..., 0] * nxt[..., 1] - nxt[..., 0] * t[..., 1]).sum(dim=1)
            return chamfer(p, t) + area.mean()

        def first_two(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            """Ignores the order of the first two targets only."""
            return chamfer(p, t) + fixed_order_mse(p[:, 2:], t[:, 2:])

        c.expect(ask(first_two) is False,
                 "a loss that ignores the order of the first two targets, but not of the "
                 "others, should give False: one fixed swap is not a test, try random "
                 "reorderings of all the targets.")
        c.expect(ask(reversal) is False,
                 "a loss that is unchanged when the list of targets is reversed, but not by "
                 "other reorderings, should give False: try random reorderings, not one.")
        c.expect(ask(cyclic) is False,
                 "a loss that is unchanged when the targets are shifted round, but not by "
                 "other reorderings, should give False: try random reorderings, not shifts.")

        def large(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return 1e6 * chamfer(p, t)

        c.expect(ask(large, big_pred, big_target) is True,
                 "1e6 x Chamfer on sets of 50 points ignores the order too, but float32 sums "
                 "taken in another order differ in their last digits (about 1e-7 of the "
                 "value): compare with a tolerance relative to the loss's size, about 1e-5 "
                 "(torch.isclose's rtol), not exactly, not with a fixed absolute tolerance.")

    run_check("is_permutation_invariant", is_permutation_invariant, body)
