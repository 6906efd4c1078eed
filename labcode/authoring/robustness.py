"""Robustness bench (``make robustness``): do the labs' headline claims hold for other seeds?

Each lab registers **one function** with :func:`lab`. Given a seed, it re-runs the lab's headline
experiments (what its ``key_results`` cell reports, and the conclusions its prose draws from a
trained model or a random draw) through labcode, with the solution notebook's calls, sizes and
settings, and returns one :class:`Outcome` per claim: the claim, the figure it is about, and
whether it holds. A lab's experiments thus run once per seed and are shared by its claims::

    @lab("02")
    def lab02(seed: int) -> list[Outcome]:
        seed_everything(seed)
        ...
        return [Outcome("DeepSets (masked) accuracy >= 0.99 at every M", worst, worst >= 0.99)]

Seeds: every lab starts with ``seed_everything(seed)`` (model inits, batch draws), and where the
notebook passes a fixed seed to a model init, a training order or a training-data draw, the
bench passes ``seed`` (offset so that seed 0 is the notebook's own choice: the notebook's
``seed=8`` becomes ``8 + seed``; a notebook loop over ``range(4)`` becomes ``4 * seed + range(4)``,
so that no two bench seeds share a run). Test data stay fixed where the claim is about a model;
each lab says which random parts vary. :func:`main` prints, for every claim, on how many seeds it
holds, and the median and range of its figure.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from labcode.batched import train_batched, train_steps_batched
from labcode.digits import (
    DeepSets,
    LSTMBaseline,
    cardinalities_of,
    count_params,
    create_test_dataset,
    create_train_dataset,
)
from labcode.permutations import logits_of
from labcode.pooling import PMA, SlotSetEncoder, pool
from labcode.pooling_tasks import PooledSetModel
from labcode.reproducibility import seed_everything
from labcode.streaming import make_mixture_sets, stream_pma
from labcode.symmetric_pairs import make_symmetric_pairs
from labcode.symmetry import (
    equivariance_deviation,
    invariance_deviation,
    minibatch_consistency_error,
    permute_sets,
)
from labcode.thirds import DeepSet, make_data, mlp
from labcode.training import steps_to_reach, train, train_steps

#: Seeds of a full run.
DEFAULT_SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
#: A claim is robust when it holds on at least this fraction of the seeds (4 of 5).
ROBUST_FRACTION = (4, 5)


class Outcome(NamedTuple):
    """One claim on one seed: its text, the number it is about (None: none), whether it holds.

    ``detail`` (optional) is printed beside the figure of a weak claim, e.g. which cells of a
    table differ from the page. ``rate=True`` marks an outcome the page reports as a rate ("some
    initialisations fail"), not as a conclusion: the table shows how often it holds (with a
    ``*``), and it needs no 4 of 5.
    """

    claim: str
    figure: float | None
    holds: bool
    detail: str = ""
    rate: bool = False


LabRun = Callable[[int], list[Outcome]]
#: The registered labs: name ("03") -> function(seed) -> outcomes.
LABS: dict[str, LabRun] = {}


def lab(name: str) -> Callable[[LabRun], LabRun]:
    """Register ``fn(seed) -> list[Outcome]`` as lab ``name``'s experiments."""

    def register(fn: LabRun) -> LabRun:
        LABS[name] = fn
        return fn

    return register


@dataclass
class Row:
    """One claim of one lab over the seeds: a figure, a verdict and a detail per seed."""

    lab: str
    claim: str
    figures: dict[int, float | None] = field(default_factory=dict)
    holds: dict[int, bool] = field(default_factory=dict)
    details: dict[int, str] = field(default_factory=dict)
    rate: bool = False


