r"""The course's one local Sphinx extension (``sphinx.local_extensions`` in ``_config.yml``).

It does thirteen small jobs, one section each:

1. **Student notebooks.** Every lab page links to its *student* notebook, never the solution.
2. **Hidden solutions.** ``hide_solutions: true`` also removes *gated* solutions.
3. **Widget fonts.** Saved widgets render on the static site with no network.
4. **Inline scripts once.** Works around a Sphinx 7.4 bug that writes some inline scripts twice.
5. **One header.** The sidebar toggles work on a phone and on a desktop (a theme-pair bug).
6. **Exercise numbers per lab.** "Exercise 2.1" on lab 02's page, as in its student notebook.
7. **No solution markers on the page.** ``# BEGIN SOLUTION`` lines are dropped from the page.
8. **Page titles and search.** The home page's title is the book's; search snippets show no
   raw ``\(...\)``.
9. **Author-year citations.** ``(Zaheer et al., 2017)`` in the text, the same labels in the
   bibliography.
10. **Figures, widgets, code.** Click a figure to open it full size; widgets in dark mode; code
    of 79 columns fits the column (``static/figures.*``, ``static/widgets.css``).
11. **Narrow screens.** No page scrolls sideways on a phone: long inline code wraps at its dots,
    wide tables become cards (``static/course-site.css``).
12. **Accessibility.** Named buttons, sliders and solution toggles, a bibliography list, a focus
    ring, formulas out of the Tab order (WCAG 2.1 AA as axe-core checks it).
13. **Light pages.** The first paint waits for no big script: the widget scripts (3.6 MB) and
    the search scripts load deferred.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

# The marks of the solution notebooks, the lab number and the citations' author names, as the
# student notebooks read and write them (labcode is installed in the book's environment).
from labcode.authoring import markers
from labcode.authoring.markers import author_year_names

HERE = Path(__file__).resolve().parent

# ---------- 1. Student notebooks
# Every lab page links to its *student* notebook, never the solution.
#
# The site renders ``solutions/NN_slug.ipynb``. Students should run ``notebooks/NN_slug.ipynb``
# (the exercises without their solutions), so on each lab page this extension
#
# - adds a box under the title: download the student notebook, or open it in Google Colab
#   (the Colab link points at ``notebooks/`` in the course repository), or, where
#   ``hub_url`` is set in ``_config.yml``, on a JupyterHub (an nbgitpuller link);
# - copies the student notebooks into the site (``_build/html/notebooks/``) for the download;
# - removes the theme's "download this page's source" links, which would hand out the solution
#   notebook; printing to PDF stays.
#
# With ``html_copy_source: false`` in ``_config.yml`` the solution sources are not copied into the
# site either, so a ``hide_solutions: true`` build contains no solution anywhere.

LAB_DIR = "solutions"
STUDENT_DIR = "notebooks"
COLAB = "https://colab.research.google.com/github"
THEME_SOURCE_LINKS = {"download-source-button", "download-notebook-button"}


def student_notebook(app: Sphinx, docname: str) -> Path | None:
    """The student notebook of a lab page, or None for any other page."""
    folder, _, stem = docname.partition("/")
    if folder != LAB_DIR or not stem:
        return None
    path = Path(app.srcdir) / STUDENT_DIR / f"{stem}.ipynb"
    return path if path.is_file() else None


def colab_url(app: Sphinx, stem: str) -> str | None:
    """Colab's URL for ``notebooks/<stem>.ipynb`` on GitHub, from the book's repository."""
    options = app.config.html_theme_options or {}
    url = str(options.get("repository_url", "")).rstrip("/")
    prefix = "https://github.com/"
    if not url.startswith(prefix):
        return None
    branch = options.get("repository_branch") or "main"
    return f"{COLAB}/{url[len(prefix):]}/blob/{branch}/{STUDENT_DIR}/{stem}.ipynb"


def hub_url(app: Sphinx, stem: str) -> str | None:
    """An nbgitpuller link that clones the course repository into a JupyterHub (``hub_url`` in
    ``_config.yml``'s ``sphinx.config``) and opens ``notebooks/<stem>.ipynb`` there."""
    hub = str(app.config.hub_url or "").rstrip("/")
    options = app.config.html_theme_options or {}
    repo = str(options.get("repository_url", "")).rstrip("/")
    if not hub or not repo:
        return None
    folder = repo.rsplit("/", 1)[-1].removesuffix(".git")  # where nbgitpuller clones it
    query = urlencode({"repo": repo, "branch": options.get("repository_branch") or "main",
                       "urlpath": f"lab/tree/{folder}/{STUDENT_DIR}/{stem}.ipynb"})
    return f"{hub}/hub/user-redirect/git-pull?{query}"


def _banner(app: Sphinx, docname: str, stem: str) -> nodes.raw:
    here = posixpath.dirname(docname)
    download = posixpath.relpath(f"{STUDENT_DIR}/{stem}.ipynb", here)
    setup = posixpath.relpath("book/setup.html", here)
    links = [f'Open it with <code>make lab</code> in your copy of the course (see '
             f'<a class="reference internal" href="{escape(setup)}">Setup</a>)',
             f'<a class="reference download labcode-student-download" href="{escape(download)}" '
             f'download="{escape(stem)}.ipynb">download it</a>']
    colab = colab_url(app, stem)
    if colab:
        links.append(f'<a class="reference external labcode-colab" href="{escape(colab)}">'
                     "open it in Google Colab</a>")
    hub = hub_url(app, stem)
    if hub:
        links.append(f'<a class="reference external labcode-hub" href="{escape(hub)}">'
                     "open it on the course's JupyterHub</a>")
    html = (
        '<div class="admonition tip labcode-student-links">\n'
        '<p class="admonition-title">Do this lab yourself</p>\n'
        "<p>Work in the student notebook: the same lab with the exercises left for you. "
        f"{', '.join(links[:-1])} or {links[-1]}.</p>\n</div>\n"
    )
    return nodes.raw("", html, format="html")


def _add_banner(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    path = student_notebook(app, docname)
    if path is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    section.insert(1, _banner(app, docname, path.stem))


def _drop_source_links(app: Sphinx, pagename: str, templatename: str,
                       context: dict[str, Any], doctree: nodes.document | None) -> None:
    for group in context.get("header_buttons", []):
        if isinstance(group, dict) and isinstance(group.get("buttons"), list):
            group["buttons"] = [b for b in group["buttons"]
                                if b.get("label") not in THEME_SOURCE_LINKS]


def _copy_student_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / STUDENT_DIR
    for docname in sorted(app.env.found_docs):
        path = student_notebook(app, docname)
        if path is not None:
            target.mkdir(exist_ok=True)
            shutil.copyfile(path, target / path.name)


# Every URL and name comes from ``_config.yml``, so that a fork changes them in one place: the
# prose pages write ``{{ config.title }}``, ``{{ config.repository_url }}`` and
# ``{{ config.repository_name }}`` (the book's title, the repository's URL, its last part), and
# this extension replaces them when Sphinx reads the page (not right after a backtick: inline
# code shows a placeholder as it is). The footer states the licences.

LICENCE_FOOTER = (
    '<p class="labcode-licence">Text and figures under <a href="https://creativecommons.org/'
    'licenses/by/4.0/">CC BY 4.0</a>, code under the <a href="https://opensource.org/license/'
    'mit">MIT license</a>.</p>')


def config_values(app: Sphinx) -> dict[str, str]:
    """The placeholders of the prose pages and their values, from the book's configuration."""
    options = app.config.html_theme_options or {}
    url = str(options.get("repository_url", "")).rstrip("/")
    return {"config.title": str(app.config.html_title or app.config.project),
            "config.repository_url": url,
            "config.repository_name": url.rsplit("/", 1)[-1].removesuffix(".git")}


def _fill_config_values(app: Sphinx, docname: str, source: list[str]) -> None:
    if Path(app.env.doc2path(docname)).suffix != ".md":  # a str in Sphinx 7.4
        return
    values = config_values(app)
    source[0] = re.sub(r"(?<!`)\{\{\s*(config\.\w+)\s*\}\}",  # `{{ x }}`: left as is
                       lambda m: values.get(m.group(1), m.group(0)), source[0])


def _licence_footer(app: Sphinx, config: Config) -> None:
    options = dict(config.html_theme_options or {})
    if not options.get("extra_footer"):
        options["extra_footer"] = LICENCE_FOOTER
    config.html_theme_options = options


# ---------- 2. Hidden solutions
# Make ``hide_solutions: true`` work with *gated* solutions.
#
# sphinx-exercise 1.2.1 drops a ``{solution-start}`` when ``hide_solutions`` is true but keeps
# its ``{solution-end}`` and everything between them (the solution's code cell), so the build
# fails. This extension takes the switch over: sphinx-exercise builds every solution as usual,
# then every solution node is removed from the page, code cells included.

def _take_over_switch(app: Sphinx, config: Config) -> None:
    config.course_hide_solutions = bool(config.hide_solutions)
    config.hide_solutions = False  # let sphinx-exercise merge gated solutions first


def _remove_solutions(app: Sphinx, doctree: nodes.document) -> None:
    if not app.config.course_hide_solutions:
        return
    from sphinx_exercise.nodes import solution_node

    for node in list(doctree.findall(solution_node)):
        node.parent.remove(node)


# ---------- 3. Widget fonts
# The saved widgets render on the static site with no network.
#
# ``@jupyter-widgets/html-manager``'s ``embed-amd.js`` (vendored in ``_vendor/``) loads the icon
# fonts of its widgets from ``@jupyter-widgets/html-manager/dist/`` and ``@jupyter-widgets/``
# *relative to the page*. This extension copies the three WOFF2 fonts of html-manager 1.0.15
# (``_vendor/widget-fonts/``) to those two folders next to every page that shows widgets.

FONTS = "_vendor/widget-fonts"
FONT_PATHS = ("@jupyter-widgets/html-manager/dist", "@jupyter-widgets")
EMBED_SCRIPT = "embed-amd.js"


def _note_widget_page(app: Sphinx, pagename: str, templatename: str,
                      context: dict[str, Any], doctree: nodes.document | None) -> None:
    scripts = context.get("script_files") or []
    if any(str(getattr(s, "filename", s) or "").endswith(EMBED_SCRIPT) for s in scripts):
        app.labcode_widget_dirs.add(posixpath.dirname(pagename))


def _copy_fonts(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    fonts = sorted((Path(app.srcdir) / FONTS).glob("*.woff2"))
    for folder in sorted(app.labcode_widget_dirs):
        for sub in FONT_PATHS:
            target = Path(app.outdir, folder, sub)
            target.mkdir(parents=True, exist_ok=True)
            for font in fonts:
                shutil.copyfile(font, target / font.name)


# ---------- 4. Inline scripts once
# Write each inline ``<script>`` of a page once.
#
# Sphinx 7.4 (pinned by Jupyter Book 1) registers an inline script added after the builder has
# started under two file names, ``None`` and ``''``, and so writes it twice (fixed in Sphinx 8.2,
# sphinx-doc/sphinx#13402). For sphinx-thebe's ``const THEBE_JS_URL = ...`` the second copy is a
# JavaScript error ("Identifier 'THEBE_JS_URL' has already been declared") on every page.

def _key(script: Any) -> tuple[object, ...]:
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), *sorted(attributes.items()))


def _write_scripts_once(app: Sphinx, pagename: str, templatename: str,
                        context: dict[str, Any], doctree: nodes.document | None) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple[object, ...]] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


