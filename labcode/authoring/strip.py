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

Stripping is deterministic and idempotent. A notebook with an unbalanced marker or directive
raises :class:`StripError` naming the file and the cell, and nothing is written.
"""

from __future__ import annotations

import contextvars
import copy
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat

from labcode._version import __version__

CODE_BEGIN = re.compile(r"^(?P<indent>[ \t]*)#\s*BEGIN SOLUTION\b.*$")
CODE_END = re.compile(r"^[ \t]*#\s*END SOLUTION\b.*$")
MD_BEGIN = re.compile(r"^\s*<!--\s*BEGIN SOLUTION\s*-->\s*$")
MD_END = re.compile(r"^\s*<!--\s*END SOLUTION\s*-->\s*$")
STUB = "# YOUR CODE HERE"
DEFINITION = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+(?P<name>\w+)")
ANSWER = "*Your answer here.*"
HEADER_TAG = "student-header"
SETUP_TAG = "student-setup"
REFERENCES_TAG = "student-references"
METADATA_KEY = "labcode"  # notebook metadata: where the student notebook comes from
KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info")
KEEP_CELL_METADATA = ("tags",)
#: Code cells with this tag are CI guards: hidden on the site, left out of student notebooks.
GUARD_TAG = "remove-cell"
#: Cells with this tag are for the website only (left out of student notebooks), like the
#: content of an ``{only}`` directive.
SITE_ONLY_TAG = "site-only"
SITE_ONLY_DIRECTIVE = "only"
LAB_NUMBER = re.compile(r"(\d+)_")
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
EXERCISES = {"exercise", "exercise-start", "exercise-end"}
SOLUTIONS = {"solution", "solution-start", "solution-end"}


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


def strip_code(source: str, where: str = "code", exercise: str = "Exercise") -> str:
    """Replace each marked solution region of ``source`` with the indented stub."""
    out: list[str] = []
    indent: str | None = None
    for lineno, line in enumerate(source.split("\n"), start=1):
        begin, end = CODE_BEGIN.match(line), CODE_END.match(line)
        if begin:
            if indent is not None:
                raise StripError(f"{where}, line {lineno}: BEGIN SOLUTION inside another one")
            indent = begin.group("indent")
            out.extend(stub(indent, exercise, _enclosing_name(out, indent)))
        elif end:
            if indent is None:
                raise StripError(f"{where}, line {lineno}: END SOLUTION without BEGIN SOLUTION")
            indent = None
        elif indent is None:
            out.append(line)
    if indent is not None:
        raise StripError(f"{where}: BEGIN SOLUTION without END SOLUTION")
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


def _authors(entry) -> str:
    from pybtex.richtext import Text

    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [Text(" ").join([*p.rich_prelast_names, *p.rich_last_names]).render_as("text")
             for p in persons]
    if len(names) > 2:  # as sphinxcontrib-bibtex's author-year style (book/_ext/course_site.py)
        return f"{names[0]} et al."
    return " and ".join(names) or entry.key


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
        works[formatted.key] = Work(formatted.key, _authors(entry),
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
    """A directive as plain Markdown: {admonition} becomes a block quote, a solution (inside an
    exercise) the answer placeholder, any other directive its body."""
    if d.name == "solution":
        return ANSWER
    if d.name == SITE_ONLY_DIRECTIVE:
        return ""
    if d.name in EXERCISES | SOLUTIONS:
        raise StripError(f"{{{d.name}}} inside another directive")
    if "solution" in d.name:
        raise StripError(f"unknown directive {{{d.name}}}: it may hold a solution")
    body = _student_markdown_text(d.body)
    return _quote(_plain_roles(d.arg), body) if d.name == "admonition" else body


def _student_markdown_text(text: str) -> str:
    """Plain-Markdown rendering of a directive's body."""
    parts = _split_directives(text)
    return _plain_roles("\n".join(p if isinstance(p, str) else _render_directive(p) for p in parts))


def strip_markdown_answers(source: str, where: str = "markdown") -> str:
    """Replace each ``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->`` region."""
    out: list[str] = []
    inside = False
    for lineno, line in enumerate(source.split("\n"), start=1):
        if MD_BEGIN.match(line):
            if inside:
                raise StripError(f"{where}, line {lineno}: BEGIN SOLUTION inside another one")
            inside = True
            out.append(ANSWER)
        elif MD_END.match(line):
            if not inside:
                raise StripError(f"{where}, line {lineno}: END SOLUTION without BEGIN SOLUTION")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise StripError(f"{where}: BEGIN SOLUTION without END SOLUTION")
    return "\n".join(out)


# ------------------------------------------------------------------------------ notebooks


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
    found = LAB_NUMBER.match(Path(name).name)
    return f"{int(found.group(1))}." if found else ""


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
    citations = _Citations(bibliography(Path(references)))
    token = _CITATIONS.set(citations)
    try:
        return _strip_notebook(nb, name, repository, citations, title, version)
    finally:
        _CITATIONS.reset(token)