def needed(n_seeds: int) -> int:
    """Seeds a claim must hold on to count as robust: 4 of 5 (ceil(4/5 n) in general)."""
    num, den = ROBUST_FRACTION
    return -(-num * n_seeds // den)


def run_lab(name: str, fn: LabRun, seeds: list[int]) -> tuple[list[Row], float]:
    """Run one lab for every seed; return its rows (claims in order) and its wall time.

    A seed whose experiment raises counts against every claim of the lab, and against an extra
    row "experiment runs without error".
    """
    rows: dict[str, Row] = {}
    errors = Row(name, "experiment runs without error")
    start = time.perf_counter()
    print(f"lab {name}:", end="", flush=True)
    for seed in seeds:
        t = time.perf_counter()
        try:
            outcomes = fn(seed)
        except Exception as exc:  # report it in the table and keep going
            errors.holds[seed], errors.figures[seed] = False, None
            errors.details[seed] = f"{type(exc).__name__}: {exc}"
            print(f" seed {seed} FAILED", end="", flush=True)
            traceback.print_exc()
            continue
        errors.holds[seed], errors.figures[seed] = True, None
        for o in outcomes:
            row = rows.setdefault(o.claim, Row(name, o.claim, rate=o.rate))
            row.figures[seed] = None if o.figure is None else float(o.figure)
            row.holds[seed] = bool(o.holds)
            if o.detail:
                row.details[seed] = o.detail
        print(f" seed {seed} {time.perf_counter() - t:.1f} s", end="", flush=True)
    seconds = time.perf_counter() - start
    print(f" | {seconds:.1f} s", flush=True)
    out = list(rows.values())
    return (out + [errors] if not all(errors.holds.values()) else out), seconds


def fmt(x: float | None) -> str:
    """A figure for the table: integers as integers, else 4 significant digits; None as '-'."""
    if x is None or math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e9:
        return str(int(x))
    return f"{x:.4g}"


def summary(row: Row, seeds: list[int]) -> tuple[str, str, str]:
    """(holds 'k/n', median figure, 'min..max') of a row over ``seeds``."""
    k = sum(row.holds.get(s, False) for s in seeds)
    holds = f"{k}/{len(seeds)}" + ("*" if row.rate else "")
    values = [v for s in seeds if (v := row.figures.get(s)) is not None and not math.isnan(v)]
    if not values:
        return holds, "-", "-"
    return (holds, fmt(float(np.median(values))),
            f"{fmt(min(values))}..{fmt(max(values))}")


def table(rows: list[Row], seeds: list[int]) -> str:
    """The results table: lab, claim, seeds on which it holds, median figure, range."""
    head = ("lab", "claim", "holds", "median", "range")
    body = [(r.lab, r.claim, *summary(r, seeds)) for r in rows]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    lines = []
    for line in [head, *body]:
        cells = [line[0].ljust(widths[0]), line[1].ljust(widths[1]),
                 *(c.rjust(w) for c, w in zip(line[2:], widths[2:], strict=True))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def weak_rows(rows: list[Row], seeds: list[int]) -> list[Row]:
    """The rows that hold on fewer than :func:`needed` of ``seeds`` (rates excepted)."""
    return [r for r in rows if not r.rate
            and sum(r.holds.get(s, False) for s in seeds) < needed(len(seeds))]


def describe(row: Row, seeds: list[int]) -> str:
    """A claim with the figure and verdict of every seed (and the detail, if any)."""
    parts = []
    for s in seeds:
        verdict = "ok" if row.holds.get(s, False) else "FAILS"
        detail = f" ({row.details[s]})" if s in row.details else ""
        parts.append(f"seed {s}: {fmt(row.figures.get(s))} {verdict}{detail}")
    return f"lab {row.lab}  {row.claim}\n    " + "\n    ".join(parts)


def main(labs: list[str] | None = None, seeds: list[int] | None = None) -> int:
    """Run the labs' claims for every seed and print the table.

    Returns 0 if every claim holds on at least 4 of 5 seeds (:func:`needed`), 1 otherwise, 2 for
    an unknown lab. After the table come the weak claims, then those that fail on some seed but
    still hold on enough, each with its per-seed figures.
    """
    names = sorted(LABS) if not labs else [str(n).zfill(2) for n in labs]
    unknown = [n for n in names if n not in LABS]
    if unknown:
        print(f"robustness: no such lab: {', '.join(unknown)} (known: {', '.join(sorted(LABS))})")
        return 2
    seeds = list(DEFAULT_SEEDS if seeds is None else seeds)
    print(f"Robustness bench: labs {' '.join(names)}, seeds {' '.join(map(str, seeds))}\n")
    rows: list[Row] = []
    times: dict[str, float] = {}
    for name in names:
        lab_rows, times[name] = run_lab(name, LABS[name], seeds)
        rows += lab_rows
    print("\n" + table(rows, seeds))
    if any(r.rate for r in rows):
        print("* a rate the page reports (how often it holds), not a conclusion")
    print("\nwall time: " + ", ".join(f"lab {n} {t:.1f} s" for n, t in times.items())
          + f"; total {sum(times.values()):.1f} s")
    weak = weak_rows(rows, seeds)
    shaky = [r for r in rows if r not in weak and not r.rate
             and not all(r.holds.get(s, False) for s in seeds)]
    if weak:
        print(f"\n{len(weak)} claim(s) hold on fewer than {needed(len(seeds))} of {len(seeds)} "
              "seeds:")
        print("\n".join(describe(row, seeds) for row in weak))
    if shaky:
        print(f"\n{len(shaky)} more claim(s) fail on some seed, but hold on at least "
              f"{needed(len(seeds))}:")
        print("\n".join(describe(row, seeds) for row in shaky))
    if weak:
        return 1
    print(f"\nevery claim holds on at least {needed(len(seeds))} of {len(seeds)} seeds")
    return 0


# --------------------------------------------------------------------------------- helpers


def _accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction classified correctly (probability > 0.5 means class 1)."""
    with torch.no_grad():
        return ((model(X) > 0.5).float() == y).float().mean().item()


def _global_stream() -> torch.Generator:
    """A generator that goes on from torch's global random state where it is now: the batches
    ``make_data`` would draw next for a training run alone (for a batched one)."""
    return torch.Generator().set_state(torch.get_rng_state())


def _steps(history: list[float], threshold: float = 0.05) -> float:
    """Steps until the running mean loss is below ``threshold``; inf if never."""
    steps = steps_to_reach(history, threshold)
    return math.inf if steps is None else float(steps)


# ------------------------------------------------------------------------ Lab 01: the data


@lab("01")
def lab01(seed: int) -> list[Outcome]:
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


# --------------------------------------------------------------- Lab 02: DeepSets vs LSTM


@lab("02")
def lab02(seed: int) -> list[Outcome]:
    """Lab 02 with labcode's ``DeepSets`` (with and without ``mask_padding``) and ``LSTMBaseline``,
    trained under ``DIGIT_SUM_SETTINGS``. Seed ``seed + 3`` is the page's main model at bench seed
    0 (the page trains from seed 3); the seed table's claims use the same five trainings.

    Random: model inits and batch order (the seed); the data are the page's (seeds 0 and 1).
    """
    from labcode.digits import (
        DIGIT_SUM_SETTINGS,
        accuracy_and_mae,
        evaluate_by_cardinality,
        output_bound,
        predict,
        seed_study,
    )

    seed_everything(seed)
    train_data, test_data = create_train_dataset(seed=0), create_test_dataset(seed=1)
    run = seed + 3
    rows = seed_study({"plain": DeepSets, "masked": lambda: DeepSets(mask_padding=True)}, [run],
                      train_data, test_data, DIGIT_SUM_SETTINGS["DeepSets"],
                      cardinalities=list(range(5, 101, 5)))
    plain, masked = rows
    torch.manual_seed(run)
    lstm = LSTMBaseline()
    train(lstm, *train_data, seed=run, progress=False,
          **DIGIT_SUM_SETTINGS["LSTM"])  # type: ignore[arg-type]
    X_test, y_test = test_data
    lstm_acc = evaluate_by_cardinality(lstm, X_test, y_test, max_sets=2000)["accuracy"]
    bound = output_bound(lstm)
    share = float(np.mean(y_test[1] > bound))
    lstm_mae100 = accuracy_and_mae(predict(lstm, X_test[-1][:2000]), y_test[-1][:2000])[1]
    plain_min = min(plain["accuracy"].values())
    masked_min = min(masked["accuracy"].values())
    return [
        Outcome("MaskedDeepSets accuracy >= 0.99 at every M = 5..100", masked_min,
                masked_min >= 0.99),
        Outcome("DeepSets without mask >= 0.99 at every M (page: some seeds fail)",
                plain_min, plain_min >= 0.99, rate=True),
        Outcome("DeepSets without mask, M = 10: accuracy >= 0.99", plain["accuracy"][10],
                plain["accuracy"][10] >= 0.99),
        Outcome("unmasked failure repaired by subtracting (M - 10) p (acc at 100)",
                plain["corrected"][100],
                plain_min >= 0.99 or plain["corrected"][100] >= 0.99),
        Outcome("unmasked failure: padding term |90 p| > slack |100 (ebar - p)| (figure: ratio)",
                abs(90 * plain["p"]) / max(abs(100 * (plain["ebar"] - plain["p"])), 1e-9),
                plain_min >= 0.99
                or abs(90 * plain["p"]) > abs(100 * (plain["ebar"] - plain["p"]))),
        Outcome("LSTM accuracy at M = 10 >= 0.8", lstm_acc[1], lstm_acc[1] >= 0.8),
        Outcome("LSTM accuracy at M = 10 <= 1 - share above its bound + 0.01", lstm_acc[1],
                lstm_acc[1] <= 1 - share + 0.01),
        Outcome("LSTM accuracy at M = 10 >= 1 - share above its bound - 0.03 (close to the cap)",
                lstm_acc[1] - (1 - share), lstm_acc[1] >= 1 - share - 0.03),
        Outcome("sets above the bound >= half the LSTM's errors at M = 10", share,
                share >= 0.5 * (1 - lstm_acc[1])),
        Outcome("LSTM accuracy <= 0.05 at every M >= 15 (figure: max)", max(lstm_acc[2:]),
                max(lstm_acc[2:]) <= 0.05),
        Outcome("LSTM accuracy at M = 5 (unpadded) <= 0.05", lstm_acc[0], lstm_acc[0] <= 0.05),
        Outcome("LSTM MAE at M = 100 > 100", lstm_mae100, lstm_mae100 > 100),
        Outcome("LSTM output bound < 275 (mean sum of 50 digits)", bound, bound < 275),
    ]


# ----------------------------------------------------------------- Lab 03: DeepSet vs MLP


@lab("03")
def lab03(seed: int) -> list[Outcome]:
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
    steps_ds, steps_mlp = _steps(ds_history), _steps(mlp_history)
    acc_ds, acc_mlp = _accuracy(deepset, X_test, y_test), _accuracy(mlp16, X_test, y_test)
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


# ----------------------------------------------------------- Lab 04: permutation checks


@lab("04")
def lab04(seed: int) -> list[Outcome]:
    """Lab 04. Random: model inits and training batches (``seed_everything(seed)``), the digit
    training set (``seed``), the reorderings (``seed``) and the width sweep's seeds (MLPs
    ``4 * seed + range(4)``, the DeepSet reference ``16 * seed + range(16)``); the test draws
    (generators 1, 2, 3 and held-out seed 1) are fixed.
    """
    seed_everything(seed)
    deepset, _ = train_steps(DeepSet(), make_data, steps=2000, progress=False)
    mlp32, _ = train_steps(mlp(hidden_dims=(32, 32)), make_data, steps=2000, progress=False)
    X_test, y_test = make_data(10_000, generator=1)
    acc = {"DeepSet": _accuracy(deepset, X_test, y_test), "MLP": _accuracy(mlp32, X_test, y_test)}
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
        stream = _global_stream()
        draws.append(lambda n, g=stream: make_data(n, generator=g))
    histories = train_steps_batched(sweep_models, draws, steps=budget, progress=False,
                                    stop_below=0.05)
    runs = [{"params": count_params(m), "steps": _steps(h),
             "accuracy": _accuracy(m, X_test, y_test)}
            for m, h in zip(sweep_models, histories, strict=True)]
    ds_runs = runs[:16]
    mlp_runs = {w: runs[16 + 4 * i:16 + 4 * i + 4] for i, w in enumerate(widths)}

    def median_steps(rs: list[dict[str, float]]) -> float:
        return float(np.median([min(r["steps"], budget) for r in rs]))

    ds_median, n_ds = median_steps(ds_runs), ds_runs[0]["params"]
    ratio = {w: rs[0]["params"] / n_ds for w, rs in mlp_runs.items()}
    faster = [w for w in widths if median_steps(mlp_runs[w]) <= ds_median]
    slower = [w for w in widths if w not in faster]
    match = faster[0] if faster else None
    crossing = None
    if match is not None and match != widths[0]:
        below = max(w for w in widths if w < match)
        (p0, s0), (p1, s1) = [(np.log(ratio[w]), median_steps(mlp_runs[w])) for w in (below, match)]
        crossing = float(np.exp(p0 + (s0 - ds_median) / (s0 - s1) * (p1 - p0)))
    medians = ", ".join(f"{w}: {median_steps(mlp_runs[w]):.0f}" for w in widths)
    detail = f"DeepSet {ds_median:.0f}; MLP {medians}"
    ds_detail = "DeepSet steps " + ", ".join(fmt(r["steps"]) for r in ds_runs)
    median_ds_acc = float(np.median([r["accuracy"] for r in ds_runs]))
    converged_8 = sum(math.isfinite(r["steps"]) for r in mlp_runs[8])
    ratio_16 = median_steps(mlp_runs[16]) / ds_median
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


# --------------------------------------------------------- Lab 05: removing the nonlinearity


class _SumDeepSet(nn.Module):
    """Lab 05's notebook ``SumDeepSet``: phi = Linear(1, hidden_dim) + ReLU, sum, rho = Linear."""

    def __init__(self, hidden_dim: int = 4):
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(1, hidden_dim), nn.ReLU())
        self.rho = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rho(self.phi(x).sum(dim=1)).squeeze(-1)


