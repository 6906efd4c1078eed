"""Lab 07's headline claims over seeds (``make robustness``): which pooling learns which task.

Random, per seed: the training sets (``seed``), model inits (``seed``) and training order
(``train(seed=seed)``); fixed: the test sets (seed 1), so the best constants are too.
"""

from __future__ import annotations

import numpy as np
import torch

from labcode.authoring.robustness.framework import Outcome
from labcode.batched import train_batched
from labcode.digits import create_train_dataset
from labcode.pooling_tasks import TASKS, PooledSetModel, best_constant, padded_test_sets
from labcode.reproducibility import seed_everything

#: The notebook's settings: the poolings compared, the numbers (1..TOP), the test groups.
POOLINGS = ["sum", "mean", "max", "attention"]
TOP = 50  # the numbers are 1..TOP
GROUPS = {"1-10": range(1, 11), "41-50": range(41, 51)}
#: The cells the page says are learned: (task, pooling).
SOLVED = {("sum", "sum"), ("count", "sum"), ("mean", "mean"), ("max", "max"),
          ("max", "attention"), ("mean", "attention")}


def run(seed: int) -> list[Outcome]:
    """Lab 07. Random: the training sets (``seed``), model inits (``seed``) and training order
    (``train(seed=seed)``); the test sets are fixed (seed 1), so the best constants are too.
    """
    seed_everything(seed)
    X_train, _ = create_train_dataset(n_train=30_000, max_digit=TOP, seed=seed)
    X_test = {group: padded_test_sets(sizes, max_digit=TOP) for group, sizes in GROUPS.items()}

    def fit(pooling: str) -> dict[str, dict[str, float]]:
        """One model per task from the same init, trained as one batched model."""
        models = []
        for _ in TASKS:
            torch.manual_seed(seed)
            models.append(PooledSetModel(pooling, input_dim=TOP + 1, hidden_dim=32,
                                         pma_feedforward=False))
        train_batched(models, X_train, [t(X_train).astype(np.float32) for t in TASKS.values()],
                      epochs=3, batch_size=128, lr=1.5e-2, final_lr=1e-3, seed=seed,
                      progress=False)
        acc: dict[str, dict[str, float]] = {task: {} for task in TASKS}
        with torch.no_grad():
            for task, model in zip(TASKS, models, strict=True):
                for group, X in X_test.items():
                    error = model(torch.from_numpy(X)).numpy() - TASKS[task](X)
                    acc[task][group] = float((np.abs(error) < 0.5).mean())
        return acc

    by_pooling = {p: fit(p) for p in POOLINGS}
    acc = {(task, p): by_pooling[p][task] for task in TASKS for p in POOLINGS}
    const = {(task, g): best_constant(TASKS[task](X)) for task in TASKS
             for g, X in X_test.items()}
    others = [(t, p) for t in TASKS for p in POOLINGS if (t, p) not in SOLVED]
    solved_out = min(acc[c]["41-50"] for c in SOLVED)
    solved_in = min(acc[c]["1-10"] for c in SOLVED - {("max", "max")})
    max_in = acc["max", "max"]["1-10"]
    others_out = max(acc[c]["41-50"] for c in others)
    above_const = max(acc[t, p]["41-50"] - const[t, "41-50"] for t, p in others)
    others_in = max(acc[c]["1-10"] for c in others)
    missed = max(acc[t, p]["41-50"] for t in ("sum", "count")
                 for p in ("mean", "max", "attention"))

    torch.manual_seed(seed)
    once, thrice = torch.tensor([[3, 7, 0, 0, 0, 0]]), torch.tensor([[3, 7, 3, 7, 3, 7]])
    repeat = {}
    for p in POOLINGS:
        model = PooledSetModel(p, input_dim=TOP + 1, hidden_dim=32, pma_feedforward=False)
        with torch.no_grad():
            repeat[p] = float((model.encode(once) - model.encode(thrice)).abs().max())
    return [
        Outcome("learned cells (table), acc at 41-50 >= 0.95 (figure: min)", solved_out,
                solved_out >= 0.95),
        Outcome("learned cells but max/max, acc at 1-10 >= 0.95 (figure: min)", solved_in,
                solved_in >= 0.95),
        Outcome("max pooling, max task, acc at 1-10 >= 0.9", max_in, max_in >= 0.9),
        Outcome("every other cell, acc at 41-50 <= 0.1 (figure: max)", others_out,
                others_out <= 0.1),
        Outcome("every other cell at 41-50 <= best constant + 0.05 (figure: max excess)",
                above_const, above_const <= 0.05),
        Outcome("every other cell, acc at 1-10 <= 0.75 (figure: max)", others_in,
                others_in <= 0.75),
        Outcome("best constant <= 0.65 everywhere (figure: max)", max(const.values()),
                max(const.values()) <= 0.65),
        Outcome("key result: mean/max/attention on sum and count at 41-50 rounds to 0.0",
                missed, round(missed, 1) == 0.0),
        Outcome("repeating every element changes only the sum pooling (figure: max other)",
                max(repeat[p] for p in ("mean", "max", "attention")),
                repeat["sum"] > 0.1 and all(repeat[p] < 1e-5
                                             for p in ("mean", "max", "attention"))),
    ]