# ---------- 5. One header
# The sidebar toggles work on a phone and on a desktop.
#
# pydata-sphinx-theme 0.17 puts the search button in a top navbar of its own unless the theme
# option ``navbar_persistent`` is set, so with sphinx-book-theme 1.3 every page has two headers:
# the top one (an empty 64 px strip with a second Search button, and hidden toggle buttons) and
# the book theme's article header (the visible toggles). Both themes bind their sidebar toggles
# to the *first* ``.primary-toggle``/``.secondary-toggle`` in the page, the hidden ones, so the
# visible buttons do nothing: no lab list on a phone, no collapsing sidebar on a desktop
# (executablebooks/sphinx-book-theme#986 and #999, pydata/pydata-sphinx-theme#2451). An empty
# ``navbar_persistent`` leaves the top navbar empty, as the book theme intends: the toggles in
# the article header are then the only ones, and Search stays in the left sidebar.
# ``static/course-site.css`` hides the empty header element.

def _one_header(app: Sphinx, config: Config) -> None:
    options = dict(config.html_theme_options or {})
    options.setdefault("navbar_persistent", [])
    config.html_theme_options = options


# ---------- 6. Exercise numbers per lab
# "Exercise 2.1", "Exercise 2.2", ... on lab 02's page.
#
# sphinx-exercise numbers exercises with Sphinx's numfig, which counts across the whole book
# when the table of contents is not numbered (Exercise 1 to 27). The student notebook
# (labcode/authoring/strip.py) numbers them per lab, from the lab's file name: NN_slug. After
# Sphinx has assigned its numbers, this extension renumbers the exercises of each lab page
# (NN, 1), (NN, 2), ... in the same order, so titles, "Solution to" titles and references all
# read "Exercise NN.k" (without the leading zero). The number is read as the stripper reads it
# (labcode.authoring.markers.lab_number).


