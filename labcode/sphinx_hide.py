"""A tiny Sphinx extension: make ``hide_solutions: true`` work with *gated* solutions.

sphinx-exercise 1.2.1 drops a ``{solution-start}`` when ``hide_solutions`` is true but keeps
its ``{solution-end}`` and everything between them (the solution's code cell), so the build
fails. This extension takes the switch over: sphinx-exercise builds every solution as usual,
then every solution node is removed from the page, code cells included.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config


def _take_over_switch(app: Sphinx, config: Config) -> None:
    config.course_hide_solutions = bool(config.hide_solutions)
    config.hide_solutions = False  # let sphinx-exercise merge gated solutions first


def _remove_solutions(app: Sphinx, doctree: nodes.document) -> None:
    if not app.config.course_hide_solutions:
        return
    from sphinx_exercise.nodes import solution_node

    for node in list(doctree.findall(solution_node)):
        node.parent.remove(node)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension (after sphinx_exercise in ``extra_extensions``)."""
    app.add_config_value("course_hide_solutions", False, "env")
    app.connect("config-inited", _take_over_switch, priority=100)
    app.connect("doctree-read", _remove_solutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
