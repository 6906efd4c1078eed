"""Names that moved to a lab's topic module in 0.3.0, still importable from their old homes.

``from labcode.data import create_train_dataset`` keeps working, with a ``DeprecationWarning``
that names the new home (``labcode.digits``). The aliases go in 0.4.0.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any

#: old module -> {old name: (new module, new name)}
MOVED: dict[str, dict[str, tuple[str, str]]] = {}


def _add(old: str, new: str, *names: str) -> None:
    for name in names:
        MOVED.setdefault(old, {})[name] = (new, name)


_add("data", "digits", "TEST_CARDINALITIES", "create_train_dataset", "create_test_dataset",
     "cardinalities_of")
_add("data", "thirds", "N_OBJECTS", "CLASS_PATTERNS", "make_data")
_add("data", "symmetric_pairs", "PAIR_NORMS", "make_symmetric_pairs")
_add("data", "streaming", "make_mixture_sets")
_add("models", "digits", "check_digit_batch", "DeepSets", "LSTMBaseline", "count_params")
_add("models", "thirds", "ACTIVATIONS", "SET_POOLINGS", "check_feature_batch", "DeepSet", "mlp")
_add("models", "permutations", "logits_of")
_add("models", "pooling_tasks", "PooledSetModel")
_add("evaluation", "digits", "Results", "deepsets_param_count", "lstm_param_count", "left_pad",
     "predict", "accuracy_and_mae", "evaluate_by_cardinality", "results_table",
     "element_contributions", "output_bound", "seed_study", "seed_table")
_add("training", "digits", "DIGIT_SUM_SETTINGS")
_add("plots", "digits", "plot_cardinality_histogram", "show_padded_rows",
     "plot_sums_by_cardinality", "plot_results", "plot_training_losses", "plot_error_growth")
_add("plots", "thirds", "show_object_sets")
_add("plots", "permutations", "plot_width_sweep", "plot_permutation_outputs")
_add("plots", "nonlinearity", "plot_phi_on_data", "plot_pooled_by_class")
_add("plots", "symmetric_pairs", "plot_symmetric_pairs", "plot_pair_angle_sweep")
_add("plots", "pooling_tasks", "plot_accuracy_heatmaps")
_add("plots", "streaming", "plot_convergence")
_add("widgets", "digits", "padded_set_explorer")
_add("widgets", "permutations", "permutation_explorer")
_add("widgets", "nonlinearity", "nonlinearity_toggle")
_add("widgets", "symmetric_pairs", "PAIR_ANGLES", "symmetric_pair_explorer")
MOVED["widgets"]["PAIR_NORMS"] = ("symmetric_pairs", "PAIR_SLIDER_NORMS")
_add("pooling", "streaming", "SoftmaxState", "softmax_state", "merge_softmax_states",
     "stream_pma")


def aliases(module: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` that finds the names that moved out of ``labcode.<module>``."""
    old = module.rsplit(".", 1)[-1]

    def __getattr__(name: str) -> Any:
        if name not in MOVED.get(old, {}):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        new, new_name = MOVED[old][name]
        warnings.warn(f"labcode.{old}.{name} moved to labcode.{new}.{new_name}; import it from "
                      "there (the old name goes in labcode 0.4.0)", DeprecationWarning,
                      stacklevel=2)
        return getattr(importlib.import_module(f"labcode.{new}"), new_name)

    return __getattr__
