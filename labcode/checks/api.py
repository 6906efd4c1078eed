"""How to write a self-check: the public API every ``labcode/checks/labNN.py`` uses.

A self-check calls the student's function on small inputs, tests it against the contract the
exercise states (shapes, dtypes, ranges, invariance...), never against a reference answer, and
prints one verdict. You write the tests as a *body*, a function of a :class:`Checker`; each
``c.expect(condition, hint)`` is one test, and the first that fails stops the check with its
hint. :func:`run_check` runs the body and prints the verdict::

    from collections.abc import Callable

    from labcode.checks.api import Checker, run_check


    def check_double(double: Callable[..., object]) -> None:
        \"\"\"Self-check for Lab 12's ``double(x)``: 2 x for a few numbers, types kept.\"\"\"

        def body(c: Checker) -> None:
            for x in (0, 1, -3, 2.5):
                out = double(x)
                c.expect(out is not None, "double returned None: did you forget the `return`?")
                c.expect(out == 2 * x, f"double({x}) should be {2 * x}, got {out!r}.")
            c.expect(isinstance(double(3), int), "double(3) should stay an int (no float()).")

        run_check("double", double, body)

A notebook then calls ``checks.check_double(double)`` and shows one of:

- ``✓ double: all 9 checks passed.``
- ``✗ double: 2 checks passed, then one failed.`` and, on a second line, ``Hint: ...``
- ``✗ double raised TypeError: ...`` (the student's code raised: no traceback, a hint)
- ``… double is not implemented yet: ...`` (the stub's ``NotImplementedError``)

Rules that the tests enforce (``tests/checks/test_every_check.py``): a check lives in the
module of its lab, ``labcode/checks/labNN.py``; it is exported from ``labcode/checks/__init__``
as ``checks.check_<name>``; and ``tests/checks/test_labNN.py`` feeds it wrong answers (mutants)
and asserts a "✗" verdict with the hint each one should get. Write hints that say what to
change, not only what is wrong. A helper that finds a problem outside ``c.expect`` raises
:class:`CheckFailed` with its hint. Under nbgrader (``NBGRADER_EXECUTION`` set) a verdict other
than "✓" is also raised as an ``AssertionError``, so that the graded test cell scores 0.

The small helpers below (:func:`construct`, :func:`tensor_output_hint`, the ``raises_*``
predicates...) are what several labs' checks share; use them where they fit.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

__all__ = [
    "GRADER_ENV",
    "PASSED",
    "CheckFailed",
    "Checker",
    "call_tensor_fn",
    "construct",
    "is_float32_tensor",
    "is_int_array",
    "raises_clear_error",
    "raises_value_error",
    "run_check",
    "same_after_seed",
    "tensor_output_hint",
    "verdict_of",
]

#: The first character of a passing verdict.
PASSED = "✓"

#: Set by nbgrader in the kernel's environment while it autogrades or validates a notebook.
GRADER_ENV = "NBGRADER_EXECUTION"


class CheckFailed(Exception):
    """A contract violation, with a hint for the student (raise it from a helper of a check)."""


class Checker:
    """Counts passed expectations; raises :class:`CheckFailed` on the first broken one."""

    def __init__(self) -> None:
        self.passed = 0

    def expect(self, condition: object, hint: str) -> None:
        """One test: passes if ``condition`` is true, else stops the check with ``hint``."""
        if not condition:
            raise CheckFailed(hint)
        self.passed += 1


def run_check(name: str, fn: object, body: Callable[[Checker], None]) -> None:
    """Run ``body`` against the student's ``fn`` and print one friendly verdict line (or two).

    ``name`` is the function's name as the exercise spells it. Returns nothing, so that a
    notebook cell shows the verdict alone. Under nbgrader (``NBGRADER_EXECUTION`` set:
    ``nbgrader autograde`` or ``validate``) a verdict other than "passed" is then raised as an
    ``AssertionError``, so that the test cell fails and scores 0; a student's own session never
    raises.
    """
    verdict = verdict_of(name, fn, body)
    print(verdict)
    if not verdict.startswith(PASSED) and os.environ.get(GRADER_ENV):
        raise AssertionError(verdict)


def verdict_of(name: str, fn: object, body: Callable[[Checker], None]) -> str:
    """The verdict of ``body`` against ``fn``, printed by :func:`run_check`: "✓ ...",
    "✗ ... Hint: ..." or "… not implemented"."""
    if not callable(fn):
        return f"✗ {name}: expected your function itself (e.g. `{name}`), got {type(fn).__name__}."
    checker = Checker()
    try:
        body(checker)
    except NotImplementedError:
        return (f"… {name} is not implemented yet: replace the `raise NotImplementedError(...)` "
                "line with your code, then run this cell again.")
    except CheckFailed as failure:
        return (f"✗ {name}: {_checks(checker.passed)} passed, then one failed.\n"
                f"   Hint: {failure}")
    except Exception as error:  # the student's code raised: report it without a traceback
        return (f"✗ {name} raised {type(error).__name__}: {error}\n"
                "   Hint: run it by hand on small arguments to see where it goes wrong.")
    return f"{PASSED} {name}: all {_checks(checker.passed)} passed."


def _checks(n: int) -> str:
    return f"{n} check" if n == 1 else f"{n} checks"


# --------------------------------------------------------------------------- shared helpers


def is_int_array(a: object) -> bool:
    """Whether ``a`` is a NumPy array of an integer dtype."""
    return isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.integer)


def construct(cls: Callable[..., object], *args: object, **kwargs: object) -> object:
    """``cls(*args, **kwargs)``, with a hint when ``__init__`` forgot ``super().__init__()``."""
    try:
        return cls(*args, **kwargs)
    except AttributeError as error:
        if "Module.__init__() call" not in str(error):
            raise
        name = getattr(cls, "__name__", "the class")
        raise CheckFailed(f"building {name} raised AttributeError: {error}. Call "
                          "super().__init__() as the first line of __init__, before creating "
                          "any layer.") from None


def is_float32_tensor(t: object) -> bool:
    """Whether ``t`` is a torch tensor of dtype float32."""
    import torch

    return isinstance(t, torch.Tensor) and t.dtype == torch.float32


def raises_value_error(fn: Callable[..., object], *args: object) -> bool:
    """True if ``fn(*args)`` raises a ValueError (and not another error)."""
    try:
        fn(*args)
    except ValueError:
        return True
    except Exception:  # another error is not the clear ValueError the exercise asks for
        return False
    return False


def same_after_seed(draw: Callable[[], object]) -> bool:
    """Whether ``draw()`` gives the same tensor twice after the same ``torch.manual_seed``."""
    import torch

    torch.manual_seed(5)
    first = draw()
    torch.manual_seed(5)
    return torch.equal(draw(), first)


def raises_clear_error(fn: Callable[..., object], *args: object) -> bool:
    """True if ``fn(*args)`` raises a ValueError or TypeError (the clear errors we ask for)."""
    try:
        fn(*args)
    except (ValueError, TypeError):
        return True
    except Exception:
        return False
    return False


def call_tensor_fn(fn: Callable[..., object], args: tuple[object, ...], call: str,
                   broadcast_hint: str) -> object:
    """``fn(*args)``, turning a shape-mismatch RuntimeError into a hint about ``broadcast_hint``."""
    try:
        return fn(*args)
    except NotImplementedError:  # a RuntimeError too: let run_check say "not implemented yet"
        raise
    except RuntimeError as error:
        if "must match the size" not in str(error):
            raise
        raise CheckFailed(f"{call} raised RuntimeError: {error}. {broadcast_hint}") from None


def tensor_output_hint(out: object, call: str, shape: tuple[int, ...], dtype: object,
                       reduce_hint: str) -> str | None:
    """Why ``out`` is not a ``dtype`` tensor of ``shape`` (None if it is).

    Use it as ``problem = tensor_output_hint(...)`` then ``c.expect(problem is None, problem)``.
    """
    import torch

    expected = f"{call} should return one tensor of shape (batch, features) = {shape}"
    if out is None:
        return f"{expected}; it returned None: did you forget the `return`?"
    if isinstance(out, tuple) and hasattr(out, "values") and hasattr(out, "indices"):
        return (f"{expected}; it returned a (values, indices) pair: `.max(dim=...)` gives both, "
                "take its `.values`.")
    if not isinstance(out, torch.Tensor):
        return f"{expected}; got a {type(out).__name__}. {reduce_hint}"
    got = tuple(out.shape)
    if got != shape:
        if tuple(d for d in got if d != 1) == shape:
            return (f"{expected}; got {got}: drop the extra dimension of size 1 (no "
                    "keepdim=True on the result, or .squeeze it).")
        return f"{expected}; got {got}. {reduce_hint}"
    if out.dtype != dtype:
        return (f"{expected} and the dtype of its input ({dtype}); got {out.dtype}: build any "
                "helper tensor (counts, weights) with the input's dtype.")
    return None
