"""``python -m labcode.authoring new-lab NN slug``: a new lab from a small template, registered.

It writes, for lab ``NN`` about ``slug`` (a lowercase Python name):

- ``solutions/NN_slug.ipynb`` -- a title, the setup cell, one code exercise (``sum_pool``, or the
  name given with ``--exercise``) with its self-check, three cells whose output nbval compares,
  a hidden guard, a figure drawn in the course style with its alt text, a written question and
  the ``key_results`` cell; executed, with its nbgrader metadata;
- ``notebooks/NN_slug.ipynb`` -- its student version (``strip``);
- ``labcode/slug.py`` -- the lab's topic module, with one function (``make_sets``);
- ``labcode/checks/labNN.py`` -- the exercise's self-check, on :mod:`labcode.checks.api`;
- ``tests/checks/test_labNN.py`` -- the check on the notebook's solution and on wrong answers;
- ``tests/unit/test_slug.py`` -- unit tests of the topic module;
- ``labcode/authoring/robustness/labNN.py`` -- the lab's claims over seeds (``make robustness``);

and registers the lab in ``_toc.yml``, ``labcode/checks/__init__.py``, the robustness bench's
``LABS``, the lab map of ``book/intro.md`` and the list of topic modules in
``labcode/__init__.py``. Then it prints what to fill in. The lab it creates passes
``make test`` as it is: the template is a small, complete lab to rewrite.

Nothing is written when the number or the slug is taken, or either is malformed.
"""

from __future__ import annotations

import ast
import keyword
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat


class NewLabError(Exception):
    """The lab cannot be created as asked (nothing has been written)."""


NUMBER = re.compile(r"\d{2}")
NAME = re.compile(r"[a-z][a-z0-9_]*")
TOC_LAB = re.compile(r"^(?P<indent>\s*)- file: solutions/(?P<nn>\d+)_\S+\s*$")
INTRO_ROW = re.compile(r"^\| \{doc\}`(?P<nn>\d+) · .*<\.\./solutions/\d+_\w+>`")
TOPIC_LINE = re.compile(r"^- :mod:`labcode\.\w+` -- Labs? (?P<nn>\d+)")


@dataclass(frozen=True)
class Lab:
    """What names a new lab: ``number`` "12", ``slug`` "demo_lab", its title and exercise."""

    number: str
    slug: str
    title: str
    exercise: str = "sum_pool"

    @property
    def n(self) -> int:
        return int(self.number)

    @property
    def name(self) -> str:
        return f"{self.number}_{self.slug}"

    def label(self, what: str) -> str:
        """A label unique in the book (Sphinx's labels are global): ``ex12-sum-pool``."""
        return f"ex{self.number}-{what.replace('_', '-')}"

    def paths(self, root: Path) -> dict[str, Path]:
        """The files the lab is made of, by role."""
        return {
            "notebook": root / "solutions" / f"{self.name}.ipynb",
            "student notebook": root / "notebooks" / f"{self.name}.ipynb",
            "topic module": root / "labcode" / f"{self.slug}.py",
            "self-check": root / "labcode" / "checks" / f"lab{self.number}.py",
            "self-check tests": root / "tests" / "checks" / f"test_lab{self.number}.py",
            "unit tests": root / "tests" / "unit" / f"test_{self.slug}.py",
            "robustness": root / "labcode" / "authoring" / "robustness" / f"lab{self.number}.py",
        }


# --------------------------------------------------------------------------- the templates
# Placeholders: __NN__ (two digits), __N__ (the number), __SLUG__, __TITLE__, __FN__ (the
# exercise's function); in the notebook also __LABEL__ and __QUESTION__ (the exercises' labels)
# and __IMPORTS__ (what the setup cell imports from labcode).

