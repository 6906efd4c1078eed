"""Lab 12's headline claims over seeds (``make robustness``): sets as outputs.

Random, per seed: the model's initial weights and the training batches (``seed``, the same
for the three losses, as on the page), the test sets (``seed + 1``: the page uses seed 1 with
seed 0) and the random batch of the invariance test. Fixed: the sizes and the schedule.
"""

from __future__ import annotations

import torch

from labcode.authoring.robustness.framework import Outcome
from labcode.reproducibility import seed_everything
from labcode.set_outputs import (
    SetPredictor,
    centre_spread,
    chamfer,
    fixed_order_mse,
    hungarian_loss,
    is_permutation_invariant,
    make_mixtures,
    matched_error,
)
from labcode.training import train_steps

#: The notebook's settings.
K, SET_SIZE, HIDDEN, STEPS, BATCH, LR = 3, 32, 64, 800, 64, 3e-3
LOSSES = {"fixed-order MSE": fixed_order_mse, "Hungarian": hungarian_loss, "Chamfer": chamfer}


def run(seed: int) -> list[Outcome]:
    """Lab 12: the three losses' invariance (section 3), the trained models' matched error
    and spread (section 5), Chamfer's blindness to multiplicities (section 6)."""
    seed_everything(seed)
    pred, target = torch.randn(8, K, 2), torch.randn(8, K, 2)
    invariant = {name: is_permutation_invariant(fn, pred, target)
                 for name, fn in LOSSES.items()}

    models = {}
    for name, loss_fn in LOSSES.items():
        seed_everything(seed)
        models[name] = SetPredictor(k=K, hidden_dim=HIDDEN)
        gen = torch.Generator().manual_seed(seed)

        def draw(n: int, gen: torch.Generator = gen) -> tuple[torch.Tensor, torch.Tensor]:
            return make_mixtures(n, set_size=SET_SIZE, k=K, seed=gen)

        train_steps(models[name], draw, steps=STEPS, batch_size=BATCH, lr=LR,
                    loss_fn=loss_fn, progress=False)
    points, centres = make_mixtures(1000, set_size=SET_SIZE, k=K, seed=seed + 1)
    true_spread = centre_spread(centres)
    with torch.no_grad():
        preds = {name: m(points) for name, m in models.items()}
    preds["mean"] = points.mean(dim=1, keepdim=True).expand(-1, K, -1)
    error = {n: float(matched_error(p, centres).mean()) for n, p in preds.items()}
    spread = {n: float((centre_spread(p) / true_spread).median()) for n, p in preds.items()}

    set_spread = min(spread["Hungarian"], spread["Chamfer"])
    ratio = max(error["Hungarian"], error["Chamfer"]) / error["fixed-order MSE"]
    vs_mean = abs(error["fixed-order MSE"] / error["mean"] - 1)
    a, b = [0.0, 0.0], [1.0, 0.0]
    aab, abb = torch.tensor([[a, a, b]]), torch.tensor([[a, b, b]])
    ch, hu = float(chamfer(aab, abb)), float(hungarian_loss(aab, abb))
    inv_ok = invariant == {"fixed-order MSE": False, "Hungarian": True, "Chamfer": True}
    return [
        Outcome("invariance test: MSE no, Hungarian yes, Chamfer yes", None, inv_ok),
        Outcome("fixed-order MSE: spread of predicted centres < 0.2", spread["fixed-order MSE"],
                spread["fixed-order MSE"] < 0.2),
        Outcome("Hungarian and Chamfer: spread > 0.8 (figure: min)", set_spread,
                set_spread > 0.8),
        Outcome("Hungarian and Chamfer: matched error < 0.5 x MSE's (figure: max ratio)",
                ratio, ratio < 0.5),
        Outcome("MSE's matched error within 15% of all-at-the-mean's (figure: |ratio - 1|)",
                vs_mean, vs_mean < 0.15),
        Outcome("{a,a,b} vs {a,b,b}: Chamfer 0, Hungarian 1/3 (figure: Hungarian)", hu,
                ch == 0 and abs(hu - 1 / 3) < 1e-6),
    ]