def lab_number(docname: str) -> int | None:
    """The number of a lab page (``solutions/02_x`` -> 2), or None for any other page."""
    folder, _, stem = docname.partition("/")
    return markers.lab_number(stem) if folder == LAB_DIR else None


def _number_exercises_per_lab(app: Sphinx, env: BuildEnvironment) -> list[str]:
    changed = []
    for docname, fignumbers in env.toc_fignumbers.items():
        lab, exercises = lab_number(docname), fignumbers.get("exercise")
        if lab is None or not exercises:
            continue
        in_order = sorted(exercises, key=exercises.__getitem__)
        numbers = {ident: (lab, k) for k, ident in enumerate(in_order, start=1)}
        if numbers != exercises:
            fignumbers["exercise"] = numbers
            changed.append(docname)
    return changed


# ---------- 7. No solution markers on the page
# The ``# BEGIN SOLUTION`` / ``# END SOLUTION`` lines mark answers for the stripper
# (labcode/authoring/strip.py; the patterns are labcode.authoring.markers'); a reader of an
# opened solution does not need them. They are dropped from the code cells of lab pages (the
# solution notebooks keep them).


def _drop_solution_markers(app: Sphinx, doctree: nodes.document) -> None:
    if not app.env.docname.startswith(f"{LAB_DIR}/"):
        return
    for block in list(doctree.findall(nodes.literal_block)):
        parent = block.parent
        if parent is None or "cell_input" not in parent.get("classes", []):
            continue
        lines = block.astext().split("\n")
        kept = [line for line in lines if not markers.is_code_marker(line)]
        if len(kept) != len(lines):
            text = "\n".join(kept)
            block.children = []
            block += nodes.Text(text)
            block.rawsource = text