def _hand_set_sum(model: _SumDeepSet) -> _SumDeepSet:
    """The notebook's ``set_exact_sum``: unit 0 carries x, rho reads it."""
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.phi[0].weight[0, 0] = 1.0
        model.rho.weight[0, 0] = 1.0
    return model


def _hand_set_lab02(model: DeepSets, c: float = 20.0) -> DeepSets:
    """The notebook's ``set_exact_sum_lab02``: embedding artanh(d / c), fc1 copies, fc2 = c."""
    digits = torch.arange(model.embedding.num_embeddings, dtype=torch.float64)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.embedding.weight[:, 0] = torch.atanh(digits / c).float()
        model.fc1.weight[0, 0] = 1.0
        model.fc2.weight[0, 0] = c
    return model


def _separation(phi: nn.Module) -> float:
    """3 [phi(1/3) - phi(0)] - 5 [phi(1/5) - phi(0)]: nonzero iff the classes pool apart."""
    with torch.no_grad():
        v0, v3, v5 = phi(torch.tensor([[0.0], [1 / 3], [1 / 5]]))[:, 0]
    return float(3 * (v3 - v0) - 5 * (v5 - v0))


def _pooled_spread(model: nn.Module, X: torch.Tensor) -> float:
    """Largest minus smallest pooled value sum_i phi(x_i) over the instances of X."""
    with torch.no_grad():
        p = model.phi(X).sum(dim=1)[:, 0]
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


