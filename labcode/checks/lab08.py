"""Self-checks of Lab 08: aggregating chunk encodings, measuring consistency."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks._common import (
    _call_tensor_fn,
    _Checker,
    _Fail,
    _run,
    _tensor_output_hint,
)


def check_aggregate(aggregate: Callable[..., object]) -> None:
    """Self-check for Lab 08's ``aggregate``: sum, size-weighted mean, max of the chunks = f(X)."""
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
            given = [p.clone() for p in parts[how]]
            out = _call_tensor_fn(aggregate, (parts[how], sizes, how), call, broadcast)
            c.expect(sizes == [12, 3, 15] and len(parts[how]) == 3 and all(
                torch.equal(p, q) for p, q in zip(parts[how], given, strict=True)),
                f"{call} changed its input parts or sizes in place (p.mul_(n), p *= n, "
                "sizes.append, ...): the caller uses them again. Compute with new tensors, "
                "e.g. weights * torch.stack(parts).")
            problem = _tensor_output_hint(out, call, tuple(whole[how].shape), h.dtype, reduce)
            c.expect(problem is None, problem)
            hint = hints[how]
            if how == "mean" and torch.allclose(out, weighted, atol=1e-5):
                hint = ("you weighted each chunk's mean by its size; now divide by the total "
                        "number of elements, sum(sizes).")
            c.expect(torch.allclose(out, whole[how], atol=1e-5), f"{how}: {hint}")
            # a batch of one set with one feature: no axis of size 1 may disappear
            one = [p[:1, :1] for p in parts[how]]
            call = f"aggregate(parts, sizes, {how!r}) for a batch of one set of one feature"
            out = _call_tensor_fn(aggregate, (one, sizes, how), call, broadcast)
            problem = _tensor_output_hint(out, call, (1, 1), h.dtype,
                                          reduce + " No .squeeze(): it drops the batch axis "
                                          "of a batch of one set.")
            c.expect(problem is None, problem)
            c.expect(torch.allclose(out, whole[how][:1, :1], atol=1e-5),
                     f"{how}: for a batch of one set of one feature, {hints[how]}")

    _run("aggregate", aggregate, body)




