"""What the test suite shares: paths, the self-check helpers, the torch-thread fixture.

Layout: ``unit/`` (labcode's modules), ``checks/`` (one ``test_labNN.py`` per lab: the self-checks
of ``labcode/checks/labNN.py``), ``authoring/`` (strip, robustness bench), ``notebooks/`` (the
notebooks: sync, leaks, kept outputs; the student-experience runs), ``site/`` and ``browser/``
(the built site).

``tests`` is a package (every folder but ``site/`` has an ``__init__.py``), so test modules
import the helpers below as ``from tests.conftest import ...``: one module under one name,
whichever other ``conftest.py`` pytest has imported as ``conftest`` (tests/site's is).
"""

from __future__ import annotations

import ast
import linecache
import random
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest
import torch

from labcode.authoring.strip import CODE_BEGIN

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


# --------------------------------------------------------------------------- random state
# The suite runs in random order (pytest-randomly, `make unit`), one shuffle per run, its seed
# printed so that a failure can be replayed with -p randomly --randomly-seed=N. A test must
# then never depend on what ran before it on its worker: each starts from the same random
# state, and no test module draws anything while it is collected.


@pytest.fixture(autouse=True)
def _same_random_state_for_every_test():
    """Seed Python's, NumPy's and torch's global generators before every test."""
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    yield


def _random_state() -> tuple:
    numpy_state = np.random.get_state()
    return (random.getstate(), numpy_state[1].tobytes(), numpy_state[2],
            torch.random.get_rng_state().numpy().tobytes())


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """Fail the collection of a test module that draws random numbers at import.

    Such a module (a model built in a ``parametrize`` list, a tensor drawn at module level)
    gets values that depend on which modules its worker imported first.
    """
    if not isinstance(collector, pytest.Module):
        return (yield)
    before = _random_state()
    report = yield
    if report.passed and _random_state() != before:
        report.outcome = "failed"
        report.longrepr = (f"{collector.nodeid} draws random numbers while it is collected "
                           "(a model or a random tensor built at module level or in a "
                           "parametrize list): build it inside the test or a fixture.")
    return report


@pytest.fixture
def one_torch_thread():
    """One torch thread (two fight on a 2-core machine) and a seeded, restored torch RNG."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        yield
    torch.set_num_threads(n)


# --------------------------------------------------------------------------- float tolerances
# A float comparison is relative to the scale of what is compared: float32 rounds every result
# to within eps32/2 (6e-8) of its size, so an absolute 1e-5 is loose for outputs of size 0.01
# and fails now and then for sums of many terms of size 1. Where the point is exactness
# (invariance, padding that adds nothing, chunked = whole, batch independence) a test computes
# in float64 and allows 1e-10 of the scale: rounding there is about n * 1.1e-16 for n terms.

EPS32 = torch.finfo(torch.float32).eps  # 1.19e-7: the gap between 1 and the next float32


def relative_error(actual, expected) -> float:
    """``max |actual - expected|`` over the largest ``|entry|`` of either (0 when both are 0).

    Computed in float64 from tensors or arrays: the difference as a share of the scale of what
    is compared, so that one bound fits outputs of size 1e-3 and of size 1e3 alike.
    """
    a, b = (torch.as_tensor(t).detach().double() for t in (actual, expected))
    scale = max(float(a.abs().max()), float(b.abs().max()))
    return float((a - b).abs().max()) / scale if scale > 0 else 0.0


def rounding_bound(terms: int, eps: float = EPS32, margin: float = 10.0) -> float:
    """A bound, relative to the outputs' scale, on the rounding of a float computation in which
    each output adds up ``terms`` numbers (float32 unless ``eps`` says otherwise).

    Each addition rounds by at most eps/2 of its running total, so a sum of n terms is off by at
    most about n eps/2 of the sum of their sizes; ``margin`` covers the few other operations on
    each term (a product, an activation) and totals somewhat larger than the outputs.
    """
    return margin * eps * max(int(terms), 1)


# --------------------------------------------------------------------------- self-checks


def verdict(check, fn, capsys, *args) -> str:
    """What ``check(fn, *args)`` prints, asserting that it is a verdict a notebook can show.

    A check returns nothing (a notebook cell shows the printed verdict only) and prints one
    line, or two with a hint, with no traceback: "✓" (passed), "✗" (failed, with a hint) or
    "…" (not implemented yet).
    """
    assert check(fn, *args) is None
    out = capsys.readouterr().out
    assert "Traceback" not in out and out.count("\n") <= 2, out
    assert out.startswith(("✓", "✗", "…")), out
    return out


def assert_hint(out: str, name: str, hint: str) -> None:
    """``out`` is a failing verdict of ``name`` ("✗ name: ..." or "✗ name raised ...") that
    gives ``hint``."""
    assert out.startswith((f"✗ {name}:", f"✗ {name} raised ")), out
    assert hint in out, out


def assert_not_implemented(out: str, name: str) -> None:
    assert out.startswith(f"… {name} is not implemented yet"), out


def solution_notebook(lab: int) -> Path:
    paths = sorted(SOLUTIONS.glob(f"{lab:02d}_*.ipynb"))
    assert len(paths) == 1, f"expected one solutions/{lab:02d}_*.ipynb, found {paths}"
    return paths[0]


def solution_namespace(lab: int, names: list[str] | tuple[str, ...]) -> dict:
    """The reference solution of a lab, read from ``solutions/NN_*.ipynb`` (never copied).

    Runs the notebook's import statements (those only: no seeding, no training, no global
    switch such as Lab 08's ``torch.set_grad_enabled(False)``), then the top-level definitions
    (``def`` or ``class``) of ``names``, in notebook order as the notebook runs them: a later one
    may use an earlier one (Lab 02's MaskedDeepSets extends its DeepSets, Lab 03's train calls
    its make_data). At least one of them must hold a ``# BEGIN SOLUTION`` region: the code a
    student writes. Returns the namespace; ``ns[name]`` is the notebook's object.
    """
    path = solution_notebook(lab)
    nb = nbformat.read(path, as_version=4)
    imports, definitions = [], []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython syntax (a magic): no definition the tests need
            continue
        where = f"<{path.name}, cell {index}>"
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                imports.append((node, where, cell.source))
            elif isinstance(node, DEFINITIONS) and node.name in names:
                definitions.append((node, where, cell.source))
    missing = sorted(set(names) - {node.name for node, _, _ in definitions})
    assert not missing, f"{path.name} defines no {missing} at the top level of a code cell"
    solved = [node.name for node, _, source in definitions
              if any(CODE_BEGIN.match(line)
                     for line in ast.get_source_segment(source, node).split("\n"))]
    assert solved, f"{path.name}: none of {list(names)} holds a '# BEGIN SOLUTION' region"
    namespace = {"__name__": f"solutions_{lab:02d}"}
    for node, where, source in imports + definitions:
        # the cell's source under `where`, so that a traceback shows the notebook's lines
        linecache.cache[where] = (len(source), None, source.splitlines(keepends=True), where)
        exec(compile(ast.Module(body=[node], type_ignores=[]), where, "exec"), namespace)
    return namespace


def notebook(*cells):
    """A small notebook of ``(kind, source)`` cells ("code" or "markdown"), with ids."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                  "language": "python"},
                   "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}}
    for i, (kind, source) in enumerate(cells):
        cell = (nbformat.v4.new_code_cell(source) if kind == "code"
                else nbformat.v4.new_markdown_cell(source))
        cell["id"] = f"c{i}"
        nb.cells.append(cell)
    return nb
