"""The robustness bench's framework: seeds, claims, the table and the exit code.

A lab's experiments live in their own module, ``labNN.py`` beside this one, as one function
``run(seed) -> list[Outcome]``: given a seed, it re-runs the lab's headline experiments (what its
``key_results`` cell reports, and the conclusions its prose draws from a trained model or a
random draw) through labcode -- the lab's topic module and the core, with the solution
notebook's calls, sizes and settings -- and returns one :class:`Outcome` per claim: the claim,
the figure it is about, and whether it holds. A lab's experiments thus run once per seed and
are shared by its claims::

    def run(seed: int) -> list[Outcome]:
        seed_everything(seed)
        ...
        return [Outcome("DeepSets (masked) accuracy >= 0.99 at every M", worst, worst >= 0.99)]

The package (``labcode/authoring/robustness/__init__.py``) lists the labs explicitly in its
``LABS``; this module imports none of them.

Seeds: every lab starts with ``seed_everything(seed)`` (model inits, batch draws), and where the
notebook passes a fixed seed to a model init, a training order or a training-data draw, the
bench passes ``seed`` (offset so that seed 0 is the notebook's own choice: the notebook's
``seed=8`` becomes ``8 + seed``; a notebook loop over ``range(4)`` becomes ``4 * seed + range(4)``,
so that no two bench seeds share a run). Test data stay fixed where the claim is about a model;
each lab says which random parts vary. :func:`run_labs` prints, for every claim, on how many
seeds it holds, and the median and range of its figure.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch

from labcode.training import steps_to_reach

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


#: A lab's experiments: ``run(seed) -> outcomes``.
LabRun = Callable[[int], list[Outcome]]


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


def run_labs(registry: Mapping[str, LabRun], labs: list[str] | None = None,
             seeds: list[int] | None = None) -> int:
    """Run the claims of ``labs`` (names in ``registry``, e.g. "03"; default: all, sorted) for
    every seed and print the table.

    Returns 0 if every claim holds on at least 4 of 5 seeds (:func:`needed`), 1 otherwise, 2 for
    an unknown lab. After the table come the weak claims, then those that fail on some seed but
    still hold on enough, each with its per-seed figures.
    """
    names = sorted(registry) if not labs else [str(n).zfill(2) for n in labs]
    unknown = [n for n in names if n not in registry]
    if unknown:
        print(f"robustness: no such lab: {', '.join(unknown)} "
              f"(known: {', '.join(sorted(registry))})")
        return 2
    seeds = list(DEFAULT_SEEDS if seeds is None else seeds)
    print(f"Robustness bench: labs {' '.join(names)}, seeds {' '.join(map(str, seeds))}\n")
    rows: list[Row] = []
    times: dict[str, float] = {}
    for name in names:
        lab_rows, times[name] = run_lab(name, registry[name], seeds)
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


# ------------------------------------------------------------- helpers the labs share


def global_stream() -> torch.Generator:
    """A generator that goes on from torch's global random state where it is now: the batches
    ``make_data`` would draw next for a training run alone (for a batched one)."""
    return torch.Generator().set_state(torch.get_rng_state())


def steps_to_loss(history: list[float], threshold: float = 0.05) -> float:
    """Steps until the running mean loss is below ``threshold``; inf if never."""
    steps = steps_to_reach(history, threshold)
    return math.inf if steps is None else float(steps)
