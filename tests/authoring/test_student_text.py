"""What a student reads: exercise numbers per lab, author-year citations with a reference list,
no website text, no note for the repository's maintainers (issue 15, points 2 and 7).

The first tests strip small notebooks; the last ones read the generated notebooks/ (which
tests/notebooks checks are in sync with solutions/)."""

from __future__ import annotations

import re

import nbformat
import pytest

from labcode.authoring.strip import (
    METADATA_KEY,
    SITE_ONLY_TAG,
    StripError,
    bibliography,
    exercise_prefix,
    strip_notebook,
    to_text,
)
from tests.conftest import NOTEBOOKS, notebook

EXERCISE = ("markdown", "```{exercise} Add up\n:label: ex-add\n\nWrite `add`.\n```")
SOLVED = [("markdown", "```{solution-start} ex-add\n:class: dropdown\n```"),
          ("code", "def add(a, b):\n    # BEGIN SOLUTION\n    return a + b\n    # END SOLUTION"),
          ("markdown", "```{solution-end}\n```")]


def markdown(nb) -> str:
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


# --------------------------------------------------------------------------- exercise numbers


@pytest.mark.parametrize("name, prefix", [("solutions/07_pooling.ipynb", "7."),
                                          ("12_more.ipynb", "12."), ("lab.ipynb", "")])
def test_exercises_are_numbered_per_lab_from_the_file_name(name, prefix):
    assert exercise_prefix(name) == prefix
    nb = notebook(EXERCISE, *SOLVED, ("markdown", "```{exercise}\nWhy?\n```"))
    student = strip_notebook(nb, name)
    text = markdown(student)
    assert f"**Exercise {prefix}1.** Add up" in text and f"**Exercise {prefix}2.**" in text
    code = "\n".join(c.source for c in student.cells if c.cell_type == "code")
    assert f'raise NotImplementedError("Exercise {prefix}1: implement add")' in code


# --------------------------------------------------------------------------------- citations


def test_citations_are_author_year_text_with_a_reference_list():
    nb = notebook(
        ("markdown", "As {cite:t}`zaheer2017deepsets` show, sums suffice "
                     "{cite:p}`zaheer2017deepsets,wagstaff2019limitations`."),
        ("markdown", "Written by {cite:t}`nikolentzos2025lab8` in {cite:year}`qi2017pointnet`."),
    )
    student = strip_notebook(nb, "01_x.ipynb")
    cells = [c.source for c in student.cells]
    assert cells[1] == ("As Zaheer et al. (2017) show, sums suffice "
                        "(Zaheer et al., 2017; Wagstaff et al., 2019).")
    assert cells[2] == "Written by Nikolentzos and Lutzeyer (2025) in 2017."
    references = student.cells[-1]
    assert references.metadata["tags"] == ["student-references"]
    entries = references.source.split("\n")
    assert entries[:2] == ["## References", ""]
    assert [e.split("**")[1] for e in entries[2:]] == [  # sorted, each cited work once
        "Nikolentzos and Lutzeyer (2025).", "Qi et al. (2017).", "Wagstaff et al. (2019).",
        "Zaheer et al. (2017)."]
    assert "Barnabás Póczos" in references.source and "{" not in references.source
    assert "PointNet" in references.source and "3D" in references.source  # braced in the .bib
    again = strip_notebook(student, "01_x.ipynb")
    assert to_text(again) == to_text(student)  # idempotent: one reference list


def test_an_unknown_citation_key_names_the_cell():
    with pytest.raises(StripError, match=r"cell 0: unknown citation key 'nobody2020'"):
        strip_notebook(notebook(("markdown", "See {cite:p}`nobody2020`.")), "lab.ipynb")


def test_a_notebook_without_citations_has_no_reference_list():
    student = strip_notebook(notebook(("markdown", "No citation here.")), "lab.ipynb")
    assert "References" not in markdown(student)


def test_the_author_year_names_match_the_site_style():
    """sphinxcontrib-bibtex's author-year style: one or two last names, else "X et al."."""
    works = bibliography()
    assert works["qi2017pointnet"].authors == "Qi et al."
    assert works["nikolentzos2025lab8"].authors == "Nikolentzos and Lutzeyer"
    assert works["zaheer2017deepsets"].year == "2017"


