"""nbgrader metadata of the solution notebooks, the grader's source and the self-checks under the
grader; fast: nothing here runs nbgrader or a kernel (``test_end_to_end.py`` does)."""

from __future__ import annotations

import copy

import nbformat
import pytest

from labcode.authoring.grading import (
    HIDDEN_BEGIN,
    KEY,
    add_grading_metadata,
    attach,
    grading_plan,
    grading_source,
    metadata_texts,
)
from labcode.authoring.strip import ANSWER, strip_notebook
from labcode.checks import _common
from tests.conftest import SOLUTIONS, notebook

LABS = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))
LAB01 = SOLUTIONS / "01_data_generation.ipynb"


def kinds(plan: dict) -> dict[str, str]:
    return {m["grade_id"]: ("test" if not m["solution"] else "answer" if m["grade"]
                            else "solution") for m in plan.values()}


def test_lab01_plan():
    plan = grading_plan(nbformat.read(LAB01, as_version=4), LAB01.name)
    assert kinds(plan) == {"ex-train-set": "solution", "ex-train-set-check": "test",
                           "ex-test-set": "solution", "ex-test-set-check": "test",
                           "ex-why-zero__ex-left-right": "answer"}
    tests = [m for m in plan.values() if not m["solution"]]
    assert all(m["locked"] and m["grade"] and m["points"] == 1 for m in tests)


@pytest.mark.parametrize("name", LABS)
def test_every_code_exercise_is_a_solution_cell_followed_by_a_test_cell(name):
    nb = nbformat.read(SOLUTIONS / name, as_version=4)
    found = kinds(grading_plan(nb, name))
    solutions = [g for g, k in found.items() if k == "solution"]
    assert solutions, f"{name}: no code exercise"
    assert all(f"{g}-check" in found for g in solutions), found
    assert any(k == "answer" for k in found.values()), f"{name}: no written answer"


def test_metadata_pass_touches_nothing_else_and_keeps_points():
    nb = nbformat.read(LAB01, as_version=4)
    once = add_grading_metadata(nb, LAB01.name)
    for before, after in zip(nb.cells, once.cells, strict=True):
        rest = {k: v for k, v in after.metadata.items() if k != KEY}
        assert before.source == after.source and rest == {
            k: v for k, v in before.metadata.items() if k != KEY}
        assert before.get("outputs") == after.get("outputs")
    assert add_grading_metadata(once, LAB01.name) == once  # idempotent
    test_cell = next(c for c in once.cells if c.metadata.get(KEY, {}).get("grade_id")
                     == "ex-train-set-check")
    test_cell.metadata[KEY]["points"] = 3  # an instructor's choice survives the next pass
    again = add_grading_metadata(once, LAB01.name)
    assert next(c for c in again.cells if c.id == test_cell.id).metadata[KEY]["points"] == 3


def test_metadata_texts_is_a_pure_metadata_pass(tmp_path):
    copy_path = tmp_path / LAB01.name
    copy_path.write_text(LAB01.read_text(encoding="utf-8"), encoding="utf-8")
    text = metadata_texts(tmp_path)[copy_path]
    nb, original = nbformat.reads(text, as_version=4), nbformat.read(LAB01, as_version=4)
    for cell in [*nb.cells, *original.cells]:
        cell.metadata.pop(KEY, None)
    assert nb == original


@pytest.mark.parametrize("name", LABS)
def test_grading_source_puts_the_answers_back_into_the_student_notebook(name):
    nb = nbformat.read(SOLUTIONS / name, as_version=4)
    source = grading_source(nb, name)
    student = strip_notebook(nb, name)
    assert [c.get("id") for c in source.cells] == [c.get("id") for c in student.cells]
    graded = [c for c in source.cells if KEY in c.metadata]
    assert graded and all(KEY not in c.metadata for c in student.cells)
    for cell in graded:
        if cell.cell_type == "markdown":
            assert ANSWER not in cell.source.split("\n")
            assert "<!-- BEGIN SOLUTION -->" in cell.source
        elif cell.metadata[KEY]["solution"]:
            assert "# BEGIN SOLUTION (Exercise " in cell.source


