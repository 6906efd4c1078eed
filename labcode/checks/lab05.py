"""Self-checks of Lab 05: the separation condition, the hand-set sum DeepSet."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks.api import (
    Checker,
    CheckFailed,
    run_check,
)


def check_separation(separation: Callable[..., object]) -> None:
    """Self-check for Lab 05's ``separation(phi)``: 3[phi(1/3) - phi(0)] - 5[phi(1/5) - phi(0)]."""
    import numbers

    import torch
    from torch import nn

    class Columns(nn.Module):
        """phi as a DeepSet has it, an nn.Module: a float32 tensor (..., 1) in, (..., 1) out."""

        def __init__(self, g: Callable[[torch.Tensor], torch.Tensor]) -> None:
            super().__init__()
            self.g = g  # an nn.Module g is a submodule: its parameters are phi's

        def forward(self, x: object) -> torch.Tensor:
            if not isinstance(x, torch.Tensor):
                raise CheckFailed("call phi on a tensor, e.g. phi(torch.tensor([[0.0], [1 / 5], "
                                  f"[1 / 3]])), not on a {type(x).__name__}.")
            if x.dtype != torch.float32 or x.ndim == 0 or x.shape[-1] != 1:
                raise CheckFailed("phi takes float32 tensors whose last dimension is 1 (one number "
                                  "per element), e.g. torch.tensor([[0.0], [1 / 5], [1 / 3]]); it "
                                  f"was given shape {tuple(x.shape)}, dtype {x.dtype}.")
            return self.g(x)

    def on_columns(g: Callable[[torch.Tensor], torch.Tensor]) -> nn.Module:
        return Columns(g)

    def expected(g: Callable[[float], float]) -> float:
        return 3 * (g(1 / 3) - g(0.0)) - 5 * (g(1 / 5) - g(0.0))

    def value(phi: Callable[..., object]) -> float:
        out = separation(phi)
        if isinstance(out, torch.Tensor):
            raise CheckFailed("return a Python float (float(...) or .item()), not a tensor.")
        if not isinstance(out, numbers.Real):
            raise CheckFailed(f"return one number; got {type(out).__name__}.")
        if not isinstance(out, (float, int)) or isinstance(out, bool):
            raise CheckFailed("return a Python float (float(...) or .item()), not a NumPy "
                              f"{type(out).__name__}.")
        return float(out)

    def diagnosis(got: float, g: Callable[[float], float], name: str) -> str:
        """The hint for ``got``, the student's value for phi = g (named ``name``)."""
        wrong = {3 * g(1 / 3) - 5 * g(1 / 5):
                 "Subtract phi(0): class 0 pools to 3 phi(1/3) + 7 phi(0), class 1 to "
                 "5 phi(1/5) + 5 phi(0), so the difference is 3[phi(1/3) - phi(0)] - "
                 "5[phi(1/5) - phi(0)].",
                 5 * (g(1 / 3) - g(0)) - 3 * (g(1 / 5) - g(0)):
                 "The coefficients are swapped: three objects equal 1/3, so 3 goes with "
                 "phi(1/3), and five equal 1/5, so 5 goes with phi(1/5).",
                 3 * (g(1 / 5) - g(0)) - 5 * (g(1 / 3) - g(0)):
                 "You swapped phi(1/3) and phi(1/5): 3[phi(1/3) - phi(0)] - 5[phi(1/5) - "
                 "phi(0)].",
                 0.0: f"You get 0 for phi(x) = {name}: evaluate phi at 0, 1/5 and 1/3 (floats: "
                      "1 / 3, not 1 // 3)."}
        return next((h for v, h in wrong.items() if abs(got - v) < 1e-5),
                    f"For phi(x) = {name} the separation 3[phi(1/3) - phi(0)] - 5[phi(1/5) - "
                    f"phi(0)] is {expected(g):.4f}; got {got:.4g}.")

    def body(c: Checker) -> None:
        g = lambda t: 2 * t + 1  # noqa: E731
        affine = value(on_columns(lambda x: 2 * x + 1))
        c.expect(abs(affine) < 1e-6,
                 "an affine phi pools both classes to the same number, so its separation is 0. "
                 + diagnosis(affine, g, "2x + 1"))
        g = lambda t: t * t + 1  # noqa: E731  phi(0) = 1: catches a forgotten phi(0)
        got = value(on_columns(lambda x: x * x + 1))
        c.expect(abs(got - expected(g)) < 1e-5, diagnosis(got, g, "x^2 + 1"))
        got = value(on_columns(lambda x: (x != 0).float()))
        c.expect(abs(got + 2) < 1e-6,
                 "keep the sign: phi(x) = [x != 0] gives 3 - 5 = -2; no absolute value."
                 if abs(got - 2) < 1e-6 else
                 f"for phi(x) = [x != 0] (it counts the objects) the separation is 3 - 5 = -2; "
                 f"got {got:.4g}.")
        with torch.random.fork_rng():
            torch.manual_seed(0)
            net = nn.Sequential(nn.Linear(1, 5), nn.Tanh(), nn.Linear(5, 5), nn.Tanh(),
                                nn.Linear(5, 1))
        with torch.no_grad():
            points = net(torch.tensor([[0.0], [1 / 5], [1 / 3]]))[:, 0].tolist()
        want = 3 * (points[2] - points[0]) - 5 * (points[1] - points[0])
        before = [(p.detach().clone(), p.requires_grad) for p in net.parameters()]
        got = value(on_columns(net))
        c.expect(all(torch.equal(p, q) and p.requires_grad == g
                     for p, (q, g) in zip(net.parameters(), before, strict=True)),
                 "separation changed phi (its parameters or their requires_grad): only call "
                 "it, under torch.no_grad(), to read its outputs.")
        c.expect(abs(got - want) < 1e-5,
                 f"for a tanh network phi, the separation is {want:.5f}; got {got:.5g}.")

    run_check("separation", separation, body)


