"""What every self-check shares: the checker, the verdict line, small predicates."""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np


class _Fail(Exception):
    """A contract violation, with a hint for the student."""


class _Checker:
    """Counts passed expectations; raises ``_Fail`` on the first broken one."""

    def __init__(self) -> None:
        self.passed = 0

    def expect(self, condition: object, hint: str) -> None:
        if not condition:
            raise _Fail(hint)
        self.passed += 1


PASSED = "✓"


def _run(name: str, fn: object, body: Callable[[_Checker], None]) -> None:
    """Run ``body`` against ``fn`` and print one friendly verdict line (or two).

    Under nbgrader (``NBGRADER_EXECUTION`` set: ``nbgrader autograde`` or ``validate``) a
    verdict other than "passed" is then raised as an ``AssertionError``, so that the test cell
    fails and scores 0; a student's own session never raises.
    """
    verdict = _verdict(name, fn, body)
    print(verdict)
    if not verdict.startswith(PASSED) and os.environ.get(GRADER_ENV):
        raise AssertionError(verdict)


#: Set by nbgrader in the kernel's environment while it autogrades or validates a notebook.
GRADER_ENV = "NBGRADER_EXECUTION"


def _verdict(name: str, fn: object, body: Callable[[_Checker], None]) -> str:
    """The verdict of ``body`` against ``fn``: "✓ ...", "✗ ... Hint: ..." or "… not implemented"."""
    if not callable(fn):
        return f"✗ {name}: expected your function itself (e.g. `{name}`), got {type(fn).__name__}."
    checker = _Checker()
    try:
        body(checker)
    except NotImplementedError:
        return (f"… {name} is not implemented yet: replace the `raise NotImplementedError(...)` "
                "line with your code, then run this cell again.")
    except _Fail as failure:
        return (f"✗ {name}: {_checks(checker.passed)} passed, then one failed.\n"
                f"   Hint: {failure}")
    except Exception as error:  # the student's code raised: report it without a traceback
        return (f"✗ {name} raised {type(error).__name__}: {error}\n"
                "   Hint: run it by hand on small arguments to see where it goes wrong.")
    return f"{PASSED} {name}: all {_checks(checker.passed)} passed."


def _checks(n: int) -> str:
    return f"{n} check" if n == 1 else f"{n} checks"


def _is_int_array(a: object) -> bool:
    return isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.integer)


def _construct(cls: Callable[..., object], *args: object, **kwargs: object) -> object:
    """``cls(*args, **kwargs)``, with a hint when ``__init__`` forgot ``super().__init__()``."""
    try:
        return cls(*args, **kwargs)
    except AttributeError as error:
        if "Module.__init__() call" not in str(error):
            raise
        name = getattr(cls, "__name__", "the class")
        raise _Fail(f"building {name} raised AttributeError: {error}. Call "
                    "super().__init__() as the first line of __init__, before creating "
                    "any layer.") from None


def _is_float32_tensor(t: object) -> bool:
    import torch

    return isinstance(t, torch.Tensor) and t.dtype == torch.float32


def _raises_value_error(fn: Callable[..., object], *args: object) -> bool:
    try:
        fn(*args)
    except ValueError:
        return True
    except Exception:  # another error is not the clear ValueError the exercise asks for
        return False
    return False


def _same_after_seed(draw: Callable[[], object]) -> bool:
    """Whether ``draw()`` gives the same tensor twice after the same ``torch.manual_seed``."""
    import torch

    torch.manual_seed(5)
    first = draw()
    torch.manual_seed(5)
    return torch.equal(draw(), first)


def _raises_clear_error(fn: Callable[..., object], *args: object) -> bool:
    """True if ``fn(*args)`` raises a ValueError or TypeError (the clear errors we ask for)."""
    try:
        fn(*args)
    except (ValueError, TypeError):
        return True
    except Exception:
        return False
    return False


def _call_tensor_fn(fn: Callable[..., object], args: tuple[object, ...], call: str,
                    broadcast_hint: str) -> object:
    """``fn(*args)``, turning a shape-mismatch RuntimeError into a hint about ``broadcast_hint``."""
    try:
        return fn(*args)
    except NotImplementedError:  # a RuntimeError too: let _run say "not implemented yet"
        raise
    except RuntimeError as error:
        if "must match the size" not in str(error):
            raise
        raise _Fail(f"{call} raised RuntimeError: {error}. {broadcast_hint}") from None


def _tensor_output_hint(out: object, call: str, shape: tuple[int, ...], dtype: object,
                        reduce_hint: str) -> str | None:
    """Why ``out`` is not a ``dtype`` tensor of ``shape`` (None if it is)."""
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