def _strip_notebook(nb: nbformat.NotebookNode, name: str, repository: str | None,
                    citations: _Citations, title: str | None,
                    version: str) -> nbformat.NotebookNode:
    cells_out: list[nbformat.NotebookNode] = []
    prefix = exercise_prefix(name)
    in_exercise = False
    solution_open_at: int | None = None  # cell index of the open solution-start
    solution_had_code = False
    n_exercise = 0

    cells = nb.cells
    if not (cells and HEADER_TAG in cells[0].get("metadata", {}).get("tags", [])):
        cells_out.append(_header(name, title, repository))
    has_setup = any(SETUP_TAG in c.get("metadata", {}).get("tags", []) for c in cells)
    if repository and not has_setup:
        cells_out.append(_setup(repository, version))

    for index, cell in enumerate(cells):
        where = f"{name}, cell {index}"
        kept_metadata = {k: copy.deepcopy(v) for k, v in cell.get("metadata", {}).items()
                         if k in KEEP_CELL_METADATA}
        if SITE_ONLY_TAG in kept_metadata.get("tags", []):
            if "{exercise" in cell.source or "{solution" in cell.source:
                raise StripError(f"{where}: a {SITE_ONLY_TAG} cell cannot hold an exercise "
                                 "(the site would number it, the notebook not)")
            continue
        if cell.cell_type == "code" and GUARD_TAG in kept_metadata.get("tags", []):
            if solution_lines(cell.source):
                raise StripError(f"{where}: a {GUARD_TAG} cell cannot hold a solution")
            continue
        if cell.cell_type == "code":
            inside = in_exercise or solution_open_at is not None
            label = f"Exercise {prefix}{n_exercise}" if inside and n_exercise else "Exercise"
            new = nbformat.v4.new_code_cell(strip_code(cell.source, where, label))
            new["id"] = cell.get("id", f"cell-{index}")
            new["metadata"] = kept_metadata
            if solution_open_at is not None:
                if not solution_lines(cell.source):
                    raise StripError(f"{where}: a code cell inside a solution block must mark "
                                     "its answer with # BEGIN SOLUTION / # END SOLUTION")
                solution_had_code = True
            cells_out.append(new)
            continue
        if cell.cell_type != "markdown":
            new = copy.deepcopy(cell)
            cells_out.append(new)
            continue

        answered = strip_markdown_answers(_lf(cell.source), where)
        text: list[str] = []
        try:
            for part in _split_directives(answered):
                if isinstance(part, str):
                    if solution_open_at is None:
                        text.append(_plain_roles(part))
                elif part.name in {"exercise-start", "exercise"}:
                    if in_exercise or solution_open_at is not None:
                        raise StripError(f"{{{part.name}}} inside another exercise/solution")
                    n_exercise += 1
                    title = f" {_plain_roles(part.arg)}" if part.arg else ""
                    text.append(f"**Exercise {prefix}{n_exercise}.**{title}")
                    if part.body:
                        text.append(_student_markdown_text(part.body))
                    in_exercise = part.name == "exercise-start"
                elif part.name == "exercise-end":
                    if not in_exercise:
                        raise StripError("{exercise-end} without {exercise-start}")
                    in_exercise = False
                elif part.name == "solution-start":
                    if solution_open_at is not None:
                        raise StripError("{solution-start} inside another solution")
                    solution_open_at, solution_had_code = index, False
                elif part.name == "solution-end":
                    if solution_open_at is None:
                        raise StripError("{solution-end} without {solution-start}")
                    if not solution_had_code:
                        text.append(ANSWER)
                    solution_open_at = None
                elif part.name == "solution":
                    if solution_open_at is None:
                        text.append(ANSWER)
                elif part.name == SITE_ONLY_DIRECTIVE:
                    if "{exercise" in part.body or "{solution" in part.body:
                        raise StripError(f"{{{part.name}}} cannot hold an exercise or solution")
                elif solution_open_at is None:
                    text.append(_render_directive(part))
        except StripError as err:
            raise StripError(f"{where}: {err}") from None
        source = "\n\n".join(t.strip("\n") for t in text if t.strip())
        if source:
            new = _new_markdown(source, cell.get("id", f"cell-{index}"))
            new["metadata"] = kept_metadata
            cells_out.append(new)

    if solution_open_at is not None:
        raise StripError(f"{name}, cell {solution_open_at}: {{solution-start}} is never closed")
    if in_exercise:
        raise StripError(f"{name}: an {{exercise-start}} is never closed by {{exercise-end}}")

    has_references = any(REFERENCES_TAG in c.get("metadata", {}).get("tags", []) for c in cells)
    if citations.cited and not has_references:
        references = _new_markdown(citations.references(), "student-references")
        references["metadata"] = {"tags": [REFERENCES_TAG]}
        cells_out.append(references)

    out = nbformat.v4.new_notebook()
    out.nbformat, out.nbformat_minor = nb.nbformat, max(nb.nbformat_minor, 5)
    out.metadata = {k: copy.deepcopy(v) for k, v in nb.metadata.items()
                    if k in KEEP_NOTEBOOK_METADATA}
    out.metadata[METADATA_KEY] = _provenance(name)
    out.cells = cells_out
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
