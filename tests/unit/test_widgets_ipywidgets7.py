"""labcode.widgets under ipywidgets 7.7.1, the version Google Colab preinstalls and loads at
kernel start (its front end runs no ipywidgets 8).

ipywidgets 7.7.1 is installed once into ``_build/ipywidgets-7.7.1/`` (``pip install --target``,
no dependencies: the rest comes from this environment) and put first on ``sys.path`` of a
subprocess, which imports ``labcode.widgets``, builds every demo and moves every control. The
first run needs the package index; later runs reuse the folder (about two seconds). Without
the index the test fails: it never skips.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import ROOT

VERSION = "7.7.1"
TARGET = ROOT / "_build" / f"ipywidgets-{VERSION}"
PACKAGES = (f"ipywidgets=={VERSION}", "ipython_genutils==0.2.0")

SCRIPT = textwrap.dedent(f"""
    import sys
    sys.path.insert(0, {str(TARGET)!r})
    import ipywidgets
    assert ipywidgets.__version__ == {VERSION!r}, ipywidgets.__version__
    import torch
    from labcode import digits, nonlinearity, permutations, symmetric_pairs
    from labcode import widgets as w
    from labcode.digits import create_train_dataset
    from labcode.thirds import DeepSet, make_data, mlp

    assert not w.HAS_STACK

    def shown(stack):
        pages = [i for i, p in enumerate(stack.children) if p.layout.display != "none"]
        assert len(pages) == 1, pages
        return pages[0]

    X, y = create_train_dataset(n_train=200, seed=0)
    slider, texts = digits.padded_set_explorer(X, y, start=5).children
    assert shown(texts) == slider.index
    slider.value = 7
    assert shown(texts) == texts.selected_index == slider.index
    assert "cardinality: 7," in texts.children[shown(texts)].value

    torch.manual_seed(0)
    Xs, ys = make_data(20, generator=0)
    slider, texts = permutations.permutation_explorer(
        {{"DeepSet": DeepSet(), "MLP": mlp()}}, Xs[0], n_orderings=4).children
    slider.value = 3
    assert shown(texts) == 3

    models = {{"tanh": DeepSet(activation="tanh"), "none": DeepSet(activation="none")}}
    toggle, texts = nonlinearity.nonlinearity_toggle(models, Xs, ys).children
    toggle.value = "none"
    assert shown(texts) == 1

    phi = DeepSet(in_features=2, hidden_dim=8, latent_dim=4, phi_bias=False).phi
    angle, norm, outer = symmetric_pairs.symmetric_pair_explorer(
        {{"phi": phi}}, angle=30, norm=1.0).children
    norm.value, angle.value = 2.0, 90
    inner = outer.children[shown(outer)]
    assert shown(outer) == w.PAIR_NORMS.index(2.0)
    assert shown(inner) == w.PAIR_ANGLES.index(90)
    assert "x = [+0.00, +2.00]" in inner.children[shown(inner)].value
    print("ok", ipywidgets.__version__)
""")


def ipywidgets7() -> None:
    """Install ipywidgets 7.7.1 into TARGET once (a marker file says the install finished)."""
    done = TARGET / ".complete"
    if done.is_file():
        return
    TARGET.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--upgrade", "--target", str(TARGET), *PACKAGES], check=True)
    done.write_text(" ".join(PACKAGES) + "\n")


def test_the_widget_demos_build_and_react_under_ipywidgets_7():
    ipywidgets7()
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == f"ok {VERSION}"
