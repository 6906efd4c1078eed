"""Self-checks of Lab 08: aggregating chunk encodings, measuring consistency, streaming the
softmax of attention pooling."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks.api import (
    Checker,
    CheckFailed,
    call_tensor_fn,
    run_check,
    tensor_output_hint,
)


def check_aggregate(aggregate: Callable[..., object]) -> None:
    """Self-check for Lab 08's ``aggregate``: sum, size-weighted mean, max of the chunks = f(X)."""
    import torch

    def body(c: Checker) -> None:
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
            out = call_tensor_fn(aggregate, (parts[how], sizes, how), call, broadcast)
            c.expect(sizes == [12, 3, 15] and len(parts[how]) == 3 and all(
                torch.equal(p, q) for p, q in zip(parts[how], given, strict=True)),
                f"{call} changed its input parts or sizes in place (p.mul_(n), p *= n, "
                "sizes.append, ...): the caller uses them again. Compute with new tensors, "
                "e.g. weights * torch.stack(parts).")
            problem = tensor_output_hint(out, call, tuple(whole[how].shape), h.dtype, reduce)
            c.expect(problem is None, problem)
            hint = hints[how]
            if how == "mean" and torch.allclose(out, weighted, atol=1e-5):
                hint = ("you weighted each chunk's mean by its size; now divide by the total "
                        "number of elements, sum(sizes).")
            c.expect(torch.allclose(out, whole[how], atol=1e-5), f"{how}: {hint}")
            # a batch of one set with one feature: no axis of size 1 may disappear
            one = [p[:1, :1] for p in parts[how]]
            call = f"aggregate(parts, sizes, {how!r}) for a batch of one set of one feature"
            out = call_tensor_fn(aggregate, (one, sizes, how), call, broadcast)
            problem = tensor_output_hint(out, call, (1, 1), h.dtype,
                                         reduce + " No .squeeze(): it drops the batch axis "
                                         "of a batch of one set.")
            c.expect(problem is None, problem)
            c.expect(torch.allclose(out, whole[how][:1, :1], atol=1e-5),
                     f"{how}: for a batch of one set of one feature, {hints[how]}")

    run_check("aggregate", aggregate, body)




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
            raise CheckFailed("minibatch_consistency_error changed X or chunk_sizes in place: the "
                              "caller uses them again; split X with X.split(chunk_sizes, dim=1), "
                              "which copies nothing and changes nothing.")
        if isinstance(out, torch.Tensor):
            raise CheckFailed("return a Python float (float(...) or .item()), not a tensor.")
        if isinstance(out, np.ndarray):
            raise CheckFailed("return a Python float (float(...)), not a NumPy array.")
        if not isinstance(out, numbers.Real):
            raise CheckFailed(f"return one number, the relative error; got {type(out).__name__}.")
        if not isinstance(out, float):
            raise CheckFailed(f"return a Python float, float(...); got {type(out).__name__}.")
        return float(out)

    def sum_g(parts: list, sizes_: list) -> torch.Tensor:
        return torch.stack(list(parts)).sum(0)

    def body(c: Checker) -> None:
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

    run_check("minibatch_consistency_error", minibatch_consistency_error, body)


