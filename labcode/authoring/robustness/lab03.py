"""Lab 03's headline claims over seeds (``make robustness``): a DeepSet vs an MLP on three
thirds or five fifths.

Random, per seed: model inits and training batches (``seed_everything(seed)``); fixed: the test
draw (generator 1).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from labcode.authoring.robustness.framework import Outcome, fmt, steps_to_loss
from labcode.digits import count_params
from labcode.reproducibility import seed_everything
from labcode.thirds import DeepSet, accuracy, make_data, mlp
from labcode.training import train_steps


def run(seed: int) -> list[Outcome]:
    """Lab 03, with labcode's twins of the notebook's code (``DeepSet`` is its DeepSet,
    ``mlp(hidden_dims=(16, 16))`` its ``MLP(16)``, ``train_steps`` its ``train``).

    Random: model inits and training batches (``seed_everything(seed)``); test draw fixed.
    """
    seed_everything(seed)
    deepset, ds_history = train_steps(DeepSet(), make_data, steps=4000, progress=False)
    mlp16, mlp_history = train_steps(mlp(hidden_dims=(16, 16)), make_data, steps=4000,
                                     progress=False)
    X_test, y_test = make_data(10_000, generator=1)
    n_ds, n_mlp = count_params(deepset), count_params(mlp16)
    steps_ds, steps_mlp = steps_to_loss(ds_history), steps_to_loss(mlp_history)
    acc_ds, acc_mlp = accuracy(deepset, X_test, y_test), accuracy(mlp16, X_test, y_test)
    with torch.no_grad():
        pooled = deepset.phi(X_test).sum(dim=1)[:, 0]
    by_class = [pooled[y_test[:, 0] == c] for c in (0, 1)]
    spread = max(float(v.max() - v.min()) for v in by_class)
    gap = float((by_class[0].mean() - by_class[1].mean()).abs())
    plateau = abs(float(np.mean(ds_history[100:150])) - math.log(2))
    mlp_drop = float(np.mean(mlp_history[:50]) - np.mean(mlp_history[100:150]))
    end = max(float(np.mean(h[-50:])) for h in (ds_history, mlp_history))
    n_vectors = len(torch.unique(X_test[:, :, 0], dim=0))
    steps = f"DeepSet {fmt(steps_ds)} steps, MLP {fmt(steps_mlp)}"
    return [
        Outcome("DeepSet 62 parameters, MLP 465 (figure: ratio)", n_mlp / n_ds,
                (n_ds, n_mlp) == (62, 465)),
        Outcome("372 different vectors among 10,000 instances (key result)", n_vectors,
                n_vectors == math.comb(10, 3) + math.comb(10, 5) == 372),
        Outcome("DeepSet loss < 0.05 within 4000 steps (key result; figure: steps)", steps_ds,
                math.isfinite(steps_ds), steps),
        Outcome("MLP loss < 0.05 within 4000 steps (key result; figure: steps)", steps_mlp,
                math.isfinite(steps_mlp), steps),
        Outcome("both mean losses over the last 50 steps < 0.03 (figure: max)", end,
                end < 0.03),
        Outcome("DeepSet loss sits on a plateau at ln 2 first (steps 101-150 within 0.02)",
                plateau, plateau < 0.02),
        Outcome("MLP loss falls at once (steps 1-50 minus steps 101-150 > 0.003)", mlp_drop,
                mlp_drop > 0.003),
        Outcome("DeepSet test accuracy 1.00", acc_ds, round(acc_ds, 2) == 1.0),
        Outcome("MLP test accuracy 1.00", acc_mlp, round(acc_mlp, 2) == 1.0),
        Outcome("DeepSet pools a class to one value (<= 1e-4), classes > 0.1 apart (gap)", gap,
                spread <= 1e-4 and gap > 0.1),
    ]