def test_hidden_tests_are_in_the_grader_source_only():
    nb = nbformat.read(LAB01, as_version=4)
    source = grading_source(nb, LAB01.name)
    hidden = [c for c in source.cells if HIDDEN_BEGIN in c.source]
    assert [c.metadata[KEY]["grade_id"] for c in hidden] == ["ex-train-set-check",
                                                             "ex-test-set-check"]
    assert not any(HIDDEN_BEGIN in c.source for c in strip_notebook(nb, LAB01.name).cells)


def release_like() -> nbformat.NotebookNode:
    """A small release: a solution cell, its test cell, an answer cell."""
    nb = notebook(("code", "import numpy as np"),
                  ("code", "def f():\n    raise NotImplementedError"),
                  ("code", "checks.check_f(f)"),
                  ("markdown", "**Exercise 1.2.** Why?\n\n" + ANSWER))
    for cell, meta in zip(nb.cells[1:], (
            {"grade": False, "solution": True, "grade_id": "ex-f"},
            {"grade": True, "solution": False, "grade_id": "ex-f-check", "points": 1},
            {"grade": True, "solution": True, "grade_id": "ex-why", "points": 1}), strict=True):
        cell.metadata[KEY] = meta
    return nb


def test_attach_matches_by_id_and_reports_a_modified_test_cell():
    release = release_like()
    submission = copy.deepcopy(release)
    for cell in submission.cells:
        cell.metadata.pop(KEY, None)
    submission.cells[1].source = "def f():\n    return 1"
    submission.cells[2].source = 'print("✓ f: all 3 checks passed.")'
    submission.cells[0].metadata[KEY] = {"grade": True, "grade_id": "fake", "points": 99}
    attached, notes = attach(submission, release)
    assert [c.metadata.get(KEY, {}).get("grade_id") for c in attached.cells] == [
        None, "ex-f", "ex-f-check", "ex-why"]
    assert attached.cells[1].source == "def f():\n    return 1"  # the student's answer
    assert notes == ["ex-f-check: test cell modified, the original was run instead"]


def test_attach_puts_back_a_deleted_test_cell_and_matches_without_ids():
    release = release_like()
    submission = copy.deepcopy(release)
    del submission.cells[2]
    for i, cell in enumerate(submission.cells):
        cell.metadata.pop(KEY, None)
        cell["id"] = f"other-{i}"  # a tool that rewrote the ids
    attached, notes = attach(submission, release)
    assert [c.metadata.get(KEY, {}).get("grade_id") for c in attached.cells] == [
        None, "ex-f", "ex-f-check", "ex-why"]
    assert attached.cells[2].source == "checks.check_f(f)"
    assert notes == ["ex-f-check: test cell missing, put back from the release"]


def failing(c):
    c.expect(False, "a hint")


def not_implemented(c):
    raise NotImplementedError


def raising(c):
    raise ValueError("boom")


@pytest.mark.parametrize("body", [failing, not_implemented, raising])
def test_a_check_raises_under_the_grader_only(body, monkeypatch, capsys):
    monkeypatch.delenv(_common.GRADER_ENV, raising=False)
    assert _common._run("f", len, body) is None  # a student's session: a verdict, no error
    verdict = capsys.readouterr().out.strip()
    assert verdict.startswith(("✗", "…"))
    monkeypatch.setenv(_common.GRADER_ENV, "autograde")
    with pytest.raises(AssertionError) as raised:
        _common._run("f", len, body)
    assert str(raised.value) == verdict
    assert capsys.readouterr().out.strip() == verdict  # printed the same way first
    with pytest.raises(AssertionError):
        _common._run("f", "not a function", body)


def test_a_passing_check_does_not_raise_under_the_grader(monkeypatch, capsys):
    monkeypatch.setenv(_common.GRADER_ENV, "autograde")
    _common._run("f", len, lambda c: c.expect(True, ""))
    assert capsys.readouterr().out.startswith("✓ f: all 1 check passed.")


@pytest.mark.parametrize("name", LABS)
def test_the_student_notebook_ignores_the_grader_metadata(name):
    nb = nbformat.read(SOLUTIONS / name, as_version=4)
    assert strip_notebook(add_grading_metadata(nb, name), name) == strip_notebook(nb, name)
