"""Grading with nbgrader: grader metadata in the solution notebooks, ``make grade``.

The solution notebooks carry nbgrader's cell metadata (``nbgrader-metadata`` writes it, with
``--check`` in ``make test``):

- a code cell with a ``# BEGIN SOLUTION`` region is a *solution cell*, its ``grade_id`` the
  label of its solution block (``ex-train-set``; ``ex-train-set-2`` for a second cell);
- every code cell calling ``checks.check_...`` after a code exercise, up to the next exercise,
  is a read-only *autograded test cell*: ``grade: true, solution: false, locked: true, points``
  (``ex-train-set-check``; 1 point unless an instructor has set another number, which is kept);
- the Markdown cell where the student writes an answer (the one showing *Your answer here.*)
  is a *manually graded answer*: ``grade: true, solution: true``, one point per question in it
  (``ex-why-zero__ex-left-right`` for two questions in one cell);
- every other cell has no nbgrader metadata (locked read-only cells would break nbgrader's
  restoring of deleted test cells).

``make grade SUBMISSIONS=dir`` (:func:`grade`) builds an nbgrader course in ``_build/grading``
from ``solutions/``: each lab's source notebook is the student notebook of ``make student``
with the answers and the nbgrader metadata put back (:func:`grading_source`), plus the hidden
tests of :data:`HIDDEN_TESTS`; ``nbgrader generate_assignment`` turns it into exactly the
student notebook (the stubs come from :class:`ExerciseStubs`, the stripper's own). Each
submission ``dir/<student>/<NN_slug>.ipynb`` is matched to the release cell by cell (ids, then
sources: :func:`attach`; a deleted or modified test cell is put back and reported), then
autograded by ``nbgrader autograde`` in a process of its own, under a per-cell and a
per-notebook time limit, with one torch thread. Results: ``dir/grades.csv`` (one row per
exercise and student) and ``dir/feedback/<student>/<NN_slug>.html``.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import functools
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from labcode.authoring.strip import (
    ANSWER,
    CODE_BEGIN,
    GUARD_TAG,
    MD_BEGIN,
    SITE_ONLY_TAG,
    _lf,
    _split_directives,
    repository_of,
    strip_code,
    strip_notebook,
    to_text,
)

KEY = "nbgrader"
SCHEMA_VERSION = 3
CHECK_CALL = re.compile(r"^\s*checks\.check_\w+\(", re.MULTILINE)
CHECK_SUFFIX = re.compile(r"-check(?:-\d+)?$")
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
#: The label of an exercise as the grading source writes it on a ``# BEGIN SOLUTION`` line.
LABELLED_BEGIN = re.compile(r"BEGIN SOLUTION \((?P<label>Exercise [\d.]+)\)")
RAISE_LABEL = re.compile(r'raise NotImplementedError\("(?P<label>Exercise [\d.]+):')
COURSE_ID = "learning-on-sets"
CSV_COLUMNS = ("student", "lab", "exercise", "points", "max_points", "note")

#: Hidden tests, run only when grading: lab -> {test cell grade_id: code}. The code goes into
#: the test cell of the nbgrader source between ### BEGIN/END HIDDEN TESTS; the student
#: notebook and the site never show it (see ``labcode/checks/hidden.py``).
HIDDEN_TESTS: dict[str, dict[str, str]] = {
    "01_data_generation": {
        "ex-train-set-check": "from labcode.checks import hidden\n"
                              "hidden.check_create_train_dataset_sizes(create_train_dataset)",
        "ex-test-set-check": "from labcode.checks import hidden\n"
                             "hidden.check_create_test_dataset_sizes(create_test_dataset)",
    },
    "07_pooling": {
        "ex-pool-check": "from labcode.checks import hidden\nhidden.check_pool_sizes(pool)",
    },
}


class GradingError(ValueError):
    """A solution notebook whose grading metadata cannot be derived."""


# ------------------------------------------------------------------------ grader metadata


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool,
          points: float | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"grade": grade, "grade_id": grade_id, "locked": locked,
                               "schema_version": SCHEMA_VERSION, "solution": solution,
                               "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _kept_points(cell: nbformat.NotebookNode, grade_id: str, default: float) -> float:
    """The points an instructor gave this cell (same grade_id), else ``default``."""
    old = cell.get("metadata", {}).get(KEY, {})
    if old.get("grade_id") == grade_id and isinstance(old.get("points"), int | float):
        return old["points"]
    return default


def grading_plan(nb: nbformat.NotebookNode, name: str = "notebook") -> dict[str, dict]:
    """The nbgrader metadata of each graded cell of a solution notebook, by cell id."""
    plan: dict[str, dict] = {}
    open_label: str | None = None  # the open gated solution block
    open_has_code = False
    checked: str | None = None  # the code exercise whose self-checks may follow
    used: dict[str, int] = {}

    def unique(grade_id: str) -> str:
        used[grade_id] = used.get(grade_id, 0) + 1
        return grade_id if used[grade_id] == 1 else f"{grade_id}-{used[grade_id]}"

    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        cell_id = cell.get("id") or f"cell-{index}"
        tags = cell.get("metadata", {}).get("tags", [])
        if SITE_ONLY_TAG in tags or (cell.cell_type == "code" and GUARD_TAG in tags):
            continue  # not in the student notebook
        if cell.cell_type == "code":
            if any(CODE_BEGIN.match(line) for line in cell.source.split("\n")):
                label = open_label or f"code-{cell_id}"
                if open_label:
                    open_has_code = True
                plan[cell_id] = _meta(unique(label), grade=False, solution=True, locked=False)
                checked = label
            elif checked and CHECK_CALL.search(cell.source):
                grade_id = unique(f"{checked}-check")
                plan[cell_id] = _meta(grade_id, grade=True, solution=False, locked=True,
                                      points=_kept_points(cell, grade_id, 1))
            continue
        if cell.cell_type != "markdown":
            continue
        text = _lf(cell.source)
        answers: list[str] = []
        for part in _split_directives(text):
            if isinstance(part, str):
                if open_label is None and any(MD_BEGIN.match(ln) for ln in part.split("\n")):
                    answers.append(f"answer-{cell_id}")
                continue
            if part.name in {"exercise", "exercise-start"}:
                checked = None
            elif part.name == "solution-start":
                if open_label is not None:
                    raise GradingError(f"{where}: {{solution-start}} inside another solution")
                open_label, open_has_code = part.arg or f"solution-{cell_id}", False
            elif part.name == "solution-end":
                if open_label is None:
                    raise GradingError(f"{where}: {{solution-end}} without {{solution-start}}")
                if not open_has_code:
                    answers.append(open_label)
                open_label = None
            elif part.name == "solution" and open_label is None:
                answers.append(part.arg or f"solution-{cell_id}")
        if answers:
            grade_id = unique("__".join(answers))
            plan[cell_id] = _meta(grade_id, grade=True, solution=True, locked=False,
                                  points=_kept_points(cell, grade_id, len(answers)))
    return plan


def add_grading_metadata(nb: nbformat.NotebookNode, name: str = "notebook"
                         ) -> nbformat.NotebookNode:
    """A copy of ``nb`` with nbgrader metadata on its graded cells and none on the others."""
    out = copy.deepcopy(nb)
    plan = grading_plan(out, name)
    for index, cell in enumerate(out.cells):
        meta = plan.get(cell.get("id") or f"cell-{index}")
        if meta is not None:
            cell.metadata[KEY] = meta
        else:
            cell.metadata.pop(KEY, None)
    return out


def metadata_texts(src_dir: Path, names: list[str] | None = None) -> dict[Path, str]:
    """Each selected solution notebook as text, with its grading metadata up to date."""
    paths = sorted(src_dir.glob("*.ipynb"))
    if names:
        wanted = {Path(n).name for n in names}
        paths = [p for p in paths if p.name in wanted]
    return {p: to_text(add_grading_metadata(nbformat.read(p, as_version=4), str(p)))
            for p in paths}


def exercise_of(grade_id: str) -> str:
    """The exercise label(s) of a graded cell: ``ex-train-set-check`` -> ``ex-train-set``."""
    return CHECK_SUFFIX.sub("", grade_id)


# ------------------------------------------------------------------------ nbgrader source


def _answers(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The reference answer of every prose solution, by label (for the grader's source)."""
    found: dict[str, list[str]] = {}
    open_label: str | None = None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for part in _split_directives(_lf(cell.source)):
            if isinstance(part, str):
                if open_label is not None:
                    found[open_label].append(part.strip())
            elif part.name == "solution-start":
                open_label = part.arg
                found[open_label] = [part.body]
            elif part.name == "solution-end":
                open_label = None
            elif part.name == "solution":
                found[part.arg] = [part.body]
    return {label: "\n\n".join(t for t in texts if t) for label, texts in found.items()}


