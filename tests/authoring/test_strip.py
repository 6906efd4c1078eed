"""Solution -> student stripping: markers, directives, idempotency, errors, CLI."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
from types import SimpleNamespace

import nbformat
import pytest

from labcode import __version__
from labcode.authoring.strip import ANSWER, StripError, strip_code, strip_notebook, to_text
from tests.conftest import notebook

ROOT_CMD = [sys.executable, "-m", "labcode.authoring", "strip"]



def body(nb):
    """The cells after the generated header, as (type, source) pairs."""
    return [(c.cell_type, c.source) for c in nb.cells[1:]]


def test_stub_keeps_signature_docstring_and_indentation():
    src = ('def f(x):\n    """Doc."""\n    y = 1\n    # BEGIN SOLUTION\n    return x + y\n'
           '    # END SOLUTION\n')
    assert strip_code(src, exercise="Exercise 2") == (
        'def f(x):\n    """Doc."""\n    y = 1\n    # YOUR CODE HERE\n'
        '    raise NotImplementedError("Exercise 2: implement f")\n')


def test_partial_cells_and_several_regions():
    src = ("a = 1\n# BEGIN SOLUTION\nb = 2\n# END SOLUTION\nprint(a)\n"
           "class K:\n    def m(self):\n        # BEGIN SOLUTION\n        return 3\n"
           "        # END SOLUTION\n")
    out = strip_code(src)
    assert "b = 2" not in out and "return 3" not in out
    assert out.startswith('a = 1\n# YOUR CODE HERE\n'
                          'raise NotImplementedError("Exercise: write the code of this cell")\n'
                          'print(a)\n')
    assert ('        # YOUR CODE HERE\n'
            '        raise NotImplementedError("Exercise: implement K.m")') in out


def test_the_stub_names_the_innermost_function_and_its_class():
    src = ("class Model:\n    def __init__(self):\n        self.a = 1\n\n"
           "    def forward(self, x):\n        def inner(y):\n            return y\n\n"
           "        # BEGIN SOLUTION\n        return inner(x)\n        # END SOLUTION\n")
    assert 'NotImplementedError("Exercise: implement Model.forward")' in strip_code(src)


@pytest.mark.parametrize(
    "src, message",
    [
        ("# BEGIN SOLUTION\nx = 1\n", "BEGIN SOLUTION without END SOLUTION"),
        ("x = 1\n# END SOLUTION\n", "END SOLUTION without BEGIN SOLUTION"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", "inside another one"),
    ],
)
def test_unbalanced_code_markers(src, message):
    with pytest.raises(StripError, match=message):
        strip_code(src, "lab.ipynb, cell 3")


def test_outputs_counts_and_widget_state_are_cleared():
    nb = notebook(("code", "print(1)"))
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[0].execution_count = 4
    nb.cells[0].metadata = {"tags": ["nbval-check-output"], "execution": {"x": 1}}
    out = strip_notebook(nb, "lab.ipynb")
    cell = out.cells[1]
    assert cell.outputs == [] and cell.execution_count is None
    assert cell.metadata == {"tags": ["nbval-check-output"]}
    assert "widgets" not in out.metadata and "kernelspec" in out.metadata


def test_exercise_and_solution_directives_become_plain_markdown():
    nb = notebook(
        ("markdown", "```{exercise} Add up\n:label: ex-add\n\nWrite `add`.\n```"),
        ("markdown", "```{solution-start} ex-add\n:class: dropdown\n```\nWhy it works."),
        ("code", "def add(a, b):\n    # BEGIN SOLUTION\n    return a + b\n    # END SOLUTION"),
        ("markdown", "```{solution-end}\n```\nAfter the solution."),
        ("markdown", "```{admonition} Note\nA $x^2$ note, see {cite:p}`zaheer2017deepsets`.\n```"),
    )
    cells = body(strip_notebook(nb, "lab.ipynb"))
    assert cells[0] == ("markdown", "**Exercise 1.** Add up\n\nWrite `add`.")
    stub = ('def add(a, b):\n    # YOUR CODE HERE\n'
            '    raise NotImplementedError("Exercise 1: implement add")')
    assert cells[1] == ("code", stub)
    assert cells[2] == ("markdown", "After the solution.")  # solution prose dropped
    assert cells[3] == ("markdown", "> **Note**\n>\n> A $x^2$ note, see (Zaheer et al., 2017).")
    assert cells[4][1].startswith("## References\n\n- **Zaheer et al. (2017).** Manzil Zaheer")
    assert not any("{" in s for kind, s in cells if kind == "markdown")


def test_prose_only_solution_becomes_an_answer_placeholder():
    nb = notebook(
        ("markdown", "```{exercise}\n:label: q1\nWhy?\n```\n\n```{solution-start} q1\n"
                     ":class: dropdown\n```\nBecause 3 x 1/3 = 5 x 1/5.\n```{solution-end}\n```"),
        ("markdown", "Text.\n<!-- BEGIN SOLUTION -->\nSecret answer.\n<!-- END SOLUTION -->"),
    )
    cells = body(strip_notebook(nb, "lab.ipynb"))
    assert cells[0] == ("markdown", f"**Exercise 1.**\n\nWhy?\n\n{ANSWER}")
    assert cells[1] == ("markdown", f"Text.\n{ANSWER}")
    assert "Because" not in str(cells) and "Secret" not in str(cells)


def test_gated_exercise_keeps_its_code_cells():
    nb = notebook(
        ("markdown", "```{exercise-start} Scaffold\n:label: ex-s\n```\nUse this:"),
        ("code", "helper = 1"),
        ("markdown", "```{exercise-end}\n```"),
    )
    assert body(strip_notebook(nb, "lab.ipynb")) == [
        ("markdown", "**Exercise 1.** Scaffold\n\nUse this:"), ("code", "helper = 1")]


@pytest.mark.parametrize(
    "cells, message",
    [
        ([("markdown", "```{solution-start} x\n```")], "cell 0: {solution-start} is never closed"),
        ([("markdown", "```{solution-end}\n```")], "cell 0: {solution-end} without"),
        ([("markdown", "```{solution-start} x\n```"), ("code", "answer = 42"),
          ("markdown", "```{solution-end}\n```")], "cell 1: a code cell inside a solution"),
        ([("code", "ok = 1"), ("code", "# BEGIN SOLUTION\nx = 1")],
         "cell 1: BEGIN SOLUTION without END"),
        ([("markdown", "<!-- END SOLUTION -->")], "cell 0, line 1: END SOLUTION without"),
        ([("markdown", "```{note}\nnever closed")], "cell 0: directive {note} is not closed"),
    ],
)
def test_errors_name_the_file_and_the_cell(cells, message):
    with pytest.raises(StripError, match="lab.ipynb") as err:
        strip_notebook(notebook(*cells), "lab.ipynb")
    assert message in str(err.value)


def test_strip_is_idempotent_and_deterministic():
    nb = notebook(
        ("markdown", "```{exercise}\n:label: e\nDo it.\n```"),
        ("markdown", "```{solution-start} e\n:class: dropdown\n```"),
        ("code", "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION"),
        ("markdown", "```{solution-end}\n```"),
    )
    repo = "https://github.com/org/course@main"
    once = strip_notebook(nb, "lab.ipynb", repo)
    twice = strip_notebook(once, "lab.ipynb", repo)
    assert to_text(once) == to_text(twice) == to_text(strip_notebook(nb, "lab.ipynb", repo))
    assert to_text(once).endswith("}\n")


def test_cli_reports_unbalanced_marker_and_writes_nothing(tmp_path):
    src, dst = tmp_path / "solutions", tmp_path / "notebooks"
    src.mkdir()
    nbformat.write(notebook(("code", "x = 1")), src / "01_good.ipynb")
    nbformat.write(notebook(("code", "ok = 1"), ("code", "# BEGIN SOLUTION\nx = 1")),
                   src / "02_bad.ipynb")
    run = subprocess.run([*ROOT_CMD, "--src", str(src), "--dst", str(dst)],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "02_bad.ipynb, cell 1" in run.stderr and "nothing written" in run.stderr
    assert not dst.exists()


def test_cli_writes_then_check_passes_then_detects_drift(tmp_path):
    src, dst = tmp_path / "solutions", tmp_path / "notebooks"
    src.mkdir()
    nbformat.write(notebook(("code", "# BEGIN SOLUTION\nx = 1\n# END SOLUTION")),
                   src / "01_a.ipynb")
    args = ["--src", str(src), "--dst", str(dst)]
    assert subprocess.run([*ROOT_CMD, *args], capture_output=True).returncode == 0
    student = json.loads((dst / "01_a.ipynb").read_text())
    assert "x = 1" not in json.dumps(student)
    check = subprocess.run([*ROOT_CMD, "--check", *args], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    (dst / "01_a.ipynb").write_text((dst / "01_a.ipynb").read_text().replace("YOUR", "MY"))
    (dst / "99_orphan.ipynb").write_text("{}")
    check = subprocess.run([*ROOT_CMD, "--check", *args], capture_output=True, text=True)
    assert check.returncode == 1
    assert "out of sync" in check.stdout and "99_orphan.ipynb" in check.stdout


def _run_setup(source, installed, pip_returncode=0, imported=False):
    """Execute a setup cell with importlib.metadata, subprocess and sys faked (``installed``: the
    labcode version installed, or None): what pip was asked, what was printed."""
    calls, printed = [], []

    def run(args, **kwargs):
        calls.append(args)
        return subprocess.CompletedProcess(args, pip_returncode, "", "ERROR: no network")

    def version(name):
        if installed is None:
            raise importlib.metadata.PackageNotFoundError(name)
        return installed

    metadata = SimpleNamespace(version=version,
                               PackageNotFoundError=importlib.metadata.PackageNotFoundError)
    code = "\n".join(ln for ln in source.split("\n") if not ln.startswith("import "))
    exec(code, {"__builtins__": __builtins__, "re": re,
                "importlib": SimpleNamespace(metadata=metadata),
                "subprocess": SimpleNamespace(run=run),
                "sys": SimpleNamespace(executable="python",
                                       modules={"labcode": None} if imported else {}),
                "print": lambda *a, **k: printed.append(" ".join(map(str, a)))})
    return calls, printed


REPO = "https://github.com/org/course"
RELEASE = f"labcode @ git+{REPO}@v{__version__}"


def setup_source(repository=REPO, version=__version__):
    return strip_notebook(notebook(), "lab.ipynb", repository, version=version).cells[1].source


def test_the_setup_cell_installs_the_release_the_notebook_was_generated_with():
    nb = notebook(("code", "import labcode"))
    assert [c.cell_type for c in strip_notebook(nb, "lab.ipynb").cells] == ["markdown", "code"]
    out = strip_notebook(nb, "lab.ipynb", REPO)
    setup = out.cells[1]
    assert setup.metadata["tags"] == ["student-setup"] and out.cells[2].source == "import labcode"
    assert f'"git+{REPO}@v{__version__}"' in setup.source and "@main" not in setup.source
    calls, printed = _run_setup(setup.source, None)  # missing: install, quietly
    assert [c[-1] for c in calls] == [RELEASE] and printed == []


@pytest.mark.parametrize("installed", [__version__, "0.99.0", f"{__version__}.post1"])
def test_the_setup_cell_does_nothing_where_labcode_is_recent_enough(installed):
    assert _run_setup(setup_source(), installed) == ([], [])


def test_the_setup_cell_upgrades_an_older_labcode_and_says_so_in_one_line():
    calls, printed = _run_setup(setup_source(version="0.2.0"), "0.1.9")
    assert [c[-1] for c in calls] == [f"labcode @ git+{REPO}@v0.2.0"]
    assert printed == ["labcode 0.1.9 is older than the 0.2.0 this notebook needs: installing it."]
    calls, printed = _run_setup(setup_source(version="0.10.0"), "0.9.3")  # not a string order
    assert len(calls) == 1 and len(printed) == 1


def test_the_setup_cell_says_to_restart_where_an_older_labcode_was_imported():
    calls, printed = _run_setup(setup_source(version="0.2.0"), "0.1.0", imported=True)
    assert len(calls) == 1 and len(printed) == 2
    assert "restart the runtime" in printed[1] and "\n" not in printed[1]


def test_the_setup_cell_shows_pips_error_then_one_friendly_line():
    calls, printed = _run_setup(setup_source(), None, pip_returncode=1)
    assert len(calls) == 1 and printed[0] == "ERROR: no network" and len(printed) == 2
    line = printed[1]
    assert "\n" not in line and "make lab" in line
    assert f"pip install '{RELEASE}'" in line


def test_the_setup_cell_offline_for_real(tmp_path):
    """A Python without site-packages (no labcode) runs the cell; pip fails (a repository that
    does not exist, nothing leaves the machine): pip's error, then one line; exit 0."""
    missing = (tmp_path / "no-such-repo").as_uri()
    run = subprocess.run([sys.executable, "-I", "-S", "-c", setup_source(missing)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "" and "Traceback" not in run.stdout
    *error, line = run.stdout.strip().splitlines()
    assert "ERROR" in "\n".join(error), run.stdout
    assert line.startswith("Could not install labcode") and "make lab" in line, run.stdout


@pytest.mark.parametrize("repository", ["https://github.com/an-org/a-course-on-sets",
                                        "https://github.com/" + "a-long-name" * 12 + "/x"])
def test_the_setup_cell_fits_in_79_columns(repository):
    source = setup_source(repository)
    assert max(map(len, source.split("\n"))) <= 79
    namespace = {}
    exec(source.split("import sys\n")[1].split("try:")[0], namespace)
    assert namespace["url"] == f"git+{repository}@v{__version__}"


def test_repository_and_title_are_read_from_the_book_config(tmp_path):
    from labcode.authoring.strip import repository_of, title_of

    config = tmp_path / "_config.yml"
    assert repository_of(config) is None and title_of(config) is None
    config.write_text("title: A course\nrepository:\n  url: https://github.com/o/r/\n"
                      "  branch: dev\n")
    assert repository_of(config) == "https://github.com/o/r"
    assert title_of(config) == "A course"
    config.write_text("title: x\n")
    assert repository_of(config) is None


def test_the_header_names_the_course_and_its_licences():
    header = strip_notebook(notebook(), "lab.ipynb", REPO, title="A course").cells[0].source
    assert f"[A course]({REPO})" in header
    assert "CC BY 4.0" in header and "MIT license" in header


def test_guard_cells_are_left_out_of_the_student_notebook():
    from labcode.authoring.strip import GUARD_TAG, StripError

    nb = nbformat.v4.new_notebook()
    shown = nbformat.v4.new_code_cell("x = 1")
    guard = nbformat.v4.new_code_cell("assert x == 1  # hidden guard")
    guard.metadata["tags"] = [GUARD_TAG]
    nb.cells = [shown, guard]
    student = strip_notebook(nb, "guards")
    sources = [c.source for c in student.cells]
    assert "x = 1" in sources and not any("hidden guard" in s for s in sources)
    guard.source = "# BEGIN SOLUTION\nassert x\n# END SOLUTION"
    with pytest.raises(StripError, match=GUARD_TAG):
        strip_notebook(nb, "guards")


# ------------------------------------------------------- check, then transform in order

ORDER = ["drop_site_only", "drop_guards", "clear_outputs", "stub_solutions", "render_markdown",
         "add_header", "add_references"]


def test_the_processors_are_small_functions_run_in_the_documented_order():
    import inspect

    from labcode.authoring import strip

    assert [p.__name__ for p in strip.PROCESSORS] == ORDER
    documented = [strip.__doc__.index(f":func:`{name}`") for name in ORDER]
    assert documented == sorted(documented), "the module docstring lists them in order"
    for processor in strip.PROCESSORS:
        assert inspect.isfunction(processor) and processor.__doc__, processor.__name__
        assert list(inspect.signature(processor).parameters) == ["cells", "context"]
        assert len(inspect.getsource(processor).splitlines()) <= 20, processor.__name__


def test_an_unbalanced_marker_is_found_before_any_cell_is_transformed(monkeypatch):
    from labcode.authoring import strip

    stubbed, ran = [], []

    def spy_strip_code(source, *args, **kwargs):
        stubbed.append(source)
        return real_strip_code(source, *args, **kwargs)

    def spied(processor):
        def run(cells, context):
            ran.append(processor.__name__)
            return processor(cells, context)
        return run

    real_strip_code = strip.strip_code
    monkeypatch.setattr(strip, "strip_code", spy_strip_code)
    monkeypatch.setattr(strip, "PROCESSORS", tuple(map(spied, strip.PROCESSORS)))
    solved = "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION"
    nb = notebook(("code", solved), ("code", "# BEGIN SOLUTION\nx = 1"))
    with pytest.raises(StripError, match=r"^lab\.ipynb, cell 1: BEGIN SOLUTION without END"):
        strip_notebook(nb, "lab.ipynb")
    assert stubbed == [] and ran == [], "the first cell was stubbed before the error"
    assert nb.cells[0].source == solved
    nb.cells[1].source += "\n# END SOLUTION"  # balanced: every processor runs, cells stubbed
    strip_notebook(nb, "lab.ipynb")
    assert ran == ORDER and stubbed == [solved, nb.cells[1].source]


def test_the_structure_pass_numbers_the_exercises_the_stubs_name():
    from labcode.authoring.strip import check_structure

    nb = notebook(("code", "x = 1"),
                  ("markdown", "```{exercise-start}\n:label: ex-a\n```"),
                  ("code", "# BEGIN SOLUTION\ny = 2\n# END SOLUTION"),
                  ("markdown", "```{exercise-end}\n```\n\nAfter the exercise."))
    structure = check_structure(nb, "solutions/03_x.ipynb")
    assert structure.labels == {0: "Exercise", 2: "Exercise 3.1"}
    assert structure.parts[3] == ["\nAfter the exercise."]  # the {exercise-end} left out