# ---------- 8. Page titles and search
# The home page is titled "Learning on Sets", not "Learning on Sets — Learning on Sets": the
# template ``templates/layout.html`` drops the book's name after a page title that is the
# book's name. The favicon (``html.favicon`` of ``_config.yml``) is linked from every page;
# its ``.ico`` twin goes to the site's root, for the root redirect page. Search snippets are
# cut from each page's HTML source, where formulas are still ``\(M = 5\)``:
# ``static/course-search.js`` (on the search page only) turns them into plain text
# (``M = 5``, Greek letters and common symbols as characters).

STATIC = HERE / "static"
SEARCH_SCRIPT = "course-search.js"
SITE_CSS = "course-site.css"


def _add_templates_and_static(app: Sphinx, config: Config) -> None:
    config.templates_path = [*config.templates_path, str(HERE / "templates")]
    config.html_static_path = [*config.html_static_path,
                               str(STATIC / SITE_CSS), str(STATIC / SEARCH_SCRIPT)]


def _root_favicon(app: Sphinx, exception: Exception | None) -> None:
    """Copy ``favicon.ico`` (beside ``html_favicon``) to the site's root, where browsers look
    for it on pages without an icon link (the root ``index.html`` redirect)."""
    icon = app.config.html_favicon
    if exception is not None or app.builder.format != "html" or not icon:
        return
    ico = (Path(app.confdir) / icon).with_suffix(".ico")
    if ico.is_file():
        shutil.copyfile(ico, Path(app.outdir) / "favicon.ico")


