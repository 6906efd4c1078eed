"""Lab 05's headline claims over seeds (``make robustness``): removing phi's nonlinearity, the
ReLU initialisations that get stuck, and the hand-set sum models.

Random, per seed: model inits and batches (``seed_everything(seed)``), the ReLU inits
(``16 * seed + range(16)``) and the digit sets of the hand-set models; fixed: the test draw
(generator 1).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from torch import nn

from labcode.authoring.robustness.framework import Outcome, global_stream
from labcode.batched import train_steps_batched
from labcode.digits import DeepSets
from labcode.nonlinearity import (
    SumDeepSet,
    padding_effect,
    pooled,
    separation,
    set_exact_sum,
    set_exact_sum_lab02,
)
from labcode.reproducibility import seed_everything
from labcode.thirds import DeepSet, accuracy, make_data
from labcode.training import train_steps


def _pooled_spread(model: nn.Module, X: torch.Tensor) -> float:
    """Largest minus smallest pooled value sum_i phi(x_i) over the instances of X."""
    p = pooled(model, X)
    return float(p.max() - p.min())


def _switch_is_lost(phi: nn.Module) -> bool:
    """Among the inputs 0, 1/5, 1/3 no second-layer unit of phi switches on or off, and a
    first-layer unit switches only if every second-layer unit is off at all three."""
    inputs = torch.tensor([[0.0], [1 / 5], [1 / 3]])
    with torch.no_grad():
        on1, on2 = phi[:2](inputs) > 0, phi[:4](inputs) > 0
    return bool((on2 == on2[:1]).all()) and (bool((on1 == on1[:1]).all()) or not on2.any())


def _class_grad_gap(phi: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Largest |ds/dtheta (class 0) - ds/dtheta (class 1)| for one instance of each class."""
    pair = torch.cat([X[y[:, 0] == c][:1] for c in (0, 1)])
    params = list(phi.parameters())
    ds = [torch.autograd.grad(phi(pair[c:c + 1]).sum(), params) for c in (0, 1)]
    return max(float((a - b).abs().max()) for a, b in zip(*ds, strict=True))


