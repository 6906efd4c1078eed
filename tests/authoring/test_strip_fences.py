"""The stripper reads MyST the way the book does: colon fences, nesting, indentation, CRLF."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from labcode.authoring.strip import ANSWER, marked_lines, strip_notebook, to_text
from tests.conftest import notebook

# Hypothesis caches go to the temporary folder, not ./.hypothesis (as in tests/unit/test_fuzz.py).
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "labcode-hypothesis")
REPO = "https://github.com/org/course@main"


def leaks(solution, student):
    """What tests/notebooks/test_notebooks.py reports: the solution's marked lines found in
    ``student``."""
    shown = {ln.strip() for c in student.cells for ln in c.source.split("\n")}
    return marked_lines(solution) & shown


def test_a_colon_fence_solution_is_stripped_and_caught_by_the_leak_check():
    nb = notebook(
        ("markdown", ":::{exercise} Why zero?\n:label: ex-zero\n\nWhy pad with 0?\n:::"),
        ("markdown", ":::{solution-start} ex-zero\n:class: dropdown\n:::\n"
                     "Because 0 is not a digit."),
        ("markdown", ":::{solution-end}\n:::\nAfter the solution."),
        ("markdown", "::::{solution} ex-zero\n:::{note}\nA nested remark.\n:::\n"
                     "Padding adds nothing.\n::::"),
    )
    student = strip_notebook(nb, "lab.ipynb")
    assert [c.source for c in student.cells[1:]] == [
        "**Exercise 1.** Why zero?\n\nWhy pad with 0?", f"{ANSWER}\n\nAfter the solution.", ANSWER]
    prose = {"Because 0 is not a digit.", "A nested remark.", "Padding adds nothing."}
    assert prose <= marked_lines(nb)
    assert not leaks(nb, student)
    assert prose <= leaks(nb, nb)  # had the solution reached the student, the leak test says so


# ------------------------------------------------------------------------ property test

WORDS = st.lists(st.sampled_from(["sets", "sum", "of", "digits", "why", "the", "is", "pool"]),
                 min_size=1, max_size=4).map(" ".join)
FENCES = [(char, length) for char in "`~:" for length in (3, 4, 5)]
OPEN = dict.fromkeys("`~:", 6)  # no fence around: any length will do
INDENTS = ["", " ", "  ", "   ", "    ", "\t", "       "]  # of code and Markdown markers


class Lab:
    """The lines of one generated notebook that the student must not see, or must see."""

    def __init__(self, draw):
        self.draw, self.secret, self.keep = draw, [], []

    def line(self, secret: bool, text: str = "") -> str:
        """A line ending with a distinctive random token, remembered as secret or kept."""
        lines = self.secret if secret else self.keep
        number = self.draw(st.integers(0, 9999))
        token = f"{'SECRET' if secret else 'KEEP'}_{len(lines)}_{number}_"
        lines.append(f"{text or self.draw(WORDS)} {token}")
        return lines[-1]

    def prose(self, secret: bool) -> list[str]:
        role = self.draw(st.sampled_from(["", "{cite:p}`zaheer2017deepsets` "]))
        return [self.line(secret, role + self.draw(WORDS))
                for _ in range(self.draw(st.integers(1, 3)))]

    def region(self) -> list[str]:
        """A ``<!-- BEGIN SOLUTION -->`` region, its markers at odd indentation."""
        begin, end = (self.draw(st.sampled_from(INDENTS)) for _ in "be")
        return [f"{begin}<!-- BEGIN SOLUTION -->", *self.prose(True), f"{end}<!-- END SOLUTION -->"]

    def directive(self, name, arg, option, limits=OPEN, body=lambda limits: []):
        """``{name}`` fenced by 3 to 5 backticks, tildes or colons around the lines ``body``
        draws. ``limits``: by character, the length of the fences around it, which a fence of
        that character must not reach (it would close them)."""
        char, length = self.draw(st.sampled_from([f for f in FENCES if f[1] < limits[f[0]]]))
        lines = body({**limits, char: length})
        options = self.draw(st.sampled_from([[], [option] if option else []]))
        blank = self.draw(st.sampled_from([[], [""]]))
        head = char * length + "{" + name + "}" + (f" {arg}" if arg else "")
        indent = " " * self.draw(st.integers(0, 3))
        return [indent + ln if ln else ln
                for ln in [head, *options, *blank, *lines, char * length]]

    def body(self, secret: bool, depth: int, limits) -> list[str]:
        """Prose, ``<!-- BEGIN SOLUTION -->`` regions and (to ``depth``) nested directives."""
        lines = []
        for _ in range(self.draw(st.integers(1, 3))):
            kind = self.draw(st.sampled_from(["prose", "region", "admonition", "solution"]
                                             [:4 if depth else 2]))
            lines += self.draw(st.sampled_from([[], [""]])) + (
                self.prose(secret) if kind == "prose" else self.region() if kind == "region"
                else self.admonition(secret, depth - 1, limits) if kind == "admonition"
                else self.solution(depth - 1, limits))
        return lines

    def admonition(self, secret: bool, depth: int, limits=OPEN) -> list[str]:
        name = self.draw(st.sampled_from(["note", "warning", "admonition"]))  # quote or body
        title = self.line(secret) if name == "admonition" else ""
        return self.directive(name, title, ":class: tip", limits,
                              lambda inner: self.body(secret, depth, inner))

    def solution(self, depth: int, limits=OPEN) -> list[str]:
        return self.directive("solution", "ex-1", ":class: dropdown", limits,
                              lambda inner: self.body(True, depth, inner))

    def exercise(self, name: str = "exercise") -> list[str]:
        title = self.line(False)
        return self.directive(name, title, ":label: ex-1", OPEN,
                              lambda inner: self.body(False, 2, inner))

    def code(self) -> str:
        """A code cell with one marked region, its markers at odd indentation."""
        indent = self.draw(st.sampled_from(INDENTS))
        return "\n".join([self.line(False, "x = 0  #"), f"{indent}# BEGIN SOLUTION",
                          indent + self.line(True, "y = 1  #"), f"{indent}# END SOLUTION"])

    def codes(self) -> list[tuple[str, str]]:
        return [("code", self.code()) for _ in range(self.draw(st.integers(0, 2)))]

    def item(self) -> list[tuple[str, list[str] | str]]:
        """The cells of one piece of a lab."""
        kind = self.draw(st.sampled_from(["prose", "exercise", "admonition", "solution", "code",
                                          "gated exercise", "gated solution"]))
        if kind == "prose":
            return [("markdown", [*self.prose(False), "", *self.region(), *self.prose(False)])]
        if kind in {"exercise", "admonition", "solution"}:
            lines = (self.exercise() if kind == "exercise" else self.admonition(False, 2)
                     if kind == "admonition" else self.solution(2))
            return [("markdown", lines)]
        if kind == "code":
            return [("code", self.code())]
        if kind == "gated exercise":
            return [("markdown", self.exercise("exercise-start")), *self.codes(),
                    ("markdown", self.directive("exercise-end", "", ""))]
        hidden = self.draw(st.booleans())  # solution-start's own content is a solution too
        start = self.directive("solution-start", "ex-1", ":class: dropdown", OPEN,
                               lambda inner: self.prose(True) if hidden else [])
        start += self.prose(True) if self.draw(st.booleans()) else []
        end = self.directive("solution-end", "", "")
        end += self.prose(False) if self.draw(st.booleans()) else []
        codes = self.codes()
        if not codes and self.draw(st.booleans()):  # start and end in one cell
            return [("markdown", start + end)]
        return [("markdown", start), *codes, ("markdown", end)]


@st.composite
def labs(draw):
    """A solution notebook mixing every construct, and its Lab (the lines to hide and show)."""
    lab = Lab(draw)
    cells: list[tuple[str, list[str] | str]] = []
    for _ in range(draw(st.integers(1, 6))):
        item = lab.item()
        if cells and cells[-1][0] == item[0][0] == "markdown" and draw(st.booleans()):
            separator = draw(st.sampled_from([[], [""]]))  # join two items in one cell
            cells[-1] = ("markdown", cells[-1][1] + separator + item.pop(0)[1])
        cells += item
    crlf = draw(st.lists(st.booleans(), min_size=len(cells), max_size=len(cells)))
    sources = [(kind, src if isinstance(src, str) else "\n".join(src)) for kind, src in cells]
    return notebook(*[(kind, src.replace("\n", "\r\n") if windows else src)
                      for (kind, src), windows in zip(sources, crlf, strict=True)]), lab


@settings(max_examples=150, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(labs())
def test_no_solution_line_reaches_the_student_and_exercise_text_stays(generated):
    nb, lab = generated
    student = strip_notebook(nb, "lab.ipynb", REPO)
    text = "\n".join(c.source for c in student.cells)
    leaked = [ln for ln in lab.secret if ln.split()[-1] in text]
    assert not leaked, f"solution lines in the student notebook: {leaked}"
    marked = "\n".join(marked_lines(nb))
    unmarked = [ln for ln in lab.secret if ln.split()[-1] not in marked]
    assert not unmarked, f"solution lines the leak test would not look for: {unmarked}"
    lost = [ln for ln in lab.keep if ln.split()[-1] not in text]
    assert not lost, f"exercise or lab text missing from the student notebook: {lost}"
    assert to_text(strip_notebook(student, "lab.ipynb", REPO)) == to_text(student)
