"""labcode: the small package every notebook of *Learning on Sets* imports.

One concept per module:

- :mod:`labcode.reproducibility` -- seeding, the thread policy, device selection
- :mod:`labcode.data` -- the generated data sets
- :mod:`labcode.models` -- DeepSets, the LSTM and MLP baselines, set models with any pooling
- :mod:`labcode.pooling` -- sum/mean/max pooling, attention pooling (PMA), Slot Set Encoder
- :mod:`labcode.training` -- epoch and step training loops, checkpoints
- :mod:`labcode.evaluation` -- accuracy and MAE per cardinality, seed studies
- :mod:`labcode.symmetry` -- permutation invariance/equivariance, mini-batch consistency
- :mod:`labcode.equivariant` -- equivariant layers (DeepSets, SAB) and the odd-one-out task
- :mod:`labcode.pointclouds` -- generated point clouds of five shapes, PointNet-style tests
- :mod:`labcode.encodings` -- what a sum can encode: digit codes, latent-size sweeps
- :mod:`labcode.plots` -- figures shared by the labs
- :mod:`labcode.widgets` -- ipywidgets demos
- :mod:`labcode.checks` -- student self-checks, one module per lab
- :mod:`labcode.results` -- ``key_results``, the headline numbers at the end of every lab

The authoring tools (strip, execute, bench, robustness) live in :mod:`labcode.authoring`, which
no notebook imports.
"""

from __future__ import annotations

from typing import Any

from labcode._version import __version__

__all__ = ["__version__", "get_device", "key_results", "seed_everything"]


def __getattr__(name: str) -> Any:
    # Imported lazily, so that the authoring tools do not pay for importing torch.
    if name in ("get_device", "seed_everything"):
        from labcode import reproducibility

        return getattr(reproducibility, name)
    if name == "key_results":
        from labcode.results import key_results

        return key_results
    raise AttributeError(f"module 'labcode' has no attribute {name!r}")
