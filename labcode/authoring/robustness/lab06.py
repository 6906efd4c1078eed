"""Lab 06's headline claims over seeds (``make robustness``): sets {x, -x}, which an odd phi
pools to one value.

Random, per seed: the phi inits and training batches (``seed_everything(seed)``); fixed: the
four pairs, the two same-sum sets and the test draw (generator 1).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from labcode.authoring.robustness.framework import Outcome
from labcode.reproducibility import seed_everything
from labcode.symmetric_pairs import PHI_CASES, make_symmetric_pairs, pair_model, random_phi
from labcode.thirds import accuracy
from labcode.training import train_steps


def run(seed: int) -> list[Outcome]:
    """Lab 06. Random: the phi inits and training batches (``seed_everything(seed)``); the four
    pairs, the two same-sum sets and the test draw are fixed.
    """
    seed_everything(seed)
    xs = torch.tensor([[1.0, 0.0], [0.0, 1.5], [0.6, 0.6], [-1.2, 0.4]])
    pairs = torch.stack([xs, -xs], dim=1)
    spread, oddness = {}, {}
    for label, (activation, biases) in PHI_CASES.items():
        phi = random_phi(activation, biases)
        with torch.no_grad():
            pooled = phi(pairs).sum(dim=1)
            oddness[label] = float((phi(-xs) + phi(xs)).abs().max())
        spread[label] = float((pooled - pooled[:1]).abs().max())
    collapse = ("linear", "affine", "tanh, no bias", "tanh + output bias")
    keep = [k for k in PHI_CASES if k not in collapse]
    odd = ("linear", "tanh, no bias")

    models = {"odd": pair_model("tanh", False), "tanh + bias": pair_model("tanh", True),
              "ReLU + bias": pair_model("relu", True)}
    histories = {}
    for name, model in models.items():
        _, histories[name] = train_steps(model, make_symmetric_pairs, steps=1000,
                                         batch_size=200, lr=1e-2, progress=False)
    X_test, y_test = make_symmetric_pairs(10_000, generator=1)
    acc = {name: accuracy(model, X_test, y_test) for name, model in models.items()}
    with torch.no_grad():
        odd_pooled = float(models["odd"].phi(X_test).sum(dim=1).abs().max())
        odd_loss = float(nn.functional.binary_cross_entropy(models["odd"](X_test), y_test))
    odd_min = min(histories["odd"])

    angles = torch.linspace(0, 2 * torch.pi, 181)
    logits = {}
    with torch.no_grad():
        for name in ("odd", "ReLU + bias"):
            for r in (0.6, 1.6):
                x = r * torch.stack([angles.cos(), angles.sin()], dim=1)
                logits[name, r] = models[name].logits(torch.stack([x, -x], dim=1))[:, 0]
    odd_curves = torch.cat([logits["odd", r] for r in (0.6, 1.6)])
    odd_flat = float(odd_curves.max() - odd_curves.min())
    relu_margin = min(-float(logits["ReLU + bias", 0.6].max()),
                      float(logits["ReLU + bias", 1.6].min()))
    period = max(float((c[:91] - c[90:]).abs().max()) for c in logits.values())

    X1 = torch.tensor([[1.2, -0.7], [-0.8, 0.5]])
    X2 = torch.tensor([[0.2, -0.3], [0.2, 0.1]])
    diff = {}
    for label, (activation, biases) in PHI_CASES.items():
        phi = random_phi(activation, biases)
        with torch.no_grad():
            diff[label] = float((phi(X1).sum(0) - phi(X2).sum(0)).abs().max())
    affine = ("linear", "affine")
    nonlinear = [k for k in PHI_CASES if k not in affine]
    return [
        Outcome("linear, affine, odd, odd + output bias phi: 4 {x,-x} pool alike (max)",
                max(spread[k] for k in collapse), all(spread[k] < 1e-5 for k in collapse)),
        Outcome("tanh + bias, ReLU phi: pooled values differ > 0.01 (min)",
                min(spread[k] for k in keep), all(spread[k] > 1e-2 for k in keep)),
        Outcome("odd column: only linear and tanh-no-bias phi are odd (min |phi(x)+phi(-x)|)",
                min(oddness[k] for k in PHI_CASES if k not in odd),
                all((oddness[k] < 1e-6) == (k in odd) for k in PHI_CASES)),
        Outcome("odd phi test accuracy 0.50 (key result)", acc["odd"], round(acc["odd"], 2) == 0.5),
        Outcome("odd phi pools every test set to 0 (< 1e-6)", odd_pooled, odd_pooled < 1e-6),
        Outcome("odd phi: test loss within 0.001 of ln 2 (figure: loss)", odd_loss,
                abs(odd_loss - math.log(2)) < 1e-3),
        Outcome("odd phi: batch loss never below ln 2 - 1e-4 (figure: min loss)", odd_min,
                odd_min > math.log(2) - 1e-4),
        Outcome("ReLU phi test accuracy 1.00 (key result)", acc["ReLU + bias"],
                round(acc["ReLU + bias"], 2) == 1.0),
        Outcome("tanh + bias and ReLU phi reach >= 0.95 (figure: min)",
                min(acc["tanh + bias"], acc["ReLU + bias"]),
                acc["tanh + bias"] >= 0.95 and acc["ReLU + bias"] >= 0.95),
        Outcome("figure: odd phi logit flat, same for both norms (figure: spread)", odd_flat,
                odd_flat < 1e-5),
        Outcome("figure: ReLU logit < -1 for |x| = 0.6, > 1 for 1.6 at every angle (margin)",
                relu_margin, relu_margin > 1),
        Outcome("figure: every logit curve has period 180 degrees (figure: max gap)", period,
                period < 1e-3),
        Outcome("same element sum: only linear/affine phi pool X1, X2 alike (gap > 1e-3, min)",
                min(diff[k] for k in nonlinear),
                all(diff[k] < 1e-5 for k in affine) and all(diff[k] > 1e-3 for k in nonlinear)),
    ]
