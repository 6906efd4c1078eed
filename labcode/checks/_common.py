"""The check-writing API under its former private names, kept for code written against them.

Write new checks with the public names of :mod:`labcode.checks.api` (``Checker``,
``run_check``, ``CheckFailed``...), which this module re-exports as they were called before.
"""

from __future__ import annotations

from labcode.checks.api import (
    GRADER_ENV,
    PASSED,
    Checker,
    CheckFailed,
    call_tensor_fn,
    construct,
    is_float32_tensor,
    is_int_array,
    raises_clear_error,
    raises_value_error,
    run_check,
    same_after_seed,
    tensor_output_hint,
    verdict_of,
)

_Fail = CheckFailed
_Checker = Checker
_run = run_check
_verdict = verdict_of
_is_int_array = is_int_array
_construct = construct
_is_float32_tensor = is_float32_tensor
_raises_value_error = raises_value_error
_same_after_seed = same_after_seed
_raises_clear_error = raises_clear_error
_call_tensor_fn = call_tensor_fn
_tensor_output_hint = tensor_output_hint

__all__ = ["GRADER_ENV", "PASSED"]
