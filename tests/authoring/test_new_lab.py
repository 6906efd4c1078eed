"""``python -m labcode.authoring new-lab NN slug``: the lab it creates passes the repository's own
tests unchanged, and it refuses, writing nothing, a number or a slug that is taken or malformed.

The lab is created in a copy of the working tree (``tmp_path``), never in the repository: the
copy runs ``new-lab`` for the next free number with the slug ``demo_lab``, then, there, ruff on
the new files, nbval on the new notebook, the new self-check's tests, and every test that
enumerates the labs (a test module per lab, checks tested with wrong answers, kept outputs and 3
checked cells, the student notebook in sync, grading metadata, reseeding, student runs...).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labcode.authoring import new_lab
from tests.conftest import ROOT, SOLUTIONS

SLUG = "demo_lab"
NUMBER = f"{max(int(p.name[:2]) for p in SOLUTIONS.glob('[0-9][0-9]_*.ipynb')) + 1:02d}"
NAME = f"{NUMBER}_{SLUG}"
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "_build", "node_modules", "__pycache__",
                                    ".ruff_cache", ".pytest_cache", "*.egg-info",
                                    ".ipynb_checkpoints")
#: The files new-lab edits, and how many lines it adds to each.
REGISTRIES = {"_toc.yml": 1, "labcode/checks/__init__.py": 2, "labcode/__init__.py": 1,
              "book/intro.md": 1, "labcode/authoring/robustness/__init__.py": 2}


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """``python args...`` in ``cwd``, importing ``cwd``'s labcode and tests (not the
    repository's), on the CPU's plain kernels as ``make nbval`` runs."""
    environ = {**os.environ, "PYTHONPATH": str(cwd), "CUDA_VISIBLE_DEVICES": "",
               "ATEN_CPU_CAPABILITY": "default", **env}
    environ.pop("NBGRADER_EXECUTION", None)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=environ, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the working tree in which ``new-lab NUMBER demo_lab`` has run."""
    copy = tmp_path_factory.mktemp("new_lab") / "repo"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    created = run(["-m", "labcode.authoring", "new-lab", NUMBER, SLUG], copy)
    assert created.returncode == 0, created.stdout + created.stderr
    return copy, created


def test_new_lab_writes_the_files_registers_them_and_says_what_to_fill_in(repo):
    copy, created = repo
    lab = new_lab.Lab(NUMBER, SLUG, "Demo lab")
    for role, path in lab.paths(copy).items():
        assert path.is_file(), role
        assert f"wrote: {path.relative_to(copy).as_posix()}" in created.stdout, role
    for registry, n_lines in REGISTRIES.items():
        before = (ROOT / registry).read_text(encoding="utf-8").split("\n")
        after = (copy / registry).read_text(encoding="utf-8").split("\n")
        added = [line for line in after if line not in before]
        assert len(after) == len(before) + n_lines and len(added) == n_lines, (registry, added)
        assert all(re.search(rf"{NUMBER}|{SLUG}|check_sum_pool", line) for line in added), added
    assert f"      - file: solutions/{NAME}" in (copy / "_toc.yml").read_text(encoding="utf-8")
    topic = (copy / "labcode" / f"{SLUG}.py").read_text(encoding="utf-8")
    assert f", Lab {NUMBER}" in topic.split("\n")[0] and f"Defined in Lab {NUMBER}." in topic
    assert "Fill in:" in created.stdout and "make test" in created.stdout