TOPIC_MODULE = '''"""__TITLE__, Lab __NN__: the sets this lab's experiments draw.

What Lab __NN__ introduces lives here; a later lab imports it from this module. Each public
name's docstring ends with the lab that teaches it (book/instructors.md, "Where things live").

- :func:`make_sets` -- a batch of random sets of real numbers
"""

from __future__ import annotations

import torch

from labcode._validate import as_generator, check_int


def make_sets(n_sets: int, set_size: int, features: int = 1,
              seed: int | torch.Generator | None = None) -> torch.Tensor:
    """``n_sets`` sets of ``set_size`` elements of ``features`` numbers, uniform in [0, 1).

    Returns a float32 tensor of shape ``(n_sets, set_size, features)``. ``seed``: an int (the
    same sets every time), a ``torch.Generator``, or None (torch's global generator).

    Defined in Lab __NN__.
    """
    n_sets = check_int("n_sets", n_sets, 1)
    set_size = check_int("set_size", set_size, 1)
    features = check_int("features", features, 1)
    return torch.rand(n_sets, set_size, features, generator=as_generator(seed))
'''

CHECK_MODULE = '''"""Self-checks of Lab __NN__: __TITLE__."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks.api import Checker, run_check, tensor_output_hint


def check___FN__(__FN__: Callable[..., object]) -> None:
    """Self-check for Lab __NN__'s ``__FN__(X)``: shape and dtype, the order of the elements,
    one-element sets, and two sets put together."""
    import torch

    def body(c: Checker) -> None:
        with torch.random.fork_rng():  # the check's draws leave the notebook's untouched
            torch.manual_seed(0)
            X = torch.rand(4, 5, 3, dtype=torch.float64)
            order = torch.randperm(5)
        before = X.clone()
        out = __FN__(X)
        c.expect(torch.equal(X, before), "do not change X in place.")
        problem = tensor_output_hint(out, "__FN__(X) for X of shape (4, 5, 3)", (4, 3),
                                     X.dtype, "Sum over the elements, dim=1.")
        c.expect(problem is None, problem)
        c.expect(torch.allclose(__FN__(X[:, order]), out),
                 "the result should not depend on the order of the elements.")
        c.expect(torch.allclose(__FN__(X[:, :1]), X[:, 0]),
                 "a set of one element should pool to that element.")
        c.expect(torch.allclose(__FN__(X[:, :2]) + __FN__(X[:, 2:]), out),
                 "two sets put together should pool to the sum of their pooled values: "
                 "sum the elements (a mean or a maximum does not add up).")

    run_check("__FN__", __FN__, body)
'''

CHECK_TESTS = '''"""Lab __NN__'s self-check: __FN__, read from the solution notebook. The
reference passes; each wrong answer gets its own hint."""

from __future__ import annotations

import pytest

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(__N__, ["__FN__"])
__FN__ = SOLUTION["__FN__"]


def test_check___FN___passes_the_solution(capsys):
    out = verdict(checks.check___FN__, __FN__, capsys)
    assert out.startswith("✓ __FN__: all"), out


def not_implemented(X):
    raise NotImplementedError("Exercise __N__.1: implement __FN__")


@pytest.mark.parametrize("wrong, hint", [
    (lambda X: X.mean(dim=1), "sum the elements"),
    (lambda X: X.max(dim=1).values, "sum the elements"),
    (lambda X: X.max(dim=1), "take its `.values`"),
    (lambda X: X.sum(dim=2), "Sum over the elements, dim=1"),
    (lambda X: X.sum(dim=1, keepdim=True), "drop the extra dimension"),
    (lambda X: X.sum(dim=1).float(), "dtype of its input"),
    (lambda X: X.sum(dim=1) + 1.0, "should pool to that element"),
    (lambda X: X[:, 0], "sum the elements"),
])
def test_check___FN___catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check___FN__, wrong, capsys)
    assert_hint(out, "__FN__", hint)


def test_check___FN___says_not_implemented(capsys):
    assert_not_implemented(verdict(checks.check___FN__, not_implemented, capsys), "__FN__")
'''

UNIT_TESTS = '''"""labcode.__SLUG__ (Lab __NN__): make_sets."""

from __future__ import annotations

import pytest
import torch

from labcode.__SLUG__ import make_sets


def test_make_sets_shape_dtype_range_and_seed():
    X = make_sets(5, 3, features=2, seed=0)
    assert X.shape == (5, 3, 2) and X.dtype == torch.float32
    assert ((X >= 0) & (X < 1)).all()
    assert torch.equal(make_sets(5, 3, features=2, seed=0), X)
    assert not torch.equal(make_sets(5, 3, features=2, seed=1), X)


@pytest.mark.parametrize("args", [(0, 3), (5, 0), (2.5, 3), (5, 3, 0)])
def test_make_sets_refuses_bad_sizes(args):
    with pytest.raises((TypeError, ValueError)):
        make_sets(*args)
'''

