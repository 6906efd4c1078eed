"""How labs show results: ``Table`` (a small table of numbers), and ``key_results``, printed at
the end of every notebook and collected by ``make bench``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from html import escape

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


@dataclass(frozen=True)
class Table:
    """A small table of results, its cells already formatted as text.

    Jupyter and the course's website show it as an HTML table (it reflows on a phone, and a
    screen reader reads its header); ``print`` and ``str`` give aligned text: the first column
    left-aligned, the others right-aligned.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __str__(self) -> str:
        widths = [max(len(r[i]) for r in (self.header, *self.rows))
                  for i in range(len(self.header))]

        def line(cells: tuple[str, ...]) -> str:
            first, *rest = cells
            return "  ".join([first.ljust(widths[0]),
                              *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))])

        return "\n".join(line(r) for r in (self.header, *self.rows))

    __repr__ = __str__

    def _repr_html_(self) -> str:
        right = ' style="text-align: right; font-variant-numeric: tabular-nums"'

        def row(cells: tuple[str, ...], tag: str) -> str:
            return "<tr>" + "".join(f"<{tag}{'' if i == 0 else right}>{escape(c)}</{tag}>"
                                    for i, c in enumerate(cells)) + "</tr>"

        body = "".join(row(r, "td") for r in self.rows)
        return (f'<table class="labcode-table"><thead>{row(self.header, "th")}</thead>'
                f"<tbody>{body}</tbody></table>")