def run(seed: int) -> list[Outcome]:
    """Lab 05. Random: model inits and batches (``seed_everything(seed)``), the ReLU inits
    (``16 * seed + range(16)``) and the digit sets of the hand-set models; test draw fixed.
    """
    seed_everything(seed)

    def fit(model: nn.Module, steps: int = 2000) -> tuple[nn.Module, list[float]]:
        return train_steps(model, make_data, steps=steps, batch_size=200, lr=1e-2,
                           stop_below=0.01, progress=False)

    tanh_model, tanh_history = fit(DeepSet(activation="tanh"))
    affine_model, affine_history = fit(DeepSet(activation="none"))
    X_test, y_test = make_data(10_000, generator=1)
    acc_tanh = accuracy(tanh_model, X_test, y_test)
    with torch.no_grad():
        out = affine_model(X_test)
        loss_affine = float(nn.functional.binary_cross_entropy(out, y_test))
    out_spread = float(out.max() - out.min())
    ln2_gap = abs(float(np.mean(affine_history[-50:])) - math.log(2))
    tanh_start = max(abs(h - math.log(2)) for h in tanh_history[5:25])
    sep_affine, sep_tanh = separation(affine_model.phi), separation(tanh_model.phi)
    affine_spread = _pooled_spread(affine_model, X_test)
    class_spread, gap = {}, {}
    for name, model in (("affine", affine_model), ("tanh", tanh_model)):
        p = pooled(model, X_test)
        p0, p1 = p[y_test[:, 0] == 0], p[y_test[:, 0] == 1]
        class_spread[name] = float(max(p0.max() - p0.min(), p1.max() - p1.min()))
        gap[name] = float((p0.mean() - p1.mean()).abs())

    relu_models, draws = [], []
    for s in range(16 * seed, 16 * seed + 16):  # each: its seed, its init, its own batches
        torch.manual_seed(s)
        relu_models.append(DeepSet(activation="relu", hidden_dim=3))
        stream = global_stream()
        draws.append(lambda n, g=stream: make_data(n, generator=g))
    histories = train_steps_batched(relu_models, draws, steps=1000, batch_size=200, lr=1e-2,
                                    stop_below=0.01, progress=False)
    relu_runs = [{"model": model, "accuracy": accuracy(model, X_test, y_test),
                  "loss": float(np.mean(history[-50:])), "separation": separation(model.phi)}
                 for model, history in zip(relu_models, histories, strict=True)]
    successes = [r for r in relu_runs if r["accuracy"] >= 0.99]
    failures = [r for r in relu_runs if r["accuracy"] < 0.99]
    relu_detail = "inits " + ", ".join(
        f"{16 * seed + i}: {'ok' if r['accuracy'] >= 0.99 else 'stuck'}"
        for i, r in enumerate(relu_runs))
    stuck_gap = max((abs(r["loss"] - math.log(2)) for r in failures), default=0.0)
    stuck = all(abs(r["loss"] - math.log(2)) < 1e-3
                and _pooled_spread(r["model"], X_test) < 1e-4
                and abs(r["separation"]) < 1e-4 for r in failures)
    lost = all(_switch_is_lost(r["model"].phi) for r in failures)
    class_gap = max((_class_grad_gap(r["model"].phi, X_test, y_test) for r in failures),
                    default=0.0)
    g = torch.Generator().manual_seed(0)
    grad, near_spread = 0.0, 0.0
    for r in failures:
        r["model"].zero_grad()
        nn.functional.binary_cross_entropy(r["model"](X_test), y_test).backward()
        grad = max(grad, max(float(q.grad.abs().max()) for q in r["model"].parameters()))
        r["model"].zero_grad()
        for _ in range(5):
            near = copy.deepcopy(r["model"])
            with torch.no_grad():
                for q in near.parameters():
                    q.add_(1e-3 * torch.randn(q.shape, generator=g))
            near_spread = max(near_spread, _pooled_spread(near, X_test))

    cardinalities = [1, 5, 10, 50, 100, 500, 1000]
    exact_model = set_exact_sum(SumDeepSet(hidden_dim=4))
    lab02_model = set_exact_sum_lab02(DeepSets(input_dim=11, embedding_dim=128, hidden_dim=64))
    sum_error, lab02_error = 0.0, 0.0
    with torch.no_grad():
        for n in cardinalities:
            x = torch.randint(1, 11, (100, n, 1)).float()
            sum_error = max(sum_error, float((exact_model(x) - x.sum(dim=(1, 2))).abs().max()))
        for n in cardinalities:
            x = torch.randint(1, 11, (100, n))
            lab02_error = max(lab02_error, float((lab02_model(x) - x.sum(dim=1)).abs().max()))
        x = torch.randint(1, 11, (100, 5))
        table = []
        for pad_0, pad_1 in ((0.0, 0.0), (0.0, 0.5), (1 / 20, 0.0)):
            norm, contribution, shift = padding_effect(x, pad_0=pad_0, pad_1=pad_1)
            table.append((round(norm, 2), round(contribution, 2) + 0.0, round(shift, 2) + 0.0))
    page_table = [(0.0, 0.0, 0.0), (0.46, 0.0, 0.0), (0.05, 1.0, 5.0)]
    return [
        Outcome("affine phi test loss 0.693 = ln 2 (key result; figure: loss)", loss_affine,
                round(loss_affine, 3) == 0.693),
        Outcome("affine phi: one output for all (spread < 1e-5, figure), about 1/2", out_spread,
                out_spread < 1e-5 and abs(float(out.mean()) - 0.5) < 0.02),
        Outcome("tanh phi test accuracy 1.00 (key result)", acc_tanh, round(acc_tanh, 2) == 1.0),
        Outcome("affine phi: 2000 steps, last-50 loss within 0.001 of ln 2 (|gap|)", ln2_gap,
                ln2_gap < 1e-3 and len(affine_history) == 2000),
        Outcome("one pooled value per class; classes apart (> 0.1) for tanh only (tanh gap)",
                gap["tanh"], max(class_spread.values()) < 1e-4 and gap["tanh"] > 0.1
                and affine_spread < 1e-4),
        Outcome("affine phi: |separation| < 1e-5", abs(sep_affine), abs(sep_affine) < 1e-5),
        Outcome("tanh phi: |separation| > 0.1", abs(sep_tanh), abs(sep_tanh) > 0.1),
        Outcome("tanh: steps 5..24 within 0.01 of ln 2 (figure: max gap)", tanh_start,
                tanh_start < 0.01),
        Outcome("ReLU phi (3 units), 16 inits: some succeed, some fail (figure: successes)",
                len(successes), 0 < len(successes) < len(relu_runs), relu_detail),
        Outcome("ReLU failures: loss ln 2, one pooled value, separation 0 (max loss gap)",
                stuck_gap, stuck, relu_detail),
        Outcome("ReLU failures: no unit switches among the data, or the switch is lost", None,
                lost, relu_detail),
        Outcome("ReLU failures: ds/dtheta the same for both classes (figure: max gap)",
                class_gap, class_gap < 1e-4),
        Outcome("ReLU failures: every gradient < 1e-4 (figure: max |gradient|)", grad,
                grad < 1e-4),
        Outcome("ReLU failures: params +- 1e-3 still pool together (figure: max spread)",
                near_spread, near_spread < 1e-4),
        Outcome("ReLU successes: |separation| > 0.1 (figure: min)",
                min((abs(r["separation"]) for r in successes), default=None),
                all(abs(r["separation"]) > 0.1 for r in successes)),
        Outcome("hand-set sum DeepSet exact up to 1,000 elements (figure: max error)",
                sum_error, sum_error == 0),
        Outcome("hand-set Lab 02 DeepSets error < 0.01 up to 1,000 (figure: max error)",
                lab02_error, lab02_error < 0.01),
        Outcome("padding table: pads add 0.00, 0.00 (w.phi(pad) = 0), 5.00 (figure: last)",
                table[2][2], table == page_table, f"table {table}"),
    ]