ROBUSTNESS = '''"""Lab __NN__'s headline claims over seeds (``make robustness``): __TITLE__.

Random, per seed: the sets drawn (``make_sets(seed=seed)``) and the order they are put in
(``seed_everything(seed)``). Fixed: nothing else; the template trains no model.
"""

from __future__ import annotations

import torch

__IMPORTS__


def run(seed: int) -> list[Outcome]:
    """Lab __NN__, section 2: reordering the elements of a set leaves its sum unchanged."""
    seed_everything(seed)
    X = make_sets(n_sets=4, set_size=3, seed=seed)
    order = torch.randperm(X.shape[1])
    gap = float((X[:, order].sum(dim=1) - X.sum(dim=1)).abs().max())
    return [Outcome("reordered sets: same sums (largest change < 1e-6)", gap, gap < 1e-6)]
'''

INTRO = """# Lab __N__ · __TITLE__

One paragraph: what question this lab answers, and why it matters for learning on sets.

**You will:** write `__FN__`, the sum pooling of a batch of sets (one exercise with a
self-check); see that the order of the elements does not change it; and answer one question.

*Time: about 30 minutes. Runs in a few seconds on a laptop CPU.*"""

SETUP = """import matplotlib.pyplot as plt
import torch

from labcode import __IMPORTS__

# One seed for numpy and torch: every number below is reproducible.
seed_everything(0)"""

DATA_TEXT = """## 1. The data

`__SLUG__.make_sets` draws a batch of sets, a tensor of shape
`(n_sets, set_size, features)`: four sets of three numbers here."""

DATA = """X = __SLUG__.make_sets(n_sets=4, set_size=3, seed=0)
print(f"X: shape {tuple(X.shape)}, dtype {X.dtype}")"""

EXERCISE = """## 2. Sum pooling

```{exercise} Sum pooling
:label: __LABEL__

Write `__FN__(X)`: for a batch of sets `X` of shape `(batch, set_size, features)`, return
the tensor of shape `(batch, features)` that sums the elements of each set. Keep the dtype of
`X`.
```

```{solution-start} __LABEL__
:class: dropdown
```
The elements are along dim 1: sum over it."""

SOLUTION = '''def __FN__(X):
    """(batch, set_size, features) -> (batch, features): each set's sum."""
    # BEGIN SOLUTION
    return X.sum(dim=1)
    # END SOLUTION'''

SOLUTION_END = """```{solution-end}
```"""

CHECK_TEXT = """The self-check tests the shape and the dtype, that the order of the elements
does not matter, that a set of one element pools to that element, and that two sets put
together pool to the sum of their pooled values."""

CHECK = "checks.check___FN__(__FN__)"

ORDER_TEXT = "Reorder the elements of every set: the pooled values do not change."

ORDER = """seed_everything(1)  # the same draws, whatever your code above drew
order = torch.randperm(X.shape[1])
same = torch.allclose(__FN__(X[:, order]), __FN__(X))
print(f"reordered sets, same sums: {'yes' if same else 'no'}")"""

GUARD = """# Section 2 (hidden on the site): the claim of the text.
assert same"""

FIGURE_TEXT = """The sums of 1,000 sets of three numbers drawn uniformly from $[0, 1)$ spread
over $[0, 3]$, most of them near 1.5:"""

FIGURE = """sums = __FN__(__SLUG__.make_sets(n_sets=1000, set_size=3, seed=2))
with plots.course_style():
    fig, ax = plt.subplots()
    ax.hist(sums[:, 0].numpy(), bins=30, label="1,000 sets")
    ax.axvline(1.5, color="k", ls=":", label="1.5 = 3 x 0.5")
    ax.set_xlabel("sum of the set's three numbers")
    ax.set_ylabel("number of sets")
    ax.set_title("Sum pooling of 1,000 random sets")
    ax.legend()
plt.show()"""

