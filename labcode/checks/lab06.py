"""Self-checks of Lab 06: the pooled value of {x, -x}, a task on such pairs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.checks.api import (
    Checker,
    CheckFailed,
    is_float32_tensor,
    raises_value_error,
    run_check,
    same_after_seed,
)


def _angle_harmonics(theta: object, orders: tuple[int, ...] = (1, 2, 3, 4)) -> list[float]:
    """|mean exp(i k theta)| for each k: all near 0 when the angles are uniform on the circle."""
    import torch

    return [float(torch.complex(torch.cos(k * theta), torch.sin(k * theta)).mean().abs())
            for k in orders]


def check_make_pairs(make_pairs: Callable[..., object]) -> None:
    """Self-check for Lab 06's make_pairs: {x, -x}, balance, uniform norms, quadrants, torch RNG."""
    import torch

    def body(c: Checker) -> None:
        out = make_pairs(400)
        c.expect(isinstance(out, tuple) and len(out) == 2, "make_pairs should return (X, y).")
        X, y = out
        c.expect(is_float32_tensor(X) and tuple(X.shape) == (400, 2, 2),
                 f"X should be a float32 tensor of shape (N, 2, 2) = (400, 2, 2): N sets of 2 "
                 f"vectors with 2 coordinates; got {getattr(X, 'dtype', type(X).__name__)} "
                 f"{tuple(getattr(X, 'shape', ()))}.")
        c.expect(is_float32_tensor(y) and tuple(y.shape) == (400, 1),
                 "y should be a float32 tensor of shape (N, 1) = (400, 1).")
        c.expect(bool(((y == 0) | (y == 1)).all()), "y should hold the classes 0.0 and 1.0.")
        c.expect(int((y == 1).sum()) == 200, "exactly half of the sets should be of class 1.")
        c.expect(torch.allclose(X[:, 1], -X[:, 0]),
                 "the second vector of every set should be minus the first: {x, -x}.")
        r = X[:, 0].norm(dim=1)
        for k, (low, high) in ((0, (0.25, 1.0)), (1, (1.25, 2.0))):
            rk = r[y[:, 0] == k]
            c.expect(len(rk) > 0 and bool((rk >= low - 1e-5).all() and (rk <= high + 1e-5).all()),
                     f"the norm |x| of class {k} should lie in [{low}, {high}].")
        quadrants = {(bool(a > 0), bool(b > 0)) for a, b in X[:, 0].tolist()}
        c.expect(len(quadrants) == 4,
                 "the angle of x should be uniform over the full circle: x should fall in all "
                 "four quadrants (draw an angle in [0, 2 pi) and use cos and sin).")
        c.expect(len(torch.unique(r)) > 300, "draw a new norm for every set.")
        for n in (2, 10):
            small = make_pairs(n)
            Xn, yn = small if isinstance(small, tuple) and len(small) == 2 else (None, None)
            c.expect(is_float32_tensor(Xn) and tuple(Xn.shape) == (n, 2, 2)
                     and is_float32_tensor(yn) and tuple(yn.shape) == (n, 1)
                     and int((yn == 1).sum()) == n // 2,
                     f"make_pairs({n}) should return X of shape ({n}, 2, 2) and y of shape "
                     f"({n}, 1) with {n // 2} sets of class 1: take every size from N (no "
                     "number of sets written into the code).")
        X2, _ = make_pairs(400)
        c.expect(not torch.equal(X, X2), "two calls should draw different sets.")
        c.expect(raises_value_error(make_pairs, 7),
                 "an odd N cannot be balanced: raise a ValueError that says so.")
        c.expect(same_after_seed(lambda: make_pairs(100)[0]),
                 "after the same torch.manual_seed, make_pairs drew different sets: draw with "
                 "torch (torch.rand), not NumPy or Python's random, so that seed_everything "
                 "makes the runs reproducible.")
        # The norm's distribution: uniform on [low, high] (not uniform in area, which favours
        # long vectors), over the whole range. 4,000 norms per class.
        X, y = make_pairs(8000)
        r = X[:, 0].norm(dim=1).double()
        harmonics = _angle_harmonics(torch.atan2(X[:, 0, 1], X[:, 0, 0]).double())
        c.expect(max(harmonics) < 0.05,
                 "the direction of x should be uniform over the circle, theta = 2 pi * "
                 "torch.rand(N) and x = r (cos theta, sin theta); over 8,000 sets yours "
                 "favours some directions (|E exp(i k theta)| for k = 1..4: "
                 f"{[round(h, 3) for h in harmonics]}, all about 0 if uniform). A point "
                 "drawn in a square and normalised leans towards the diagonals.")
        for k, (low, high) in ((0, (0.25, 1.0)), (1, (1.25, 2.0))):
            rk = r[y[:, 0] == k].sort().values
            c.expect(float(rk[0]) < low + 0.005 and float(rk[-1]) > high - 0.005,
                     f"the norms of class {k} should cover all of [{low}, {high}]; yours run "
                     f"from {float(rk[0]):.3f} to {float(rk[-1]):.3f}. Draw r = {low} + "
                     f"{high - low:g} * torch.rand(...).")
            mean, centre = float(rk.mean()), (low + high) / 2
            u = (rk - low) / (high - low)  # uniform on [0, 1] if r is
            ks = float((u - torch.arange(1, len(u) + 1) / len(u)).abs().max())
            c.expect(abs(mean - centre) < 0.015 and ks < 0.045,
                     f"the norm |x| of class {k} should be uniform in [{low}, {high}] (mean "
                     f"{centre}); yours has mean {mean:.3f}"
                     + (", as if x were uniform in the AREA of the ring: draw r itself "
                        "uniformly, r = low + (high - low) * torch.rand(...), not its square."
                        if mean > centre else "."))

    state = np.random.get_state()  # a NumPy-based answer must not move the notebook's draws
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            run_check("make_pairs", make_pairs, body)
    finally:
        np.random.set_state(state)


