"""Self-checks of Lab 07: pooling with padding, the best constant prediction."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks.api import (
    Checker,
    CheckFailed,
    call_tensor_fn,
    run_check,
    tensor_output_hint,
)


def check_pool(pool: Callable[..., object]) -> None:
    """Self-check for Lab 07's ``pool(h, how, mask)``: mean and max over the real elements only."""
    import torch

    def mean_hint(out: torch.Tensor, h: torch.Tensor, m: torch.Tensor) -> str:
        candidates = (
            (h.mean(1), "the padding is averaged in: sum h * m over the elements (as the given "
                        "sum does) and divide by the number of REAL elements, m.sum(dim=1)."),
            ((h * m).sum(1) / h.shape[1],
             "divide by the number of REAL elements of each set, m.sum(dim=1) (shape (batch, "
             "1)), not by n = h.shape[1]."),
            ((h * m).sum(1) / m.sum(),
             "divide each set by ITS number of REAL elements, m.sum(dim=1): m.sum() counts the "
             "elements of the whole batch."),
        )
        for wrong, hint in candidates:
            if torch.allclose(out, wrong, atol=1e-5):
                return hint
        return "divide the masked sum by the number of REAL elements (mask.sum), not by n."

    def max_hint(out: torch.Tensor, h: torch.Tensor, m: torch.Tensor) -> str:
        if torch.allclose(out, (h * m).max(1).values, atol=1e-5):
            return ("padding set to 0 wins the max when every real feature is negative: fill it "
                    "with -inf instead, h.masked_fill(~m, float('-inf')), before the max.")
        if torch.allclose(out, h.max(1).values, atol=1e-5):
            return ("the padding takes part in the max: fill it with -inf first, "
                    "h.masked_fill(~m, float('-inf')).")
        return ("padding must never be the maximum: fill it with -inf before the max "
                "(0 is larger than negative features).")

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            h = torch.randn(4, 6, 3) - 3.0          # every feature negative: padding must lose
        mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0],
                             [0, 0, 0, 1, 1, 1], [1, 0, 1, 0, 1, 0]], dtype=torch.bool)
        m = mask.unsqueeze(-1)
        real = [h[i][mask[i]] for i in range(4)]
        broadcast = ("Keep a dimension of size 1 for the features in the counts: "
                     "m.sum(dim=1) with m = mask.unsqueeze(-1), or "
                     "mask.sum(dim=1, keepdim=True), has shape (batch, 1).")
        saved = h.clone(), mask.clone()
        for how, expected in (("mean", [r.mean(0) for r in real]),
                              ("max", [r.max(0).values for r in real])):
            call = f"pool(h, {how!r}, mask)"
            out = call_tensor_fn(pool, (h, how, mask), call, broadcast)
            c.expect(torch.equal(h, saved[0]) and torch.equal(mask, saved[1]),
                     f"{call} changed its input h or mask in place (masked_fill_, or an "
                     "assignment such as h[~mask] = ...): the caller uses them again. Build "
                     "a new tensor, h.masked_fill(~m, ...) without the underscore.")
            problem = tensor_output_hint(out, call, (4, 3), h.dtype,
                                         "Reduce over the elements, dim=1.")
            c.expect(problem is None, problem)
            ok = all(torch.allclose(out[i], expected[i], atol=1e-5) for i in range(4))
            hint = "" if ok else mean_hint(out, h, m) if how == "mean" else max_hint(out, h, m)
            c.expect(ok, f"{how} pooling is wrong on padded sets: {hint}")
            perm = torch.randperm(6)
            c.expect(torch.allclose(pool(h[:, perm], how, mask[:, perm]), out, atol=1e-5),
                     f"{how} pooling should not depend on the order of the elements.")
            # one set with one feature: no axis of size 1 may disappear
            one, one_mask = h[3:, :, :1], mask[3:]
            one_call = f"pool(h, {how!r}, mask) on one set of one feature"
            got = call_tensor_fn(pool, (one, how, one_mask), one_call, broadcast)
            problem = tensor_output_hint(got, one_call, (1, 1), h.dtype,
                                         "Reduce over the elements, dim=1, and nothing else "
                                         "(no .squeeze()).")
            c.expect(problem is None, problem)
            c.expect(torch.allclose(got, expected[3][None, :1], atol=1e-5),
                     f"{how} pooling of one set of one feature is wrong: reduce over the "
                     "elements, dim=1, only.")

    run_check("pool", pool, body)


