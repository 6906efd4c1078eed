"""Notebook execution: benchmarks (wall times, key results) and refreshing kept outputs.

A lab ends with ``labcode.key_results({...})``: it prints the lab's headline numbers and, when
``make bench`` runs the notebook, also hands them to the benchmark table (through the file named
by ``LABCODE_BENCH_FILE``). Budgets are reported, never asserted: timings belong in a
benchmark, not in a test.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from labcode.results import BENCH_FILE_ENV

BUDGET_S = 90.0
BOOK_BUDGET_S = 4 * 60.0


def _run_notebook(path: Path, timeout: int) -> tuple[float, list[dict[str, object]], str]:
    """Execute a notebook in a fresh kernel; return (seconds, recorded results, error)."""
    import tempfile

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "results.jsonl"
        os.environ[BENCH_FILE_ENV] = str(record)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        start, error = time.perf_counter(), ""
        try:
            client.execute()
        except Exception as exc:  # report the failure in the table, keep benchmarking
            error = f"{type(exc).__name__}"
        finally:
            os.environ.pop(BENCH_FILE_ENV, None)
        seconds = time.perf_counter() - start
        rows = ([json.loads(line) for line in record.read_text().splitlines()]
                if record.exists() else [])
    return seconds, rows, error


def digit_sum_side_by_side(seed: int = 3) -> tuple[list[str], dict[str, float]]:
    """Train Lab 02's DeepSets under its own settings and the original lab's, side by side.

    Same seed, same data, same machine and threads. The original configuration (20 epochs of
    mini-batches of 64) is the bench's reference computation. Returns the lines of a small
    table (seconds, lowest accuracy over the test cardinalities 5..100) and the two times.
    """
    import torch

    from labcode.digits import (
        DIGIT_SUM_SETTINGS,
        DeepSets,
        create_test_dataset,
        create_train_dataset,
        evaluate_by_cardinality,
    )
    from labcode.reproducibility import seed_everything
    from labcode.training import train

    seed_everything(seed)
    X, y = create_train_dataset(seed=0)
    X_test, y_test = create_test_dataset(seed=1)
    lines, seconds = [f"DeepSets, seed {seed}, {torch.get_num_threads()} thread(s):"], {}
    for name in ("DeepSets", "original"):
        torch.manual_seed(seed)
        model = DeepSets()
        history = train(model, X, y, seed=seed, progress=False, **DIGIT_SUM_SETTINGS[name])
        accuracy = min(s.accuracy for s in evaluate_by_cardinality(model, X_test,
                                                                   y_test).values())
        seconds[name] = history.seconds
        label = "Lab 02 settings" if name == "DeepSets" else "original settings"
        lines.append(f"  {label:<18} {DIGIT_SUM_SETTINGS[name]!s:<58} {history.seconds:6.1f} s"
                     f"  min accuracy M = 5..100: {accuracy:.3f}")
    ratio = seconds["DeepSets"] / seconds["original"]
    lines.append(f"  time ratio Lab 02 / original: {ratio:.3f} (1/{1 / ratio:.0f}; "
                 "target <= 1/20)")
    return lines, seconds


def main(names: list[str], src: Path, timeout: int = 600) -> int:
    """Run the selected (default: all) solution notebooks and print the benchmark table."""
    paths = sorted(src.glob("*.ipynb"))
    if names:
        paths = [p for p in paths if p.name in {Path(n).name for n in names}]
    if not paths:
        print(f"bench: no notebooks found in {src}/")
        return 2
    print(f"Executing {len(paths)} notebook(s) from scratch (budget {BUDGET_S:.0f} s each, "
          f"{BOOK_BUDGET_S / 60:.0f} min in all)...\n")
    total, failed, lines = 0.0, 0, []
    for path in paths:
        seconds, rows, error = _run_notebook(path, timeout)
        total += seconds
        failed += bool(error)
        status = f"FAILED ({error})" if error else ("ok" if seconds <= BUDGET_S else "OVER BUDGET")
        lines.append(f"{path.name:<34} {seconds:8.1f} s  {status}")
        for row in rows:
            value = row["value"]
            shown = f"{value:.4f}" if isinstance(value, float) else str(value)
            lines.append(f"{'':<6}{row['name']:<40} {shown}")
        print(lines[-1 - len(rows)], flush=True)
    print("\n" + "notebook".ljust(34) + "   wall time  status")
    print("\n".join(lines))
    book_status = "ok" if total <= BOOK_BUDGET_S else "OVER BUDGET"
    print(f"{'all notebooks':<34} {total:8.1f} s  {book_status}")
    print("\nLab 02's DeepSets training against the original lab's settings (the reference "
          "computation):", flush=True)
    side_by_side, seconds = digit_sum_side_by_side()
    print("\n".join(side_by_side))
    reference = seconds["original"]
    print(f"\nreference computation (the original lab's DeepSets): {reference:.1f} s")
    print(f"notebooks / reference: {total:.1f} / {reference:.1f} = {total / reference:.2f} "
          "(target <= 3)")
    return 1 if failed else 0


def execute_in_place(path: Path, timeout: int = 600) -> float:
    """Re-execute a solution notebook and save it with its outputs and the widget state its
    displayed widgets need (``labcode.authoring.widget_state``)."""
    import nbformat
    from nbclient import NotebookClient

    from labcode.authoring.widget_state import prune_widget_state

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)  # an earlier run's state: this run saves its own
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    prune_widget_state(nb)
    nbformat.write(nb, path)
    return time.perf_counter() - start