@lab("05")
def lab05(seed: int) -> list[Outcome]:
    """Lab 05. Random: model inits and batches (``seed_everything(seed)``), the ReLU inits
    (``16 * seed + range(16)``) and the digit sets of the hand-set models; test draw fixed.
    """
    import copy

    seed_everything(seed)

    def fit(model: nn.Module, steps: int = 2000) -> tuple[nn.Module, list[float]]:
        return train_steps(model, make_data, steps=steps, batch_size=200, lr=1e-2,
                           stop_below=0.01, progress=False)

    tanh_model, tanh_history = fit(DeepSet(activation="tanh"))
    affine_model, affine_history = fit(DeepSet(activation="none"))
    X_test, y_test = make_data(10_000, generator=1)
    acc_tanh = _accuracy(tanh_model, X_test, y_test)
    with torch.no_grad():
        out = affine_model(X_test)
        loss_affine = float(nn.functional.binary_cross_entropy(out, y_test))
    out_spread = float(out.max() - out.min())
    ln2_gap = abs(float(np.mean(affine_history[-50:])) - math.log(2))
    tanh_start = max(abs(h - math.log(2)) for h in tanh_history[5:25])
    sep_affine, sep_tanh = _separation(affine_model.phi), _separation(tanh_model.phi)
    affine_spread = _pooled_spread(affine_model, X_test)
    class_spread, gap = {}, {}
    for name, model in (("affine", affine_model), ("tanh", tanh_model)):
        with torch.no_grad():
            p = model.phi(X_test).sum(dim=1)[:, 0]
        p0, p1 = p[y_test[:, 0] == 0], p[y_test[:, 0] == 1]
        class_spread[name] = float(max(p0.max() - p0.min(), p1.max() - p1.min()))
        gap[name] = float((p0.mean() - p1.mean()).abs())

    relu_models, draws = [], []
    for s in range(16 * seed, 16 * seed + 16):  # each: its seed, its init, its own batches
        torch.manual_seed(s)
        relu_models.append(DeepSet(activation="relu", hidden_dim=3))
        stream = _global_stream()
        draws.append(lambda n, g=stream: make_data(n, generator=g))
    histories = train_steps_batched(relu_models, draws, steps=1000, batch_size=200, lr=1e-2,
                                    stop_below=0.01, progress=False)
    relu_runs = [{"model": model, "accuracy": _accuracy(model, X_test, y_test),
                  "loss": float(np.mean(history[-50:])), "separation": _separation(model.phi)}
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
    exact_model = _hand_set_sum(_SumDeepSet(hidden_dim=4))
    lab02_model = _hand_set_lab02(DeepSets(input_dim=11, embedding_dim=128, hidden_dim=64))
    sum_error, lab02_error = 0.0, 0.0
    with torch.no_grad():
        for n in cardinalities:
            x = torch.randint(1, 11, (100, n, 1)).float()
            sum_error = max(sum_error, float((exact_model(x) - x.sum(dim=(1, 2))).abs().max()))
        for n in cardinalities:
            x = torch.randint(1, 11, (100, n))
            lab02_error = max(lab02_error, float((lab02_model(x) - x.sum(dim=1)).abs().max()))
        x = torch.randint(1, 11, (100, 5))
        x_padded = torch.cat([torch.zeros(100, 5, dtype=torch.long), x], dim=1)
        table = []
        for pad_0, pad_1 in ((0.0, 0.0), (0.0, 0.5), (1 / 20, 0.0)):
            m = _hand_set_lab02(DeepSets(input_dim=11, embedding_dim=128, hidden_dim=64))
            m.embedding.weight[0, 0] = float(np.arctanh(pad_0))
            m.embedding.weight[0, 1] = pad_1
            m.fc1.weight[1, 1] = 1.0
            phi_pad = m.tanh(m.fc1(m.embedding.weight[0]))
            table.append((round(float(phi_pad.norm()), 2),
                          round(float(m.fc2.weight[0] @ phi_pad), 2) + 0.0,
                          round((m(x_padded) - m(x)).mean().item(), 2) + 0.0))
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


# ------------------------------------------------------------ Lab 06: symmetric vectors


_CASES = {  # label: (activation, the Linear layers of phi that keep a bias), as in the notebook
    "linear": ("none", ()), "affine": ("none", (0, 1, 2)),
    "tanh, no bias": ("tanh", ()), "tanh + output bias": ("tanh", (2,)),
    "tanh + bias": ("tanh", (0, 1, 2)),
    "ReLU, no bias": ("relu", ()), "ReLU + bias": ("relu", (0, 1, 2)),
}


def _random_phi(activation: str, biases: tuple[int, ...]) -> nn.Sequential:
    """The notebook's ``random_phi``: phi 2 -> 8 -> 8 -> 4, biases only in ``biases``."""
    phi = DeepSet(in_features=2, hidden_dim=8, latent_dim=4, activation=activation,
                            phi_bias=bool(biases)).phi
    with torch.no_grad():
        for k, linear in enumerate(phi[::2]):
            if linear.bias is not None and k not in biases:
                linear.bias.zero_()
    return phi


@lab("06")
def lab06(seed: int) -> list[Outcome]:
    """Lab 06. Random: the phi inits and training batches (``seed_everything(seed)``); the four
    pairs, the two same-sum sets and the test draw are fixed.
    """
    seed_everything(seed)
    xs = torch.tensor([[1.0, 0.0], [0.0, 1.5], [0.6, 0.6], [-1.2, 0.4]])
    pairs = torch.stack([xs, -xs], dim=1)
    spread, oddness = {}, {}
    for label, (activation, biases) in _CASES.items():
        phi = _random_phi(activation, biases)
        with torch.no_grad():
            pooled = phi(pairs).sum(dim=1)
            oddness[label] = float((phi(-xs) + phi(xs)).abs().max())
        spread[label] = float((pooled - pooled[:1]).abs().max())
    collapse = ("linear", "affine", "tanh, no bias", "tanh + output bias")
    keep = [k for k in _CASES if k not in collapse]
    odd = ("linear", "tanh, no bias")

    def make_model(activation: str, phi_bias: bool) -> DeepSet:
        return DeepSet(in_features=2, hidden_dim=8, latent_dim=4, rho_hidden_dim=8,
                                 activation=activation, phi_bias=phi_bias)

    models = {"odd": make_model("tanh", False), "tanh + bias": make_model("tanh", True),
              "ReLU + bias": make_model("relu", True)}
    histories = {}
    for name, model in models.items():
        _, histories[name] = train_steps(model, make_symmetric_pairs, steps=1000,
                                         batch_size=200, lr=1e-2, progress=False)
    X_test, y_test = make_symmetric_pairs(10_000, generator=1)
    acc = {name: _accuracy(model, X_test, y_test) for name, model in models.items()}
    with torch.no_grad():
        odd_pooled = float(models["odd"].phi(X_test).sum(dim=1).abs().max())
        odd_loss = float(nn.functional.binary_cross_entropy(models["odd"](X_test), y_test))
    odd_min = min(histories["odd"])

    angles = torch.linspace(0, 2 * torch.pi, 181)
    logits = {}
    with torch.no_grad():
        for name in ("odd", "ReLU + bias"):
            for r in (0.6, 1.6):
                x = r * torch.stack([angles.cos(), angles.sin()], dim=1)
                logits[name, r] = models[name].logits(torch.stack([x, -x], dim=1))[:, 0]
    odd_curves = torch.cat([logits["odd", r] for r in (0.6, 1.6)])
    odd_flat = float(odd_curves.max() - odd_curves.min())
    relu_margin = min(-float(logits["ReLU + bias", 0.6].max()),
                      float(logits["ReLU + bias", 1.6].min()))
    period = max(float((c[:91] - c[90:]).abs().max()) for c in logits.values())

    X1 = torch.tensor([[1.2, -0.7], [-0.8, 0.5]])
    X2 = torch.tensor([[0.2, -0.3], [0.2, 0.1]])
    diff = {}
    for label, (activation, biases) in _CASES.items():
        phi = _random_phi(activation, biases)
        with torch.no_grad():
            diff[label] = float((phi(X1).sum(0) - phi(X2).sum(0)).abs().max())
    affine = ("linear", "affine")
    nonlinear = [k for k in _CASES if k not in affine]
    return [
        Outcome("linear, affine, odd, odd + output bias phi: 4 {x,-x} pool alike (max)",
                max(spread[k] for k in collapse), all(spread[k] < 1e-5 for k in collapse)),
        Outcome("tanh + bias, ReLU phi: pooled values differ > 0.01 (min)",
                min(spread[k] for k in keep), all(spread[k] > 1e-2 for k in keep)),
        Outcome("odd column: only linear and tanh-no-bias phi are odd (min |phi(x)+phi(-x)|)",
                min(oddness[k] for k in _CASES if k not in odd),
                all((oddness[k] < 1e-6) == (k in odd) for k in _CASES)),
        Outcome("odd phi test accuracy 0.50 (key result)", acc["odd"], round(acc["odd"], 2) == 0.5),
        Outcome("odd phi pools every test set to 0 (< 1e-6)", odd_pooled, odd_pooled < 1e-6),
        Outcome("odd phi: test loss within 0.001 of ln 2 (figure: loss)", odd_loss,
                abs(odd_loss - math.log(2)) < 1e-3),
        Outcome("odd phi: batch loss never below ln 2 - 1e-4 (figure: min loss)", odd_min,
                odd_min > math.log(2) - 1e-4),
        Outcome("ReLU phi test accuracy 1.00 (key result)", acc["ReLU + bias"],
                round(acc["ReLU + bias"], 2) == 1.0),
        Outcome("tanh + bias and ReLU phi reach >= 0.95 (figure: min)",
                min(acc["tanh + bias"], acc["ReLU + bias"]),
                acc["tanh + bias"] >= 0.95 and acc["ReLU + bias"] >= 0.95),
        Outcome("figure: odd phi logit flat, same for both norms (figure: spread)", odd_flat,
                odd_flat < 1e-5),
        Outcome("figure: ReLU logit < -1 for |x| = 0.6, > 1 for 1.6 at every angle (margin)",
                relu_margin, relu_margin > 1),
        Outcome("figure: every logit curve has period 180 degrees (figure: max gap)", period,
                period < 1e-3),
        Outcome("same element sum: only linear/affine phi pool X1, X2 alike (gap > 1e-3, min)",
                min(diff[k] for k in nonlinear),
                all(diff[k] < 1e-5 for k in affine) and all(diff[k] > 1e-3 for k in nonlinear)),
    ]


# ------------------------------------------------------------------------ Lab 07: pooling


_TASKS = {
    "sum": lambda X: X.sum(1),
    "max": lambda X: X.max(1),
    "mean": lambda X: X.sum(1) / (X != 0).sum(1),
    "count": lambda X: (X != 0).sum(1),
}
_POOLINGS = ["sum", "mean", "max", "attention"]
_TOP = 50  # the numbers are 1.._TOP
_GROUPS = {"1-10": range(1, 11), "41-50": range(41, 51)}
#: The cells the page says are learned: (task, pooling).
_SOLVED = {("sum", "sum"), ("count", "sum"), ("mean", "mean"), ("max", "max"),
           ("max", "attention"), ("mean", "attention")}


def _test_sets(sizes: range, seed: int = 1) -> np.ndarray:
    """The notebook's ``test_sets``: 500 sets of each size, left-padded to the largest."""
    parts, _ = create_test_dataset(n_per_card=500, cardinalities=sizes, max_digit=_TOP,
                                   seed=seed)
    width = max(sizes)
    return np.concatenate([np.pad(X, ((0, 0), (width - X.shape[1], 0))) for X in parts])


def _best_constant(y: np.ndarray) -> float:
    """The notebook's ``best_constant``: the most ``y`` in one window (c - 0.5, c + 0.5)."""
    y = np.sort(y)
    return float((np.searchsorted(y, y + 1.0) - np.arange(len(y))).max() / len(y))


@lab("07")
def lab07(seed: int) -> list[Outcome]:
    """Lab 07. Random: the training sets (``seed``), model inits (``seed``) and training order
    (``train(seed=seed)``); the test sets are fixed (seed 1), so the best constants are too.
    """
    seed_everything(seed)
    X_train, _ = create_train_dataset(n_train=30_000, max_digit=_TOP, seed=seed)
    X_test = {group: _test_sets(sizes) for group, sizes in _GROUPS.items()}

    def fit(pooling: str) -> dict[str, dict[str, float]]:
        """One model per task from the same init, trained as one batched model."""
        models = []
        for _ in _TASKS:
            torch.manual_seed(seed)
            models.append(PooledSetModel(pooling, input_dim=_TOP + 1, hidden_dim=32,
                                         pma_feedforward=False))
        train_batched(models, X_train, [t(X_train).astype(np.float32) for t in _TASKS.values()],
                      epochs=3, batch_size=128, lr=1.5e-2, final_lr=1e-3, seed=seed,
                      progress=False)
        acc: dict[str, dict[str, float]] = {task: {} for task in _TASKS}
        with torch.no_grad():
            for task, model in zip(_TASKS, models, strict=True):
                for group, X in X_test.items():
                    error = model(torch.from_numpy(X)).numpy() - _TASKS[task](X)
                    acc[task][group] = float((np.abs(error) < 0.5).mean())
        return acc

    by_pooling = {p: fit(p) for p in _POOLINGS}
    acc = {(task, p): by_pooling[p][task] for task in _TASKS for p in _POOLINGS}
    const = {(task, g): _best_constant(_TASKS[task](X)) for task in _TASKS
             for g, X in X_test.items()}
    others = [(t, p) for t in _TASKS for p in _POOLINGS if (t, p) not in _SOLVED]
    solved_out = min(acc[c]["41-50"] for c in _SOLVED)
    solved_in = min(acc[c]["1-10"] for c in _SOLVED - {("max", "max")})
    max_in = acc["max", "max"]["1-10"]
    others_out = max(acc[c]["41-50"] for c in others)
    above_const = max(acc[t, p]["41-50"] - const[t, "41-50"] for t, p in others)
    others_in = max(acc[c]["1-10"] for c in others)
    missed = max(acc[t, p]["41-50"] for t in ("sum", "count")
                 for p in ("mean", "max", "attention"))

    torch.manual_seed(seed)
    once, thrice = torch.tensor([[3, 7, 0, 0, 0, 0]]), torch.tensor([[3, 7, 3, 7, 3, 7]])
    repeat = {}
    for p in _POOLINGS:
        model = PooledSetModel(p, input_dim=_TOP + 1, hidden_dim=32, pma_feedforward=False)
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


# ------------------------------------------------------- Lab 08: mini-batch consistency


def _weighted_mean(parts: list[torch.Tensor], sizes: list[int]) -> torch.Tensor:
    """The notebook's ``aggregate(parts, sizes, "mean")``: the size-weighted mean."""
    stacked = torch.stack(list(parts))
    weights = torch.as_tensor(sizes, dtype=stacked.dtype).view(-1, 1, 1)
    return (weights * stacked).sum(dim=0) / weights.sum()


def _plain_mean(parts: list[torch.Tensor], sizes: list[int]) -> torch.Tensor:
    return torch.stack(parts).mean(0)


def _stream(model: PooledSetModel, chunks: tuple[torch.Tensor, ...],
            online: bool = True) -> torch.Tensor:
    """The notebook's ``stream``: predict from the chunks of a set, never the whole set (the
    PMA with the online softmax, or with the size-weighted mean when ``online`` is False)."""
    sizes = [c.shape[1] for c in chunks]
    if model.pooling == "slots":
        total = model.sse.aggregate([model.sse(model.phi(c)) for c in chunks])
        return model.rho((total / sum(sizes)).flatten(1))
    if model.pooling == "attention" and online:
        return model.rho(stream_pma(model.pma, (model.phi(c) for c in chunks)))
    return model.rho(_weighted_mean([model.encode(c) for c in chunks], sizes))


@lab("08")
def lab08(seed: int) -> list[Outcome]:
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

    def aggregate(how: str) -> Callable[[list[torch.Tensor], list[int]], torch.Tensor]:
        if how == "mean":
            return _weighted_mean
        if how == "sum":
            return lambda parts, _: torch.stack(parts).sum(0)
        return lambda parts, _: torch.stack(parts).max(0).values

    with torch.no_grad():
        errors = [minibatch_consistency_error(lambda x, how=how: pool(phi(x), how),
                                              aggregate(how), data, sizes)
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
        gap = {n: float((m(X) - _stream(m, X_sorted.split(sizes, dim=1))).abs().max())
               for n, m in models.items()}
        pma_mean_gap = float((models["PMA"](X) - _stream(
            models["PMA"], X_sorted.split(sizes, dim=1), online=False)).abs().max())
        # The notebook's section 5: disjoint n-point sets, error and distance to the limit.
        truth = torch.from_numpy(centres)
        curves = {}
        for name in ("mean", "SSE"):
            limit = _stream(models[name], X.split(10_000, dim=1))
            error, to_limit = [], []
            for n in (100, 1_000, 10_000, 100_000):
                guess = _stream(models[name], X.reshape(-1, n, 1).split(10_000, dim=1))
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


def _load_lab_modules() -> None:
    """Import ``robustness_labNN.py`` beside this file: labs 09 on register from their own file."""
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("robustness_lab[0-9][0-9].py")):
        importlib.import_module(f"labcode.authoring.{path.stem}")


_load_lab_modules()
