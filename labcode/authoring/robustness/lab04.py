"""Lab 04's headline claims over seeds (``make robustness``): permutation checks, what
invariance is worth, and the MLP width sweep.

Random, per seed: model inits and training batches (``seed_everything(seed)``), the digit
training set (``seed``), the reorderings (``seed``) and the width sweep's seeds (MLPs
``4 * seed + range(4)``, the DeepSet reference ``16 * seed + range(16)``); fixed: the test draws
(generators 1, 2, 3 and held-out seed 1).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from labcode.authoring.robustness.framework import Outcome, fmt, global_stream, steps_to_loss
from labcode.batched import train_steps_batched
from labcode.digits import DeepSets, LSTMBaseline, count_params, create_train_dataset
from labcode.permutations import logits_of, median_steps
from labcode.reproducibility import seed_everything
from labcode.symmetry import equivariance_deviation, invariance_deviation, permute_sets
from labcode.thirds import DeepSet, accuracy, make_data, mlp
from labcode.training import train_steps


def run(seed: int) -> list[Outcome]:
    """Lab 04. Random: model inits and training batches (``seed_everything(seed)``), the digit
    training set (``seed``), the reorderings (``seed``) and the width sweep's seeds (MLPs
    ``4 * seed + range(4)``, the DeepSet reference ``16 * seed + range(16)``); the test draws
    (generators 1, 2, 3 and held-out seed 1) are fixed.
    """
    seed_everything(seed)
    deepset, _ = train_steps(DeepSet(), make_data, steps=2000, progress=False)
    mlp32, _ = train_steps(mlp(hidden_dims=(32, 32)), make_data, steps=2000, progress=False)
    X_test, y_test = make_data(10_000, generator=1)
    acc = {"DeepSet": accuracy(deepset, X_test, y_test), "MLP": accuracy(mlp32, X_test, y_test)}
    models = {"DeepSet": deepset, "MLP": mlp32}

    # One set, four orders: the set itself and three reorderings.
    x = make_data(2, generator=2)[0][:1]
    g = torch.Generator().manual_seed(seed)
    batch = torch.cat([x, permute_sets(x.expand(3, -1, -1), generator=g)])
    with torch.no_grad():
        probs = {n: m(batch)[:, 0] for n, m in models.items()}
        logits = {n: logits_of(m, batch)[:, 0] for n, m in models.items()}
    spread = {n: float(v.max() - v.min()) for n, v in logits.items()}
    same_class = all(bool(((p > 0.5) == (p[0] > 0.5)).all()) for p in probs.values())

    # Many sets, many orders.
    X_check, _ = make_data(1000, generator=3)
    dev = {n: max(invariance_deviation(m, X_check, n_perms=100, seed=seed),
                  invariance_deviation(lambda X, m=m: logits_of(m, X), X_check, n_perms=100,
                                       seed=seed))
           for n, m in models.items()}
    phi_dev = equivariance_deviation(deepset.phi, X_check, n_perms=100, seed=seed)
    mlp_logit_dev = invariance_deviation(lambda X: logits_of(mlp32, X), X_check, n_perms=100,
                                         seed=seed)

    # The digit-sum models of Lab 02: a small LSTM and DeepSets.
    X_digits, y_digits = create_train_dataset(n_train=20_000, seed=seed)
    X_digits, y_digits = torch.as_tensor(X_digits), torch.as_tensor(y_digits, dtype=torch.float32)

    def draw_digits(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        i = torch.randint(len(X_digits), (n,))
        return X_digits[i], y_digits[i]

    lstm, _ = train_steps(LSTMBaseline(11, 16, 32), draw_digits, steps=1500, batch_size=64,
                          lr=1e-2, loss_fn=nn.MSELoss(), progress=False)
    deepsets, _ = train_steps(DeepSets(11, 16, 16), draw_digits, steps=1000, batch_size=64,
                              lr=1e-2, loss_fn=nn.MSELoss(), progress=False)
    X_held, y_held = create_train_dataset(n_train=1000, seed=1)
    X_held, y_held = torch.as_tensor(X_held), torch.as_tensor(y_held, dtype=torch.float32)
    with torch.no_grad():
        mae = {n: (m(X_held) - y_held).abs().mean().item()
               for n, m in (("LSTM", lstm), ("DeepSets", deepsets))}
    lstm_dev = invariance_deviation(lstm, X_held, n_perms=20, pad_value=0, seed=seed)
    deepsets_dev = invariance_deviation(deepsets, X_held, n_perms=20, pad_value=0, seed=seed)

    # How many parameters does the MLP need? Widths 8..64, four seeds each, 2000-step budget.
    widths, budget = [8, 16, 24, 32, 48, 64], 2000

    sweep_seeds = range(4 * seed, 4 * seed + 4)
    jobs = [(None, s) for s in range(16 * seed, 16 * seed + 16)] + [
        (w, s) for w in widths for s in sweep_seeds]
    sweep_models, draws = [], []
    for w, s in jobs:  # each run: its seed, its init, then its own batches (as the notebook)
        torch.manual_seed(s)
        sweep_models.append(DeepSet() if w is None else mlp(hidden_dims=(w, w)))
        stream = global_stream()
        draws.append(lambda n, g=stream: make_data(n, generator=g))
    histories = train_steps_batched(sweep_models, draws, steps=budget, progress=False,
                                    stop_below=0.05)
    runs = [{"params": count_params(m), "steps": steps_to_loss(h),
             "accuracy": accuracy(m, X_test, y_test)}
            for m, h in zip(sweep_models, histories, strict=True)]
    ds_runs = runs[:16]
    mlp_runs = {w: runs[16 + 4 * i:16 + 4 * i + 4] for i, w in enumerate(widths)}

    def median(rs: list[dict[str, float]]) -> float:
        return median_steps([r["steps"] for r in rs], budget)

    ds_median, n_ds = median(ds_runs), ds_runs[0]["params"]
    ratio = {w: rs[0]["params"] / n_ds for w, rs in mlp_runs.items()}
    faster = [w for w in widths if median(mlp_runs[w]) <= ds_median]
    slower = [w for w in widths if w not in faster]
    match = faster[0] if faster else None
    crossing = None
    if match is not None and match != widths[0]:
        below = max(w for w in widths if w < match)
        (p0, s0), (p1, s1) = [(np.log(ratio[w]), median(mlp_runs[w])) for w in (below, match)]
        crossing = float(np.exp(p0 + (s0 - ds_median) / (s0 - s1) * (p1 - p0)))
    medians = ", ".join(f"{w}: {median(mlp_runs[w]):.0f}" for w in widths)
    detail = f"DeepSet {ds_median:.0f}; MLP {medians}"
    ds_detail = "DeepSet steps " + ", ".join(fmt(r["steps"]) for r in ds_runs)
    median_ds_acc = float(np.median([r["accuracy"] for r in ds_runs]))
    converged_8 = sum(math.isfinite(r["steps"]) for r in mlp_runs[8])
    ratio_16 = median(mlp_runs[16]) / ds_median
    return [
        Outcome("DeepSet and MLP 32x32 test accuracy 1.00 after 2000 steps (figure: min)",
                min(acc.values()), all(round(a, 2) == 1.0 for a in acc.values())),
        Outcome("4 orders of one set: DeepSet logit spread <= 1e-6", spread["DeepSet"],
                spread["DeepSet"] <= 1e-6),
        Outcome("4 orders of one set: MLP logit spread > 0.01", spread["MLP"],
                spread["MLP"] > 0.01),
        Outcome("4 orders of one set: each model gives all 4 the same class", None, same_class),
        Outcome("DeepSet invariance deviation <= 1e-5 (key result)", dev["DeepSet"],
                dev["DeepSet"] <= 1e-5),
        Outcome("MLP invariance deviation > 1e-5 (key result: not invariant)", dev["MLP"],
                dev["MLP"] > 1e-5),
        Outcome("MLP logit deviation > 0.1", mlp_logit_dev, mlp_logit_dev > 0.1),
        Outcome("DeepSet phi equivariance deviation <= 1e-6", phi_dev, phi_dev <= 1e-6),
        Outcome("LSTM held-out MAE < 1", mae["LSTM"], mae["LSTM"] < 1),
        Outcome("DeepSets (digits) held-out MAE < 1", mae["DeepSets"], mae["DeepSets"] < 1),
        Outcome("LSTM prediction changes with order (> 0.1) (key result)", lstm_dev,
                lstm_dev > 0.1),
        Outcome("DeepSets (digits) invariance deviation <= 1e-4", deepsets_dev,
                deepsets_dev <= 1e-4),
        Outcome("sweep: DeepSet median steps (16 seeds) in 600..1200 (key result)", ds_median,
                600 <= ds_median <= 1200, ds_detail),
        Outcome("sweep: the median DeepSet run reaches test accuracy >= 0.995", median_ds_acc,
                median_ds_acc >= 0.995, ds_detail),
        Outcome("sweep: smaller MLPs slower, larger as fast or faster (figure: 1st fast)",
                match, slower == widths[:len(slower)], detail),
        Outcome("sweep: the 8x8 MLP never reaches loss < 0.05 (figure: runs that do)",
                converged_8, converged_8 == 0),
        Outcome("sweep: the 16x16 MLP needs > 1.2x the DeepSet's steps (figure: ratio)",
                ratio_16, ratio_16 > 1.2, detail),
        Outcome("sweep: smallest MLP as fast is 24x24, 32x32 or 48x48 (key result)", match,
                match in (24, 32, 48), detail),
        Outcome("sweep: interpolated break-even 10x..25x the DeepSet's parameters", crossing,
                crossing is not None and 10 <= crossing <= 25, detail),
    ]
