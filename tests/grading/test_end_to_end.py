"""``make grade`` end to end, with nbgrader, on Lab 01 (the fastest lab): six submissions.

- ``correct``: the student notebook with the reference answers put in: full points;
- ``unsolved``: the student notebook as generated: 0;
- ``wrong``: Exercise 1.1 pads on the right (a mutant of tests/checks/test_lab01.py): loses
  exactly that exercise;
- ``spoofed``: Exercise 1.1 unsolved and its check cell replaced by a print of the passing
  verdict, Exercise 1.2's check cell deleted: the original check cells run, 0 for 1.1, 1.2 still
  scores, and both changes are reported (CSV note, feedback page);
- ``hidden``: Exercise 1.2 with wrong default cardinalities: the visible check (which passes
  them) is satisfied, the hidden test is not: 0 for 1.2;
- ``loop``: Exercise 1.1 never returns: killed at the notebook time limit and graded 0, while
  the submissions after it are still graded.

Also: nbgrader's generated release of every lab is the student notebook of ``make student``,
cell for cell. Run by ``make grading`` (part of ``make test``; ``LABCODE_GRADING=1``), serially,
so that only the endless submission meets its time limit: a few minutes on two cores.
"""

from __future__ import annotations

import csv
import os
import time

import nbformat
import pytest

from labcode.authoring.grading import HIDDEN_BEGIN, build_course, grade, grading_plan
from labcode.authoring.strip import repository_of, strip_file
from tests.conftest import ROOT, SOLUTIONS
from tests.notebooks.test_student_experience import fill_stubs, regions

pytestmark = pytest.mark.skipif(not os.environ.get("LABCODE_GRADING"),
                                reason="nbgrader end to end: run by `make grading`")

LAB = "01_data_generation"
#: Seconds a submission may take; the others take a fraction of it (override on a slow machine).
NOTEBOOK_TIMEOUT = int(os.environ.get("LABCODE_GRADING_TEST_TIMEOUT", "60"))
SPOOF = 'print("✓ create_train_dataset: all 12 checks passed.")'
RIGHT_PADDED = '''
_reference = create_train_dataset


def create_train_dataset(*args, **kwargs):  # a wrong answer: padded on the right
    X, y = _reference(*args, **kwargs)
    return np.array([np.roll(r, -(r == 0).sum()) for r in X]), y
'''
WRONG_DEFAULTS = '''
_given = create_test_dataset


def create_test_dataset(n_per_card=10_000, cardinalities=range(5, 100, 5), max_digit=10,
                        seed=None):  # a wrong default: 5..95
    return _given(n_per_card, cardinalities, max_digit, seed)
'''
LOOP = '''

def create_train_dataset(*args, **kwargs):  # never returns
    while True:
        pass
'''


def student(lab: str = LAB) -> nbformat.NotebookNode:
    """The student notebook as ``make student`` writes it now."""
    text = strip_file(SOLUTIONS / f"{lab}.ipynb", repository_of(ROOT / "_config.yml"),
                      ROOT / "book" / "references.bib")
    return nbformat.reads(text, as_version=4)


def cell_ids() -> dict[str, str]:
    """grade_id -> cell id, from the solution notebook."""
    nb = nbformat.read(SOLUTIONS / f"{LAB}.ipynb", as_version=4)
    return {m["grade_id"]: cell_id for cell_id, m in grading_plan(nb, LAB).items()}


def solved() -> nbformat.NotebookNode:
    nb = student()
    solution = {c.id: c for c in nbformat.read(SOLUTIONS / f"{LAB}.ipynb", as_version=4).cells}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.id in solution:
            cell.source = fill_stubs(cell.source, regions(solution[cell.id].source), cell.id)
    return nb


def cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.get("id") == cell_ids()[grade_id])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the six submissions once; (submissions folder, CSV rows, seconds)."""
    folder = tmp_path_factory.mktemp("submissions")
    subs = {"correct": solved(), "unsolved": student(), "wrong": solved(), "spoofed": solved(),
            "hidden": solved(), "loop": solved()}
    cell(subs["hidden"], "ex-test-set").source += WRONG_DEFAULTS
    cell(subs["wrong"], "ex-train-set").source += RIGHT_PADDED
    cell(subs["loop"], "ex-train-set").source += LOOP
    spoofed = subs["spoofed"]
    cell(spoofed, "ex-train-set").source = cell(student(), "ex-train-set").source
    cell(spoofed, "ex-train-set-check").source = SPOOF
    spoofed.cells.remove(cell(spoofed, "ex-test-set-check"))
    for name, nb in subs.items():
        (folder / name).mkdir()
        nbformat.write(nb, folder / name / f"{LAB}.ipynb")
    start = time.monotonic()
    path = grade(folder, SOLUTIONS, tmp_path_factory.mktemp("course") / "grading",
                 cell_timeout=2 * NOTEBOOK_TIMEOUT, notebook_timeout=NOTEBOOK_TIMEOUT)
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return folder, rows, time.monotonic() - start


def scores(rows: list[dict], student: str) -> dict[str, str]:
    return {r["exercise"]: r["points"] for r in rows if r["student"] == student}


def test_the_csv_has_one_row_per_student_and_exercise(graded):
    _, rows, _ = graded
    assert list(rows[0]) == ["student", "lab", "exercise", "points", "max_points", "note"]
    assert len(rows) == 6 * 4 and {r["lab"] for r in rows} == {LAB}
    assert all(r["max_points"] == "1" for r in rows)


@pytest.mark.parametrize(("student", "expected"), [
    ("correct", {"ex-train-set": "1", "ex-test-set": "1"}),
    ("unsolved", {"ex-train-set": "0", "ex-test-set": "0"}),
    ("wrong", {"ex-train-set": "0", "ex-test-set": "1"}),
    ("spoofed", {"ex-train-set": "0", "ex-test-set": "1"}),
    ("hidden", {"ex-train-set": "1", "ex-test-set": "0"}),
    ("loop", {"ex-train-set": "0", "ex-test-set": "0"}),
])
def test_points(graded, student, expected):
    _, rows, _ = graded
    # the written answers are graded by hand: left blank
    assert scores(rows, student) == {**expected, "ex-why-zero": "", "ex-left-right": ""}


def notes(rows: list[dict], student: str) -> dict[str, str]:
    return {r["exercise"]: r["note"] for r in rows if r["student"] == student}


def test_tampering_is_reported(graded):
    folder, rows, _ = graded
    modified = "ex-train-set-check: test cell modified, the original was run instead"
    deleted = "ex-test-set-check: test cell missing, put back from the release"
    assert notes(rows, "spoofed") == {"ex-train-set": modified, "ex-test-set": deleted,
                                      "ex-why-zero": "", "ex-left-right": ""}
    page = (folder / "feedback" / "spoofed" / f"{LAB}.html").read_text(encoding="utf-8")
    assert modified in page and deleted in page
    for student in ("correct", "unsolved", "wrong", "hidden"):
        assert set(notes(rows, student).values()) == {""}


def test_a_notebook_that_never_finishes_scores_0_and_the_others_are_graded(graded):
    _, rows, seconds = graded
    assert set(notes(rows, "loop").values()) == {f"not finished in {NOTEBOOK_TIMEOUT} s: graded 0"}
    assert seconds < 4 * NOTEBOOK_TIMEOUT + 120  # the loop cost its time limit, no more


def test_feedback_for_every_graded_submission(graded):
    folder, _, _ = graded
    pages = sorted(p.parent.name for p in (folder / "feedback").glob(f"*/{LAB}.html"))
    assert pages == ["correct", "hidden", "spoofed", "unsolved", "wrong"]
    page = (folder / "feedback" / "wrong" / f"{LAB}.html").read_text(encoding="utf-8")
    assert "pad on the LEFT" in page  # the verdict's hint, raised by the check
    page = (folder / "feedback" / "hidden" / f"{LAB}.html").read_text(encoding="utf-8")
    assert "the default cardinalities are 5, 10, ..., 100." in page  # the hidden test's


def test_every_release_is_the_student_notebook(tmp_path):
    """nbgrader generate_assignment on the grader's source of every lab gives back the student
    notebook of ``make student`` (cell sources, cell ids); hidden tests stay in the source."""
    labs = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))
    build_course(tmp_path, SOLUTIONS, labs, cell_timeout=60)
    for lab in labs:
        release = nbformat.read(tmp_path / "release" / lab / f"{lab}.ipynb", as_version=4)
        expected = student(lab)
        assert [c.source for c in release.cells] == [c.source for c in expected.cells], lab
        assert [c.get("id") for c in release.cells] == [c.get("id") for c in expected.cells]
        assert all(c.get("outputs", []) == [] for c in release.cells)
    source = (tmp_path / "source" / LAB / f"{LAB}.ipynb").read_text(encoding="utf-8")
    assert HIDDEN_BEGIN in source
