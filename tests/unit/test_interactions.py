"""labcode.interactions (Lab 14): make_sets."""

from __future__ import annotations

import pytest
import torch

from labcode.interactions import make_sets


def test_make_sets_shape_dtype_range_and_seed():
    X = make_sets(5, 3, features=2, seed=0)
    assert X.shape == (5, 3, 2) and X.dtype == torch.float32
    assert ((X >= 0) & (X < 1)).all()
    assert torch.equal(make_sets(5, 3, features=2, seed=0), X)
    assert not torch.equal(make_sets(5, 3, features=2, seed=1), X)


@pytest.mark.parametrize("args", [(0, 3), (5, 0), (2.5, 3), (5, 3, 0)])
def test_make_sets_refuses_bad_sizes(args):
    with pytest.raises((TypeError, ValueError)):
        make_sets(*args)
