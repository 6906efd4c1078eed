"""Self-checks of Lab 07: pooling with padding."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks._common import (
    _call_tensor_fn,
    _Checker,
    _run,
    _tensor_output_hint,
)


def check_pool(pool: Callable[..., object]) -> None:
    """Self-check for Lab 07's ``pool(h, how, mask)`` (sum, mean and max with padding)."""
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

    def body(c: _Checker) -> None:
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
        for how, expected in (("mean", [r.mean(0) for r in real]),
                              ("max", [r.max(0).values for r in real])):
            call = f"pool(h, {how!r}, mask)"
            out = _call_tensor_fn(pool, (h, how, mask), call, broadcast)
            problem = _tensor_output_hint(out, call, (4, 3), h.dtype,
                                          "Reduce over the elements, dim=1.")
            c.expect(problem is None, problem)
            ok = all(torch.allclose(out[i], expected[i], atol=1e-5) for i in range(4))
            hint = "" if ok else mean_hint(out, h, m) if how == "mean" else max_hint(out, h, m)
            c.expect(ok, f"{how} pooling is wrong on padded sets: {hint}")
            perm = torch.randperm(6)
            c.expect(torch.allclose(pool(h[:, perm], how, mask[:, perm]), out, atol=1e-5),
                     f"{how} pooling should not depend on the order of the elements.")

    _run("pool", pool, body)