def grading_source(nb: nbformat.NotebookNode, name: str, repository: str | None = None,
                   references: Path | None = None) -> nbformat.NotebookNode:
    """nbgrader's source notebook of a lab: the student notebook with the nbgrader metadata,
    the answers (code between ``# BEGIN SOLUTION (Exercise N.k)`` markers, prose between
    ``<!-- BEGIN SOLUTION -->`` markers) and the hidden tests put back.

    ``nbgrader generate_assignment`` (with :class:`ExerciseStubs`) gives back exactly the
    student notebook of ``make student``.
    """
    solution = add_grading_metadata(nb, name)
    kwargs = {} if references is None else {"references": references}
    student = strip_notebook(solution, name, repository, **kwargs)
    by_id = {c.get("id"): c for c in solution.cells}
    answers = _answers(solution)
    hidden = HIDDEN_TESTS.get(Path(name).stem, {})
    for cell in student.cells:
        meta = by_id.get(cell.get("id"), {}).get("metadata", {}).get(KEY)
        if not meta:
            continue
        cell.metadata[KEY] = copy.deepcopy(meta)
        grade_id = meta["grade_id"]
        if cell.cell_type == "code" and meta["solution"]:
            found = RAISE_LABEL.search(cell.source)
            label = found.group("label") if found else "Exercise"
            cell.source = "\n".join(
                f"{m.group('indent')}# BEGIN SOLUTION ({label})" if (m := CODE_BEGIN.match(ln))
                else ln for ln in by_id[cell.id].source.split("\n"))
        elif cell.cell_type == "code" and grade_id in hidden:
            cell.source += f"\n{HIDDEN_BEGIN}\n{hidden[grade_id]}\n{HIDDEN_END}"
        elif cell.cell_type == "markdown":
            labels = iter(exercise_of(grade_id).split("__"))
            lines = []
            for line in cell.source.split("\n"):
                if line.strip() == ANSWER:
                    reference = answers.get(next(labels, ""), "") or "(see the solution notebook)"
                    line = f"<!-- BEGIN SOLUTION -->\n{reference}\n<!-- END SOLUTION -->"
                lines.append(line)
            cell.source = "\n".join(lines)
    return student