def _search_script(app: Sphinx, pagename: str, templatename: str,
                   context: dict[str, Any], doctree: nodes.document | None) -> None:
    if pagename == "search":
        app.add_js_file(SEARCH_SCRIPT)


# ---------- 9. Author-year citations
# ``(Zaheer et al., 2017)`` and ``Zaheer et al. (2017)`` in the text (``bibtex_reference_style:
# course_author_year``), and the same "Zaheer et al., 2017" as the label of the entry in the
# bibliography (``bibtex_default_style: course``: pybtex's unsrt entries, sorted by author and
# year), instead of alpha labels such as [ZKR+17]. The student notebooks write citations the
# same way, with the same author names (labcode.authoring.markers.author_year_names;
# tests/site compares the two).

def _register_citation_styles() -> None:
    from collections import Counter
    from dataclasses import dataclass, field

    import pybtex.plugin
    import sphinxcontrib.bibtex.plugin
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle
    from pybtex.style.labels import BaseLabelStyle
    from sphinxcontrib.bibtex.style.referencing import BracketStyle, PersonStyle
    from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

    class AuthorYearLabels(BaseLabelStyle):
        """Labels "Zaheer et al., 2017" (a, b, ... after the year where two would be equal)."""

        def format_labels(self, sorted_entries):
            labels = [f"{author_year_names(e)}, {e.fields.get('year', 'n.d.')}"
                      for e in sorted_entries]
            counts, seen = Counter(labels), Counter()
            for label in labels:
                if counts[label] > 1:
                    seen[label] += 1
                    label += "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
                yield label

    class CourseStyle(UnsrtStyle):
        default_label_style = "course_author_year"
        default_sorting_style = "author_year_title"

    def round_brackets() -> BracketStyle:
        return BracketStyle(left="(", right=")", sep="; ")

    @dataclass
    class CourseReferenceStyle(AuthorYearReferenceStyle):
        bracket_parenthetical: BracketStyle = field(default_factory=round_brackets)
        bracket_textual: BracketStyle = field(default_factory=round_brackets)
        person: PersonStyle = field(default_factory=lambda: PersonStyle(other=" et al."))

    pybtex.plugin.register_plugin("pybtex.style.labels", "course_author_year",
                                  AuthorYearLabels, force=True)
    pybtex.plugin.register_plugin("pybtex.style.formatting", "course", CourseStyle, force=True)
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", "course_author_year", CourseReferenceStyle,
        force=True)


# ---------- 10. Figures, widgets, code
# Static files only, on every page: ``figures.js`` links each output figure to its PNG,
# ``figures.css`` sizes code for 79 columns, ``widgets.css`` styles labcode.widgets (dark mode).

LAB_ASSETS = ("figures.css", "figures.js", "widgets.css")


def _add_lab_assets(app: Sphinx, config: Config) -> None:
    config.html_static_path = [*config.html_static_path, *(str(STATIC / f) for f in LAB_ASSETS)]


# ---------- 11. Narrow screens
# No page scrolls sideways on a phone (``static/course-site.css``, section 11). In the HTML of
# each page body, this extension
#
# - puts a ``<wbr>`` (a line-break opportunity, copied as nothing) after the dots and slashes
#   of inline code, ``labcode.pointclouds.<wbr>make_point_clouds(...)``, so long names wrap
#   there rather than anywhere;
# - gives each cell of a table of three or more columns the heading of its column
#   (``data-label``) and the table the class ``labcode-cards``: below 40rem the CSS shows one
#   card per row (the intro's lab map). Tables of cell outputs (DataFrames) are left alone.

