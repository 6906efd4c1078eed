"""Lab 01's headline claims over seeds (``make robustness``): the digit-sum data.

Random, per seed: both draws (training seed ``seed``, test seed ``seed + 1``); no model.
"""

from __future__ import annotations

import numpy as np

from labcode.authoring.robustness.framework import Outcome
from labcode.digits import cardinalities_of, create_test_dataset, create_train_dataset


def run(seed: int) -> list[Outcome]:
    """Lab 01's data. Random: both draws (training seed ``seed``, test seed ``seed + 1``)."""
    X_train, y_train = create_train_dataset(seed=seed)
    X_test, y_test = create_test_dataset(seed=seed + 1)
    n_test = sum(len(X) for X in X_test)
    sizes_ok = (X_train.shape == (100_000, 10) and n_test == 200_000
                and [X.shape[1] for X in X_test] == list(range(5, 101, 5)))
    cards = cardinalities_of(X_train)
    per_card = np.bincount(cards, minlength=11)[1:]
    tenth = float(np.abs(per_card / (len(X_train) / 10) - 1).max())
    mean_digit = np.array([y.mean() / X.shape[1] for X, y in zip(X_test, y_test, strict=True)])
    distinct_gap = 0.0
    for m in (2, 5, 10):
        rows = np.sort(X_train[cards == m][:, -m:], axis=1)  # left padding: digits are last
        observed = np.mean((np.diff(rows, axis=1) != 0).all(axis=1))
        theory = np.prod([(10 - k) / 10 for k in range(m)])
        distinct_gap = max(distinct_gap, abs(observed - theory))
    largest, mean_card = int(y_train.max()), float(cards.mean())
    return [
        Outcome("100,000 training sets; 200,000 test sets, M = 5..100", n_test, sizes_ok),
        Outcome("largest training sum in 80..94 (key result: below 95)", largest,
                80 <= largest < 95),
        Outcome("largest training sum < 100, far below test sums (~550 at M = 100)", largest,
                largest < 100 and y_test[-1].mean() > 500),
        Outcome("every test sum at M = 100 > 2 x largest training sum (figure: min)",
                int(y_test[-1].min()), int(y_test[-1].min()) > 2 * largest),
        Outcome("mean training cardinality within 0.03 of 5.5 (key result: 5.5)", mean_card,
                abs(mean_card - 5.5) < 0.03 and f"{mean_card:.1f}" == "5.5"),
        Outcome("each cardinality 1..10 holds a tenth of the sets (max rel. dev. < 5%)", tenth,
                tenth < 0.05),
        Outcome("mean test sum / M within 0.05 of 5.5 at every M (max |dev|)",
                float(np.abs(mean_digit - 5.5).max()),
                bool((np.abs(mean_digit - 5.5) < 0.05).all())),
        Outcome("all-distinct fraction within 0.02 of theory, M = 2, 5, 10 (max |dev|)",
                distinct_gap, distinct_gap < 0.02),
    ]
