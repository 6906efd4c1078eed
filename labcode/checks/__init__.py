"""Student self-checks, one module per lab; ``labcode.checks.check_x`` finds each of them.

Each ``check_*`` function calls the student's function on small inputs, tests it against the
contract stated in the exercise (shapes, dtypes, value ranges, padding, determinism...), and
prints a short verdict. It never compares with a reference answer and never shows a raw
traceback: a failing check prints what was expected and a hint. It returns nothing, so that a
notebook cell shows the verdict alone; a passing verdict starts with ``PASSED`` below.

To write a check, see :mod:`labcode.checks.api` (``Checker``, ``run_check``, ``CheckFailed``,
re-exported here): its docstring has a complete example.
"""

from __future__ import annotations

from labcode.checks.api import PASSED, Checker, CheckFailed, run_check
from labcode.checks.lab01 import check_create_test_dataset, check_create_train_dataset
from labcode.checks.lab02 import (
    check_accuracy_and_mae,
    check_digit_deepsets,
    check_digit_lstm,
    check_make_batch,
    check_masked_deepsets,
)
from labcode.checks.lab03 import check_count_params, check_deepset, check_make_data, check_train
from labcode.checks.lab04 import check_invariance_deviation, check_permuted_copies
from labcode.checks.lab05 import check_exact_sum, check_separation
from labcode.checks.lab06 import check_make_pairs, check_pooled_pairs
from labcode.checks.lab07 import check_best_constant, check_pool
from labcode.checks.lab08 import (
    check_aggregate,
    check_minibatch_consistency_error,
    check_online_softmax,
)
from labcode.checks.lab09 import (
    check_equivariant_basis,
    check_equivariant_layer,
    check_make_odd_one_out,
)
from labcode.checks.lab10 import (
    check_critical_points,
    check_delete_points,
    check_invariant_features,
    check_random_rotate_z,
)
from labcode.checks.lab11 import check_decode_power_sums, check_power_sum_encoding
from labcode.checks.lab12 import check_chamfer_loss, check_is_permutation_invariant
from labcode.checks.lab14 import check_pairwise_pool

__all__ = [
    "PASSED",
    "CheckFailed",
    "Checker",
    "run_check",
    "check_create_train_dataset",
    "check_create_test_dataset",
    "check_digit_deepsets",
    "check_masked_deepsets",
    "check_digit_lstm",
    "check_make_batch",
    "check_accuracy_and_mae",
    "check_make_data",
    "check_deepset",
    "check_train",
    "check_count_params",
    "check_permuted_copies",
    "check_invariance_deviation",
    "check_separation",
    "check_exact_sum",
    "check_make_pairs",
    "check_pooled_pairs",
    "check_pool",
    "check_best_constant",
    "check_aggregate",
    "check_minibatch_consistency_error",
    "check_online_softmax",
    "check_equivariant_layer",
    "check_make_odd_one_out",
    "check_equivariant_basis",
    "check_random_rotate_z",
    "check_delete_points",
    "check_critical_points",
    "check_invariant_features",
    "check_power_sum_encoding",
    "check_decode_power_sums",
    "check_chamfer_loss",
    "check_is_permutation_invariant",
    "check_pairwise_pool",
]
