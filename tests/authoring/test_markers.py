"""The marks of the solution notebooks are defined once (labcode.authoring.markers), for the
student notebooks (labcode/authoring/strip.py) and the site (book/_ext/course_site.py)."""

from __future__ import annotations

import re
import sys

import pytest

from labcode.authoring import markers, strip
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import course_site  # noqa: E402

SITE_SOURCE = (ROOT / "book" / "_ext" / "course_site.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["CODE_BEGIN", "CODE_END", "MD_BEGIN", "MD_END", "STUB",
                                  "ANSWER", "GUARD_TAG", "SITE_ONLY_TAG", "HEADER_TAG",
                                  "SETUP_TAG", "REFERENCES_TAG", "SITE_ONLY_DIRECTIVE",
                                  "EXERCISES", "SOLUTIONS"])
def test_the_stripper_uses_the_shared_definitions(name):
    assert getattr(strip, name) is getattr(markers, name)


def test_the_site_uses_the_shared_definitions():
    assert course_site.author_year_names is markers.author_year_names
    assert course_site.markers is markers
    for own in ("re.compile(r\"(\\d+)_\")", "SOLUTION\\b", "def author_year_names"):
        assert own not in SITE_SOURCE, f"course_site.py defines {own} again"


@pytest.mark.parametrize("line, marker", [
    ("# BEGIN SOLUTION", True), ("    #END SOLUTION (Exercise 2.1)", True),
    ("\t# BEGIN SOLUTION", True), ("x = 1  # BEGIN SOLUTION", False),
    ("# BEGIN SOLUTIONS", False), ("<!-- BEGIN SOLUTION -->", False)])
def test_the_site_drops_the_lines_that_the_stripper_reads_as_markers(line, marker):
    assert markers.is_code_marker(line) is marker
    assert bool(strip.solution_lines(f"{line}\nx\n# END SOLUTION")) is (marker and "BEGIN" in line)


@pytest.mark.parametrize("docname, number", [
    ("solutions/02_deepsets", 2), ("solutions/12_more", 12), ("solutions/intro", None),
    ("book/01_setup", None)])
def test_the_site_numbers_lab_pages_as_the_stripper_numbers_exercises(docname, number):
    assert course_site.lab_number(docname) == number
    if docname.startswith("solutions/"):
        expected = "" if number is None else f"{number}."
        assert strip.exercise_prefix(f"{docname}.ipynb") == expected


def test_the_site_and_the_stripper_name_the_same_authors():
    from pybtex.database import parse_file

    entries = parse_file(str(strip.BIBLIOGRAPHY)).entries
    works = strip.bibliography()
    assert {k: markers.author_year_names(e) for k, e in entries.items()} == {
        k: w.authors for k, w in works.items()}
    assert re.fullmatch(r"\w+ et al\.", works["zaheer2017deepsets"].authors)