@functools.cache
def _exercise_stubs_class() -> type:
    """:class:`ExerciseStubs`, built on first use so that nbgrader is imported only then."""
    from nbgrader.preprocessors import ClearSolutions

    class ExerciseStubs(ClearSolutions):
        """nbgrader's ClearSolutions with the course's stubs: a code solution region becomes
        ``# YOUR CODE HERE`` and a ``NotImplementedError`` naming the exercise and the function,
        exactly as ``make student`` writes it."""

        def _replace_solution_region(self, cell: nbformat.NotebookNode, language: str) -> bool:
            if cell.cell_type != "code":
                return super()._replace_solution_region(cell, language)
            found = LABELLED_BEGIN.search(cell.source)
            if not any(CODE_BEGIN.match(line) for line in cell.source.split("\n")):
                return False
            cell.source = strip_code(cell.source, "nbgrader source",
                                     found.group("label") if found else "Exercise")
            return True

    return ExerciseStubs


def __getattr__(name: str) -> object:  # ExerciseStubs, imported lazily (nbgrader is heavy)
    if name == "ExerciseStubs":
        return _exercise_stubs_class()
    raise AttributeError(name)


CONFIG = '''\
# nbgrader configuration of the course, written by `make grade` (labcode/authoring/grading.py).
from labcode.authoring.grading import ExerciseStubs
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import ClearSolutions

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = {root!r}
# Stubs as `make student` writes them; answers to questions are replaced by the same line.
c.GenerateAssignment.preprocessors = [
    ExerciseStubs if p is ClearSolutions else p
    for p in GenerateAssignment.class_traits()["preprocessors"].default()
]
c.ExerciseStubs.text_stub = {answer!r}
c.ClearSolutions.text_stub = {answer!r}
# A test cell a student deleted is put back (labcode's attach step does it first).
c.OverwriteCells.add_missing_cells = True
# Each cell may run this long before nbgrader interrupts it (it then fails, the rest runs on).
c.Execute.timeout = {cell_timeout}
c.ExecutePreprocessor.timeout = {cell_timeout}
'''


