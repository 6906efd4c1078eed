"""Robustness bench (``make robustness``): do the labs' headline claims hold for other seeds?

The bench mirrors the labs: :mod:`~labcode.authoring.robustness.framework` runs the seeds,
records each claim and prints the table; ``labNN.py`` holds lab NN's experiments, one function
``run(seed) -> list[Outcome]`` that calls the lab's own code (its topic module in
:mod:`labcode`) with the solution notebook's settings. :data:`LABS` lists the labs, explicitly
and in order; a lab module imports the framework, never the other way round.

``python -m labcode.authoring robustness [--labs NN ...] [--seeds S ...]`` calls :func:`main`.
"""

from __future__ import annotations

from labcode.authoring.robustness import (
    lab01,
    lab02,
    lab03,
    lab04,
    lab05,
    lab06,
    lab07,
    lab08,
    lab09,
    lab10,
    lab11,
    lab12,
    lab14,
)
from labcode.authoring.robustness.framework import (
    DEFAULT_SEEDS,
    ROBUST_FRACTION,
    LabRun,
    Outcome,
    Row,
    describe,
    fmt,
    needed,
    run_lab,
    run_labs,
    summary,
    table,
    weak_rows,
)

__all__ = ["DEFAULT_SEEDS", "LABS", "ROBUST_FRACTION", "LabRun", "Outcome", "Row", "describe",
           "fmt", "main", "needed", "run_lab", "run_labs", "summary", "table", "weak_rows"]

#: The labs, in order: name -> the ``run(seed)`` of its module ``labNN.py``.
LABS: dict[str, LabRun] = {
    "01": lab01.run,
    "02": lab02.run,
    "03": lab03.run,
    "04": lab04.run,
    "05": lab05.run,
    "06": lab06.run,
    "07": lab07.run,
    "08": lab08.run,
    "09": lab09.run,
    "10": lab10.run,
    "11": lab11.run,
    "12": lab12.run,
    "14": lab14.run,
}


def main(labs: list[str] | None = None, seeds: list[int] | None = None) -> int:
    """Run the claims of ``labs`` (default: every lab in :data:`LABS`) for every seed (default
    :data:`DEFAULT_SEEDS`) and print the table; the exit code of
    :func:`~labcode.authoring.robustness.framework.run_labs` (0: every claim robust, 1: some
    claim weak, 2: an unknown lab)."""
    return run_labs(LABS, labs, seeds)
