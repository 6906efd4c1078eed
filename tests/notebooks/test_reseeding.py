"""Every experiment that follows a student's code seeds itself.

A student's correct solution may draw a different amount of randomness than the reference
(``torch.randperm`` instead of ``np.random.permutation``, one draw per set instead of one per
batch). Whatever comes after it must then not inherit the global random state it left behind,
or a correct student trains another model than the page's and may miss its conclusions.

The rule, checked on the source of every solution notebook: after a lab's first exercise, a
code cell that draws from a global generator (``torch.rand*``, ``np.random.*``, the course's
trainings and data generators, a model's initial weights) after a function or class the
student wrote has run must first call
``seed_everything`` or ``torch.manual_seed``, or pass every such call a ``seed=`` or
``generator=``. Self-check cells are exempt: the checks draw inside ``torch.random.fork_rng``.
"""

from __future__ import annotations

import ast

import nbformat
import pytest

from labcode.authoring.strip import CODE_BEGIN
from tests.conftest import SOLUTIONS

# Calls that draw from a global generator unless given a seed or a generator.
DRAWING = {"rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like",
           "permutation", "shuffle", "choice", "normal", "uniform", "train", "train_steps",
           "make_data", "make_pairs", "create_train_dataset",
           "create_test_dataset", "make_odd_one_out", "make_point_clouds", "make_mixture_sets",
           "random_rotate_z", "delete_points", "sample"}
SEEDING = {"seed_everything", "manual_seed"}
# Capitalised callees that draw nothing (every other one is taken to build a model).
NOT_DRAWING = {"Path", "Generator", "Tensor", "MSELoss", "BCELoss", "L1Loss", "Identity",
               "HTML", "Markdown", "Figure", "Line2D", "Patch"}
SEED_KEYWORDS = {"seed", "generator"}


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _calls(statement: ast.stmt) -> list[ast.Call]:
    """The calls a top-level statement makes when it runs, in the order they finish (an inner
    call before the one it is an argument of), leaving out the bodies of the functions and
    classes it defines."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
        return []
    found = []
    stack = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return sorted(found, key=lambda c: (c.end_lineno, c.end_col_offset))


def _student_names(nb) -> set[str]:
    names = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and any(CODE_BEGIN.match(line)
                                            for line in cell.source.split("\n")):
            names |= {node.name for node in ast.parse(cell.source).body
                      if isinstance(node, ast.FunctionDef | ast.ClassDef)}
    return names


def _builds_a_model(name: str) -> bool:
    """A capitalised callee builds a module (random initial weights), bar a few classes."""
    return name[:1].isupper() and name not in NOT_DRAWING


def unseeded_draws(path) -> list[str]:
    """'cell N: name(...)' for each draw made after a student's code ran, with no seed between.

    A student's code runs when a cell calls a function or class of an exercise (a self-check
    cell does not count: the checks restore the random state they found).
    """
    nb = nbformat.read(path, as_version=4)
    student = _student_names(nb)
    problems, student_ran = [], False
    for index, cell in enumerate(nb.cells):
        source = cell.source
        if (cell.cell_type != "code" or source.lstrip().startswith("checks.check_")
                or any(CODE_BEGIN.match(line) for line in source.split("\n"))):
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for statement in tree.body:
            for call in _calls(statement):
                name = _name(call)
                if name in SEEDING:
                    student_ran = False
                elif name in student:
                    student_ran = True
                elif (student_ran and (name in DRAWING or _builds_a_model(name))
                      and not SEED_KEYWORDS & {k.arg for k in call.keywords}):
                    problems.append(f"cell {index}: {name}(...) on line {call.lineno}")
    return problems


@pytest.mark.parametrize("path", sorted(SOLUTIONS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_experiments_after_an_exercise_seed_themselves(path):
    problems = unseeded_draws(path)
    assert not problems, (f"{path.name}: these draws follow a student's code without a seed "
                          "of their own (call seed_everything(k) first): " + "; ".join(problems))


def test_the_rule_sees_an_unseeded_draw_and_accepts_a_seeded_one(tmp_path):
    from tests.conftest import notebook

    exercise = "def f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n"
    bad = notebook(("code", exercise), ("code", "checks.check_f(f)\nx = torch.rand(3)"),
                   ("code", "y = f(2)\nz = train(model, X, y, seed=0)"),
                   ("code", "m = Model()\nw = torch.randn(2)"))
    good = notebook(("code", exercise), ("code", "y = f(torch.randn(2))"),
                    ("code", "seed_everything(3)\nX, y = make_data(10, generator=4)"),
                    ("code", "m = Model()\ny = f(2)\nz = Path('x')"))
    nbformat.write(bad, tmp_path / "bad.ipynb")
    nbformat.write(good, tmp_path / "good.ipynb")
    assert unseeded_draws(tmp_path / "bad.ipynb") == ["cell 3: Model(...) on line 1",
                                                      "cell 3: randn(...) on line 2"]
    assert unseeded_draws(tmp_path / "good.ipynb") == []
