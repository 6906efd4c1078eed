"""Lab 08's headline claims over seeds (``make robustness``): mini-batch consistency and
streaming encoders.

Random, per seed: the huge set (seed ``8 + seed``), phi, PMA and SSE inits
(``seed_everything(seed)``, ``seed + 1``, ``seed + 2``), the random slots (``seed + 3``), the
training draws and inits (``seed``); fixed: the validation sets (seed 99).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
from torch import nn

from labcode.authoring.robustness.framework import Outcome
from labcode.pooling import PMA, SlotSetEncoder, pool
from labcode.pooling_tasks import PooledSetModel
from labcode.reproducibility import seed_everything
from labcode.streaming import aggregate, make_mixture_sets, predict_streamed, stream_pma
from labcode.symmetry import invariance_deviation, minibatch_consistency_error
from labcode.training import train_steps

#: g = the size-weighted mean of the chunks' encodings (the right g for mean pooling).
_weighted_mean = partial(aggregate, how="mean")


def _plain_mean(parts: list[torch.Tensor], sizes: list[int]) -> torch.Tensor:
    """g = the plain mean of the chunks' encodings, blind to their sizes (the wrong g)."""
    return torch.stack(parts).mean(0)


def run(seed: int) -> list[Outcome]:
    """Lab 08. Random: the huge set (seed ``8 + seed``), phi, PMA and SSE inits
    (``seed_everything(seed)``, ``seed + 1``, ``seed + 2``), the random slots (``seed + 3``),
    the training draws and inits (``seed``); the validation sets are fixed (seed 99).
    """
    seed_everything(seed)
    points, centres = make_mixture_sets(n_sets=1, set_size=200_000, seed=8 + seed)
    X = torch.from_numpy(points)
    sizes = [50_000, 20_000, 80_000, 1_000, 49_000]
    phi = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16))
    X_sorted = X.sort(dim=1).values

    with torch.no_grad():
        errors = [minibatch_consistency_error(lambda x, how=how: pool(phi(x), how),
                                              partial(aggregate, how=how), data, sizes)
                  for how in ("sum", "mean", "max") for data in (X, X_sorted)]
        naive_mean = minibatch_consistency_error(lambda x: pool(phi(x), "mean"), _plain_mean,
                                                 X, sizes)
        torch.manual_seed(seed + 1)
        pma = PMA(16, num_heads=1, num_seeds=1)

        def encode_pma(x: torch.Tensor) -> torch.Tensor:
            return pma(phi(x))

        pma_plain = minibatch_consistency_error(encode_pma, _plain_mean, X, sizes)
        pma_weighted = minibatch_consistency_error(encode_pma, _weighted_mean, X, sizes)
        pma_sorted = min(minibatch_consistency_error(encode_pma, g, X_sorted, sizes)
                         for g in (_plain_mean, _weighted_mean))
        sorted_detail = f"centres {centres[0, 0]:.2f}, {centres[0, 1]:.2f}"
        mean_sorted = minibatch_consistency_error(lambda x: pool(phi(x), "mean"),
                                                  _weighted_mean, X_sorted, sizes)
        online = {}  # the PMA streamed with the online softmax, sorted stream
        for dtype in (torch.float64, torch.float32):
            phi, pma = phi.to(dtype), pma.to(dtype)
            data = X_sorted.to(dtype)
            whole = encode_pma(data)
            streamed = stream_pma(pma, (phi(c) for c in data.split(sizes, dim=1)))
            online[dtype] = float((streamed - whole).abs().max() / whole.abs().max())
        torch.manual_seed(seed + 2)
        sse = SlotSetEncoder(16, num_slots=4, slot_dim=16, key_dim=16, out_dim=16)

        def encode_sse(x: torch.Tensor) -> torch.Tensor:
            return sse(phi(x))

        def sum_g(parts: list[torch.Tensor], _: list[int]) -> torch.Tensor:
            return sse.aggregate(parts)

        sse32 = max(minibatch_consistency_error(encode_sse, sum_g, data, sizes)
                    for data in (X, X_sorted))
        phi.double()
        sse.double()
        err64 = minibatch_consistency_error(encode_sse, sum_g, X.double(), sizes)
        phi.float()
        sse.float()
        g_errors = {name: minibatch_consistency_error(encode_sse, g, X, sizes)
                    for name, g in {"mean": _plain_mean,
                                    "max": lambda p, _: torch.stack(p).max(0).values,
                                    "min": lambda p, _: torch.stack(p).min(0).values}.items()}
        g_detail = ", ".join(f"{k} {v:.2f}" for k, v in g_errors.items())
        torch.manual_seed(seed + 3)
        shared_slots = torch.randn(4, 16)
        slots_shared = minibatch_consistency_error(lambda x: sse(phi(x), slots=shared_slots),
                                                   sum_g, X, sizes)
        slots_fresh = minibatch_consistency_error(
            lambda x: sse(phi(x), slots=torch.randn(4, 16)), sum_g, X, sizes)
        small = X[:, :500]
        out = sse(phi(small))
        scale = float(out.abs().max())
        relative = invariance_deviation(encode_sse, small, n_perms=20, seed=seed) / scale
        perm = torch.randperm(4)
        slot_gap = float((sse(phi(small), slots=sse.slots[perm]) - out[:, perm]).abs().max()
                         ) / scale

    draws = np.random.default_rng(seed)

    def draw(batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, c = make_mixture_sets(batch_size, 128, seed=int(draws.integers(2**31)))
        return torch.from_numpy(x), torch.from_numpy(c)

    models = {}
    for name, pooling in {"mean": "mean", "SSE": "slots", "PMA": "attention"}.items():
        torch.manual_seed(seed)
        model = PooledSetModel(pooling, in_features=1, hidden_dim=16, out_features=2,
                               rho_hidden_dim=32)
        models[name], _ = train_steps(model, draw, steps=500, batch_size=32, lr=3e-3,
                                      loss_fn=nn.L1Loss(), progress=False)
    x_val, c_val = (torch.from_numpy(a) for a in make_mixture_sets(500, 128, seed=99))
    with torch.no_grad():
        val_mae = max(float((m(x_val) - c_val).abs().mean()) for m in models.values())
        gap = {n: float((m(X) - predict_streamed(m, X_sorted.split(sizes, dim=1))).abs().max())
               for n, m in models.items()}
        pma_mean_gap = float((models["PMA"](X) - predict_streamed(
            models["PMA"], X_sorted.split(sizes, dim=1), online=False)).abs().max())
        # The notebook's section 5: disjoint n-point sets, error and distance to the limit.
        truth = torch.from_numpy(centres)
        curves = {}
        for name in ("mean", "SSE"):
            limit = predict_streamed(models[name], X.split(10_000, dim=1))
            error, to_limit = [], []
            for n in (100, 1_000, 10_000, 100_000):
                guess = predict_streamed(models[name], X.reshape(-1, n, 1).split(10_000, dim=1))
                error.append(float((guess - truth).abs().mean()))
                to_limit.append(float((guess - limit).abs().mean()))
            curves[name] = (error, to_limit, float((limit - truth).abs().mean()))
    outcomes = [
        Outcome("sum/mean/max pooling consistent (error <= 1e-5), random + sorted (max)",
                max(errors), max(errors) <= 1e-5),
        Outcome("plain mean of chunk means not consistent (error > 1e-4)", naive_mean,
                naive_mean > 1e-4),
        Outcome("PMA, plain mean of chunks: error >= 1e-4", pma_plain, pma_plain >= 1e-4),
        Outcome("PMA, size-weighted mean, random order: error < 1e-4", pma_weighted,
                pma_weighted < 1e-4),
        Outcome("PMA, sorted stream: error > 1e-3 with both means (figure: min)", pma_sorted,
                pma_sorted > 1e-3, sorted_detail),
        Outcome("mean pooling, sorted stream, size-weighted g: error <= 1e-5", mean_sorted,
                mean_sorted <= 1e-5),
        Outcome("PMA, sorted stream, online softmax, float64: error < 1e-13",
                online[torch.float64], online[torch.float64] < 1e-13),
        Outcome("PMA, sorted stream, online softmax, float32: error <= 1e-3",
                online[torch.float32], online[torch.float32] <= 1e-3),
        Outcome("PMA with a mean of chunk outputs: not consistent on every partition tried",
                max(pma_plain, pma_weighted, pma_sorted),
                max(pma_plain, pma_weighted, pma_sorted) > 1e-5),
        Outcome("SSE consistent in float32 (<= 1e-5), random + sorted (max)", sse32,
                sse32 <= 1e-5),
        Outcome("SSE consistent in float64 (error < 1e-13) (key result)", err64, err64 < 1e-13),
        Outcome("SSE, g = mean: error 1 - 1/p = 0.8 (figure: |error - 0.8|)",
                abs(g_errors["mean"] - 0.8), abs(g_errors["mean"] - 0.8) < 1e-4, g_detail),
        Outcome("SSE, g = max and min: error > 0.1 (figure: min)",
                min(g_errors["max"], g_errors["min"]),
                min(g_errors["max"], g_errors["min"]) > 0.1, g_detail),
        Outcome("SSE, random slots shared by all chunks: error <= 1e-5", slots_shared,
                slots_shared <= 1e-5),
        Outcome("SSE, fresh random slots per chunk: error > 0.01", slots_fresh,
                slots_fresh > 0.01),
        Outcome("SSE invariant and slot-equivariant (relative <= 1e-5) (figure: max)",
                max(relative, slot_gap), max(relative, slot_gap) <= 1e-5),
        Outcome("trained mean, SSE, PMA: validation MAE < 0.3 (figure: max)", val_mae,
                val_mae < 0.3),
        Outcome("trained mean, SSE, PMA (online softmax): whole = streamed to 1e-3 (max gap)",
                max(gap.values()), max(gap.values()) <= 1e-3,
                ", ".join(f"{k} {v:.0e}" for k, v in gap.items())),
        Outcome("trained PMA streamed with the size-weighted mean: gap > 1e-2", pma_mean_gap,
                pma_mean_gap > 1e-2),
    ]
    for name, (e, d, sys_err) in curves.items():
        detail = (f"error {' '.join(f'{v:.3f}' for v in e)} -> {sys_err:.3f}; "
                  f"to limit {' '.join(f'{v:.3f}' for v in d)}")
        ratios = [b / a for a, b in zip(d[:-1], d[1:], strict=True)]
        outcomes += [
            Outcome(f"{name}: distance to the limit falls at every n (figure: max ratio)",
                    max(ratios), max(ratios) < 1, detail),
            Outcome(f"{name}: distance at 100 / at 10,000 in (5, 20)", d[0] / d[2],
                    5 < d[0] / d[2] < 20),
            Outcome(f"{name}: error at 100 - at 1,000 > 0.01", e[0] - e[1], e[0] - e[1] > 0.01),
            Outcome(f"{name}: |error at 10,000 - limit's error| < 0.02", abs(e[2] - sys_err),
                    abs(e[2] - sys_err) < 0.02),
            Outcome(f"{name}: limit's (systematic) error > 1e-3", sys_err, sys_err > 1e-3),
            Outcome(f"{name}: limit's error < mean error of the 100-point sets (figure: ratio)",
                    sys_err / e[0], sys_err < e[0]),
        ]
    return outcomes
