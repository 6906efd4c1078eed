"""Lab 11's headline claims over seeds (``make robustness``): what a sum can encode.

Random, per seed: every model's initialisation and every training batch of the two latent-size
sweeps (``seed_everything(seed)`` before each, as the notebook does with 0), and the 10,000 digit
sets of section 1 (``create_train_dataset(seed=seed)``). Fixed: the sweeps' test sets
(``test_seed`` 1234), as in the notebook, because the claims are about the models. The exact
encodings (power sums, their decoding, the digit codes) are checked on the seed's draws too.
"""

from __future__ import annotations

import numpy as np
import torch

from labcode.authoring.robustness.framework import Outcome
from labcode.digits import create_train_dataset
from labcode.encodings import (
    decode_digit_code,
    decode_power_sums,
    digit_code,
    latent_sweep,
    plateau_error,
)
from labcode.reproducibility import seed_everything

#: The notebook's settings.
SET_SIZES = {"sorted": [2, 3, 4], "median": [2, 3]}
STEPS, BATCH_SIZE, LR = 2000, 64, 1e-2


def sweep(task: str) -> dict[int, list[float]]:
    """One latent-size sweep with the notebook's settings (seed torch first)."""
    return latent_sweep(task, SET_SIZES[task], steps=STEPS, batch_size=BATCH_SIZE,
                        lr=LR).errors


def sweep_claims(errors: dict[str, dict[int, list[float]]]) -> list[Outcome]:
    """The claims of section 4, from the relative errors ``errors[task][N][L - 1]``."""
    s, m = errors["sorted"], errors["median"]
    sharp = s[2][0] / max(s[2][1:])
    knee3 = s[3][1] / plateau_error(s[3], 3)
    knee4_l2, knee4_l3 = s[4][1] / plateau_error(s[4], 4), s[4][2] / plateau_error(s[4], 4)
    plateaus = [plateau_error(s[n], n) for n in (2, 3, 4)]
    past_n = min(float(np.mean(s[n][n:])) / s[n][n - 1] for n in (2, 3, 4))
    median_knee3 = m[3][1] / plateau_error(m[3], 3)
    return [
        Outcome("set back, N=2: error at L=1 >= 2.5x every error at L>=2", sharp, sharp >= 2.5),
        Outcome("set back, N=3: error at L=2 >= 1.5x mean error at L=3..6", knee3, knee3 >= 1.5),
        Outcome("set back, N=3: that ratio <= 2.4 (page: about 1.7 to 2.2)", knee3, knee3 <= 2.4),
        Outcome("set back, N=4: error at L=2 >= 1.3x mean error at L=4..8", knee4_l2,
                knee4_l2 >= 1.3),
        Outcome("set back, N=4: error at L=3 < 1.5x mean error at L=4..8 (soft knee)",
                knee4_l3, knee4_l3 < 1.5),
        Outcome("set back: mean error at L>=N rises with N (2 < 3 < 4)", plateaus[2],
                plateaus[0] < plateaus[1] < plateaus[2]),
        Outcome("set back: L=N+1..2N improve on L=N by < 40% (mean >= 0.6x)", past_n,
                past_n >= 0.6),
        Outcome("set back: error at L=1 >= 0.3 for every N", min(s[n][0] for n in (2, 3, 4)),
                min(s[n][0] for n in (2, 3, 4)) >= 0.3),
        Outcome("median, N=2: error at L=1 <= 0.15 (median = mean)", m[2][0], m[2][0] <= 0.15),
        Outcome("median, N=2: error <= 0.06 at every L >= 2 (page: on some runs, not all)",
                max(m[2][1:]), max(m[2][1:]) <= 0.06, rate=True),
        Outcome("median, N=3: error at L=1 >= 1.5x error at L=2", m[3][0] / m[3][1],
                m[3][0] / m[3][1] >= 1.5),
        Outcome("median, N=3: error at L=2 in [1.0, 1.75)x mean error at L=3..6 (page: about "
                "1.1 to 1.7)", median_knee3, 1.0 <= median_knee3 < 1.75),
        Outcome("N=3: the knee at L=2 is sharper for the set back than for the median",
                knee3 / median_knee3, knee3 > median_knee3),
    ]


def digit_claims(seed: int) -> list[Outcome]:
    """Section 1: base 4 collides on Lab 01's digit sets, base 11 reads every set back."""
    X, _ = create_train_dataset(n_train=10_000, seed=seed)
    histogram = (X[..., None] == np.arange(1, 11)).sum(axis=1)
    n_multisets = len({tuple(h) for h in histogram})
    out = []
    for base, exact in ((4, False), (11, True)):
        codes = digit_code(X, base)
        same = np.array_equal(decode_digit_code(codes, base, 10), histogram)
        distinct = len(np.unique(codes))
        out.append(Outcome(f"digit sets, base {base}: read back exactly = {exact}",
                           distinct / n_multisets,
                           same == exact and (distinct == n_multisets) == exact))
        if base == 11:  # the same codes rounded to float32
            code32 = codes.astype(np.float32)
            back = decode_digit_code(code32.astype(np.float64), base, 10)
            read_back = float(np.all(back == histogram, axis=1).mean())
            distinct32 = len(np.unique(code32)) / n_multisets
            out.append(Outcome("base 11 in float32: < 0.8 codes per multiset (figure)",
                               distinct32, distinct32 < 0.8))
            out.append(Outcome("base 11 in float32: histograms read back in (0.2, 0.45), "
                               "about a third", read_back, 0.2 < read_back < 0.45))
    return out


def power_sum_claims(seed: int) -> list[Outcome]:
    """Section 3: N power sums of N random numbers decode to the numbers (the notebook's
    draws: 200 sets of each size N = 1..6 from torch's generator, seeded with ``seed``). The
    power sums are computed here in NumPy, from the sorted numbers; the decoding is the lab's
    (:func:`labcode.encodings.decode_power_sums`)."""
    seed_everything(seed)
    worst = 0.0
    for n in range(1, 7):
        sets = torch.rand(200, n, 1, dtype=torch.float64)
        for x in np.sort(sets[..., 0].numpy(), axis=1):
            p = [np.sum(x**k) for k in range(1, n + 1)]
            worst = max(worst, float(np.abs(decode_power_sums(p) - x).max()))
    return [Outcome("power sums of N = 1..6 random numbers decode to within 1e-5", worst,
                    worst < 1e-5)]


def run(seed: int) -> list[Outcome]:
    errors = {}
    for task in ("sorted", "median"):
        seed_everything(seed)
        errors[task] = sweep(task)
    return sweep_claims(errors) + digit_claims(seed) + power_sum_claims(seed)


if __name__ == "__main__":  # print one seed's errors (a calibration aid)
    import sys

    for s in [int(v) for v in sys.argv[1:]] or [0]:
        errs = {}
        for task in ("sorted", "median"):
            seed_everything(s)
            errs[task] = sweep(task)
            for n, e in errs[task].items():
                print(f"seed {s} {task:>6} N={n}: " + " ".join(f"{v:.3f}" for v in e), flush=True)
        for o in sweep_claims(errs) + digit_claims(s) + power_sum_claims(s):
            print(f"   {'OK ' if o.holds else 'NO '} {o.figure:.3f}  {o.claim}", flush=True)