def test_ruff_passes_on_the_new_files(repo):
    copy, _ = repo
    new = [str(p.relative_to(copy)) for p in new_lab.Lab(NUMBER, SLUG, "").paths(copy).values()
           if p.parent.name != "notebooks"] + [r for r in REGISTRIES if r.endswith(".py")]
    ruff = Path(sys.executable).with_name("ruff")
    checked = subprocess.run([str(ruff), "check", *new], cwd=copy, capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_student_notebook_grading_metadata_and_robustness_over_five_seeds(repo):
    copy, _ = repo
    for command in (["strip", "--check", f"{NAME}.ipynb"],
                    ["nbgrader-metadata", "--check", f"{NAME}.ipynb"],
                    ["robustness", "--labs", NUMBER]):
        checked = run(["-m", "labcode.authoring", *command], copy)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "every claim holds on at least 4 of 5 seeds" in checked.stdout, checked.stdout


# The repository's tests that enumerate the labs, with the new lab's cases among them (those
# of the other labs are the repository's own business), the new notebook's cells by nbval, and
# the new self-check's and topic module's tests.
TESTS = [
    f"solutions/{NAME}.ipynb",
    f"tests/checks/test_lab{NUMBER}.py",
    f"tests/unit/test_{SLUG}.py",
    "tests/checks/test_every_check.py",
    "tests/unit/test_plots.py::test_every_public_figure_function_is_tested",
    "tests/authoring/test_robustness.py",
    "tests/notebooks/test_notebooks.py::test_there_are_solution_notebooks",
] + [f"{module}::{test}[{case}]" for module, tests, case in [
    ("tests/notebooks/test_notebooks.py",
     ["test_no_solution_line_leaks_into_the_student_notebook",
      "test_solution_outputs_are_kept_and_clean", "test_first_code_cell_seeds",
      "test_student_notebook_has_stubs_and_no_outputs"], f"{NAME}.ipynb"),
    ("tests/notebooks/test_reseeding.py", ["test_experiments_after_an_exercise_seed_themselves"],
     NAME),
    ("tests/notebooks/test_student_experience.py",
     ["test_fill_stubs_gives_back_the_solution_code",
      "test_an_unsolved_notebook_stops_at_its_first_exercise",
      "test_no_cell_depends_on_a_guard_cell",
      "test_with_the_solutions_injected_every_self_check_passes"], f"{NAME}.ipynb"),
    ("tests/grading/test_metadata.py",
     ["test_every_code_exercise_is_a_solution_cell_followed_by_a_test_cell",
      "test_grading_source_puts_the_answers_back_into_the_student_notebook",
      "test_the_student_notebook_ignores_the_grader_metadata"], f"{NAME}.ipynb"),
    ("tests/authoring/test_student_text.py",
     ["test_student_notebooks_carry_no_website_text",
      "test_student_notebooks_list_the_works_they_cite",
      "test_student_exercises_are_numbered_n_1_n_2"], f"{NAME}.ipynb"),
    ("tests/authoring/test_fork.py",
     ["test_a_forked_student_notebook_installs_from_the_fork",
      "test_the_student_notebooks_use_the_config_and_this_release"], f"{NAME}.ipynb"),
] for test in tests]


def test_the_new_lab_passes_the_repository_tests_and_nbval(repo):
    copy, _ = repo
    result = run(["-m", "pytest", "-p", "no:randomly", "-q", "-rfEs", "--nbval-lax",
                  "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
                  *TESTS], copy, LABCODE_FULL_STUDENT_RUN="1")
    summary = result.stdout.strip().split("\n")[-1]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in summary and not re.search(r"skipped|deselected|error", summary), summary
    assert int(summary.split(" passed")[0].split()[-1]) >= len(TESTS) + 10, summary


# --------------------------------------------------------------------------- refusals


def test_the_created_lab_is_taken_afterwards(repo):
    copy, _ = repo
    with pytest.raises(new_lab.NewLabError, match=rf"lab {NUMBER}: solutions/{NAME}.ipynb"):
        new_lab.validate(copy, NUMBER, "another_lab", None, "another_exercise")
    with pytest.raises(new_lab.NewLabError, match=rf"slug '{SLUG}': labcode/{SLUG}.py exists"):
        new_lab.validate(copy, "98", SLUG, None, "another_exercise")
    with pytest.raises(new_lab.NewLabError, match="checks.check_sum_pool exists"):
        new_lab.validate(copy, "98", "another_lab", None)


@pytest.mark.parametrize("number, slug, exercise, message", [
    ("1", SLUG, "f", "two digits"),
    ("123", SLUG, "f", "two digits"),
    ("ab", SLUG, "f", "two digits"),
    ("00", SLUG, "f", "two digits"),
    ("98", "Demo", "f", "lowercase Python identifier"),
    ("98", "demo-lab", "f", "lowercase Python identifier"),
    ("98", "2demo", "f", "lowercase Python identifier"),
    ("98", "class", "f", "lowercase Python identifier"),
    ("98", SLUG, "Sum pool", "lowercase Python identifier"),
    ("11", SLUG, "f", "lab 11: solutions/11_"),
    ("98", "encodings", "f", "slug 'encodings': labcode/encodings.py exists"),
    ("98", "checks", "f", "slug 'checks': labcode/checks/ exists"),
    ("98", "what_a_sum_can_encode", "f", "slug 'what_a_sum_can_encode': solutions/11_"),
    ("98", SLUG, "power_sum_encoding", "checks.check_power_sum_encoding exists"),
])
def test_new_lab_refuses_and_writes_nothing(number, slug, exercise, message, capsys,
                                            monkeypatch):
    """Checked on the repository itself: a refusal comes before any write."""
    monkeypatch.chdir(ROOT)
    with pytest.raises(new_lab.NewLabError, match=re.escape(message)):
        new_lab.validate(ROOT, number, slug, None, exercise)
    calls = []
    monkeypatch.setattr(new_lab, "create", lambda *args, **kwargs: calls.append(args))
    assert new_lab.main(number, slug, exercise=exercise) == 2
    assert calls == []
    err = capsys.readouterr().err
    assert err.startswith("new-lab: nothing written.\n") and message in err, err


@pytest.mark.parametrize("title", ["Sets | bags", "The `sum`", "<b>Sets</b>", "  "])
def test_new_lab_refuses_a_title_that_breaks_the_markdown(title):
    with pytest.raises(new_lab.NewLabError, match="title"):
        new_lab.validate(ROOT, "98", SLUG, title)


def test_new_lab_refuses_outside_the_repository_root(tmp_path):
    with pytest.raises(new_lab.NewLabError, match="not the course's repository root"):
        new_lab.validate(tmp_path, "98", SLUG, None)


# --------------------------------------------------------------------------- registries


def test_a_lab_is_registered_in_number_order():
    lab = new_lab.Lab("02", "middle", "Middle", "middle_fn")
    toc = ("  - caption: Labs\n    chapters:\n      - file: solutions/01_a\n"
           "      - file: solutions/03_c\n")
    assert new_lab.register_toc(toc, lab).split("\n")[2:5] == [
        "      - file: solutions/01_a", "      - file: solutions/02_middle",
        "      - file: solutions/03_c"]
    package = ('from labcode.authoring.robustness import (\n    lab01,\n    lab03,\n)\n\n'
               'LABS: dict[str, LabRun] = {\n    "01": lab01.run,\n    "03": lab03.run,\n}\n')
    assert new_lab.register_robustness(package, lab) == (
        'from labcode.authoring.robustness import (\n    lab01,\n    lab02,\n    lab03,\n)\n\n'
        'LABS: dict[str, LabRun] = {\n    "01": lab01.run,\n    "02": lab02.run,\n'
        '    "03": lab03.run,\n}\n')
    checks = ('from labcode.checks.lab01 import check_a\nfrom labcode.checks.lab03 import (\n'
              '    check_c,\n)\n\n__all__ = [\n    "check_a",\n    "check_c",\n]\n')
    assert new_lab.register_check(checks, lab) == (
        'from labcode.checks.lab01 import check_a\n'
        'from labcode.checks.lab02 import check_middle_fn\n'
        'from labcode.checks.lab03 import (\n    check_c,\n)\n\n'
        '__all__ = [\n    "check_a",\n    "check_c",\n    "check_middle_fn",\n]\n')


@pytest.mark.parametrize("register, text", [
    (new_lab.register_toc, "parts: []\n"),
    (new_lab.register_check, "__all__ = []\n"),
    (new_lab.register_robustness, "from labcode.authoring.robustness import lab01\nLABS = {}\n"),
    (new_lab.register_intro, "# Intro\n"),
])
def test_a_registry_in_another_shape_is_refused(register, text):
    with pytest.raises(new_lab.NewLabError):
        register(text, new_lab.Lab("02", "middle", "Middle"))
