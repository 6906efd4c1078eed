"""What a solution notebook marks, defined once for the student notebooks and the site.

The stripper (:mod:`labcode.authoring.strip`) and the site's extension
(``book/_ext/course_site.py``) read the same marks: the ``# BEGIN SOLUTION`` / ``# END SOLUTION``
lines, the cell tags, the directives of exercises and solutions, the lab's number in its file
name, and they write citations with the same author names. This module imports nothing heavy,
so that Sphinx can load it with the extension.
"""

from __future__ import annotations

import re
from typing import Any

# ------------------------------------------------------------------------ solution markers

#: A code cell's answer lies between these lines (the stub keeps the ``BEGIN`` line's indent).
CODE_BEGIN = re.compile(r"^(?P<indent>[ \t]*)#\s*BEGIN SOLUTION\b.*$")
CODE_END = re.compile(r"^[ \t]*#\s*END SOLUTION\b.*$")
#: A Markdown cell's answer lies between these lines.
MD_BEGIN = re.compile(r"^\s*<!--\s*BEGIN SOLUTION\s*-->\s*$")
MD_END = re.compile(r"^\s*<!--\s*END SOLUTION\s*-->\s*$")
#: What a student finds in place of an answer: nbgrader's stub in code, this text in Markdown.
STUB = "# YOUR CODE HERE"
ANSWER = "*Your answer here.*"


def is_code_marker(line: str) -> bool:
    """Whether ``line`` is a ``# BEGIN SOLUTION`` or ``# END SOLUTION`` line of a code cell."""
    return bool(CODE_BEGIN.match(line) or CODE_END.match(line))


# ------------------------------------------------------------------------------- cell tags

#: Code cells with this tag are CI guards: hidden on the site, left out of student notebooks.
GUARD_TAG = "remove-cell"
#: Cells with this tag are for the website only (left out of student notebooks), like the
#: content of an ``{only}`` directive.
SITE_ONLY_TAG = "site-only"
SITE_ONLY_DIRECTIVE = "only"
#: The cells that the stripper adds to a student notebook (found again when it is re-stripped).
HEADER_TAG = "student-header"
SETUP_TAG = "student-setup"
REFERENCES_TAG = "student-references"

# --------------------------------------------------------------------------------- directives

#: sphinx-exercise's directives: an exercise, plain or gated, and its solution.
EXERCISES = frozenset({"exercise", "exercise-start", "exercise-end"})
SOLUTIONS = frozenset({"solution", "solution-start", "solution-end"})

# ------------------------------------------------------------------------------ lab numbers

#: ``NN_slug``: a lab's file name starts with its number (exercises NN.1, NN.2, ...).
LAB_NUMBER = re.compile(r"(\d+)_")


def lab_number(filename: str) -> int | None:
    """The number of a lab file, ``02_slug.ipynb`` -> 2, or None without ``NN_``."""
    found = LAB_NUMBER.match(filename)
    return int(found.group(1)) if found else None


# -------------------------------------------------------------------------------- citations


def author_year_names(entry: Any) -> str:
    """"Zaheer et al.", "Nikolentzos and Lutzeyer" or "Qi": the authors of a pybtex entry (or
    its editors), as sphinxcontrib-bibtex's author-year style names them."""
    from pybtex.richtext import Text

    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [Text(" ").join([*p.rich_prelast_names, *p.rich_last_names]).render_as("text")
             for p in persons]
    if len(names) > 2:
        return f"{names[0]} et al."
    return " and ".join(names) or entry.fields.get("title", entry.key)
