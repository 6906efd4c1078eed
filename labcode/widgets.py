"""ipywidgets demos that work without a kernel. Each returns the widget it builds, so a notebook
cell displays it.

Every demo computes all its states when it is built (a few dozen short texts) and shows them
in a ``Stack``: the controls select the text to show through ``jslink``, in the browser, with
no Python callback. So the demos react the same way in JupyterLab, in a saved notebook and on
the static website, where no kernel runs. Each demo sits next to a static figure for readers
whose browser shows no widget at all.

ipywidgets 7 (Google Colab preinstalls 7.7.1, and its front end runs no ipywidgets 8) has no
``Stack``: there the same states sit in a ``VBox`` that shows one page at a time, and the
controls select it through ``traitlets.link``, in the kernel. The demos then react while the
kernel runs (Colab) and show their first state in a saved notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import ipywidgets as widgets
import traitlets

from labcode._moved import aliases

#: The CSS class of the text a demo shows (book/_ext/static/widgets.css styles it).
TEXT_CLASS = "labcode-widget-text"

#: Whether this ipywidgets has ``Stack`` (8.0 and later): the demos then react in the browser.
HAS_STACK = hasattr(widgets, "Stack")


class KernelStack(widgets.VBox):
    """ipywidgets 7's stand-in for ``Stack``: all pages in a ``VBox``, only the selected shown.

    ``selected_index`` lives in the kernel (link it with :func:`link`, not ``jslink``).
    """

    selected_index = traitlets.Int(0)

    def __init__(self, children: Sequence[widgets.Widget], selected_index: int = 0) -> None:
        super().__init__(list(children))
        self.observe(self._show, "selected_index")
        self.selected_index = selected_index
        self._show()

    def _show(self, change: object = None) -> None:
        for i, page in enumerate(self.children):
            page.layout.display = None if i == self.selected_index else "none"


def stack(pages: Sequence[widgets.Widget], selected: int = 0) -> widgets.Box:
    """A ``Stack`` of ``pages`` (ipywidgets 8), or a :class:`KernelStack` (ipywidgets 7)."""
    if HAS_STACK:
        return widgets.Stack(list(pages), selected_index=selected)
    return KernelStack(pages, selected)


def link(source: tuple[widgets.Widget, str], target: tuple[widgets.Widget, str]) -> object:
    """Link a control to a stack: in the browser (``jslink``) where ``Stack`` exists, else in
    the kernel (``traitlets.link``)."""
    return widgets.jslink(source, target) if HAS_STACK else traitlets.link(source, target)


def text_stack(texts: Sequence[str], selected: int = 0) -> widgets.Box:
    """A stack (:func:`stack`) of precomputed texts (one ``<pre>`` each); only the selected one
    shows.

    Link a control to it with ``link((control, "index"), (stack, "selected_index"))``.
    """
    if not texts:
        raise ValueError("need at least one text to show")
    if HAS_STACK:  # one layout and one style shared by all the pages: a smaller saved state
        from ipywidgets.widgets.widget_string import HTMLStyle  # ipywidgets 8

        shared = {"layout": widgets.Layout(), "style": HTMLStyle()}
    else:  # each page shows or hides itself through its own layout
        shared = {}
    pages = [widgets.HTML(f'<pre class="{TEXT_CLASS}">{escape(t)}</pre>', **shared)
             for t in texts]
    return stack(pages, selected)


__getattr__ = aliases(__name__)  # names that moved to the labs' topic modules