# --------------------------------------------------------------------------- site-only text


def test_site_only_directives_and_cells_are_left_out():
    nb = notebook(
        ("markdown", "Move the slider.\n\n```{only} html\nOn this page the slider is saved.\n```"
                     "\n\nThe figure shows it."),
        ("markdown", "For readers of the website only."),
        ("code", "show_static_figure()"),
    )
    nb.cells[1].metadata["tags"] = [SITE_ONLY_TAG]
    nb.cells[2].metadata["tags"] = [SITE_ONLY_TAG]
    student = strip_notebook(nb, "lab.ipynb")
    assert [c.source for c in student.cells[1:]] == ["Move the slider.\n\nThe figure shows it."]


@pytest.mark.parametrize("cell", [
    ("markdown", "```{only} html\n```{exercise}\nHidden?\n```\n```"),
    ("markdown", "::::{only} html\n:::{exercise}\nHidden?\n:::\n::::"),
])
def test_site_only_text_cannot_hold_an_exercise(cell):
    with pytest.raises(StripError, match="exercise"):
        strip_notebook(notebook(cell), "lab.ipynb")


def test_a_site_only_cell_cannot_hold_an_exercise():
    nb = notebook(EXERCISE)
    nb.cells[0].metadata["tags"] = [SITE_ONLY_TAG]
    with pytest.raises(StripError, match=SITE_ONLY_TAG):
        strip_notebook(nb, "lab.ipynb")


def test_the_header_speaks_to_the_student_and_the_metadata_to_the_repository():
    student = strip_notebook(notebook(("code", "x = 1")), "solutions/03_x.ipynb")
    header = student.cells[0].source
    assert header.startswith("> **Student version.**") and "YOUR CODE HERE" in header
    assert "by hand" not in header and "make student" not in header
    provenance = student.metadata[METADATA_KEY]
    assert provenance["generated_from"] == "solutions/03_x.ipynb"
    assert "make student" in provenance["note"]


# ------------------------------------------------------------------- the generated notebooks

STUDENT = sorted(NOTEBOOKS.glob("*.ipynb"))
KEYS = sorted(bibliography(), key=len, reverse=True)
SITE_PHRASES = re.compile(r"this page|website|on the site|for readers|without a kernel|"
                          r"built this page|do not edit|\{only\}|\{cite", re.I)


@pytest.mark.parametrize("path", STUDENT, ids=[p.name for p in STUDENT])
def test_student_notebooks_carry_no_website_text(path):
    nb = nbformat.read(path, as_version=4)
    text = markdown(nb)
    assert not SITE_PHRASES.findall(text), SITE_PHRASES.findall(text)
    raw = [key for key in KEYS if key in text]
    assert not raw, f"raw citation keys in {path.name}: {raw}"


@pytest.mark.parametrize("path", STUDENT, ids=[p.name for p in STUDENT])
def test_student_notebooks_list_the_works_they_cite(path):
    nb = nbformat.read(path, as_version=4)
    body = "\n".join(c.source for c in nb.cells[:-1] if c.cell_type == "markdown")
    cited = {w.key for w in bibliography().values()
             if f"{w.authors} ({w.year})" in body or f"{w.authors}, {w.year}" in body}
    last = nb.cells[-1]
    if not cited:
        assert "## References" not in markdown(nb)
        return
    assert "student-references" in last.metadata.get("tags", []), "no reference list at the end"
    listed = {w.key for w in bibliography().values()
              if f"**{w.authors} ({w.year}).** {w.reference}" in last.source}
    assert listed == cited


@pytest.mark.parametrize("path", STUDENT, ids=[p.name for p in STUDENT])
def test_student_exercises_are_numbered_n_1_n_2(path):
    nb = nbformat.read(path, as_version=4)
    lab = int(path.name.split("_")[0])
    numbers = re.findall(r"^\*\*Exercise (\d+)\.(\d+)\.\*\*", markdown(nb), re.M)
    assert numbers, f"no exercise heading in {path.name}"
    assert numbers == [(str(lab), str(k)) for k in range(1, len(numbers) + 1)], numbers
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    stubs = set(re.findall(r'NotImplementedError\("Exercise (\d+)\.(\d+): ', code))
    assert stubs and stubs <= set(numbers), stubs
