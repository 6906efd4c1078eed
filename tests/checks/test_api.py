"""The public check-writing API (``labcode.checks.api``): its documented example works as
documented, and the former private names still point at the same objects."""

from __future__ import annotations

import textwrap

import pytest

from labcode import checks
from labcode.checks import _common, api
from tests.conftest import ROOT, assert_hint, assert_not_implemented, verdict


def documented_example() -> dict:
    """The example of api's docstring, executed: its namespace (``check_double``)."""
    doc = api.__doc__
    code = doc.split("hint. :func:`run_check` runs the body and prints the verdict::\n")[1]
    code = textwrap.dedent(code.split("\nA notebook then calls")[0])
    namespace: dict = {}
    exec(compile(code, "<labcode.checks.api docstring>", "exec"), namespace)
    return namespace


def test_the_documented_example_gives_the_documented_verdicts(capsys):
    check_double = documented_example()["check_double"]
    out = verdict(check_double, lambda x: 2 * x, capsys)
    assert out == "✓ double: all 9 checks passed.\n"
    out = verdict(check_double, lambda x: x + x if x else 1, capsys)
    assert_hint(out, "double", "double(0) should be 0, got 1.")
    assert out.startswith("✗ double: 1 check passed, then one failed.\n   Hint: "), out
    out = verdict(check_double, lambda x: float(2 * x), capsys)
    assert_hint(out, "double", "should stay an int")

    def stub(x):
        raise NotImplementedError("Exercise 12.1: implement double")

    assert_not_implemented(verdict(check_double, stub, capsys), "double")
    out = verdict(check_double, lambda x: x.double(), capsys)
    assert out.startswith("✗ double raised AttributeError: "), out
    out = verdict(check_double, 2, capsys)
    assert out.startswith("✗ double: expected your function itself"), out


def test_a_helper_stops_a_check_with_check_failed(capsys):
    def body(c: api.Checker) -> None:
        c.expect(True, "")
        raise api.CheckFailed("say what to change")

    api.run_check("f", len, body)
    assert capsys.readouterr().out == ("✗ f: 1 check passed, then one failed.\n"
                                       "   Hint: say what to change\n")


def test_the_public_names_are_exported_and_the_private_ones_kept():
    assert checks.Checker is api.Checker and checks.run_check is api.run_check
    assert checks.CheckFailed is api.CheckFailed and checks.PASSED == api.PASSED == "✓"
    assert set(api.__all__) <= set(dir(api))
    assert not any(name.startswith("check_") for name in api.__all__)  # not taken for a check
    for private, public in [("_Checker", "Checker"), ("_Fail", "CheckFailed"),
                            ("_run", "run_check"), ("_verdict", "verdict_of"),
                            ("_construct", "construct"),
                            ("_tensor_output_hint", "tensor_output_hint")]:
        assert getattr(_common, private) is getattr(api, public)


def raise_(error):
    def fn(*args):
        raise error

    return fn


@pytest.mark.parametrize("fn, value_error, clear_error", [
    (raise_(ValueError("x")), True, True),
    (raise_(TypeError("x")), False, True),
    (raise_(IndexError("x")), False, False),
    (lambda *args: None, False, False),
])
def test_the_raises_predicates(fn, value_error, clear_error):
    assert api.raises_value_error(fn, 1) is value_error
    assert api.raises_clear_error(fn, 1) is clear_error


def test_the_example_of_the_instructors_guide_works_as_it_says(capsys):
    """book/instructors.md, "Writing a self-check": its check, and the verdicts it names."""
    guide = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
    section = guide.split("### Writing a self-check\n", 1)[1]
    code = section.split("```python\n", 1)[1].split("```\n", 1)[0]
    namespace: dict = {}
    exec(compile(code, "<book/instructors.md>", "exec"), namespace)
    check_sum_pool = namespace["check_sum_pool"]
    out = verdict(check_sum_pool, lambda X: X.sum(dim=1), capsys)
    assert out == "✓ sum_pool: all 3 checks passed.\n" and out.strip() in " ".join(section.split())
    out = verdict(check_sum_pool, lambda X: X.sum(dim=1) + 1, capsys)
    assert out.startswith("✗ sum_pool: 2 checks passed, then one failed.\n   Hint: a set of one")
    assert "✗ sum_pool: 2 checks passed, then one failed." in " ".join(section.split())
    out = verdict(check_sum_pool, lambda X: X.sum(dim=1, keepdim=True), capsys)
    assert out.startswith("✗ sum_pool: 0 checks passed, then one failed.\n   Hint: sum_pool(X)")