FIGURE_ALT = ("A histogram of the sums of 1,000 random sets of three numbers from 0 to 1: a "
              "hump between 0 and 3, highest near 1.5, where a dotted line marks the "
              "expected sum.")

QUESTION = """## 3. Question

```{exercise} What a mean forgets
:label: __QUESTION__

Mean pooling ignores the order of the elements too. Give two sets that mean pooling cannot
tell apart and sum pooling can.
```

```{solution-start} __QUESTION__
:class: dropdown
```
$\\{1\\}$ and $\\{1, 1\\}$: both have mean 1, their sums are 1 and 2. A mean forgets the size of
the set; a sum keeps it.
```{solution-end}
```

## 4. Key results"""

KEY_RESULTS = """key_results(
    {
        "reordered sets, same sums": "yes" if same else "no",
        "mean of 1,000 sums of three numbers": f"{sums.mean():.1f}",
    }
)"""

CHECKED = ["nbval-check-output"]
GUARDED = ["remove-cell"]


def _fill(template: str, lab: Lab, **extra: str) -> str:
    """``template`` with its placeholders replaced: ``extra``'s (``IMPORTS="..."`` for
    ``__IMPORTS__``) first, then the lab's."""
    for key, value in extra.items():
        template = template.replace(f"__{key}__", value)
    return (template.replace("__SLUG__", lab.slug).replace("__TITLE__", lab.title)
            .replace("__FN__", lab.exercise).replace("__NN__", lab.number)
            .replace("__N__", str(lab.n)))


def notebook(lab: Lab) -> nbformat.NotebookNode:
    """The template's solution notebook for ``lab`` (not executed)."""
    names = {
        "IMPORTS": ", ".join(sorted({"checks", "key_results", "plots", "seed_everything",
                                     lab.slug})),
        "LABEL": lab.label(lab.exercise),
        "QUESTION": lab.label("what-a-mean-forgets"),
    }
    cells = [("markdown", INTRO, {}), ("code", SETUP, {}), ("markdown", DATA_TEXT, {}),
             ("code", DATA, {"tags": CHECKED}), ("markdown", EXERCISE, {}),
             ("code", SOLUTION, {}), ("markdown", SOLUTION_END, {}),
             ("markdown", CHECK_TEXT, {}), ("code", CHECK, {"tags": CHECKED}),
             ("markdown", ORDER_TEXT, {}), ("code", ORDER, {"tags": CHECKED}),
             ("code", GUARD, {"tags": GUARDED}), ("markdown", FIGURE_TEXT, {}),
             ("code", FIGURE, {"mystnb": {"image": {"alt": FIGURE_ALT}}}),
             ("markdown", QUESTION, {}), ("code", KEY_RESULTS, {})]
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    for index, (kind, source, metadata) in enumerate(cells):
        new = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        cell = new(_fill(source, lab, **names), metadata=dict(metadata))
        cell["id"] = f"lab{lab.number}-{index:02d}"
        nb.cells.append(cell)
    return nb


# --------------------------------------------------------------------------- the registries


def _insert_in_order(lines: list[str], pattern: re.Pattern[str], number: int, new: str,
                     where: str) -> list[str]:
    """``lines`` with ``new`` inserted among the lines matching ``pattern`` (whose group
    ``nn`` is a lab number), before the first with a larger number, else after the last."""
    found = [(i, int(m.group("nn"))) for i, line in enumerate(lines)
             if (m := pattern.match(line))]
    if not found:
        raise NewLabError(f"{where}: found no lab to add the new one beside")
    at = next((i for i, nn in found if nn > number), found[-1][0] + 1)
    return [*lines[:at], new, *lines[at:]]


def register_toc(text: str, lab: Lab) -> str:
    """``_toc.yml`` with the lab's chapter among the labs, in order."""
    lines = text.split("\n")
    found = [m for line in lines if (m := TOC_LAB.match(line))]
    indent = found[0].group("indent") if found else ""
    return "\n".join(_insert_in_order(lines, TOC_LAB, lab.n,
                                      f"{indent}- file: solutions/{lab.name}", "_toc.yml"))


