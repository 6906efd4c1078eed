"""Self-checks of Lab 06: pairs {x, -x}."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks._common import (
    _Checker,
    _is_float32_tensor,
    _raises_value_error,
    _run,
)


def check_make_pairs(make_pairs: Callable[..., object]) -> None:
    """Self-check for Lab 06's ``make_pairs(N)``: balanced sets {x, -x} labelled by |x|."""
    import torch

    def body(c: _Checker) -> None:
        out = make_pairs(400)
        c.expect(isinstance(out, tuple) and len(out) == 2, "make_pairs should return (X, y).")
        X, y = out
        c.expect(_is_float32_tensor(X) and tuple(X.shape) == (400, 2, 2),
                 f"X should be a float32 tensor of shape (N, 2, 2) = (400, 2, 2): N sets of 2 "
                 f"vectors with 2 coordinates; got {getattr(X, 'dtype', type(X).__name__)} "
                 f"{tuple(getattr(X, 'shape', ()))}.")
        c.expect(_is_float32_tensor(y) and tuple(y.shape) == (400, 1),
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
        X2, _ = make_pairs(400)
        c.expect(not torch.equal(X, X2), "two calls should draw different sets.")
        c.expect(_raises_value_error(make_pairs, 7),
                 "an odd N cannot be balanced: raise a ValueError that says so.")

    _run("make_pairs", make_pairs, body)