# ------------------------------------------------------------------------------ submissions


def _first_line(source: str) -> str:
    return next((ln.strip() for ln in source.split("\n") if ln.strip()), "")


def _find(nb: nbformat.NotebookNode, taken: set[int], cell_type: str,
          pred: Callable[[nbformat.NotebookNode], bool]) -> int | None:
    """The index of the first cell of ``cell_type`` not yet ``taken`` that satisfies ``pred``."""
    return next((i for i, c in enumerate(nb.cells)
                 if i not in taken and c.cell_type == cell_type and pred(c)), None)


def attach(submission: nbformat.NotebookNode, release: nbformat.NotebookNode
           ) -> tuple[nbformat.NotebookNode, list[str]]:
    """The submission with the release's nbgrader metadata on the matching cells, and notes.

    A cell matches by id; failing that (a notebook saved by another tool), a test cell by its
    source, an answer cell by its first line. Whatever metadata the submission carries is
    dropped first. A test cell whose source differs from the release's is reported (nbgrader
    runs the release's instead); a graded cell missing from the submission is put back from the
    release (a solution cell as its stub) and reported.
    """
    nb = copy.deepcopy(submission)
    for cell in nb.cells:
        cell.get("metadata", {}).pop(KEY, None)
    notes: list[str] = []
    taken: set[int] = set()
    position: int | None = None  # where the last matched graded cell is in the submission
    for rcell in release.cells:
        meta = rcell.get("metadata", {}).get(KEY)
        if not meta:
            continue
        grade_id = meta["grade_id"]
        test = meta["grade"] and not meta["solution"]

        kind = rcell.cell_type
        index = _find(nb, taken, kind, lambda c, rcell=rcell: c.get("id") == rcell.get("id"))
        if index is None and test:
            index = _find(nb, taken, kind,
                          lambda c, rcell=rcell: c.source.strip() == rcell.source.strip())
        if index is None and not test:
            first = _first_line(rcell.source)
            index = _find(nb, taken, kind, lambda c, first=first: _first_line(c.source) == first)
        if index is None:
            restored = copy.deepcopy(rcell)
            index = len(nb.cells) if position is None else position + 1
            nb.cells.insert(index, restored)
            taken = {i + 1 if i >= index else i for i in taken}
            what = ("test cell" if test else "answer cell" if kind == "markdown"
                    else "exercise cell (put back as its stub)")
            notes.append(f"{grade_id}: {what} missing, put back from the release")
        else:
            cell = nb.cells[index]
            cell.metadata[KEY] = copy.deepcopy(meta)
            if test and cell.source.strip() != rcell.source.strip():
                notes.append(f"{grade_id}: test cell modified, the original was run instead")
        taken.add(index)
        position = index
    return nb, notes


# ------------------------------------------------------------------------------ make grade


@dataclass
class Outcome:
    """One autograded submission."""

    student: str
    lab: str
    notes: list[str] = field(default_factory=list)
    graded: bool = False
    seconds: float = 0.0


def _kill_tree(pid: int) -> None:
    """Kill process ``pid``, its process group and every descendant: nbgrader and its kernel,
    which jupyter_client starts in a session of its own."""
    import psutil  # an ipykernel dependency

    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _nbgrader(args: list[str], cwd: Path, timeout: float | None = None,
              env: dict[str, str] | None = None) -> tuple[int | None, str]:
    """Run ``nbgrader ARGS`` in its own process group; (return code or None on timeout, log)."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    env = dict(os.environ if env is None else env)
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from the PATH
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    with subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True) as proc:
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc.pid)
            out, _ = proc.communicate()
            return None, out
    return proc.returncode, out


@contextlib.contextmanager
def _api(course: Path) -> Iterator[object]:
    """nbgrader's Python API on ``course`` (its nbgrader_config.py), in this process."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    saved = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), saved])  # alembic
    try:
        yield NbGraderAPI(CourseDirectory(config=config), config=config)
    finally:
        os.environ["PATH"] = saved