def register_check(text: str, lab: Lab) -> str:
    """``labcode/checks/__init__.py`` with the lab's check imported and in ``__all__``."""
    tree = ast.parse(text)
    lines = text.split("\n")
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom)
               and re.fullmatch(r"labcode\.checks\.lab\d+", node.module or "")]
    exported = next((node for node in tree.body if isinstance(node, ast.Assign)
                     and [getattr(t, "id", None) for t in node.targets] == ["__all__"]), None)
    if not imports or exported is None or lines[exported.end_lineno - 1].strip() != "]":
        raise NewLabError("labcode/checks/__init__.py: expected `from labcode.checks.labNN "
                          "import ...` lines and a multi-line __all__ list")
    # __all__ first: the imports are above it, so inserting there does not move it
    lines.insert(exported.end_lineno - 1, f'    "check_{lab.exercise}",')
    later = [node for node in imports if int(node.module.rsplit("lab", 1)[1]) > lab.n]
    at = later[0].lineno - 1 if later else imports[-1].end_lineno
    lines.insert(at, f"from labcode.checks.lab{lab.number} import check_{lab.exercise}")
    return "\n".join(lines)


def register_intro(text: str, lab: Lab) -> str:
    """``book/intro.md`` with a row for the lab in its lab map, to fill in."""
    row = (f"| {{doc}}`{lab.number} · {lab.title} <../solutions/{lab.name}>` | (fill in: what "
           "students build) | (fill in: what they learn) | 30 min |")
    return "\n".join(_insert_in_order(text.split("\n"), INTRO_ROW, lab.n, row,
                                      "book/intro.md (the lab map)"))


def register_topic(text: str, lab: Lab) -> str:
    """``labcode/__init__.py`` with the lab's topic module in its docstring's list."""
    line = f"- :mod:`labcode.{lab.slug}` -- Lab {lab.number}: {lab.title.lower()}"
    return "\n".join(_insert_in_order(text.split("\n"), TOPIC_LINE, lab.n, line,
                                      "labcode/__init__.py (the list of topic modules)"))


def robustness_registry(root: Path) -> Path:
    return root / "labcode" / "authoring" / "robustness" / "__init__.py"


def register_robustness(text: str, lab: Lab) -> str:
    """The robustness package's ``__init__`` with ``labNN`` imported and in ``LABS``."""
    tree = ast.parse(text)
    lines = text.split("\n")
    module = f"lab{lab.number}"
    imported = next((node for node in tree.body if isinstance(node, ast.ImportFrom)
                     and node.module == "labcode.authoring.robustness"), None)
    labs = next((node for node in tree.body if isinstance(node, ast.AnnAssign | ast.Assign)
                 and "LABS" in [getattr(target, "id", None) for target in
                                (node.targets if isinstance(node, ast.Assign) else [node.target])]
                 and isinstance(node.value, ast.Dict)), None)
    if (imported is None or labs is None or not labs.value.keys
            or not all(isinstance(k, ast.Constant) for k in labs.value.keys)
            or {a.lineno for a in imported.names} == {imported.lineno}):
        raise NewLabError("labcode/authoring/robustness/__init__.py: expected a multi-line "
                          "`from labcode.authoring.robustness import (labNN, ...)` and a "
                          "multi-line dict LABS = {\"NN\": labNN.run, ...}")
    # the later line first, so that the earlier insertion does not move it
    keys = [(k.lineno, int(k.value)) for k in labs.value.keys]
    at = next((line for line, nn in keys if nn > lab.n), labs.value.keys[-1].end_lineno + 1)
    indent = re.match(r"\s*", lines[keys[0][0] - 1]).group()
    lines.insert(at - 1, f'{indent}"{lab.number}": {module}.run,')
    names = [(a.lineno, a.name) for a in imported.names]
    at = next((line for line, name in names if name > module), names[-1][0] + 1)
    indent = re.match(r"\s*", lines[names[0][0] - 1]).group()
    lines.insert(at - 1, f"{indent}{module},")
    return "\n".join(lines)


#: The files new-lab edits, and how: path (from the root) -> function(text, lab) -> text.
REGISTRIES: dict[str, Callable[[str, Lab], str]] = {
    "_toc.yml": register_toc,
    "labcode/checks/__init__.py": register_check,
    "labcode/__init__.py": register_topic,
    "book/intro.md": register_intro,
}


