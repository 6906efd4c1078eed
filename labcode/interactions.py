"""When elements must interact, Lab 14: the sets this lab's experiments draw.

What Lab 14 introduces lives here; a later lab imports it from this module. Each public
name's docstring ends with the lab that teaches it (book/instructors.md, "Where things live").

- :func:`make_sets` -- a batch of random sets of real numbers
"""

from __future__ import annotations

import torch

from labcode._validate import as_generator, check_int


def make_sets(n_sets: int, set_size: int, features: int = 1,
              seed: int | torch.Generator | None = None) -> torch.Tensor:
    """``n_sets`` sets of ``set_size`` elements of ``features`` numbers, uniform in [0, 1).

    Returns a float32 tensor of shape ``(n_sets, set_size, features)``. ``seed``: an int (the
    same sets every time), a ``torch.Generator``, or None (torch's global generator).

    Defined in Lab 14.
    """
    n_sets = check_int("n_sets", n_sets, 1)
    set_size = check_int("set_size", set_size, 1)
    features = check_int("features", features, 1)
    return torch.rand(n_sets, set_size, features, generator=as_generator(seed))