def submissions_in(folder: Path, labs: set[str]) -> list[tuple[str, str, Path]]:
    """``(student, lab, path)`` of every ``folder/<student>/<lab>.ipynb`` of a known lab."""
    found = []
    for path in sorted(folder.glob("*/*.ipynb")):
        if path.stem in labs and not path.parent.name.startswith((".", "_")) \
                and path.parent.name != "feedback":
            found.append((path.parent.name, path.stem, path))
    return found


def build_course(course: Path, src_dir: Path, labs: list[str], cell_timeout: int) -> None:
    """A fresh nbgrader course in ``course``: config, source notebooks, generated releases."""
    if course.exists():
        shutil.rmtree(course)
    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG.format(
        course_id=COURSE_ID, root=str(course.resolve()), answer=ANSWER,
        cell_timeout=cell_timeout), encoding="utf-8")
    repository = repository_of(src_dir.parent / "_config.yml")
    references = src_dir.parent / "book" / "references.bib"
    for lab in labs:
        nb = nbformat.read(src_dir / f"{lab}.ipynb", as_version=4)
        source = grading_source(nb, f"{lab}.ipynb", repository, references)
        (course / "source" / lab).mkdir(parents=True)
        (course / "source" / lab / f"{lab}.ipynb").write_text(to_text(source), encoding="utf-8")
    with _api(course) as api:
        for lab in labs:
            result = api.generate_assignment(lab, force=True, create=True)
            if not result["success"]:
                raise GradingError(f"nbgrader generate_assignment {lab} failed:\n"
                                   f"{result.get('error') or ''}\n{result.get('log') or ''}")


def _rows(course: Path, outcome: Outcome, release: nbformat.NotebookNode) -> list[dict]:
    """One CSV row per exercise of one submission (scores from the gradebook)."""
    from nbgrader.api import Gradebook, MissingEntry

    graded: dict[str, tuple[float | None, float]] = {}
    if outcome.graded:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            try:
                nb = gb.find_submission_notebook(outcome.lab, outcome.lab, outcome.student)
                for g in nb.grades:
                    score = g.manual_score if g.manual_score is not None else g.auto_score
                    graded[g.name] = (None if g.needs_manual_grade and g.manual_score is None
                                      else score, g.max_score)
            except MissingEntry:
                outcome.graded = False
    per_exercise: dict[str, dict] = {}
    for cell in release.cells:
        meta = cell.get("metadata", {}).get(KEY)
        if not meta or not meta["grade"]:
            continue
        labels = exercise_of(meta["grade_id"]).split("__")
        score, max_score = graded.get(meta["grade_id"], (0.0, float(meta["points"])))
        manual = bool(meta["solution"])  # a written answer: graded by hand, left blank here
        for label in labels:
            row = per_exercise.setdefault(label, {"points": 0.0, "max": 0.0, "manual": False})
            row["max"] += max_score / len(labels)
            row["manual"] = row["manual"] or manual
            if not manual:
                row["points"] += (score or 0.0) / len(labels) if outcome.graded else 0.0
    ids = {c.metadata[KEY]["grade_id"] for c in release.cells if KEY in c.get("metadata", {})}

    def note(label: str) -> str:
        """The notes about this exercise's cells, and those about the whole notebook."""
        about = [n for n in outcome.notes if n.split(":", 1)[0] not in ids
                 or label in exercise_of(n.split(":", 1)[0]).split("__")]
        return "; ".join(about)

    return [{"student": outcome.student, "lab": outcome.lab, "exercise": label,
             "points": "" if row["manual"] else f"{row['points']:g}",
             "max_points": f"{row['max']:g}", "note": note(label)}
            for label, row in per_exercise.items()]