def check_minibatch_consistency_error(minibatch_consistency_error: Callable[..., object]) -> None:
    """Self-check for Lab 08's ``minibatch_consistency_error``: chunks, g, max|diff| / max|f(X)|."""
    import numbers

    import numpy as np
    import torch

    sizes = [5, 2, 9]
    with torch.random.fork_rng():
        torch.manual_seed(0)
        X = torch.randn(3, 16, 2)

    def call(encode: Callable[..., object], aggregate: Callable[..., object],
             Y: torch.Tensor = X) -> float:
        given, chunk_sizes = Y.clone(), list(sizes)
        out = minibatch_consistency_error(encode, aggregate, Y, chunk_sizes)
        if not (torch.equal(Y, given) and chunk_sizes == sizes):
            raise _Fail("minibatch_consistency_error changed X or chunk_sizes in place: the "
                        "caller uses them again; split X with X.split(chunk_sizes, dim=1), "
                        "which copies nothing and changes nothing.")
        if isinstance(out, torch.Tensor):
            raise _Fail("return a Python float (float(...) or .item()), not a tensor.")
        if isinstance(out, np.ndarray):
            raise _Fail("return a Python float (float(...)), not a NumPy array.")
        if not isinstance(out, numbers.Real):
            raise _Fail(f"return one number, the relative error; got {type(out).__name__}.")
        if not isinstance(out, float):
            raise _Fail(f"return a Python float, float(...); got {type(out).__name__}.")
        return float(out)

    def sum_g(parts: list, sizes_: list) -> torch.Tensor:
        return torch.stack(list(parts)).sum(0)

    def body(c: _Checker) -> None:
        seen: dict = {"encoded": [], "sizes": []}

        def encode(Y: torch.Tensor) -> torch.Tensor:
            seen["encoded"].append(tuple(Y.shape))
            return Y.sum(dim=1)

        def g(parts: list, sizes_: object) -> torch.Tensor:
            seen["sizes"].append(list(sizes_))
            return sum_g(parts, sizes_)

        err = call(encode, g)
        chunks = [s for s in seen["encoded"] if s != tuple(X.shape)]
        c.expect([s[1] for s in chunks] == sizes and all(s[0] == 3 and s[2] == 2 for s in chunks),
                 f"split X along the elements (dim=1) into chunks of {sizes} elements, in order "
                 "(X.split(chunk_sizes, dim=1)), and encode each chunk; encode saw shapes "
                 f"{seen['encoded']}.")
        c.expect(seen["encoded"].count(tuple(X.shape)) == 1,
                 "encode the whole set once, encode(X), and each chunk once: the error compares "
                 "the aggregated chunks with encode(X)" + (", which you never computed."
                 if tuple(X.shape) not in seen["encoded"] else
                 "; an encoder that draws random numbers (Lab 08's random slots) must not be "
                 "called on X twice."))
        c.expect(seen["sizes"] == [sizes],
                 f"call aggregate once, with the list of chunk encodings and the chunk sizes "
                 f"{sizes}; it was called with sizes {seen['sizes']}.")
        c.expect(err <= 1e-6,
                 f"sum pooling with g = sum is consistent, but you report an error of {err:.3g}.")
        # g = plain mean of the chunk means: the relative error is known exactly
        whole, means = X.mean(1), torch.stack([p.mean(1) for p in X.split(sizes, dim=1)])
        diff = (means.mean(0) - whole).abs()
        want = float(diff.max() / whole.abs().max())
        err = call(lambda Y: Y.mean(dim=1), lambda parts, s: torch.stack(list(parts)).mean(0))
        wrong = {float(diff.max()): "divide by the largest |entry| of encode(X): the error is "
                                    "relative, max|g(...) - f(X)| / max|f(X)|.",
                 float(diff.mean() / whole.abs().max()): "take the LARGEST difference (max), "
                                                         "not the mean.",
                 float(diff.mean() / whole.abs().mean()): "take the largest difference, "
                                                          "divided by the largest |f(X)|.",
                 float((means.mean(0) - whole).norm() / whole.norm()):
                     "use the largest entry, not a norm: max|g(...) - f(X)| / max|f(X)|."}
        hint = next((h for v, h in wrong.items() if abs(err - v) < 1e-6 * max(1.0, v)),
                    f"for mean pooling and a plain mean of the chunk means, max|g - f(X)| / "
                    f"max|f(X)| = {want:.5f} on this set; got {err:.5g}.")
        c.expect(abs(err - want) < 1e-5 * want, hint)
        scaled = call(lambda Y: Y.mean(dim=1), lambda parts, s: torch.stack(list(parts)).mean(0),
                      1000 * X)
        c.expect(abs(scaled - want) < 1e-4 * want,
                 "the error should not depend on the scale of the data: divide by "
                 "max|encode(X)|.")
        # signs: f(X) all negative, g off by -1 at one entry and +0.25 at another
        below = X - 2.0
        whole = below.sum(1)
        top = float(whole.abs().max())
        shift = torch.zeros_like(whole)
        shift[0, 0], shift[1, 1] = -1.0, 0.25
        err = call(lambda Y: Y.sum(dim=1),
                   lambda parts, s: torch.stack(list(parts)).sum(0) + shift, below)
        want = 1.0 / top
        hint = (f"with f(X) = sum of X (every entry negative here) and a g that misses f(X) by "
                f"-1 at one entry and +0.25 at another, the error is 1 / max|f(X)| = "
                f"{want:.5f}; got {err:.5g}.")
        if abs(err - 0.25 / top) < 1e-3 * want:
            hint = ("take the largest ABSOLUTE difference, (g(...) - f(X)).abs().max(): a "
                    "difference of -1 is an error of 1, larger than one of +0.25.")
        elif err < 0 or abs(abs(err) * float(whole.max().abs()) - 1) < 1e-3:
            hint = ("divide by the largest ABSOLUTE entry of f(X), encode(X).abs().max(): "
                    "here every entry of f(X) is negative, and the error must not be.")
        c.expect(abs(err - want) < 1e-4 * want, hint)

    _run("minibatch_consistency_error", minibatch_consistency_error, body)