def check_exact_sum(set_exact_sum: Callable[..., object], SumDeepSet: type) -> None:
    """Self-check for Lab 05's ``set_exact_sum``: same parameters, set in place; exact sums."""
    import torch
    from torch import nn

    def body(c: Checker) -> None:
        for hidden_dim in (1, 4):
            model = SumDeepSet(hidden_dim=hidden_dim)
            params = [(name, p) for name, p in model.named_parameters()]
            out = set_exact_sum(model)
            c.expect(out is not None,
                     "set_exact_sum returned nothing: end with `return model`, so that "
                     "exact_model = set_exact_sum(SumDeepSet()) is the model.")
            c.expect(out is model,
                     "set_exact_sum should change the given model in place and return it, not "
                     "build a new one.")
            kept = [(name, p) for name, p in model.named_parameters()]
            c.expect(len(kept) == len(params) and all(
                         a == b and p is q for (a, p), (b, q) in zip(params, kept, strict=True)),
                     "keep the model's layers and parameters: set the numbers inside them "
                     "(w.zero_(), w[0, 0] = 1.0 under torch.no_grad()) instead of assigning new "
                     "layers or nn.Parameters; an optimiser or a saved state_dict still points "
                     "to the old ones.")
            c.expect(all(p.requires_grad for _, p in kept),
                     "set_exact_sum turned requires_grad off: set the numbers under "
                     "`with torch.no_grad():` instead, so that the model stays trainable.")
            c.expect(any(isinstance(m, nn.ReLU) for m in model.modules()),
                     "keep the architecture: phi must still end in its ReLU; only set the "
                     "numbers in the weights and biases.")
            with torch.random.fork_rng():
                torch.manual_seed(1)
                for card in (1, 7, 100, 1000):
                    x = torch.randint(1, 11, (8, card, 1)).float()
                    with torch.no_grad():
                        pred = model(x).reshape(-1)
                    c.expect(pred.shape == (8,),
                             f"model(x) should give one prediction per set, got shape "
                             f"{tuple(pred.shape)}.")
                    c.expect(torch.equal(pred, x.sum(dim=(1, 2))),
                             f"with hidden_dim={hidden_dim}, sets of {card} digits are not summed "
                             "exactly. phi should return x itself in one unit (weight 1, "
                             "bias 0) and 0 in every other unit (weights and biases 0); rho "
                             "should read that unit with weight 1 and bias 0.")
                x = torch.randint(1, 11, (8, 5, 1)).float()
            padded = torch.cat([torch.zeros(8, 20, 1), x], dim=1)
            with torch.no_grad():
                c.expect(torch.equal(model(padded).reshape(-1), model(x).reshape(-1)),
                         "zeros of padding change the prediction: phi(0) must be 0 in every "
                         "unit (check the biases).")

    with torch.random.fork_rng():  # the models' initial weights: not the notebook's draws
        torch.manual_seed(0)
        run_check("set_exact_sum", set_exact_sum, body)