def _feedback(course: Path, lab: str, outcomes: list[Outcome], folder: Path) -> None:
    """nbgrader's HTML feedback of a lab's graded submissions, with the grading notes on top,
    as ``folder/<student>/<lab>.html``."""
    with _api(course) as api:
        api.generate_feedback(lab, force=True)  # failures show as missing pages, below
    for outcome in outcomes:
        page = course / "feedback" / outcome.student / lab / f"{lab}.html"
        if not outcome.graded:
            continue
        if not page.exists():
            outcome.notes.append("no feedback page (nbgrader generate_feedback failed)")
            continue
        text = page.read_text(encoding="utf-8")
        if outcome.notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in outcome.notes)
            banner = (f"<div class='labcode-notes' style='border:2px solid #c00;padding:0 1em'>"
                      f"<p><b>Grading notes</b></p><ul>{items}</ul></div>")
            text = re.sub(r"(<body[^>]*>)", lambda m, b=banner: m.group(1) + b, text, count=1)
        dest = folder / outcome.student / f"{lab}.html"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")


def grade(submissions: Path, src_dir: Path = Path("solutions"),
          course: Path = Path("_build/grading"), cell_timeout: int = 120,
          notebook_timeout: int = 600, log=print) -> Path:
    """Autograde every ``submissions/<student>/<lab>.ipynb``; write ``grades.csv`` and
    ``feedback/`` into ``submissions``. Returns the CSV's path."""
    labs = {p.stem for p in src_dir.glob("*.ipynb")}
    found = submissions_in(submissions, labs)
    if not found:
        raise GradingError(f"no submission in {submissions}: expected "
                           f"{submissions}/<student>/<NN_slug>.ipynb")
    course = course.resolve()
    used_labs = sorted({lab for _, lab, _ in found})
    start = time.monotonic()
    build_course(course, src_dir, used_labs, cell_timeout)
    log(f"grade: nbgrader course built in {course} ({len(used_labs)} labs, "
        f"{time.monotonic() - start:.1f} s)")
    releases = {lab: nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4)
                for lab in used_labs}
    env = {**os.environ, "LABCODE_THREADS": "1", "CUDA_VISIBLE_DEVICES": "",
           "PYTHONHASHSEED": "0"}
    outcomes: list[Outcome] = []
    for student, lab, path in found:
        outcome = Outcome(student, lab)
        outcomes.append(outcome)
        try:
            submitted = nbformat.read(path, as_version=4)
        except Exception as error:  # not a notebook: the student gets 0, the others go on
            outcome.notes.append(f"unreadable notebook: {type(error).__name__}: {error}")
            continue
        attached, outcome.notes = attach(submitted, releases[lab])
        target = course / "submitted" / student / lab / f"{lab}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(to_text(attached), encoding="utf-8")
        began = time.monotonic()
        code, out = _nbgrader(["autograde", lab, "--student", student, "--force"], course,
                              timeout=notebook_timeout, env=env)
        outcome.seconds = time.monotonic() - began
        (course / "logs").mkdir(exist_ok=True)
        (course / "logs" / f"{student}_{lab}.log").write_text(out, encoding="utf-8")
        if code is None:
            outcome.notes.append(f"not finished in {notebook_timeout} s: graded 0")
        elif code != 0:
            outcome.notes.append(f"nbgrader autograde failed (see {course}/logs): graded 0")
        else:
            outcome.graded = True
        log(f"grade: {student} {lab}: autograded in {outcome.seconds:.1f} s"
            + (f" ({'; '.join(outcome.notes)})" if outcome.notes else ""))
    rows: list[dict] = []
    for lab in used_labs:
        _feedback(course, lab, [o for o in outcomes if o.lab == lab], submissions / "feedback")
    for outcome in outcomes:
        new_rows = _rows(course, outcome, releases[outcome.lab])
        rows += new_rows
        got = sum(float(r["points"]) for r in new_rows if r["points"])
        top = sum(float(r["max_points"]) for r in new_rows if r["points"])
        log(f"grade: {outcome.student} {outcome.lab}: {got:g} / {top:g} points "
            "(written answers left to grade by hand)")
    out_csv = submissions / "grades.csv"
    with out_csv.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    log(f"grade: wrote {out_csv} ({len(rows)} rows) in {time.monotonic() - start:.1f} s")
    return out_csv