def check_online_softmax(chunk_state: Callable[..., object],
                         merge_states: Callable[..., object]) -> None:
    """Self-check for Lab 08's ``chunk_state`` and ``merge_states``: a PMA streamed chunk by
    chunk with the state (m, s, w) equals the PMA of the whole set, on random chunk sizes, a
    sorted stream, scores far beyond exp's range (in float64, where exp overflows above 709),
    tied chunk maxima and a stream whose maximum rises twice; any correct formula passes (a
    logsumexp m with s = 1 too)."""
    import torch

    from labcode.pooling import PMA

    def state_of(scores: torch.Tensor, values: torch.Tensor, what: str) -> tuple:
        given = (scores.clone(), values.clone())
        out = chunk_state(scores, values)
        if not (torch.equal(scores, given[0]) and torch.equal(values, given[1])):
            raise CheckFailed(
                "chunk_state changed its scores or values in place (sub_, exp_, ...): "
                "the caller uses them again; compute with new tensors.")
        lead = tuple(scores.shape[:-1])
        want = {"m": lead, "s": lead, "w": (*lead, values.shape[-1])}
        if out is None:
            raise CheckFailed("chunk_state returned None: did you forget the `return`?")
        if not (isinstance(out, tuple | list) and len(out) == 3):
            raise CheckFailed("chunk_state should return a tuple of three tensors (m, s, w); got "
                              f"{type(out).__name__}" + (f" of length {len(out)}"
                                                         if isinstance(out, tuple | list) else "")
                              + ".")
        for name, t in zip("msw", out, strict=True):
            if not isinstance(t, torch.Tensor):
                raise CheckFailed(f"{name} should be a tensor, got {type(t).__name__}.")
            if tuple(t.shape) != want[name]:
                raise CheckFailed(
                    f"for scores of shape {tuple(scores.shape)} (one row per query) and "
                    f"values of shape {tuple(values.shape)}, {name} should have shape "
                    f"{want[name]}, got {tuple(t.shape)}: reduce the scores over the "
                    "elements, dim=-1 (no keepdim=True), and w = e @ values.")
        if not all(torch.isfinite(t).all() for t in out):
            raise CheckFailed(f"chunk_state gave inf or nan on {what}: exp of a score of 1000 "
                              "overflows to inf. Subtract the chunk's largest score m first, "
                              "exp(scores - m), so that every exponent is <= 0.")
        for name, t in zip("msw", out, strict=True):
            if t.dtype != scores.dtype:
                raise CheckFailed(
                    f"{name} should keep the dtype of the scores ({scores.dtype}), got "
                    f"{t.dtype}: compute it from the scores, or create it with "
                    "dtype=scores.dtype (torch.zeros_like(...)).")
        return tuple(out)

    def merge(a: tuple, b: tuple, what: str) -> tuple:
        given = [t.clone() for t in (*a, *b)]
        out = merge_states(a, b)
        if not all(torch.equal(t, u) for t, u in zip((*a, *b), given, strict=True)):
            raise CheckFailed("merge_states changed its input states in place (mul_, +=, ...): the "
                              "caller may use them again; compute with new tensors.")
        if not (isinstance(out, tuple | list) and len(out) == 3) or not all(
                isinstance(t, torch.Tensor) and t.shape == u.shape
                for t, u in zip(out, a, strict=True)):
            raise CheckFailed(
                "merge_states should return a state like its inputs, a tuple of three "
                "tensors (m, s, w) of the same shapes.")
        if not all(torch.isfinite(t).all() for t in out):
            raise CheckFailed(
                f"merge_states gave inf or nan on {what}: exp(m_b - m_a) overflows when "
                "a later chunk scores far higher. Take the larger maximum as the new "
                "m = max(m_a, m_b) and rescale both chunks by exp(m_old - m), which is "
                "at most 1.")
        return tuple(out)

    def readout(state: tuple) -> torch.Tensor:
        return state[2] / state[1].unsqueeze(-1)

    def close(a: torch.Tensor, b: torch.Tensor, rel: float) -> bool:
        return bool((a - b).abs().max() <= rel * max(float(b.abs().max()), 1e-30))

    def body(c: Checker) -> None:
        c.expect(callable(merge_states), "pass your functions themselves, "
                 f"check_online_softmax(chunk_state, merge_states); got a "
                 f"{type(merge_states).__name__} for merge_states.")
        with torch.random.fork_rng():
            torch.manual_seed(0)
            scores = torch.randn(2, 3, 7)            # (batch, queries, n)
            values = torch.randn(2, 7, 4)            # (batch, n, d)
            split = [2, 1, 4]
            pma = PMA(8, num_heads=2, num_seeds=3).double()
            h = torch.randn(2, 300, 8, dtype=torch.float64)
            cuts = torch.randint(1, 40, (30,)).tolist()
        want = torch.softmax(scores, -1) @ values
        one = state_of(scores, values, "random scores")
        c.expect(close(one[0], scores.amax(-1), 1e-6) or close(readout(one), want, 1e-5),
                 "m should be the largest score of each row, scores.amax(dim=-1).")
        c.expect(close(readout(one), want, 1e-5),
                 "for one chunk, w / s should be softmax(scores) @ values: s = sum of "
                 "exp(scores - m) over the elements, w = the same weights times the values, "
                 "e @ values.")
        # scores near 1000, in float64: exp overflows above 709 there too, and float32's
        # rounding of a score of 1000 (6e-5) would blur a correct logsumexp state
        far_scores, values64 = scores.double() * 10 + 1000, values.double()
        far = state_of(far_scores, values64, "scores near 1000 (float64)")
        far_want = torch.softmax(far_scores, -1) @ values64
        c.expect(close(readout(far), far_want, 1e-9),
                 "on scores near 1000 (float64), w / s agrees with the softmax-weighted mean "
                 "only to float32 precision: compute in the dtype of the scores, without "
                 ".float()." if close(readout(far), far_want, 1e-4) else
                 "on scores near 1000 (float64), w / s should still be the softmax-weighted "
                 "mean: subtract the chunk's largest score m before exp, so that every "
                 "exponent is <= 0; or, if your m is not one of the scores (a logsumexp, "
                 "say), check that s and w use the same exp(scores - m).")
        # two chunks whose largest scores differ by 5: the sums need rescaling
        shifted = torch.cat([scores[..., :3], scores[..., 3:] + 5], -1)
        parts = [state_of(x, v, "a chunk") for x, v in zip(
            shifted.split([3, 4], -1), values.split([3, 4], 1), strict=True)]
        merged = merge(parts[0], parts[1], "two chunks")
        whole = torch.softmax(shifted, -1) @ values
        if not close(readout(merged), whole, 1e-5):
            a, b = parts
            no_rescale = (a[2] + b[2]) / (a[1] + b[1]).unsqueeze(-1)
            averaged = (readout(a) + readout(b)) / 2
            sizes = torch.tensor([3.0, 4.0]).view(2, 1, 1, 1)
            weighted = (sizes * torch.stack([readout(a), readout(b)])).sum(0) / 7
            hint = ("the merged w / s should be the softmax-weighted mean of both chunks: "
                    "with m = max(m_a, m_b), s = exp(m_a - m) s_a + exp(m_b - m) s_b and w "
                    "likewise.")
            top = torch.maximum(a[0], b[0])
            up_a, up_b = torch.exp(top - a[0]), torch.exp(top - b[0])
            upside = ((up_a.unsqueeze(-1) * a[2] + up_b.unsqueeze(-1) * b[2])
                      / (up_a * a[1] + up_b * b[1]).unsqueeze(-1))
            if close(readout(merged), no_rescale, 1e-5):
                hint = ("you added the sums of the two chunks as they are, but each was "
                        "computed with its own m: rescale the old sums to the new maximum, "
                        "s = exp(m_a - m) s_a + exp(m_b - m) s_b, and w likewise.")
            elif close(readout(merged), upside, 1e-5):
                hint = ("you rescaled by exp(m - m_old), upside down: a chunk whose maximum "
                        "was below the new m must shrink, by exp(m_old - m) <= 1.")
            elif close(readout(merged), averaged, 1e-5) or close(readout(merged), weighted,
                                                                    1e-5):
                hint = ("you averaged the chunks' normalised outputs w / s, the g of section "
                        "3 that fails: a chunk's share of the softmax is its s (times "
                        "exp(m_j - m)), not its size. Keep the sums and rescale them.")
            c.expect(False, hint)
        c.expect(close(readout(merge(parts[1], parts[0], "two chunks, in the other order")),
                       whole, 1e-5),
                 "merging the same two chunks in the other order should give the same w / s: "
                 "the union of two chunks does not depend on which came first.")
        # a later chunk scores 1000 more: the new maximum must be the larger one (float64)
        low = scores.double()
        rising = torch.cat([low[..., :3], low[..., 3:] + 1000], -1)
        parts = [state_of(x, v, "a chunk") for x, v in zip(
            rising.split([3, 4], -1), values64.split([3, 4], 1), strict=True)]
        merged = merge(parts[0], parts[1], "a first chunk near 0 and a second near 1000")
        c.expect(close(readout(merged), torch.softmax(rising, -1) @ values64, 1e-9),
                 "when the second chunk scores 1000 more, its elements take all the weight: "
                 "the new m is the larger maximum, m = max(m_a, m_b).")
        # tied maxima: two chunks whose largest scores are equal both count
        tied = torch.tensor([[[1.0, 3.0, 0.0, 3.0, 2.0, 1.0],
                              [2.0, 0.0, 1.0, 0.0, 2.0, 2.0]]], dtype=torch.float64)
        tie_values = values64[:1, :6]
        parts = [state_of(x, v, "a chunk") for x, v in zip(
            tied.split(3, -1), tie_values.split(3, 1), strict=True)]
        merged = merge(parts[0], parts[1], "two chunks with the same largest score")
        c.expect(close(readout(merged), torch.softmax(tied, -1) @ tie_values, 1e-9),
                 "on scores [1, 3, 0] and [3, 2, 1], two chunks whose largest scores are "
                 "equal, the merge should count both: with m = max(m_a, m_b), exp(m_a - m) = "
                 "exp(m_b - m) = 1. Does a strict comparison (m_a > m_b, then m_b > m_a) "
                 "leave a tie to one chunk alone? Use torch.maximum, or >= on one side.")
        # a stream whose maximum rises twice: near 0, then near 1000, then near 1003
        steps = torch.cat([low[..., :3], low[..., 3:5] + 1000, low[..., 5:] + 1003], -1)
        state = None
        for x, v in zip(steps.split([3, 2, 2], -1), values64.split([3, 2, 2], 1),
                        strict=True):
            part = state_of(x, v, "a chunk")
            state = part if state is None else merge(
                state, part, "chunks near 0, then 1000, then 1003")
        c.expect(close(readout(state), torch.softmax(steps, -1) @ values64, 1e-9),
                 "streaming chunks near 0, then 1000, then 1003, the last chunk should "
                 "weigh about e^3 = 20 times the second: the running m must be the largest "
                 "score so far, m = max(m_a, m_b), and both states rescaled by "
                 "exp(m_old - m). Keeping the first chunk's m, or clamping the exponent to "
                 "avoid inf, weighs the later chunks wrongly.")
        # the PMA, streamed: random chunk sizes, then a sorted stream of 5 chunks
        with torch.no_grad():
            cuts = cuts[: next(i for i in range(len(cuts)) if sum(cuts[: i + 1]) >= 300) + 1]
            cuts[-1] = 300 - sum(cuts[:-1])
            order = h[..., 0].argsort(dim=1)
            sorted_h = h.gather(1, order[..., None].expand_as(h))
            for x, sizes, what in [(h, cuts, f"{len(cuts)} chunks of random sizes"),
                                   (sorted_h, [60, 5, 100, 35, 100],
                                    "a stream sorted by its first feature, 5 chunks")]:
                state = None
                for chunk in x.split(sizes, dim=1):
                    part = state_of(*pma.scores_and_values(chunk), "a chunk")
                    state = part if state is None else merge(state, part, what)
                streamed = pma.readout(readout(state))
                c.expect(close(streamed, pma(x), 1e-10),
                         f"a PMA streamed over {what} with your state differs from the PMA of "
                         "the whole set (in float64, beyond rounding): check the rescaling, "
                         "exp(m_old - m_new) on both s and w.")
        # three chunks, merged in both groupings
        chunks = [state_of(x, v, "a chunk") for x, v in zip(
            shifted.split(split, -1), values.split(split, 1), strict=True)]
        left = merge(merge(chunks[0], chunks[1], "three chunks"), chunks[2], "three chunks")
        right = merge(chunks[0], merge(chunks[1], chunks[2], "three chunks"), "three chunks")
        c.expect(close(readout(left), whole, 1e-5) and close(readout(right), whole, 1e-5),
                 "merging (a, b) then c, or a with (b, c), should both give the softmax-"
                 "weighted mean of the three chunks.")

    run_check("chunk_state and merge_states", chunk_state, body)
