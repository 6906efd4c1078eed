"""Self-checks of Lab 05: the hand-set sum DeepSet."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks._common import (
    _Checker,
    _run,
)


def check_exact_sum(set_exact_sum: Callable[..., object], SumDeepSet: type) -> None:
    """Self-check for Lab 05's ``set_exact_sum(model)``: exact sums at every cardinality."""
    import torch
    from torch import nn

    def body(c: _Checker) -> None:
        for hidden_dim in (1, 4):
            model = SumDeepSet(hidden_dim=hidden_dim)
            out = set_exact_sum(model)
            c.expect(out is None or out is model,
                     "set_exact_sum should change the given model in place (and return it or "
                     "nothing), not build a new one.")
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

    _run("set_exact_sum", set_exact_sum, body)
