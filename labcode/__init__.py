"""labcode: the small package every notebook of *Learning on Sets* imports.

One concept per module:

- :mod:`labcode.reproducibility` -- seeding and device selection
- :mod:`labcode.data` -- the generated data sets
- :mod:`labcode.models` -- DeepSets, the LSTM and MLP baselines, set models with any pooling
- :mod:`labcode.pooling` -- sum/mean/max pooling, attention pooling (PMA), Slot Set Encoder
- :mod:`labcode.training` -- epoch and step training loops, checkpoints
- :mod:`labcode.evaluation` -- accuracy and MAE per cardinality
- :mod:`labcode.symmetry` -- permutation invariance/equivariance, mini-batch consistency
- :mod:`labcode.plots` -- figures shared by the labs
- :mod:`labcode.widgets` -- ipywidgets demos
- :mod:`labcode.checks` -- student self-checks
- :mod:`labcode.strip` -- solutions -> student notebooks
- :mod:`labcode.bench` -- notebook timings and key results
"""

from __future__ import annotations

from typing import Any

__all__ = ["get_device", "seed_everything"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Imported lazily so that `python -m labcode strip` does not pay for importing torch.
    if name in __all__:
        from labcode import reproducibility

        return getattr(reproducibility, name)
    raise AttributeError(f"module 'labcode' has no attribute {name!r}")
