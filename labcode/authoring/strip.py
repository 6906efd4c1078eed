"""Turn solution notebooks into student notebooks.

``solutions/NN_slug.ipynb`` is the source. Its student version ``notebooks/NN_slug.ipynb``:

- replaces every ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` region of a code cell with
  nbgrader's stub, ``# YOUR CODE HERE`` / ``raise NotImplementedError(...)``, indented like the
  ``BEGIN`` line; the error's message names the exercise and the function to implement;
- numbers exercises per lab, from the file name ``NN_slug.ipynb``: "Exercise 2.1", "2.2", ...
  as the site does (book/_ext/course_site.py), in the headings and in the stubs' messages;
- replaces every ``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->`` region of a Markdown
  cell, and the prose of every sphinx-exercise solution block, with ``*Your answer here.*``;
- turns MyST directives (exercises, admonitions) and roles into plain Markdown for JupyterLab;
  citations become author-year text, ``Zaheer et al. (2017)`` or ``(Zaheer et al., 2017)``, as
  on the site, and a "References" cell at the end lists the works the notebook cites (from
  ``book/references.bib``);
- drops the code cells tagged ``remove-cell``: the guards that nbval runs and the site hides
  (assert cells with margins, for CI; a student's own code may land elsewhere);
- drops what is only for the website: ``{only}`` directives (e.g. ``{only} html``) and cells
  tagged ``site-only``;
- clears outputs, execution counts and widget state;
- adds a header for the student, with the course's title and licence (the note that the file
  is generated goes in the notebook's metadata, ``labcode``) and, given the repository's URL, a
  setup cell that installs the labcode release the notebook was generated with (the tag
  ``v<labcode.__version__>``) where labcode is missing or older (Google Colab), so the notebook
  runs wherever a student opens it; where that fails (offline) it shows pip's error and one
  line saying what to do, and where an older labcode was already imported it says to restart.

Directives are found by myst-parser's parser, configured like the book: backtick, tilde and
colon fences of any length, indented or nested, are read as the book reads them.

Stripping checks, then transforms. The structure pass, :func:`check_structure`, reads the
whole notebook first: every marker balanced, every exercise and solution block closed, no
solution where it would leak; it finds the exercises and the solution blocks. A notebook with
an unbalanced marker or directive raises :class:`StripError` naming the file and the cell, and
nothing is transformed or written. Then small processors run in order, as nbdev's do, each a
function of the cells and the :class:`Context` (:data:`PROCESSORS`): :func:`drop_site_only`,
:func:`drop_guards`, :func:`clear_outputs`, :func:`stub_solutions`, :func:`render_markdown`,
:func:`add_header`, :func:`add_references`. The markers, the tags, the lab number and the
authors' names are :mod:`labcode.authoring.markers`', which the site's extension reads too.
Stripping is deterministic and idempotent.
"""

from __future__ import annotations

import contextvars
import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat

from labcode._version import __version__
from labcode.authoring.markers import (
    ANSWER,
    CODE_BEGIN,
    CODE_END,
    EXERCISES,
    GUARD_TAG,
    HEADER_TAG,
    MD_BEGIN,
    MD_END,
    REFERENCES_TAG,
    SETUP_TAG,
    SITE_ONLY_DIRECTIVE,
    SITE_ONLY_TAG,
    SOLUTIONS,
    STUB,
    author_year_names,
    lab_number,
)

DEFINITION = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+(?P<name>\w+)")
METADATA_KEY = "labcode"  # notebook metadata: where the student notebook comes from
KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")
KEEP_CELL_METADATA = ("tags",)
#: A release of labcode is the git tag ``v<version>``: what the student notebooks install.
TAG_PREFIX = "v"
#: The licences, stated in every student notebook's header (and in the site's footer).
LICENCE = ("text and figures under [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/), "
           "code under the [MIT license](https://opensource.org/license/mit)")
BIBLIOGRAPHY = Path(__file__).resolve().parents[2] / "book" / "references.bib"