INLINE_CODE = re.compile(r'(<code class="[^"]*\bliteral\b[^"]*">)(.*?)(</code>)', re.S)
NAME_BREAK = re.compile(r"(?<=[\w)\]])([./])(?=[A-Za-z_])")
TABLE = re.compile(r'<table class="table[^"]*"[^>]*>.*?</table>', re.S)
TAG = re.compile(r"<[^>]+>")


def _wbr(match: re.Match[str]) -> str:
    pieces = re.split(r"(<[^>]*>)", match.group(2))  # text between tags: odd pieces are tags
    inner = "".join(p if k % 2 else NAME_BREAK.sub(r"\1<wbr>", p) for k, p in enumerate(pieces))
    return match.group(1) + inner + match.group(3)


def _cards(match: re.Match[str]) -> str:
    table = match.group(0)
    head, _, body = table.partition("</thead>")
    if "<table" in table[1:] or not body or "colspan" in table or "rowspan" in table:
        return table
    labels = [" ".join(TAG.sub("", th).split())
              for th in re.findall(r"<th\b[^>]*>(.*?)</th>", head, re.S)]
    rows = re.findall(r"<tr\b[^>]*>.*?</tr>", body, re.S)
    if len(labels) < 3 or not rows or any(row.count("<td") != len(labels) for row in rows):
        return table
    for row in rows:
        parts = re.split(r"<td\b", row)  # the row's start, then one part per cell
        labelled = parts[0] + "".join(f'<td data-label="{escape(label)}"{part}'
                                      for label, part in zip(labels, parts[1:], strict=True))
        body = body.replace(row, labelled, 1)
    head = head.replace('<table class="table', '<table class="table labcode-cards', 1)
    return head + "</thead>" + body


def _narrow_screens(app: Sphinx, pagename: str, templatename: str,
                    context: dict[str, Any], doctree: nodes.document | None) -> None:
    body = context.get("body")
    if isinstance(body, str):
        context["body"] = TABLE.sub(_cards, INLINE_CODE.sub(_wbr, body))


# ---------- 12. Accessibility
# WCAG 2.1 AA as axe-core checks it (tests/browser, in light and dark mode):
#
# - the search and colour-mode buttons are named as they read (``templates/``: copies of the
#   theme's, first in ``templates_path``);
# - the bibliography is a list of ``listitem`` entries: docutils writes the deprecated
#   ``role="doc-biblioentry"``, which leaves the ``role="list"`` around them with no items;
# - ``static/course-a11y.js`` names the solution toggles after their exercise and the widget
#   sliders after their description, and gives the focus back to the menu (or contents)
#   button when a phone's drawer closes; ``static/course-site.css`` draws a focus ring;
# - formulas are not Tab stops (MathJax's menu setting ``inTabOrder``; the hidden MathML that
#   screen readers read stays).

A11Y_SCRIPT = "course-a11y.js"


def _accessibility_config(app: Sphinx, config: Config) -> None:
    ours = str(HERE / "templates")
    config.templates_path = [ours, *(p for p in config.templates_path if p != ours)]
    config.html_static_path = [*config.html_static_path, str(STATIC / A11Y_SCRIPT)]
    mathjax = dict(config.mathjax3_config or {})
    options = dict(mathjax.get("options") or {})
    menu = dict(options.get("menuOptions") or {})
    menu["settings"] = {**(menu.get("settings") or {}), "inTabOrder": False}
    options["menuOptions"] = menu
    mathjax["options"] = options
    config.mathjax3_config = mathjax


def _bibliography_roles(app: Sphinx, pagename: str, templatename: str,
                        context: dict[str, Any], doctree: nodes.document | None) -> None:
    body = context.get("body")
    if isinstance(body, str) and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


