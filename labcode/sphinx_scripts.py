"""A tiny Sphinx extension: write each inline ``<script>`` of a page once.

Sphinx 7.4 (pinned by Jupyter Book 1) registers an inline script added after the builder has
started under two file names, ``None`` and ``''``, and so writes it twice (fixed in Sphinx 8.2,
sphinx-doc/sphinx#13402). For sphinx-thebe's ``const THEBE_JS_URL = ...`` the second copy is a
JavaScript error ("Identifier 'THEBE_JS_URL' has already been declared") on every page.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx


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
    """Register the extension (listed in ``extra_extensions`` of ``_config.yml``)."""
    app.connect("html-page-context", _write_scripts_once, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
