"""Solution -> student stripping: markers, directives, idempotency, errors, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

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


def _run_setup(source, labcode_present, pip_returncode):
    """Execute a setup cell with importlib and subprocess faked: what pip was asked, printed."""
    calls, printed = [], []

    def run(args, **kwargs):
        calls.append(args)
        return subprocess.CompletedProcess(args, pip_returncode, b"", b"ERROR: no network")

    spec = type("U", (), {"find_spec": staticmethod(lambda name: labcode_present or None)})
    code = source.replace("import importlib.util\n", "").replace("import subprocess\n", "")
    exec(code, {"__builtins__": __builtins__, "importlib": type("I", (), {"util": spec}),
                "subprocess": type("S", (), {"run": staticmethod(run)}),
                "print": lambda *a, **k: printed.append(" ".join(map(str, a)))})
    return calls, printed


def test_the_setup_cell_installs_labcode_from_the_repository_only_where_it_is_missing(tmp_path):
    nb = notebook(("code", "import labcode"))
    assert [c.cell_type for c in strip_notebook(nb, "lab.ipynb").cells] == ["markdown", "code"]
    out = strip_notebook(nb, "lab.ipynb", "https://github.com/org/course@main")
    setup = out.cells[1]
    assert setup.metadata["tags"] == ["student-setup"] and out.cells[2].source == "import labcode"
    assert '"git+https://github.com/org/course@main"' in setup.source
    # where labcode is importable the cell does nothing; where it is not it runs pip, quietly
    assert _run_setup(setup.source, True, 0) == ([], [])
    calls, printed = _run_setup(setup.source, False, 0)
    assert len(calls) == 1 and calls[0][-1] == "labcode @ git+https://github.com/org/course@main"
    assert printed == []


def test_the_setup_cell_offline_prints_one_friendly_line():
    source = strip_notebook(notebook(), "lab.ipynb", "https://github.com/org/course@main"
                            ).cells[1].source
    calls, printed = _run_setup(source, False, 1)
    assert len(calls) == 1 and len(printed) == 1
    line = printed[0]
    assert "\n" not in line and "make lab" in line
    assert "pip install 'labcode @ git+https://github.com/org/course@main'" in line


def test_the_setup_cell_offline_for_real(tmp_path):
    """A Python without site-packages (no labcode) runs the cell; pip fails (a repository that
    does not exist, nothing leaves the machine): one line, no CalledProcessError, exit 0."""
    missing = (tmp_path / "no-such-repo").as_uri()
    source = strip_notebook(notebook(), "lab.ipynb", missing).cells[1].source
    run = subprocess.run([sys.executable, "-I", "-S", "-c", source], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "" and "Traceback" not in run.stdout
    lines = run.stdout.splitlines()
    assert len(lines) == 1 and "make lab" in lines[0], run.stdout


@pytest.mark.parametrize("repository", ["https://github.com/learning-on-sets/learning-on-sets@main",
                                        "https://github.com/" + "a-long-name" * 12 + "/x@dev"])
def test_the_setup_cell_fits_in_79_columns(repository):
    source = strip_notebook(notebook(), "lab.ipynb", repository).cells[1].source
    assert max(map(len, source.split("\n"))) <= 79
    namespace = {}
    exec(source.split("if importlib")[1].split("\n", 1)[1].split("    pip =")[0]
         .replace("\n    ", "\n").strip(), namespace)
    assert namespace["url"] == f"git+{repository}"


def test_repository_is_read_from_the_book_config(tmp_path):
    from labcode.authoring.strip import repository_of

    config = tmp_path / "_config.yml"
    assert repository_of(config) is None
    config.write_text("title: x\nrepository:\n  url: https://github.com/o/r/\n  branch: dev\n")
    assert repository_of(config) == "https://github.com/o/r@dev"
    config.write_text("title: x\n")
    assert repository_of(config) is None


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
