"""The robustness bench: its layout (a framework module and one module per lab, listed
explicitly), and its table and exit code on fake labs (no real experiment runs)."""

from __future__ import annotations

import ast
import importlib
import math
import re
from pathlib import Path

import pytest

from labcode.authoring import robustness
from labcode.authoring.cli import main as cli
from labcode.authoring.robustness import Outcome
from tests.conftest import SOLUTIONS

PACKAGE = Path(robustness.__file__).parent
PACKAGE_NAME = "labcode.authoring.robustness"
LAB_FILE = re.compile(r"lab(\d\d)\.py")
#: The course's labs, one per solution notebook ("01", "02", ...): each has a robustness module.
COURSE_LABS = sorted(p.name[:2] for p in SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
#: Modules that load other modules by name or by file: the package lists its labs instead.
DYNAMIC = {"importlib", "pkgutil", "glob", "runpy"}


@pytest.fixture
def registry(monkeypatch):
    """An empty lab list in place of the real one; returns the calls the fake labs record."""
    monkeypatch.setattr(robustness, "LABS", {})
    return []


def register_fake(calls, name="99", fails_on=(), raises_on=()):
    """A cheap lab: claim A always holds, claim B fails on ``fails_on``; figure = the seed."""

    def fake(seed: int) -> list[Outcome]:
        calls.append((name, seed))
        if seed in raises_on:
            raise RuntimeError("boom")
        return [Outcome("claim A", seed, True),
                Outcome("claim B", float(seed) / 2, seed not in fails_on, f"detail {seed}"),
                Outcome("claim C (no figure)", None, True)]

    robustness.LABS[name] = fake
    return fake


def lab_files() -> dict[str, Path]:
    """The per-lab modules in the package folder: "03" -> .../lab03.py."""
    return {m.group(1): path for path in sorted(PACKAGE.iterdir())
            if (m := LAB_FILE.fullmatch(path.name))}


def test_labs_lists_every_lab_module_in_order_and_nothing_else():
    files = lab_files()
    assert files, f"no labNN.py in {PACKAGE}"
    assert list(robustness.LABS) == sorted(files), (
        "LABS (labcode/authoring/robustness/__init__.py) must list every labNN.py beside it, "
        f"in order: it lists {list(robustness.LABS)}, the folder holds {sorted(files)}")
    assert list(robustness.LABS) == COURSE_LABS


@pytest.mark.parametrize("name", COURSE_LABS)
def test_every_listed_lab_module_imports_and_runs_its_own_function(name):
    module = importlib.import_module(f"labcode.authoring.robustness.lab{name}")
    assert robustness.LABS[name] is module.run
    assert callable(module.run)


def imported_modules(source: str) -> set[str]:
    """Every module that ``source`` (a module of the package) imports, as an absolute name, and
    every name it imports from one (``from a import b`` gives ``a`` and ``a.b``; relative
    imports are resolved against the package)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = PACKAGE_NAME.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return names


def module_imports(name: str) -> set[str]:
    """:func:`imported_modules` of the package's file ``name`` (e.g. "framework.py")."""
    return imported_modules((PACKAGE / name).read_text(encoding="utf-8"))


def lab_imports(imports: set[str]) -> list[str]:
    """The names among ``imports`` that are, or are inside, a ``labNN`` module."""
    return sorted(m for m in imports if re.search(r"(^|\.)lab\d\d($|\.)", m))


def test_the_framework_imports_no_lab_module_and_not_the_package():
    imports = module_imports("framework.py")
    assert not lab_imports(imports), (
        f"framework.py imports lab modules (a circle): {lab_imports(imports)}")
    assert PACKAGE_NAME not in imports, "framework.py imports the package (a circle)"
    assert not imports & DYNAMIC, f"framework.py loads modules dynamically: {imports & DYNAMIC}"


@pytest.mark.parametrize("source", [
    "from labcode.authoring.robustness import lab03",
    "from labcode.authoring.robustness.lab03 import run",
    "import labcode.authoring.robustness.lab03",
    "from . import lab03",
    "from .lab03 import run",
    "def f():\n    from labcode.authoring.robustness import lab03\n",
])
def test_the_import_check_finds_a_lab_import_in_any_form(source):
    assert lab_imports(imported_modules(source)) != []


def test_the_import_check_finds_the_packages_own_lab_imports():
    assert lab_imports(module_imports("__init__.py")) == [
        f"{PACKAGE_NAME}.lab{n}" for n in COURSE_LABS]


def test_the_package_lists_its_labs_instead_of_finding_them():
    imports = module_imports("__init__.py")
    assert not imports & DYNAMIC, f"__init__.py loads modules dynamically: {imports & DYNAMIC}"


@pytest.mark.parametrize("name", COURSE_LABS)
def test_a_lab_module_imports_the_framework_and_no_other_lab(name):
    imports = module_imports(f"lab{name}.py")
    assert f"{PACKAGE_NAME}.framework" in imports
    assert PACKAGE_NAME not in imports, f"lab{name}.py imports the package (a circle)"
    assert not lab_imports(imports), f"lab{name}.py imports {lab_imports(imports)}"


@pytest.mark.parametrize(("n", "k"), [(1, 1), (3, 3), (4, 4), (5, 4), (10, 8)])
def test_needed_is_four_fifths_rounded_up(n, k):
    assert robustness.needed(n) == k


@pytest.mark.parametrize(("x", "shown"), [
    (None, "-"), (math.nan, "-"), (math.inf, "inf"), (901.0, "901"), (1.0, "1"), (0, "0"),
    (0.9995, "0.9995"), (4.76837158203125e-07, "4.768e-07"), (200_000, "200000"),
    (30.480577, "30.48")])
def test_fmt(x, shown):
    assert robustness.fmt(x) == shown


def test_all_claims_hold_exit_0_and_the_table(registry, capsys):
    register_fake(registry)
    assert robustness.main(None, [0, 1, 2, 3, 4]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("lab  "))
    assert lines[head].split() == ["lab", "claim", "holds", "median", "range"]
    assert set(lines[head + 1]) == {"-"}
    rows = lines[head + 2:head + 5]
    assert rows[0].split()[:3] == ["99", "claim", "A"]
    assert rows[0].split()[-3:] == ["5/5", "2", "0..4"]
    assert rows[1].split()[-3:] == ["5/5", "1", "0..2"]
    assert rows[2].split()[-3:] == ["5/5", "-", "-"]
    assert len({len(r) for r in rows[:2]}) == 1  # right-aligned columns end together
    assert "every claim holds on at least 4 of 5 seeds" in out
    assert "lab 99" in out and "wall time" in out


def test_one_failure_in_five_is_still_robust(registry, capsys):
    register_fake(registry, fails_on={3})
    assert robustness.main(None, [0, 1, 2, 3, 4]) == 0
    out = capsys.readouterr().out
    assert "4/5" in out and "hold on fewer than" not in out
    table, shaky = out.split("1 more claim(s) fail on some seed")
    assert "lab 99  claim B" in shaky and "seed 3: 1.5 FAILS (detail 3)" in shaky


def test_two_failures_in_five_exit_1_and_list_the_weak_claim(registry, capsys):
    register_fake(registry, fails_on={1, 3})
    assert robustness.main(None, [0, 1, 2, 3, 4]) == 1
    out = capsys.readouterr().out
    table, weak = out.split("claim(s) hold on fewer than")
    assert "3/5" in table
    assert "claim B" in weak and "claim A" not in weak
    assert "seed 1: 0.5 FAILS (detail 1)" in weak and "seed 0: 0 ok (detail 0)" in weak


def test_seeds_argument(registry, capsys):
    register_fake(registry, fails_on={7})
    assert robustness.main(None, [2, 7]) == 1  # 1 of 2 < needed(2) = 2
    assert registry == [("99", 2), ("99", 7)]
    assert "1/2" in capsys.readouterr().out


def test_labs_argument_selects_labs_in_order(registry, capsys):
    register_fake(registry, name="98")
    register_fake(registry, name="97")
    assert robustness.main(["98"], [0]) == 0
    assert registry == [("98", 0)]
    registry.clear()
    assert robustness.main(None, [0]) == 0
    assert registry == [("97", 0), ("98", 0)]  # all registered labs, sorted


def test_unknown_lab_exits_2(registry, capsys):
    register_fake(registry)
    assert robustness.main(["42"], [0]) == 2
    assert "no such lab: 42" in capsys.readouterr().out
    assert registry == []


def test_a_failing_experiment_counts_against_its_claims(registry, capsys):
    register_fake(registry, raises_on={1, 2})
    assert robustness.main(None, [0, 1, 2, 3, 4]) == 1
    assert registry == [("99", s) for s in range(5)]  # the other seeds still run
    out = capsys.readouterr().out
    assert "seed 1 FAILED" in out
    table, weak = out.split("claim(s) hold on fewer than")
    assert "experiment runs without error" in weak and "RuntimeError: boom" in weak
    assert table.count("3/5") == 4  # claims A, B, C and the error row


def test_command_line(registry, capsys):
    register_fake(registry, fails_on={1})
    assert cli(["robustness", "--labs", "99", "--seeds", "0", "2"]) == 0
    assert registry == [("99", 0), ("99", 2)]
    registry.clear()
    assert cli(["robustness", "--labs", "99"]) == 0  # default seeds 0..4, one failure
    assert registry == [("99", s) for s in range(5)]
