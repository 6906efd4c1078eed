"""A tiny Sphinx extension: the saved widgets render on the static site with no network.

``@jupyter-widgets/html-manager``'s ``embed-amd.js`` (vendored in ``_vendor/``) loads the icon
fonts of its widgets from ``@jupyter-widgets/html-manager/dist/`` and ``@jupyter-widgets/``
*relative to the page*. This extension copies the three WOFF2 fonts of html-manager 1.0.15
(``_vendor/widget-fonts/``) to those two folders next to every page that shows widgets.
"""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

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


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension (listed in ``extra_extensions`` of ``_config.yml``)."""
    app.labcode_widget_dirs = set()
    app.connect("html-page-context", _note_widget_page)
    app.connect("build-finished", _copy_fonts)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