# --------------------------------------------------------------------------- new-lab


def validate(root: Path, number: str, slug: str, title: str | None,
             exercise: str = "sum_pool") -> Lab:
    """The :class:`Lab` to create, or :class:`NewLabError` saying why it cannot be."""
    if not (root / "_toc.yml").is_file() or not (root / "labcode" / "checks").is_dir():
        raise NewLabError(f"{root.resolve()} is not the course's repository root (no _toc.yml "
                          "or labcode/checks/): run new-lab from there")
    if not NUMBER.fullmatch(number) or number == "00":
        raise NewLabError(f"the lab number must be two digits, 01 to 99 (e.g. 12), got {number!r}")
    for what, name in (("slug", slug), ("--exercise", exercise)):
        if not NAME.fullmatch(name) or keyword.iskeyword(name):
            raise NewLabError(f"the {what} must be a lowercase Python identifier (letters, "
                              f"digits, underscores; a letter first), got {name!r}")
    title = " ".join((title or slug.replace("_", " ").capitalize()).split())
    if not title or re.search(r"[|`<>]", title):
        raise NewLabError(f"the title goes into Markdown tables and links: give one without "
                          f"|, `, < or >, got {title!r}")
    lab = Lab(number, slug, title, exercise)
    taken = [f"lab {number}: {p.relative_to(root).as_posix()} exists"
             for p in sorted({*root.glob(f"solutions/{number}_*.ipynb"),
                              *root.glob(f"notebooks/{number}_*.ipynb")})]
    taken += [f"slug {slug!r}: {p.relative_to(root).as_posix()} exists"
              for p in sorted({*root.glob(f"solutions/[0-9][0-9]_{slug}.ipynb"),
                               *root.glob(f"notebooks/[0-9][0-9]_{slug}.ipynb")})]
    if (root / "labcode" / slug).exists():
        taken.append(f"slug {slug!r}: labcode/{slug}/ exists")
    for role, path in lab.paths(root).items():
        if path.exists() and role not in ("notebook", "student notebook"):
            owner = f"slug {slug!r}" if role in ("topic module", "unit tests") else f"lab {number}"
            taken.append(f"{owner}: {path.relative_to(root).as_posix()} exists ({role})")
    checks = (root / "labcode" / "checks" / "__init__.py").read_text(encoding="utf-8")
    if re.search(rf"\bcheck_{exercise}\b", checks):
        taken.append(f"checks.check_{exercise} exists: name the exercise's function otherwise "
                     "(--exercise NAME)")
    if taken:
        raise NewLabError("taken:\n  " + "\n  ".join(dict.fromkeys(taken)))
    if not robustness_registry(root).is_file():
        raise NewLabError("labcode/authoring/robustness/__init__.py is missing: new-lab "
                          "registers the lab's robustness file there")
    return lab


def create(root: Path, lab: Lab) -> list[Path]:
    """Write the lab's files and registrations (see the module's docstring), execute the
    notebook, write its grading metadata and its student version; returns the paths written,
    in order. A registry that cannot be edited raises :class:`NewLabError` before any write."""
    paths = lab.paths(root)
    registries = {**REGISTRIES,
                  str(robustness_registry(root).relative_to(root)): register_robustness}
    edited = {}
    for relative, register in registries.items():  # every registry parses before a write
        path = root / relative
        edited[path] = register(path.read_text(encoding="utf-8"), lab)
    files = {
        paths["topic module"]: _fill(TOPIC_MODULE, lab),
        paths["self-check"]: _fill(CHECK_MODULE, lab),
        paths["self-check tests"]: _fill(CHECK_TESTS, lab),
        paths["unit tests"]: _fill(UNIT_TESTS, lab),
        paths["robustness"]: _fill(ROBUSTNESS, lab, IMPORTS="\n".join(sorted([
            "from labcode.authoring.robustness.framework import Outcome",
            f"from labcode.{lab.slug} import make_sets",
            "from labcode.reproducibility import seed_everything"]))),
    }
    written = []
    for path, text in [*files.items(), *edited.items()]:
        path.write_text(text, encoding="utf-8")
        written.append(path)
    nbformat.write(notebook(lab), paths["notebook"])
    written.append(paths["notebook"])
    _execute(root, paths["notebook"])
    _grading_metadata(root, lab)
    _student_notebook(root, lab)
    written.append(paths["student notebook"])
    return written


