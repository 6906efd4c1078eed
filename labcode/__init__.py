"""labcode: the small package every notebook of *Learning on Sets* imports.

Where code lives (the rule, also in ``book/instructors.md``): what a lab introduces lives in
that lab's topic module, and its docstring says which lab teaches it; later labs import it from
there. The core holds the machinery that no lab teaches and every lab uses.

The labs' topic modules:

- :mod:`labcode.digits` -- Labs 01-02: digit sums, DeepSets vs an LSTM, scores per cardinality
- :mod:`labcode.thirds` -- Lab 03: three thirds or five fifths, ``DeepSet`` and ``mlp``
- :mod:`labcode.permutations` -- Lab 04: permutation checks, the MLP width sweep
- :mod:`labcode.nonlinearity` -- Lab 05: removing phi's nonlinearity
- :mod:`labcode.symmetric_pairs` -- Lab 06: sets {x, -x}
- :mod:`labcode.pooling_tasks` -- Lab 07: one set model with any pooling
- :mod:`labcode.streaming` -- Lab 08: streaming encoders, the online softmax
- :mod:`labcode.equivariant` -- Lab 09: equivariant layers (DeepSets, SAB), odd one out
- :mod:`labcode.pointclouds` -- Lab 10: generated point clouds, PointNet-style tests
- :mod:`labcode.encodings` -- Lab 11: what a sum can encode
- :mod:`labcode.set_outputs` -- Lab 12: sets as outputs
- :mod:`labcode.interactions` -- Lab 14: when elements must interact

The core:

- :mod:`labcode.reproducibility` -- seeding, the thread policy, device selection
- :mod:`labcode.pooling` -- sum/mean/max pooling, attention pooling (PMA), Slot Set Encoder
- :mod:`labcode.training` -- epoch and step training loops, progress lines, checkpoints
- :mod:`labcode.batched` -- many small models trained as one
- :mod:`labcode.symmetry` -- permutation invariance/equivariance, mini-batch consistency
- :mod:`labcode.plots` -- the figure style (``course_style``) and shared figure helpers
- :mod:`labcode.widgets` -- building blocks of the ipywidgets demos
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
