"""A lab's key results: printed at the end of every notebook, collected by ``make bench``."""

from __future__ import annotations

import json
import os

#: ``make bench`` sets this to a file; ``key_results`` appends the results to it.
BENCH_FILE_ENV = "LABCODE_BENCH_FILE"


def key_results(results: dict[str, float | int | str]) -> None:
    """Print a lab's headline results, one per line (and record them for ``make bench``)."""
    if not isinstance(results, dict) or not results:
        raise TypeError("key_results expects a non-empty dict {name: number or text}")
    width = max(len(str(k)) for k in results)
    for name, value in results.items():
        shown = f"{value:.4f}" if isinstance(value, float) else str(value)
        print(f"{str(name):<{width}}  {shown}")
    target = os.environ.get(BENCH_FILE_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            for name, value in results.items():
                fh.write(json.dumps({"name": str(name), "value": value}) + "\n")