MYST_EXTENSIONS = {"amsmath", "colon_fence", "deflist", "dollarmath"}  # as in _config.yml
OPTION = re.compile(r"^[ \t]*:[\w-]+:")
ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<text>[^`]*)`")
TITLED = re.compile(r"^(?P<title>.*?)\s*<[^<>]+>$", re.S)  # {doc}`title <target>`


class StripError(ValueError):
    """A solution notebook that cannot be stripped (unbalanced marker or directive)."""


@dataclass
class _Directive:
    name: str
    arg: str
    body: str  # the content after the options


# --------------------------------------------------------------------------- code cells


def _enclosing_name(lines_above: list[str], indent: str) -> str | None:
    """``Class.method`` or ``function`` whose body holds a line indented by ``indent``."""
    names: list[str] = []
    width = len(indent.expandtabs())
    for line in reversed(lines_above):
        found = DEFINITION.match(line)
        if found and len(found.group("indent").expandtabs()) < width:
            names.append(found.group("name"))
            width = len(found.group("indent").expandtabs())
            if width == 0:
                break
    return ".".join(reversed(names)) or None


def stub(indent: str, exercise: str, name: str | None) -> list[str]:
    """nbgrader's stub; the error names the exercise and what to implement."""
    task = f"implement {name}" if name else "write the code of this cell"
    return [indent + STUB, f'{indent}raise NotImplementedError("{exercise}: {task}")']


def check_markers(source: str, begin: re.Pattern[str], end: re.Pattern[str],
                  where: str) -> None:
    """Raise :class:`StripError` unless every ``begin`` line of ``source`` is closed by an
    ``end`` line, none nested (the code or the Markdown markers)."""
    inside = False
    for lineno, line in enumerate(source.split("\n"), start=1):
        if begin.match(line):
            if inside:
                raise StripError(f"{where}, line {lineno}: BEGIN SOLUTION inside another one")
            inside = True
        elif end.match(line):
            if not inside:
                raise StripError(f"{where}, line {lineno}: END SOLUTION without BEGIN SOLUTION")
            inside = False
    if inside:
        raise StripError(f"{where}: BEGIN SOLUTION without END SOLUTION")


def strip_code(source: str, where: str = "code", exercise: str = "Exercise") -> str:
    """Replace each marked solution region of ``source`` with the indented stub."""
    check_markers(source, CODE_BEGIN, CODE_END, where)
    out: list[str] = []
    inside = False
    for line in source.split("\n"):
        begin = CODE_BEGIN.match(line)
        if begin:
            indent = begin.group("indent")
            out.extend(stub(indent, exercise, _enclosing_name(out, indent)))
            inside = True
        elif CODE_END.match(line):
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def solution_lines(source: str, markdown: bool = False) -> list[str]:
    """The lines strictly inside solution markers of one cell (for the leak test)."""
    begin, end = (MD_BEGIN, MD_END) if markdown else (CODE_BEGIN, CODE_END)
    inside, lines = False, []
    for line in source.split("\n"):
        if begin.match(line):
            inside = True
        elif end.match(line):
            inside = False
        elif inside:
            lines.append(line)
    return lines


# ------------------------------------------------------------------------ markdown cells


@cache
def _parser():
    """myst-parser's block parser, with the book's extensions (as myst-nb parses a cell)."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    md = create_md_parser(MdParserConfig(enable_extensions=MYST_EXTENSIONS), RendererHTML)
    return md.disable("front_matter")


def _lf(text: str) -> str:
    return re.sub(r"\r\n?", "\n", text)


def _split_directives(text: str) -> list[str | _Directive]:
    """Split Markdown into the directives at its top level and the source text between them."""
    lines = text.split("\n")
    parts: list[str | _Directive] = []
    start = 0
    for token in _parser().parse(text):
        words = token.info.split(maxsplit=1) if token.type in {"fence", "colon_fence"} else []
        if not (words and words[0].startswith("{") and words[0].endswith("}")):
            continue
        name, arg = words[0][1:-1], words[1] if len(words) > 1 else ""
        begin, end = token.map
        if token.level:
            raise StripError(f"line {begin + 1}: directive {{{name}}} inside a list or a quote")
        closing = rf" {{0,3}}{re.escape(token.markup[0])}{{{len(token.markup)},}}[ \t]*"
        if not re.fullmatch(closing, lines[end - 1]):
            raise StripError(f"directive {{{name}}} is not closed")
        content = token.content.split("\n")
        while content and OPTION.match(content[0]):
            content.pop(0)
        if begin > start:
            parts.append("\n".join(lines[start:begin]))
        body = re.sub(r"\A\s*\n", "", "\n".join(content)).rstrip()  # keep its indentation
        parts.append(_Directive(name, arg.strip(), body))
        start = end
    if start < len(lines):
        parts.append("\n".join(lines[start:]))
    return parts


def _plain_roles(text: str) -> str:
    """Rewrite MyST roles as plain Markdown: a citation as author-year text (see
    :func:`cite`), ``{doc}`title <target>``` as its title, any other role as its text."""

    def repl(m: re.Match[str]) -> str:
        role, content = m.group("role"), m.group("text")
        if role.startswith("cite"):
            citations = _CITATIONS.get(None) or _Citations(bibliography())
            return citations.cite(role, content)
        titled = TITLED.match(content)
        return titled.group("title") if titled else content

    return ROLE.sub(repl, text)


# ------------------------------------------------------------------------------ citations


@dataclass(frozen=True)
class Work:
    """One entry of the bibliography, as the site cites and lists it."""

    key: str
    authors: str  # "Zaheer et al.", "Nikolentzos and Lutzeyer", "Qi"
    year: str
    reference: str  # the full entry, Markdown, as in the site's bibliography


@cache
def bibliography(path: Path = BIBLIOGRAPHY) -> dict[str, Work]:
    """The works of a BibTeX file by key, formatted as on the site (pybtex's unsrt entries)."""
    if not path.is_file():
        return {}
    import pybtex.plugin
    from pybtex.database import parse_file

    data = parse_file(str(path))
    style = pybtex.plugin.find_plugin("pybtex.style.formatting", "unsrt")()
    works = {}
    for formatted in style.format_entries(data.entries.values()):
        entry = data.entries[formatted.key]
        text = formatted.text.render_as("markdown")
        text = re.sub(r"\\([.\-])", r"\1", " ".join(text.split()))
        works[formatted.key] = Work(formatted.key, author_year_names(entry),
                                    entry.fields.get("year", "n.d."), text)
    return works


@dataclass
class _Citations:
    """The bibliography a notebook cites from, and the keys it has cited so far."""

    works: dict[str, Work]
    cited: list[str] = field(default_factory=list)

    def work(self, key: str) -> Work:
        if key not in self.works:
            raise StripError(f"unknown citation key {key!r}: add it to book/references.bib")
        if key not in self.cited:
            self.cited.append(key)
        return self.works[key]

    def cite(self, role: str, content: str) -> str:
        """``{cite:t}`` -> ``Zaheer et al. (2017)``, ``{cite:p}`` -> ``(Zaheer et al., 2017)``,
        several keys joined by "; "; ``{cite:author}``, ``{cite:year}`` (``...par``: in
        parentheses) one part."""
        works = [self.work(key.strip()) for key in content.split(",") if key.strip()]
        kind = role.partition(":")[2].lstrip("c").rstrip("s") or "p"
        if kind == "t":
            return "; ".join(f"{w.authors} ({w.year})" for w in works)
        part = kind.removesuffix("par")
        if part in ("author", "year"):
            text = "; ".join(w.authors if part == "author" else w.year for w in works)
            return f"({text})" if kind.endswith("par") else text
        return "(" + "; ".join(f"{w.authors}, {w.year}" for w in works) + ")"

    def references(self) -> str:
        """A Markdown list of the cited works, sorted by author and year."""
        works = sorted((self.works[key] for key in self.cited),
                       key=lambda w: (w.authors.lower(), w.year, w.key))
        return "\n".join(["## References", ""] +
                         [f"- **{w.authors} ({w.year}).** {w.reference}" for w in works])


#: The citations of the notebook being stripped (set by strip_notebook).
_CITATIONS: contextvars.ContextVar[_Citations] = contextvars.ContextVar("citations")


def _quote(title: str, body: str) -> str:
    lines = ([f"**{title}**", ""] if title else []) + body.split("\n")
    return "\n".join(("> " + ln).rstrip() for ln in lines)


def _render_directive(d: _Directive) -> str:
    """A directive as plain Markdown (checked by :func:`_check_directive`): {admonition} becomes
    a block quote, a solution (inside an exercise) the answer placeholder, {only} nothing, any
    other directive its body."""
    if d.name == "solution":
        return ANSWER
    if d.name == SITE_ONLY_DIRECTIVE:
        return ""
    body = _student_markdown_text(d.body)
    return _quote(_plain_roles(d.arg), body) if d.name == "admonition" else body


def _student_markdown_text(text: str) -> str:
    """Plain-Markdown rendering of a directive's body."""
    parts = _split_directives(text)
    return _plain_roles("\n".join(p if isinstance(p, str) else _render_directive(p) for p in parts))


def strip_markdown_answers(source: str, where: str = "markdown") -> str:
    """Replace each ``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->`` region."""
    check_markers(source, MD_BEGIN, MD_END, where)
    out: list[str] = []
    inside = False
    for line in source.split("\n"):
        if MD_BEGIN.match(line):
            inside = True
            out.append(ANSWER)
        elif MD_END.match(line):
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


# ------------------------------------------------------------------ header and setup cells


def _new_markdown(source: str, cell_id: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell["id"] = cell_id
    return cell


def _header(name: str, title: str | None = None,
            repository: str | None = None) -> nbformat.NotebookNode:
    course = f"[{title}]({repository})" if title and repository else (title or "This course")
    text = (
        "> **Student version.** Fill in every cell marked `# YOUR CODE HERE` (delete the "
        "`raise NotImplementedError(...)` line), then run the self-check cell that follows it. "
        f"Answer the questions where you see {ANSWER}\n>\n"
        f"> {course}: {LICENCE}."
    )
    cell = _new_markdown(text, "student-header")
    cell["metadata"] = {"tags": [HEADER_TAG]}
    return cell


def _provenance(name: str) -> dict[str, str]:
    """The notebook metadata saying where a student notebook comes from (for the repository's
    maintainers; JupyterLab does not show it)."""
    return {"generated_from": f"solutions/{Path(name).name}",
            "note": "Generated by `make student` (python -m labcode.authoring strip) from the "
                    "solution notebook: edit that one, not this file."}


def _string_assignment(name: str, value: str, indent: str = "    ", width: int = 79) -> str:
    """``name = "value"`` in lines of at most ``width`` characters (split inside the string)."""
    line = f'{indent}{name} = "{value}"'
    if len(line) <= width:
        return line
    room = width - len(indent) - 6
    pieces = [value[i:i + room] for i in range(0, len(value), room)]
    return "\n".join([f"{indent}{name} = (", *(f'{indent}    "{p}"' for p in pieces),
                      f"{indent})"])


def _setup(repository: str, version: str = __version__) -> nbformat.NotebookNode:
    """A code cell installing labcode ``version`` (the tag ``v<version>`` of ``repository``)
    where labcode is missing or older. It shows pip's error where pip fails, and says to
    restart where an older labcode was already imported."""
    need = [int(n) for n in re.findall(r"\d+", version)[:3]]
    source = "\n".join([
        f"# Setup: install labcode {version}, the course package this notebook needs, where",
        "# it is missing or older (Google Colab). After `make lab` this does nothing.",
        "import importlib.metadata",
        "import re",
        "import subprocess",
        "import sys",
        "",
        _string_assignment("url", f"git+{repository}@{TAG_PREFIX}{version}", indent=""),
        "try:",
        '    have = importlib.metadata.version("labcode")',
        "except importlib.metadata.PackageNotFoundError:",
        '    have = ""',
        rf'if [int(n) for n in re.findall(r"\d+", have)[:3]] < {need}:',
        "    if have:",
        f'        print(f"labcode {{have}} is older than the {version} this notebook needs: "',
        '              "installing it.")',
        '    pip = [sys.executable, "-m", "pip", "install", "-q", f"labcode @ {url}"]',
        "    done = subprocess.run(pip, capture_output=True, text=True)",
        "    if done.returncode != 0:",
        "        print(done.stderr.strip())",
        f'        print("Could not install labcode {version} (pip\'s error is above): open "',
        '              "this notebook with `make lab` in your copy of the course, or "',
        '              f"install it with pip install \'labcode @ {url}\'")',
        '    elif "labcode" in sys.modules:',
        f'        print("labcode {version} is installed: restart the runtime (Colab: "',
        '              "Runtime > Restart session) and run this notebook from the top.")',
    ])
    cell = nbformat.v4.new_code_cell(source)
    cell["id"] = "student-setup"
    cell["metadata"] = {"tags": [SETUP_TAG]}
    return cell


def _book_config(book_config: Path) -> dict:
    if not book_config.is_file():
        return {}
    import yaml

    return yaml.safe_load(book_config.read_text(encoding="utf-8")) or {}


def repository_of(book_config: Path) -> str | None:
    """The URL of the course repository, read from Jupyter Book's ``_config.yml``."""
    repo = _book_config(book_config).get("repository") or {}
    return str(repo.get("url", "")).rstrip("/") or None


def title_of(book_config: Path) -> str | None:
    """The course's title, read from Jupyter Book's ``_config.yml``."""
    return _book_config(book_config).get("title") or None


def exercise_prefix(name: str) -> str:
    """``"2."`` for ``solutions/02_slug.ipynb`` (exercises 2.1, 2.2, ...), ``""`` without NN_."""
    number = lab_number(Path(name).name)
    return "" if number is None else f"{number}."


# ------------------------------------------------------------------------ the structure pass


@dataclass(frozen=True)
class _Exercise:
    """An exercise's statement, numbered per lab ("2.1"), as its heading will name it."""

    number: str
    title: str
    body: str


#: What a student reads of a Markdown cell, in order: Markdown text (its roles still to write
#: as plain text), a directive to render, an exercise.
Part = str | _Directive | _Exercise


@dataclass
class Structure:
    """The exercises and solution blocks of a solution notebook, by cell index: what the
    processors need to know of the cells around each one."""

    prefix: str  # "2." for lab 02: exercises 2.1, 2.2, ...
    labels: dict[int, str] = field(default_factory=dict)  # code cell -> the exercise it answers
    parts: dict[int, list[Part]] = field(default_factory=dict)  # Markdown cell -> what is read


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _check_site_only(source: str, where: str) -> None:
    if "{exercise" in source or "{solution" in source:
        raise StripError(f"{where}: a {SITE_ONLY_TAG} cell cannot hold an exercise "
                         "(the site would number it, the notebook not)")


def _check_guard(source: str, where: str) -> None:
    if solution_lines(source):
        raise StripError(f"{where}: a {GUARD_TAG} cell cannot hold a solution")


def _check_directive(d: _Directive) -> None:
    """Raise :class:`StripError` where :func:`_render_directive` would show a solution: an
    exercise or solution inside another directive, or an unknown directive named solution."""
    if d.name in ("solution", SITE_ONLY_DIRECTIVE):
        return
    if d.name in EXERCISES | SOLUTIONS:
        raise StripError(f"{{{d.name}}} inside another directive")
    if "solution" in d.name:
        raise StripError(f"unknown directive {{{d.name}}}: it may hold a solution")
    _check_text(d.body)


def _check_text(text: str) -> None:
    """Check every directive of a directive's body, as :func:`_student_markdown_text` reads it."""
    for part in _split_directives(text):
        if isinstance(part, _Directive):
            _check_directive(part)


@dataclass
class _StructurePass:
    """Reads the cells in order, with the exercise and the solution block open at each one."""

    name: str
    structure: Structure
    in_exercise: bool = False
    solution_open_at: int | None = None  # the cell of the open {solution-start}
    solution_had_code: bool = False
    exercises: int = 0

    def code(self, index: int, source: str, where: str) -> None:
        """Check a code cell's markers; note the exercise its stubs name."""
        check_markers(source, CODE_BEGIN, CODE_END, where)
        if self.solution_open_at is not None:
            if not solution_lines(source):
                raise StripError(f"{where}: a code cell inside a solution block must mark "
                                 "its answer with # BEGIN SOLUTION / # END SOLUTION")
            self.solution_had_code = True
        numbered = self.exercises and (self.in_exercise or self.solution_open_at is not None)
        label = f"Exercise {self.structure.prefix}{self.exercises}" if numbered else "Exercise"
        self.structure.labels[index] = label

    def markdown(self, index: int, source: str, where: str) -> None:
        """Check a Markdown cell's markers and directives; note what a student reads of it."""
        text = _lf(source)
        check_markers(text, MD_BEGIN, MD_END, where)
        try:
            parts = _split_directives(strip_markdown_answers(text, where))
            self.structure.parts[index] = [shown for part in parts
                                           for shown in self.part(index, part)]
        except StripError as err:
            raise StripError(f"{where}: {err}") from None

    def part(self, index: int, part: str | _Directive) -> list[Part]:
        """What a student reads of one part of a Markdown cell (the cell ``index``)."""
        open_block = self.solution_open_at is not None
        if isinstance(part, str):
            return [] if open_block else [part]
        if part.name in {"exercise-start", "exercise"}:
            if self.in_exercise or open_block:
                raise StripError(f"{{{part.name}}} inside another exercise/solution")
            self.exercises += 1
            _check_text(part.body)
            self.in_exercise = part.name == "exercise-start"
            return [_Exercise(f"{self.structure.prefix}{self.exercises}", part.arg, part.body)]
        if part.name == "exercise-end":
            if not self.in_exercise:
                raise StripError("{exercise-end} without {exercise-start}")
            self.in_exercise = False
            return []
        if part.name == "solution-start":
            if open_block:
                raise StripError("{solution-start} inside another solution")
            self.solution_open_at, self.solution_had_code = index, False
            return []
        if part.name == "solution-end":
            if not open_block:
                raise StripError("{solution-end} without {solution-start}")
            self.solution_open_at = None
            return [] if self.solution_had_code else [ANSWER]
        if part.name == "solution":
            return [] if open_block else [ANSWER]
        if part.name == SITE_ONLY_DIRECTIVE:
            if "{exercise" in part.body or "{solution" in part.body:
                raise StripError(f"{{{part.name}}} cannot hold an exercise or solution")
            return []
        if open_block:
            return []
        _check_directive(part)
        return [part]

    def close(self) -> None:
        """Check that no solution block or gated exercise is left open."""
        if self.solution_open_at is not None:
            raise StripError(f"{self.name}, cell {self.solution_open_at}: "
                             "{solution-start} is never closed")
        if self.in_exercise:
            raise StripError(f"{self.name}: an {{exercise-start}} is never closed by "
                             "{exercise-end}")


def check_structure(nb: nbformat.NotebookNode, name: str = "notebook") -> Structure:
    """Check a solution notebook before anything is transformed, and find its structure.

    Raises :class:`StripError` naming the file and the cell where a marker or a directive is
    unbalanced, or where a solution would leak (in a guard, in site-only text, in a code cell
    of a solution block without markers).
    """
    walk = _StructurePass(name, Structure(exercise_prefix(name)))
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        if SITE_ONLY_TAG in _tags(cell):
            _check_site_only(cell.source, where)
        elif cell.cell_type == "code" and GUARD_TAG in _tags(cell):
            _check_guard(cell.source, where)
        elif cell.cell_type == "code":
            walk.code(index, cell.source, where)
        elif cell.cell_type == "markdown":
            walk.markdown(index, cell.source, where)
    walk.close()
    return walk.structure


# -------------------------------------------------------------------------------- processors


@dataclass
class Cell:
    """A cell on its way to the student notebook."""

    node: nbformat.NotebookNode
    index: int | None = None  # in the solution notebook; None for a cell the stripper adds


@dataclass
class Context:
    """What the processors know besides the cells."""

    source: nbformat.NotebookNode  # the solution notebook (never modified)
    name: str
    structure: Structure
    citations: _Citations
    repository: str | None = None
    title: str | None = None
    version: str = __version__

    def where(self, cell: Cell) -> str:
        """``"solutions/02_x.ipynb, cell 7"``: a cell in an error message."""
        return f"{self.name}, cell {cell.index}"


Processor = Callable[[list[Cell], Context], list[Cell]]


def drop_site_only(cells: list[Cell], context: Context) -> list[Cell]:
    """Leave out the cells tagged ``site-only``."""
    return [c for c in cells if SITE_ONLY_TAG not in _tags(c.node)]


def drop_guards(cells: list[Cell], context: Context) -> list[Cell]:
    """Leave out the code cells tagged ``remove-cell``: the CI guards."""
    return [c for c in cells if not (c.node.cell_type == "code" and GUARD_TAG in _tags(c.node))]


def clear_outputs(cells: list[Cell], context: Context) -> list[Cell]:
    """A new copy of each cell: no outputs, no execution count, of the cell metadata only the
    tags (other cells than code and Markdown are copied whole)."""
    copied = []
    for cell in cells:
        old = cell.node
        if old.cell_type not in ("code", "markdown"):
            copied.append(Cell(copy.deepcopy(old), cell.index))
            continue
        v4 = nbformat.v4
        new = (v4.new_code_cell if old.cell_type == "code" else v4.new_markdown_cell)(old.source)
        new["id"] = old.get("id", f"cell-{cell.index}")
        new["metadata"] = {k: copy.deepcopy(v) for k, v in old.get("metadata", {}).items()
                           if k in KEEP_CELL_METADATA}
        copied.append(Cell(new, cell.index))
    return copied


def stub_solutions(cells: list[Cell], context: Context) -> list[Cell]:
    """Replace the marked answers of each code cell with stubs naming its exercise."""
    for cell in cells:
        if cell.node.cell_type == "code":
            label = context.structure.labels[cell.index]
            cell.node.source = strip_code(cell.node.source, context.where(cell), label)
    return cells


def render_markdown(cells: list[Cell], context: Context) -> list[Cell]:
    """Write each Markdown cell as a student reads it (plain Markdown, exercises numbered,
    answers replaced); leave out the cells that come out empty."""
    kept = []
    for cell in cells:
        if cell.node.cell_type == "markdown":
            cell.node.source = _render(context.structure.parts[cell.index],
                                       context.where(cell))
            if not cell.node.source:
                continue
        kept.append(cell)
    return kept


def add_header(cells: list[Cell], context: Context) -> list[Cell]:
    """Put the student's header first and, given the repository, the setup cell after it
    (unless the notebook has them: a student notebook stripped again)."""
    source = context.source.cells
    added = []
    if not (source and HEADER_TAG in _tags(source[0])):
        added.append(_header(context.name, context.title, context.repository))
    if context.repository and not any(SETUP_TAG in _tags(c) for c in source):
        added.append(_setup(context.repository, context.version))
    return [Cell(node) for node in added] + cells


def add_references(cells: list[Cell], context: Context) -> list[Cell]:
    """End with the works that the rendered Markdown cites (unless the notebook has them)."""
    if not context.citations.cited or any(REFERENCES_TAG in _tags(c)
                                          for c in context.source.cells):
        return cells
    references = _new_markdown(context.citations.references(), "student-references")
    references["metadata"] = {"tags": [REFERENCES_TAG]}
    return [*cells, Cell(references)]


#: The processors, in the order they run.
PROCESSORS: tuple[Processor, ...] = (drop_site_only, drop_guards, clear_outputs, stub_solutions,
                                      render_markdown, add_header, add_references)


def _render(parts: list[Part], where: str) -> str:
    """The Markdown of what a student reads of a cell; cites through the notebook's citations."""
    try:
        text = [piece for part in parts for piece in _render_part(part)]
    except StripError as err:  # an unknown citation key
        raise StripError(f"{where}: {err}") from None
    return "\n\n".join(t.strip("\n") for t in text if t.strip())


def _render_part(part: Part) -> list[str]:
    if isinstance(part, str):
        return [_plain_roles(part)]
    if isinstance(part, _Directive):
        return [_render_directive(part)]
    title = f" {_plain_roles(part.title)}" if part.title else ""
    heading = f"**Exercise {part.number}.**{title}"
    return [heading, _student_markdown_text(part.body)] if part.body else [heading]


# --------------------------------------------------------------------------------- notebooks


def strip_notebook(nb: nbformat.NotebookNode, name: str = "notebook",
                   repository: str | None = None,
                   references: Path = BIBLIOGRAPHY, title: str | None = None,
                   version: str = __version__) -> nbformat.NotebookNode:
    """Return the student version of a solution notebook (the input is not modified).

    ``repository`` (a git URL, see :func:`repository_of`) adds the setup cell that installs
    labcode ``version`` from its tag ``v<version>`` where labcode is missing or older. The
    header names the course (``title``) and its licences. Citations are looked up in
    ``references`` (a BibTeX file).
    """
    structure = check_structure(nb, name)
    citations = _Citations(bibliography(Path(references)))
    context = Context(nb, name, structure, citations, repository, title, version)
    token = _CITATIONS.set(citations)
    try:
        cells = [Cell(node, index) for index, node in enumerate(nb.cells)]
        for processor in PROCESSORS:
            cells = processor(cells, context)
    finally:
        _CITATIONS.reset(token)
    out = nbformat.v4.new_notebook()
    out.nbformat, out.nbformat_minor = nb.nbformat, max(nb.nbformat_minor, 5)
    out.metadata = {k: copy.deepcopy(v) for k, v in nb.metadata.items()
                    if k in KEEP_NOTEBOOK_METADATA}
    out.metadata[METADATA_KEY] = _provenance(name)
    out.cells = [cell.node for cell in cells]
    return out


def to_text(nb: nbformat.NotebookNode) -> str:
    """Serialise a notebook deterministically (sorted keys, one-space indent, final newline)."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def strip_file(src: Path, repository: str | None = None,
               references: Path = BIBLIOGRAPHY, title: str | None = None) -> str:
    """Read a solution notebook and return its student version as text."""
    nb = nbformat.read(src, as_version=4)
    return to_text(strip_notebook(nb, str(src), repository, references, title))


def plan(src_dir: Path, dst_dir: Path, names: list[str] | None = None) -> dict[Path, str]:
    """Strip every selected solution notebook; raise StripError before anything is written."""
    sources = sorted(src_dir.glob("*.ipynb"))
    if names:
        wanted = {Path(n).name for n in names}
        sources = [s for s in sources if s.name in wanted]
        missing = wanted - {s.name for s in sources}
        if missing:
            listed = ", ".join(sorted(missing))
            raise StripError(f"no such solution notebook in {src_dir}: {listed}")
    errors, result = [], {}
    config = src_dir.parent / "_config.yml"  # every URL and name comes from the book's config
    repository, title = repository_of(config), title_of(config)
    references = src_dir.parent / "book" / "references.bib"
    for src in sources:
        try:
            result[dst_dir / src.name] = strip_file(src, repository, references, title)
        except StripError as err:
            errors.append(str(err))
    if errors:
        raise StripError("\n".join(errors))
    return result


def _solution_prose(text: str, in_block: bool, found: set[str]) -> bool:
    """Add the lines of every solution in ``text`` to ``found``; return whether a gated solution
    is still open at its end (``in_block``: whether one is open at its start)."""
    for part in _split_directives(text):
        if isinstance(part, str):
            if in_block:
                found.update(part.split("\n"))
        elif part.name == "solution-end":
            in_block = False
        elif part.name in SOLUTIONS or in_block:
            found.update(part.body.split("\n"))
            in_block = in_block or part.name == "solution-start"
        else:
            _solution_prose(part.body, False, found)
    return in_block


def marked_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Every line a student must not see: marked code, marked Markdown, solution-block prose."""
    lines: set[str] = set()
    in_block = False
    for cell in nb.cells:
        if cell.cell_type == "code":
            lines.update(solution_lines(cell.source))
            continue
        text = _lf(cell.source)
        lines.update(solution_lines(text, markdown=True))
        in_block = _solution_prose(text, in_block, lines)
    return {ln.strip() for ln in lines if ln.strip()}