# ---------- 13. Light pages
# The first paint waits for no big script (on a slow 4G connection, 1.6 Mbit/s, Lab 05 painted
# after about 40 s; tests/browser/test_page_weight.py measures it).
#
# - The widget scripts (``nb_ipywidgets_js``: the MathJax 2 shim, ``require.js`` and
#   ``embed-amd.js``, 3.6 MB) are written with ``defer``: they download while the page is shown
#   and run, in order, once it is parsed. ``embed-amd.js`` draws the widgets on the window's
#   ``load`` event (or at once if it has passed), so they render as before. The shim must still
#   run before MathJax (also deferred) starts: it moves to just before MathJax's script.
# - Sphinx's search scripts (``searchtools.js``, ``language_data.js`` and ``searchindex.js``,
#   about 100 kB), which pydata-sphinx-theme writes into every page's head for its
#   search-as-you-type (off here), are deferred by ``templates/layout.html``.
# - Font Awesome (``fontawesome.js``, 1.5 MB) is already deferred by the theme, which has no
#   option to leave it out; MathJax (``tex-svg.js``) is deferred by Sphinx.

MATHJAX_SHIM = "mathjax2-shim.js"


def _basename(script: Any) -> str:
    return posixpath.basename(str(getattr(script, "filename", "") or "").partition("?")[0])


def _deferred(script: Any, priority: int | None = None) -> Any:
    """A copy of a Sphinx script entry (they are immutable) with ``defer``, not ``async``."""
    attributes = {**(getattr(script, "attributes", {}) or {}), "defer": "defer"}
    attributes.pop("async", None)
    return type(script)(script.filename, priority=script.priority if priority is None
                        else priority, **attributes)


def _defer_widget_scripts(app: Sphinx, pagename: str, templatename: str,
                          context: dict[str, Any], doctree: nodes.document | None) -> None:
    scripts = context.get("script_files")
    widget_scripts = set(app.config.nb_ipywidgets_js or {})
    if not isinstance(scripts, list) or not any(_basename(s) in widget_scripts for s in scripts):
        return
    scripts[:] = [_deferred(s) if _basename(s) in widget_scripts else s for s in scripts]
    mathjax = posixpath.basename(str(app.config.mathjax_path or ""))
    at = next((k for k, s in enumerate(scripts) if _basename(s) == mathjax), None)
    shim = next((k for k, s in enumerate(scripts) if _basename(s) == MATHJAX_SHIM), None)
    if at is not None and shim is not None and shim > at:
        moved = scripts.pop(shim)
        scripts.insert(at, _deferred(moved, priority=scripts[at].priority))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the thirteen jobs (the extension loads after sphinx_exercise)."""
    app.connect("doctree-resolved", _add_banner)
    app.connect("html-page-context", _drop_source_links, priority=900)  # after the theme's
    app.connect("build-finished", _copy_student_notebooks)
    app.add_config_value("hub_url", "", "html")  # a JupyterHub for nbgitpuller links, or ""
    app.connect("source-read", _fill_config_values)
    app.connect("config-inited", _licence_footer)
    app.add_config_value("course_hide_solutions", False, "env")
    app.connect("config-inited", _take_over_switch, priority=100)
    app.connect("doctree-read", _remove_solutions)
    app.labcode_widget_dirs = set()
    app.connect("html-page-context", _note_widget_page)
    app.connect("build-finished", _copy_fonts)
    app.connect("config-inited", _one_header)
    app.connect("env-get-updated", _number_exercises_per_lab, priority=900)  # after Sphinx's
    app.connect("doctree-read", _drop_solution_markers)
    app.connect("config-inited", _add_templates_and_static)
    app.add_css_file(SITE_CSS)
    app.connect("html-page-context", _search_script)
    app.connect("build-finished", _root_favicon)
    _register_citation_styles()
    app.connect("config-inited", _add_lab_assets)
    for asset in LAB_ASSETS:
        (app.add_js_file if asset.endswith(".js") else app.add_css_file)(asset)
    app.connect("html-page-context", _write_scripts_once, priority=900)
    app.connect("html-page-context", _narrow_screens)
    app.connect("config-inited", _accessibility_config, priority=800)  # after section 8's
    app.add_js_file(A11Y_SCRIPT, loading_method="defer")
    app.connect("html-page-context", _bibliography_roles)
    app.connect("html-page-context", _defer_widget_scripts, priority=950)  # after section 4
    return {"parallel_read_safe": True, "parallel_write_safe": False}
