"""The student notebooks as a student meets them.

1. Run top to bottom before anything is solved, a student notebook stops at its first
   exercise with ``NotImplementedError`` naming the exercise and the function to implement;
   every cell before it runs, and the self-checks on the way print "not implemented yet".
2. With the solutions' marked code put back into the stubs, a student notebook is the solution
   notebook, cell for cell, less the guard cells (tagged ``remove-cell``), and no later cell uses
   a name that only a guard cell defines. nbval runs that very code in ``make test`` and compares
   every self-check's verdict, so the solved student notebook needs no second run; ``make
   students-full`` runs it anyway (``LABCODE_FULL_STUDENT_RUN=1``: every lab in full, about five
   minutes on two cores), and a release should.

Test 1 executes every notebook up to its first exercise. The kernel is ``python3`` unless
``LABCODE_KERNEL`` names another (``make compat`` runs the notebooks in other environments).
"""

from __future__ import annotations

import ast
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from labcode.authoring.strip import CODE_BEGIN, CODE_END, GUARD_TAG, STUB
from tests.conftest import NOTEBOOKS, SOLUTIONS

LABS = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))
RAISE = re.compile(r'^[ \t]*raise NotImplementedError\("(?P<message>[^"]*)"\)\s*$')
CHECK_CALL = re.compile(r"^\s*checks\.check_\w+\(", re.MULTILINE)


def regions(source: str) -> list[list[str]]:
    """The marked solution regions of a solution cell, in order, markers left out."""
    found, current = [], None
    for line in source.split("\n"):
        if CODE_BEGIN.match(line):
            current = []
        elif CODE_END.match(line):
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return found


def fill_stubs(student: str, answers: list[list[str]], where: str) -> str:
    """Put each answer in place of the stub (comment + raise) it was stripped into."""
    lines, out, todo = student.split("\n"), [], list(answers)
    i = 0
    while i < len(lines):
        if lines[i].strip() == STUB and i + 1 < len(lines) and RAISE.match(lines[i + 1]):
            assert todo, f"{where}: more stubs than solution regions"
            out.extend(todo.pop(0))
            i += 2
            continue
        out.append(lines[i])
        i += 1
    assert not todo, f"{where}: {len(todo)} solution region(s) have no stub"
    return "\n".join(out)


def solved(name: str) -> nbformat.NotebookNode:
    """The student notebook ``name`` with the solutions' marked code injected into its stubs."""
    student = nbformat.read(NOTEBOOKS / name, as_version=4)
    solution = nbformat.read(SOLUTIONS / name, as_version=4)
    by_id = {c.get("id"): c for c in solution.cells if c.cell_type == "code"}
    injected = 0
    for cell in student.cells:
        if cell.cell_type != "code" or cell.get("id") not in by_id:
            continue
        answers = regions(by_id[cell.id].source)
        cell.source = fill_stubs(cell.source, answers, f"{name}, cell {cell.id}")
        injected += len(answers)
    assert injected, f"{name}: no stub was filled"
    return student


def run(nb: nbformat.NotebookNode, cwd) -> nbformat.NotebookNode:
    kernel = os.environ.get("LABCODE_KERNEL", "python3")
    NotebookClient(nb, timeout=600, kernel_name=kernel,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def printed(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream")


@pytest.mark.parametrize("name", LABS)
def test_fill_stubs_gives_back_the_solution_code(name):
    """Injection is exact: cell by cell, the solution's code without its marker lines (the
    hidden guard cells, tagged remove-cell, are not in the student notebook)."""
    solution = nbformat.read(SOLUTIONS / name, as_version=4)
    expected = {c.id: "\n".join(ln for ln in c.source.split("\n")
                                if not (CODE_BEGIN.match(ln) or CODE_END.match(ln)))
                for c in solution.cells if c.cell_type == "code"
                and GUARD_TAG not in c.metadata.get("tags", [])}
    got = {c.id: c.source for c in solved(name).cells
           if c.cell_type == "code" and c.id in expected}
    assert got == expected


@pytest.mark.parametrize("name", LABS)
def test_an_unsolved_notebook_stops_at_its_first_exercise(name, tmp_path):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    first_stub = next(i for i, c in enumerate(code) if any(
        RAISE.match(ln) for ln in c.source.split("\n")))
    stubbed = [m.group("message") for c in code for ln in c.source.split("\n")
               if (m := RAISE.match(ln))]
    with pytest.raises(CellExecutionError) as stopped:
        run(nb, tmp_path)
    error = stopped.value
    assert error.ename == "NotImplementedError", f"{name}: {error.ename}: {error.evalue}"
    assert error.evalue in stubbed, error.evalue
    assert re.fullmatch(r"Exercise \d+\.\d+: implement [\w.]+", error.evalue), error.evalue
    lab = int(name.split("_")[0])  # exercises are numbered per lab: 2.1, 2.2, ...
    assert error.evalue.startswith(f"Exercise {lab}.1: "), f"{name} stops at {error.evalue}"
    # nothing before it failed: every earlier cell ran, and ran cleanly
    failed = next(i for i, c in enumerate(code)
                  if any(o.get("output_type") == "error" for o in c.get("outputs", [])))
    assert failed >= first_stub
    assert all(c.get("execution_count") for c in code[:failed])
    for cell in code[:failed]:
        if CHECK_CALL.search(cell.source):
            assert "not implemented yet" in printed(cell), printed(cell)
            assert "✗" not in printed(cell) and "Traceback" not in printed(cell)


def _bound(tree: ast.AST) -> set[str]:
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Store)}
    names |= {n.name for n in ast.walk(tree)
              if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    names |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
              if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    return names


def _loaded(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}


@pytest.mark.parametrize("name", LABS)
def test_no_cell_depends_on_a_guard_cell(name):
    """The student notebook leaves the guard cells out: no later cell may need their names."""
    solution = nbformat.read(SOLUTIONS / name, as_version=4)
    visible, guard_only = set(), set()
    for index, cell in enumerate(solution.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        if GUARD_TAG in cell.metadata.get("tags", []):
            guard_only |= _bound(tree) - visible
            continue
        needed = (_loaded(tree) & guard_only) - _bound(tree)
        assert not needed, (f"{name}, cell {index} uses {sorted(needed)}, defined only in a "
                            f"{GUARD_TAG} cell, which student notebooks leave out")
        visible |= _bound(tree)
        guard_only -= _bound(tree)


@pytest.mark.skipif(os.environ.get("LABCODE_FULL_STUDENT_RUN") != "1",
                    reason="the full solved run is `make students-full` (nbval runs this code)")
@pytest.mark.parametrize("name", LABS)
def test_with_the_solutions_injected_every_self_check_passes(name, tmp_path):
    nb = run(solved(name), tmp_path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    verdicts = [printed(c) for c in code if CHECK_CALL.search(c.source)]
    assert verdicts, f"{name} has no self-check"
    for text in verdicts:
        assert "✓" in text and "✗" not in text and "not implemented" not in text, text
