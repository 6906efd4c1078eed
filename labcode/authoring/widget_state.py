"""The widget state an executed notebook saves: what its displayed widgets need, nothing else.

nbclient saves the state of every widget model a run created, closed or not, and myst-nb loads
the widget scripts (3.6 MB of ``embed-amd.js``) on every page whose notebook has any saved
state. ``prune_widget_state`` (called by ``execute``) keeps the models a displayed widget needs
and drops the rest:

- outputs that show a progress-bar widget (``tqdm.notebook``: an HBox of HTML and a progress
  bar, no control) or a model that was not saved: on the site they are an empty gap, and
  JupyterLab shows "Error displaying widget: model not found" for them. (``labcode`` shows
  progress as text, ``labcode.training.progress_bar``.)
- every model that no remaining view reaches (children, layout, style: ``IPY_MODEL_`` links),
  except the links (``jslink``) between models that are kept;
- the whole ``widgets`` metadata when nothing is left, so a page without widgets loads no
  widget script.
"""

from __future__ import annotations

from typing import Any

VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"
PREFIX = "IPY_MODEL_"
LINKS = {"LinkModel", "DirectionalLinkModel"}
PROGRESS = {"FloatProgressModel", "IntProgressModel"}
#: What a tqdm.notebook bar is made of (no control a reader could use).
PROGRESS_PARTS = PROGRESS | {"HBoxModel", "HTMLModel", "LabelModel", "LayoutModel",
                             "ProgressStyleModel", "HTMLStyleModel", "DescriptionStyleModel",
                             "LabelStyleModel"}


def _refs(value: Any) -> set[str]:
    """The model ids that a state value refers to (``"IPY_MODEL_<id>"`` strings, nested)."""
    if isinstance(value, str):
        return {value[len(PREFIX):]} if value.startswith(PREFIX) else set()
    if isinstance(value, dict):
        return set().union(*map(_refs, value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*map(_refs, value)) if value else set()
    return set()


def _closure(state: dict[str, Any], roots: set[str]) -> set[str]:
    """``roots`` and every saved model they refer to, directly or not."""
    seen: set[str] = set()
    todo = [r for r in roots if r in state]
    while todo:
        model_id = todo.pop()
        if model_id in seen:
            continue
        seen.add(model_id)
        todo += [r for r in _refs(state[model_id].get("state", {})) if r in state]
    return seen


def _is_progress_bar(state: dict[str, Any], model_id: str) -> bool:
    names = {state[m].get("model_name") for m in _closure(state, {model_id})}
    return bool(names & PROGRESS) and names <= PROGRESS_PARTS


def prune_widget_state(nb: Any) -> dict[str, int]:
    """Prune the widget state of an executed notebook in place (see the module docstring).

    Returns counts: ``dropped_outputs``, ``dropped_models``, ``kept_models``.
    """
    widgets = nb.metadata.get("widgets") or {}
    state = (widgets.get(STATE) or {}).get("state") or {}
    dropped_outputs = 0
    views: set[str] = set()
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            view = (output.get("data") or {}).get(VIEW)
            if view is not None:
                model_id = view.get("model_id")
                if model_id not in state or _is_progress_bar(state, model_id):
                    dropped_outputs += 1
                    continue
                views.add(model_id)
            kept.append(output)
        cell["outputs"] = kept
    keep = _closure(state, views)
    while True:  # links between kept models (jslink), and what they refer to
        links = {m for m, s in state.items() if m not in keep and s.get("model_name") in LINKS
                 and _refs(s.get("state", {})) and _refs(s.get("state", {})) <= keep}
        if not links:
            break
        keep |= _closure(state, links)
    dropped_models = len(state) - len(keep)
    if keep:
        widgets[STATE]["state"] = {m: s for m, s in state.items() if m in keep}
    else:
        nb.metadata.pop("widgets", None)
    return {"dropped_outputs": dropped_outputs, "dropped_models": dropped_models,
            "kept_models": len(keep)}
