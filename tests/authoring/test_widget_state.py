"""labcode.authoring.widget_state: an executed notebook keeps the widget state its displayed
widgets need and nothing else (no progress bars, no orphans, no empty state).

myst-nb loads the widget scripts on every page whose notebook saves any widget state, so a
notebook without a displayed widget must end with no ``widgets`` metadata at all.
"""

from __future__ import annotations

import nbformat
import pytest

from labcode.authoring.widget_state import STATE, VIEW, prune_widget_state


def model(name: str, **state) -> dict:
    return {"model_name": name, "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0", "state": {"_model_name": name, **state}}


def ref(model_id: str) -> str:
    return f"IPY_MODEL_{model_id}"


def view(model_id: str) -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0},
                     "text/plain": "a widget"}}


def notebook(outputs: list[dict], state: dict[str, dict]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    text = nbformat.v4.new_code_cell("print(1)")
    text.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells = [cell, text]
    if state:
        nb.metadata["widgets"] = {STATE: {"state": state, "version_major": 2,
                                          "version_minor": 0}}
    return nb


def tqdm_bar(prefix: str) -> dict[str, dict]:
    """The models of a tqdm.notebook bar: an HBox of HTML, a progress bar, HTML."""
    return {
        f"{prefix}box": model("HBoxModel", children=[ref(f"{prefix}h1"), ref(f"{prefix}bar"),
                                                     ref(f"{prefix}h2")],
                              layout=ref(f"{prefix}lay")),
        f"{prefix}h1": model("HTMLModel", value="DeepSets: 96%", layout=ref(f"{prefix}lay")),
        f"{prefix}bar": model("FloatProgressModel", value=747, max=782,
                              style=ref(f"{prefix}sty")),
        f"{prefix}h2": model("HTMLModel", value=" 747/782"),
        f"{prefix}lay": model("LayoutModel"),
        f"{prefix}sty": model("ProgressStyleModel"),
    }


def demo() -> dict[str, dict]:
    """A labcode.widgets demo: a slider and a Stack of texts, joined by a jslink."""
    return {
        "vbox": model("VBoxModel", children=[ref("slider"), ref("stack")]),
        "slider": model("SelectionSliderModel", index=0, style=ref("sstyle")),
        "sstyle": model("SliderStyleModel"),
        "stack": model("StackModel", children=[ref("p0"), ref("p1")], selected_index=0),
        "p0": model("HTMLModel", value="<pre>0</pre>", layout=ref("shared")),
        "p1": model("HTMLModel", value="<pre>1</pre>", layout=ref("shared")),
        "shared": model("LayoutModel"),
        "link": model("LinkModel", source=[ref("slider"), "index"],
                      target=[ref("stack"), "selected_index"]),
    }


def test_progress_bars_go_and_so_does_the_empty_state():
    nb = notebook([view("abox"), view("bbox")], {**tqdm_bar("a"), **tqdm_bar("b")})
    counts = prune_widget_state(nb)
    assert counts == {"dropped_outputs": 2, "dropped_models": 12, "kept_models": 0}
    assert nb.cells[0].outputs == []
    assert "widgets" not in nb.metadata, "no state left: myst-nb must load no widget script"
    assert nb.cells[1].outputs[0]["text"] == "1\n", "other outputs stay"


def test_a_demo_keeps_its_models_and_its_links():
    nb = notebook([view("abox"), view("vbox")], {**tqdm_bar("a"), **demo(),
                                                 "orphan": model("ButtonModel")})
    counts = prune_widget_state(nb)
    kept = nb.metadata["widgets"][STATE]["state"]
    assert set(kept) == set(demo()), "the demo, its layout, its style and its link; no orphan"
    assert counts["dropped_outputs"] == 1 and counts["kept_models"] == len(demo())
    assert [o["data"][VIEW]["model_id"] for o in nb.cells[0].outputs] == ["vbox"]


def test_a_link_to_a_dropped_model_goes():
    state = {**demo(), "stray": model("IntSliderModel"),
             "link2": model("LinkModel", source=[ref("stray"), "value"],
                            target=[ref("stack"), "selected_index"])}
    nb = notebook([view("vbox")], state)
    prune_widget_state(nb)
    kept = nb.metadata["widgets"][STATE]["state"]
    assert "link2" not in kept and "stray" not in kept and "link" in kept


def test_a_view_of_a_model_that_was_not_saved_goes():
    nb = notebook([view("missing"), view("vbox")], demo())
    prune_widget_state(nb)
    assert [o["data"][VIEW]["model_id"] for o in nb.cells[0].outputs] == ["vbox"]


@pytest.mark.parametrize("metadata", [{}, {"widgets": {}}, {"widgets": {STATE: {}}}])
def test_no_state_at_all_is_fine(metadata):
    nb = notebook([], {})
    nb.metadata.update(metadata)
    assert prune_widget_state(nb)["kept_models"] == 0
    assert "widgets" not in nb.metadata