def check_pooled_pairs(pooled_pairs: Callable[..., object]) -> None:
    """Self-check for Lab 06's ``pooled_pairs(phi, xs)``: phi(x) + phi(-x) for each row x."""
    import torch

    def phi(v: torch.Tensor) -> torch.Tensor:
        """Neither odd nor even: (x0^2, x1 + 1, ReLU(x0), x0 x1); (..., 2) -> (..., 4)."""
        if not isinstance(v, torch.Tensor) or v.ndim == 0 or v.shape[-1] != 2:
            raise CheckFailed("phi takes tensors of 2-D vectors, shape (..., 2), e.g. phi(xs) or "
                              f"phi(-xs); it was given {tuple(getattr(v, 'shape', ()))}.")
        x0, x1 = v[..., 0], v[..., 1]
        return torch.stack([x0 ** 2, x1 + 1, torch.relu(x0), x0 * x1], dim=-1)

    def body(c: Checker) -> None:
        xs = torch.tensor([[1.0, 0.0], [0.0, 1.5], [0.6, 0.6], [-1.2, 0.4], [0.3, -2.0]])
        before = xs.clone()
        out = pooled_pairs(phi, xs)
        want = phi(xs) + phi(-xs)  # (5, 4)
        c.expect(torch.equal(xs, before),
                 "pooled_pairs changed xs: build -xs as a new tensor, never negate xs in place.")
        c.expect(isinstance(out, torch.Tensor),
                 f"return one tensor of shape (n, features); got {type(out).__name__}.")
        shape = tuple(out.shape)
        c.expect(shape == (5, 4),
                 f"for xs of shape (5, 2) and a phi with 4 outputs, return the pooled vector of "
                 f"each set, shape (5, 4); got {shape}"
                 + (": sum over the 2 elements of each set, not over the sets."
                    if shape == (2, 4) else
                    ": pool the two elements, phi(x) + phi(-x)." if shape == (5, 2, 4) else "."))
        hints = ((phi(torch.zeros_like(xs)),
                  "you applied phi to x + (-x) = 0: apply phi to each element first, then "
                  "add, phi(x) + phi(-x). The sum comes AFTER phi."),
                 (want / 2, "pool with a sum, phi(x) + phi(-x), not a mean."),
                 (phi(xs) - phi(-xs), "the pooled value is phi(x) + phi(-x), a sum of the two "
                                      "elements' features, not a difference."),
                 (2 * phi(xs), "phi(-x) is not phi(x) in general: compute phi of -xs too."),
                 (torch.zeros_like(want), "phi(-x) is not -phi(x) in general: compute "
                                          "phi(x) + phi(-x) with phi itself."))
        hint = next((h for w, h in hints if torch.allclose(out, w, atol=1e-6)),
                    "row i should be phi(xs[i]) + phi(-xs[i]), the sum pooling of the set "
                    "{xs[i], -xs[i]}.")
        c.expect(torch.allclose(out, want, atol=1e-6), hint)
        one = pooled_pairs(phi, xs[:1])
        c.expect(tuple(one.shape) == (1, 4) and torch.allclose(one, want[:1], atol=1e-6),
                 "one set, xs of shape (1, 2), should give shape (1, 4): no .squeeze().")

    run_check("pooled_pairs", pooled_pairs, body)