def check_best_constant(best_constant: Callable[..., object]) -> None:
    """Self-check for Lab 07's ``best_constant(y)``: max share of y with |y - c| < 0.5 for one c."""
    import numbers

    import numpy as np

    kinds: set[type] = set()

    def value(y: np.ndarray) -> float:
        given = y.copy()
        out = best_constant(y)
        if not np.array_equal(y, given):
            raise CheckFailed("best_constant changed y: sort a copy (np.sort(y)), not y in place "
                              "(y.sort()); the notebook uses its targets again.")
        if isinstance(out, np.ndarray) and out.ndim == 0:
            raise CheckFailed("return a Python float, float(...), not a 0-d NumPy array.")
        if not isinstance(out, numbers.Real) or isinstance(out, bool):
            raise CheckFailed(
                f"return one number, the accuracy as a float; got {type(out).__name__}.")
        kinds.add(type(out))
        return float(out)

    def body(c: Checker) -> None:
        # whole numbers: c = 2 gets the three 2s; no c within 0.5 of both 2 and 3
        whole = np.array([3, 1, 2, 2, 1, 2])
        got = value(whole)
        c.expect(not np.isclose(got, 3.0),
                 "return a fraction in [0, 1] (the share of targets one prediction gets "
                 "right), not a count: divide by len(y).")
        c.expect(not np.isclose(got, 5 / 6),
                 "a prediction c is right when |y - c| < 0.5, strictly: no c is right for "
                 "both 1 and 2, so count the targets in a half-open window [y_i, y_i + 1).")
        c.expect(np.isclose(got, 0.5),
                 f"for y = {whole.tolist()} the best constant is 2, right on 3 of 6 targets: "
                 f"0.5; got {got:.4g}.")
        # fractional targets (like a mean): one window holds 0.1, 0.5, 0.55, 0.6
        frac = np.array([3.45, 0.5, 7.0, 0.1, 3.0, 0.6, 3.2, 0.55])
        got = value(frac)
        wrong = {1 / 8: "the targets need not be whole numbers (the mean of a set is not): "
                        "the most frequent value is not enough; count every target within "
                        "0.5 of one prediction c.",
                 0.0: "neither the mean nor the median of y is the best constant here: "
                      "try every window [y_i, y_i + 1) and keep the fullest."}
        hint = next((h for v, h in wrong.items() if np.isclose(got, v)),
                    "for y = [3.45, 0.5, 7.0, 0.1, 3.0, 0.6, 3.2, 0.55], c = 0.5 is within 0.5 "
                    f"of 0.1, 0.5, 0.55 and 0.6: 4 of 8 = 0.5; got {got:.4g}.")
        c.expect(np.isclose(got, 0.5), hint)
        rng = np.random.default_rng(0)
        big = (rng.normal(20, 3, size=3000) * 4).round() / 4  # quarters: y + 1 is exact
        ys = np.sort(big)
        best = max(np.searchsorted(ys, v + 1.0 - 1e-9) - np.searchsorted(ys, v)
                   for v in np.unique(ys)) / len(ys)  # the windows [v, v + 1 - tiny]
        c.expect(np.isclose(value(big), best),
                 f"on 3,000 targets drawn around 20 the best constant is right on a share "
                 f"{best:.4f}; got {value(big):.4g}.")
        c.expect(np.isclose(value(np.full(5, 7)), 1.0),
                 "when every target is the same, that constant is right on all of them: 1.0.")
        odd = sorted(k.__name__ for k in kinds if not issubclass(k, float))
        c.expect(not odd, f"return the accuracy as a Python float, float(...); got {odd}.")

    run_check("best_constant", best_constant, body)