def _execute(root: Path, path: Path) -> None:
    """Execute the notebook in place with this repository's labcode first on the kernel's path."""
    from labcode.authoring.bench import execute_in_place

    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(root.resolve()), *([before] if before else [])])
    try:
        execute_in_place(path)
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before


def _grading_metadata(root: Path, lab: Lab) -> None:
    from labcode.authoring.grading import metadata_texts

    for path, text in metadata_texts(root / "solutions", [f"{lab.name}.ipynb"]).items():
        path.write_text(text, encoding="utf-8")


def _student_notebook(root: Path, lab: Lab) -> None:
    from labcode.authoring.strip import plan

    for path, text in plan(root / "solutions", root / "notebooks",
                           [f"{lab.name}.ipynb"]).items():
        path.write_text(text, encoding="utf-8")


def checklist(root: Path, lab: Lab) -> str:
    """What the instructor fills in next, and the commands that check it."""
    p = {role: path.relative_to(root).as_posix() for role, path in lab.paths(root).items()}
    return f"""\
Lab {lab.number} ({lab.title}) created from the template; `make test` passes on it as it is.

Fill in:
  1. {p['notebook']}: the title cell (what the lab is about, "You will:", the time),
     then replace the template's sections by your lab. For each code exercise keep the
     pattern: an {{exercise}} with a unique :label:, the code between # BEGIN SOLUTION and
     # END SOLUTION inside {{solution-start}}/{{solution-end}}, then a checks.check_...(...)
     cell. Tag at least 3 cells whose printed output is the same on every machine
     nbval-check-output; check each claim of the text with an assert in a cell tagged
     remove-cell; draw figures inside `with plots.course_style():` with an alt text in
     the cell's metadata; end with key_results({{...}}).
  2. {p['topic module']}: the code the lab introduces (its docstrings end "Defined in
     Lab {lab.number}."); later labs import it from here. Shared machinery stays in the core.
     Unit tests: {p['unit tests']}.
  3. {p['self-check']}: one check_<name> per exercise (labcode.checks.api: Checker,
     run_check), exported in labcode/checks/__init__.py.
  4. {p['self-check tests']}: for each check, the notebook's solution passes and each
     wrong answer (mutant) gets its own hint.
  5. {p['robustness']}: the lab's claims, rerun for five seeds.
  6. book/intro.md: the lab map's row for Lab {lab.number} ("fill in" cells).
  7. book/instructors.md: add labcode.{lab.slug} to the "Where things live" table.

Registered: _toc.yml, labcode/checks/__init__.py, labcode/__init__.py (topic modules),
book/intro.md (lab map), labcode/authoring/robustness/__init__.py (LABS).

After editing the notebook:
  python -m labcode.authoring execute {p['notebook']}
  python -m labcode.authoring nbgrader-metadata {lab.name}.ipynb
  python -m labcode.authoring strip {lab.name}.ipynb
  python -m labcode.authoring robustness --labs {lab.number}
  make test
"""


def main(number: str, slug: str, title: str | None = None, exercise: str = "sum_pool",
         root: Path | None = None) -> int:
    """``new-lab``: 0 when the lab was created, 2 (and nothing written) when it cannot be, 1
    when a step after the writing (executing the notebook) failed."""
    root = Path.cwd() if root is None else root
    try:
        lab = validate(root, number, slug, title, exercise)
    except NewLabError as err:
        print(f"new-lab: nothing written.\n{err}", file=sys.stderr)
        return 2
    try:
        written = create(root, lab)
    except NewLabError as err:  # raised before any write
        print(f"new-lab: nothing written.\n{err}", file=sys.stderr)
        return 2
    except Exception as err:  # the files are written; say what is left to do
        print(f"new-lab: the files are written, then a step failed: {type(err).__name__}: "
              f"{err}\nFix it, then run the commands at the end of:\n\n{checklist(root, lab)}",
              file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote: {path.relative_to(root).as_posix()}")
    print()
    print(checklist(root, lab))
    return 0
