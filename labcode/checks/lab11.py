"""Self-checks of Lab 11: the power-sum encoding of a set and its decoding."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks.api import Checker, run_check, tensor_output_hint


def _power_sums(x: object, n: int) -> list[float]:
    """p_1..p_n of the numbers ``x`` (the check's own arithmetic, in float64)."""
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    return [float(np.sum(x**k)) for k in range(1, n + 1)]


def check_power_sum_encoding(power_sum_encoding: Callable[..., object]) -> None:
    """Self-check for Lab 11's ``power_sum_encoding(X, n_powers)``: shape, dtype, the values
    p_k = sum_i x_i^k, invariance, and distinct codes for distinct multisets of 3 numbers."""
    import torch

    def value_hint(out: torch.Tensor, X: torch.Tensor, n: int) -> str:
        x = X[..., 0]
        powers = [x**k for k in range(n + 1)]
        candidates = (
            (torch.stack([p.sum(1) for p in powers[:n]], 1),
             "column 0 holds the number of elements (x**0): start at the power 1, "
             "p_k = sum_i x_i**k for k = 1, ..., n_powers."),
            (torch.stack([p.mean(1) for p in powers[1:]], 1),
             "these are means: SUM over the elements (a mean cannot tell {3} from {3, 3})."),
            (torch.stack([x.sum(1)] * n, 1),
             "every column is sum_i x_i: raise x to the powers 1, 2, ..., n_powers."),
        )
        for wrong, hint in candidates:
            if wrong.shape == out.shape and torch.allclose(out, wrong, rtol=1e-5, atol=1e-6):
                return hint
        if n > 1 and any(torch.allclose(out[:, i], out[:, j]) for i in range(n)
                         for j in range(i)):
            return ("two columns are equal: a power is repeated. Use each power 1, 2, ..., "
                    "n_powers once.")
        return "column k - 1 should be p_k = sum_i x_i**k (k = 1, ..., n_powers)."

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            X = torch.rand(5, 3, 1, dtype=torch.float64) * 2 - 1
            perm = torch.randperm(3)
        before = X.clone()
        for n in (4, 2, 1):
            call = f"power_sum_encoding(X, {n}) for X of shape (5, 3, 1)"
            out = power_sum_encoding(X, n)
            c.expect(torch.equal(X, before), "do not change X in place (no x.pow_ or x **= k).")
            problem = tensor_output_hint(out, call, (5, n), X.dtype,
                                         "Sum x**k over the elements, dim=1, and keep the "
                                         "other axes (no .squeeze()).")
            c.expect(problem is None, problem)
            expected = torch.tensor([_power_sums(x, n) for x in X[..., 0].tolist()],
                                    dtype=torch.float64)
            c.expect(torch.allclose(out, expected, rtol=1e-9, atol=1e-12),
                     value_hint(out, X, n))
            c.expect(torch.allclose(power_sum_encoding(X[:, perm], n), out, atol=1e-12),
                     "the power sums should not depend on the order of the elements.")
        squeeze = ("Do not .squeeze() X: it drops every axis of size 1, the batch axis of a "
                   "batch of one set too; drop the feature axis only, X[..., 0] or "
                   "X.squeeze(-1), or sum X ** powers over dim=1.")
        for shape in ((1, 3, 1), (4, 1, 1), (1, 1, 1)):
            small = X[:shape[0], :shape[1]]
            call = (f"power_sum_encoding(X, 3) for X of shape {shape} (a batch of "
                    + ("one set" if shape[0] == 1 else f"{shape[0]} sets")
                    + f" of {shape[1]} number{'s' if shape[1] > 1 else ''})")
            out = power_sum_encoding(small, 3)
            problem = tensor_output_hint(out, call, (shape[0], 3), X.dtype, squeeze)
            c.expect(problem is None, problem)
            expected = torch.tensor([_power_sums(x, 3) for x in small[..., 0].tolist()],
                                    dtype=torch.float64)
            c.expect(torch.allclose(out, expected, rtol=1e-9, atol=1e-12),
                     f"{call} gave wrong power sums: {value_hint(out, small, 3)}")
        out32 = power_sum_encoding(X.float(), 3)
        problem = tensor_output_hint(out32, "power_sum_encoding(X, 3) on float32 sets",
                                     (5, 3), torch.float32, "Sum over dim=1.")
        c.expect(problem is None, problem)
        pair = torch.tensor([[[1.0], [4.0]], [[2.0], [3.0]]], dtype=torch.float64)
        codes = power_sum_encoding(pair, 2)
        c.expect(not torch.equal(codes[0], codes[1]),
                 "{1, 4} and {2, 3} have the same sum but not the same sum of squares: "
                 "their codes with n_powers=2 must differ.")
        with torch.random.fork_rng():  # 300 multisets of 3 small integers, repeats included
            torch.manual_seed(1)
            sets = torch.randint(0, 6, (300, 3, 1)).double()
        codes = power_sum_encoding(sets, 3)
        n_sets = len({tuple(sorted(s)) for s in sets[..., 0].tolist()})
        n_codes = len({tuple(row) for row in codes.tolist()})
        c.expect(n_codes == n_sets,
                 f"{n_sets} distinct multisets of 3 integers got {n_codes} distinct codes with "
                 "n_powers=3: with the powers 1, 2, 3 they should all differ.")

    run_check("power_sum_encoding", power_sum_encoding, body)


def check_decode_power_sums(decode_power_sums: Callable[..., object]) -> None:
    """Self-check for Lab 11's ``decode_power_sums(p)``: the sorted real multiset whose power
    sums are ``p``, for N = 1..6 numbers, repeats and negatives included."""
    import numpy as np

    def hint(out: np.ndarray, x: np.ndarray) -> str:
        if out.shape == x.shape and np.allclose(np.sort(out), x, atol=1e-6):
            return "return the elements sorted in increasing order (np.sort)."
        if out.shape == x.shape and np.allclose(np.sort(-out), x, atol=1e-6):
            return ("every element has the wrong sign: the coefficients alternate, 1, -e_1, "
                    "+e_2, -e_3, ... ((-1)**k e_k).")
        return ("Newton's identities give k e_k = sum_{i=1..k} (-1)**(i-1) e_{k-i} p_i with "
                "e_0 = 1 (divide by k); the elements are the roots of t**N - e_1 t**(N-1) + "
                "e_2 t**(N-2) - ... (np.roots, highest power first).")

    rng = np.random.default_rng(0)
    cases = [[3.0], [1.0, 4.0], [2.0, 3.0], [1.0, 5.0, 6.0], [2.0, 3.0, 7.0],
             [0.0, 4.0, 7.0, 11.0], [-2.0, 0.5, 1.5], [2.0, 2.0, 5.0]]
    cases += [sorted(rng.uniform(-1, 1, n)) for n in (4, 5, 6)]

    def body(c: Checker) -> None:
        for x in cases:
            x = np.asarray(x)
            p = np.array(_power_sums(x, len(x)))
            given = p.copy()
            out = decode_power_sums(p)
            shown = "{" + ", ".join(f"{v:g}" for v in x) + "}"
            c.expect(isinstance(out, np.ndarray),
                     f"decode_power_sums should return a NumPy array, got {type(out).__name__}.")
            c.expect(out.shape == x.shape,
                     f"the power sums of {shown} ({len(x)} numbers) should decode to "
                     f"{len(x)} numbers, shape {x.shape}; got shape {out.shape}.")
            c.expect(not np.iscomplexobj(out),
                     "return real numbers: np.roots gives complex roots, keep their .real.")
            c.expect(np.issubdtype(out.dtype, np.floating),
                     f"return the elements as floats (np.roots(...).real is float64); got "
                     f"dtype {out.dtype}: the elements of a set need not be whole numbers.")
            c.expect(np.array_equal(p, given), "do not change p in place.")
            tol = 1e-4 if len(set(x.tolist())) < len(x) else 1e-6  # a double root: sqrt(eps)
            c.expect(np.allclose(out, x, atol=tol, rtol=0),
                     f"the power sums {np.round(p, 4).tolist()} of {shown} decoded to "
                     f"{np.round(out, 4).tolist()}. {hint(out, x)}")

    run_check("decode_power_sums", decode_power_sums, body)
