"""Seeding and device selection: the first cell of every notebook calls these."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from labcode._validate import check_bool, check_int


def seed_everything(seed: int = 0) -> None:
    """Seed Python's, NumPy's and PyTorch's random generators with one integer.

    Call it once at the top of a notebook; every later draw is then reproducible.
    """
    seed = check_int("seed", seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def get_device(prefer_cuda: bool = True) -> torch.device:
    """Return ``cuda`` when it is available and wanted, else ``cpu``.

    The course runs on a laptop CPU; a GPU only makes it faster.
    """
    if check_bool("prefer_cuda", prefer_cuda) and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")
