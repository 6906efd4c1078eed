"""A tiny Sphinx extension: every lab page links to its *student* notebook, never the solution.

The site renders ``solutions/NN_slug.ipynb``. Students should run ``notebooks/NN_slug.ipynb``
(the exercises without their solutions), so on each lab page this extension

- adds a box under the title: download the student notebook, or open it in Google Colab
  (the Colab link points at ``notebooks/`` in the course repository);
- copies the student notebooks into the site (``_build/html/notebooks/``) for the download;
- removes the theme's "download this page's source" links, which would hand out the solution
  notebook; printing to PDF stays.

With ``html_copy_source: false`` in ``_config.yml`` the solution sources are not copied into the
site either, so a ``hide_solutions: true`` build contains no solution anywhere.
"""

from __future__ import annotations

import posixpath
import shutil
from html import escape
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

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


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension (listed in ``extra_extensions`` of ``_config.yml``)."""
    app.connect("doctree-resolved", _add_banner)
    app.connect("html-page-context", _drop_source_links, priority=900)  # after the theme's
    app.connect("build-finished", _copy_student_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
