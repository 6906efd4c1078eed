"""Self-checks of Lab 08: aggregating chunk encodings."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks._common import (
    _call_tensor_fn,
    _Checker,
    _run,
    _tensor_output_hint,
)


def check_aggregate(aggregate: Callable[..., object]) -> None:
    """Self-check for Lab 08's ``aggregate(parts, sizes, how)``: g(f(X_1), ...) == f(X)."""
    import torch

    def body(c: _Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            h = torch.randn(2, 30, 4)
        sizes = [12, 3, 15]
        chunks = h.split(sizes, dim=1)
        whole = {"sum": h.sum(1), "mean": h.mean(1), "max": h.max(1).values}
        parts = {"sum": [x.sum(1) for x in chunks], "mean": [x.mean(1) for x in chunks],
                 "max": [x.max(1).values for x in chunks]}
        means = torch.stack(parts["mean"])
        weighted = (torch.tensor(sizes, dtype=h.dtype).view(-1, 1, 1) * means).sum(0)
        hints = {"sum": "the sum of a set is the sum of the chunks' sums.",
                 "mean": "weight each chunk's mean by its size: sum(n_j * mean_j) / sum(n_j); "
                         "a plain mean of the means is wrong when chunks differ in size.",
                 "max": "the maximum of a set is the maximum of the chunks' maxima."}
        broadcast = ("sizes holds one number per chunk: to weight the stacked parts (chunks, "
                     "batch, features), make it a (chunks, 1, 1) tensor, "
                     "torch.as_tensor(sizes, dtype=stacked.dtype).view(-1, 1, 1).")
        reduce = ("Stack the chunks' encodings, torch.stack(parts) of shape (chunks, batch, "
                  "features), and reduce over the chunks, dim=0 (torch.cat would mix the "
                  "chunks with the batch).")
        for how in ("sum", "mean", "max"):
            call = f"aggregate(parts, sizes, {how!r})"
            out = _call_tensor_fn(aggregate, (parts[how], sizes, how), call, broadcast)
            problem = _tensor_output_hint(out, call, tuple(whole[how].shape), h.dtype, reduce)
            c.expect(problem is None, problem)
            hint = hints[how]
            if how == "mean" and torch.allclose(out, weighted, atol=1e-5):
                hint = ("you weighted each chunk's mean by its size; now divide by the total "
                        "number of elements, sum(sizes).")
            c.expect(torch.allclose(out, whole[how], atol=1e-5), f"{how}: {hint}")

    _run("aggregate", aggregate, body)


# --- Labs 05-06: removing the nonlinearity; symmetric vectors ---
