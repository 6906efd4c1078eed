"""The course's one local Sphinx extension (``sphinx.local_extensions`` in ``_config.yml``).

It does four small jobs, one section each:

1. **Student notebooks.** Every lab page links to its *student* notebook, never the solution.
2. **Hidden solutions.** ``hide_solutions: true`` also removes *gated* solutions.
3. **Widget fonts.** Saved widgets render on the static site with no network.
4. **Inline scripts once.** Works around a Sphinx 7.4 bug that writes some inline scripts twice.
"""

from __future__ import annotations

import posixpath
import shutil
from html import escape
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

# ---------- 1. Student notebooks
# Every lab page links to its *student* notebook, never the solution.
#
# The site renders ``solutions/NN_slug.ipynb``. Students should run ``notebooks/NN_slug.ipynb``
# (the exercises without their solutions), so on each lab page this extension
#
# - adds a box under the title: download the student notebook, or open it in Google Colab
#   (the Colab link points at ``notebooks/`` in the course repository);
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


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the four jobs (the extension loads after sphinx_exercise)."""
    app.connect("doctree-resolved", _add_banner)
    app.connect("html-page-context", _drop_source_links, priority=900)  # after the theme's
    app.connect("build-finished", _copy_student_notebooks)
    app.add_config_value("course_hide_solutions", False, "env")
    app.connect("config-inited", _take_over_switch, priority=100)
    app.connect("doctree-read", _remove_solutions)
    app.labcode_widget_dirs = set()
    app.connect("html-page-context", _note_widget_page)
    app.connect("build-finished", _copy_fonts)
    app.connect("html-page-context", _write_scripts_once, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
