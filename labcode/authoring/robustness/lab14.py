"""Lab 14's headline claims over seeds (``make robustness``): when elements must interact.

Random, per seed: every model's initialisation and training batches (the notebook seeds its
three trainings with 1, 2, 3; seed ``s`` uses ``3 s + 1``, ``3 s + 2``, ``3 s + 3``), and the
sets of the balance check. Fixed: the test sets (``accuracy_by_size``'s ``seed=1234``), as in
the notebook, because the claims are about the models.
"""

from __future__ import annotations

import torch

from labcode import interactions
from labcode.authoring.robustness.framework import Outcome
from labcode.reproducibility import seed_everything
from labcode.symmetry import invariance_deviation
from labcode.training import train_steps

#: The notebook's settings.
TRAIN_SIZE, TEST_SIZES = 10, (5, 10, 20, 40)
STEPS, BATCH, LR = 400, 64, 3e-3
HIDDEN, LATENT = 16, 8
#: The notebook's training seed of each model.
SEEDS = {"DeepSets": 1, "pairwise": 2, "SAB": 3}


def fit(name: str, seed: int) -> tuple[torch.nn.Module, dict[int, float]]:
    """Train one of the three models as the notebook does; its accuracy per test size."""
    seed_everything(seed)
    model = interactions.make_models(hidden_dim=HIDDEN, latent_dim=LATENT)[name]
    train_steps(model, lambda b: interactions.make_repeats(b, TRAIN_SIZE), steps=STEPS,
                batch_size=BATCH, lr=LR, progress=False)
    return model, interactions.accuracy_by_size(model, TEST_SIZES)


def run(seed: int) -> list[Outcome]:
    out = []
    balanced = all(
        float(interactions.make_repeats(2000, n, seed=1000 * seed + n)[1].mean()) == 0.5
        for n in TEST_SIZES)
    out.append(Outcome("every test size: exactly half of the sets have a repeat", None,
                       balanced))
    models, scores = {}, {}
    for name, offset in SEEDS.items():
        models[name], scores[name] = fit(name, 3 * seed + offset)
    worst_pair = min(scores["pairwise"].values())
    best_deepsets = max(scores["DeepSets"].values())
    best_sab = max(scores["SAB"].values())
    out += [
        Outcome("pairwise pooling: accuracy >= 0.97 at every n = 5..40", worst_pair,
                worst_pair >= 0.97),
        Outcome("DeepSets (L = 8): accuracy <= 0.65 at every n", best_deepsets,
                best_deepsets <= 0.65),
        Outcome("one SAB (L = 8): accuracy <= 0.70 at every n", best_sab, best_sab <= 0.70),
    ]
    pair = models["pairwise"]
    with torch.no_grad():
        h = pair.embedding(interactions.make_repeats(50, 10, seed=3 + seed)[0])
        pooled = pair.encode(h)
        deviation = invariance_deviation(
            lambda s: interactions.pairwise_pool(pair.pair_features, s, "max"), h, seed=seed)
    relative = deviation / float(pooled.abs().max())
    out.append(Outcome("pairwise pooling of the trained psi: reordering changes < 1e-5 "
                       "(relative)", relative, relative <= 1e-5))
    counts = [interactions.operation_counts(n) for n in (80, 160)]
    ratios = {k: counts[1][k] / counts[0][k] for k in counts[0]}
    out.append(Outcome("n 80 -> 160: evaluations x2 (DeepSets), x~4 (pairwise, SAB)",
                       ratios["pairwise"],
                       ratios["DeepSets"] == 2 and 3.9 < ratios["pairwise"] < 4.1
                       and ratios["SAB"] == 4))
    return out
