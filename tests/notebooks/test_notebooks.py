"""The repository's notebooks: sync, leaks, kept outputs, conventions."""

from __future__ import annotations

from collections import Counter

import nbformat
import pytest

from labcode.authoring.strip import MD_BEGIN, marked_lines, plan, solution_lines
from tests.conftest import NOTEBOOKS, SOLUTIONS

SOLUTION_FILES = sorted(SOLUTIONS.glob("*.ipynb"))
IDS = [p.name for p in SOLUTION_FILES]


def test_there_are_solution_notebooks():
    assert SOLUTION_FILES, "solutions/ holds no notebook"


def test_regenerating_student_notebooks_changes_nothing(tmp_path):
    outputs = plan(SOLUTIONS, tmp_path)
    assert sorted(p.name for p in outputs) == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    for path, text in outputs.items():
        assert (NOTEBOOKS / path.name).read_text(encoding="utf-8") == text, (
            f"notebooks/{path.name} is out of sync: run `make student`")


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=IDS)
def test_no_solution_line_leaks_into_the_student_notebook(path):
    nb = nbformat.read(path, as_version=4)
    # A marked line that also appears unmarked in the solution notebook is shown to students on
    # purpose (e.g. `return X, y` in a given helper), so it cannot leak.
    shown = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            unmarked = Counter(cell.source.split("\n")) - Counter(solution_lines(cell.source))
            shown |= {ln.strip() for ln in unmarked}
    secret = {ln for ln in marked_lines(nb) - shown if not ln.startswith("```")}
    assert secret, f"{path.name} marks no solution at all"
    student = nbformat.read(NOTEBOOKS / path.name, as_version=4)
    student_lines = {ln.strip() for c in student.cells for ln in c.source.split("\n")}
    leaked = secret & student_lines
    assert not leaked, f"solution lines leaked into notebooks/{path.name}: {sorted(leaked)[:5]}"


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=IDS)
def test_solution_outputs_are_kept_and_clean(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "execute it: make outputs"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name} keeps an error output"
    checked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
    assert len(checked) >= 3, "tag the cells with stable printed output nbval-check-output"
    assert all(c.outputs for c in checked), "a checked cell has no output to compare"


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=IDS)
def test_first_code_cell_seeds(path):
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "seed_everything(" in first.source


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=IDS)
def test_student_notebook_has_stubs_and_no_outputs(path):
    student = nbformat.read(NOTEBOOKS / path.name, as_version=4)
    code = [c for c in student.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert any('raise NotImplementedError("Exercise' in c.source for c in code)
    assert "student-setup" in code[0].metadata.get("tags", []), "the Colab setup cell comes first"
    assert "widgets" not in student.metadata
    markdown = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert "```{" not in markdown and "{solution" not in markdown
    assert not any(MD_BEGIN.match(ln) for ln in markdown.split("\n"))
