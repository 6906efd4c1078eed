"""Every public ``check_*`` has wrong-answer tests, in the test module of its lab.

``labcode.checks.check_x`` lives in ``labcode/checks/labNN.py``; its tests live in
``tests/checks/test_labNN.py``: there, a test function must name the check and assert a "✗"
verdict (``assert_hint``, or an ``assert`` on "✗"). So a new check cannot be added without tests
of its hints. Also here: tests of ``solution_namespace``, which reads the reference solutions
from the notebooks.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import torch

from labcode import checks
from tests.conftest import solution_namespace

HERE = Path(__file__).resolve().parent


def public_checks() -> list[str]:
    return sorted(n for n in dir(checks) if n.startswith("check_") and callable(getattr(checks, n)))


def lab_of(name: str) -> str:
    """``lab07`` for a check defined in labcode/checks/lab07.py."""
    return getattr(checks, name).__module__.rsplit(".", 1)[-1]


def checks_given_wrong_answers(path: Path) -> set[str]:
    """The check_* names that some test function of ``path`` names and asserts a "✗" for."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
            continue
        parts = list(ast.walk(node))  # the decorators (parametrize) included
        asserts_a_failure = any(
            (isinstance(n, ast.Call) and getattr(n.func, "id", None) == "assert_hint")
            or (isinstance(n, ast.Assert) and "✗" in ast.unparse(n)) for n in parts)
        if asserts_a_failure:
            found |= {n.attr for n in parts if isinstance(n, ast.Attribute)}
            found |= {n.id for n in parts if isinstance(n, ast.Name)}
    return {name for name in found if name.startswith("check_")}


def test_every_lab_has_one_test_module():
    labs = {lab_of(name) for name in public_checks()}
    assert labs == {p.stem.removeprefix("test_") for p in HERE.glob("test_lab*.py")}


def test_every_check_has_wrong_answer_tests():
    """Each public check_* is named in its lab's test module by a test that asserts "✗"."""
    names = public_checks()
    assert len(names) >= 15
    untested = [f"{name} (tests/checks/test_{lab_of(name)}.py)" for name in names
                if not (HERE / f"test_{lab_of(name)}.py").is_file()
                or name not in checks_given_wrong_answers(HERE / f"test_{lab_of(name)}.py")]
    assert not untested, (f"{untested}: add tests that feed wrong implementations to these "
                          "checks and assert a '✗' verdict with a specific hint")


# --------------------------------------------------------------------------- the references


def test_references_are_read_from_the_solution_notebooks():
    """solution_namespace runs the notebook's code (its imports, then the definitions asked
    for), nothing else: Lab 08's set_grad_enabled(False) and seeding stay in the notebook."""
    ns = solution_namespace(8, ["aggregate"])
    assert ns["aggregate"].__code__.co_filename.startswith("<08_minibatch_consistency.ipynb, cell")
    assert torch.is_grad_enabled()
    assert "pooling" in ns and "shown" not in ns  # an import; a definition not asked for


@pytest.mark.parametrize("lab, names, message", [
    (5, ["SumDeepSet"], "holds a '# BEGIN SOLUTION' region"),  # given code, not a solution
    (7, ["pool", "no_such_function"], "defines no ['no_such_function']"),
])
def test_solution_namespace_refuses_what_is_not_a_solution(lab, names, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        solution_namespace(lab, names)
