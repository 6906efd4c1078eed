"""Lab 14's headline claims over seeds (``make robustness``): When elements must interact.

Random, per seed: the sets drawn (``make_sets(seed=seed)``) and the order they are put in
(``seed_everything(seed)``). Fixed: nothing else; the template trains no model.
"""

from __future__ import annotations

import torch

from labcode.authoring.robustness.framework import Outcome
from labcode.interactions import make_sets
from labcode.reproducibility import seed_everything


def run(seed: int) -> list[Outcome]:
    """Lab 14, section 2: reordering the elements of a set leaves its sum unchanged."""
    seed_everything(seed)
    X = make_sets(n_sets=4, set_size=3, seed=seed)
    order = torch.randperm(X.shape[1])
    gap = float((X[:, order].sum(dim=1) - X.sum(dim=1)).abs().max())
    return [Outcome("reordered sets: same sums (largest change < 1e-6)", gap, gap < 1e-6)]
