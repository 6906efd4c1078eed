"""Seeding, threads and device selection: the first cell of every notebook calls these.

The thread policy lives here and nowhere else. The course's models are small (a few thousand
to fifty thousand parameters, mini-batches of at most a few hundred sets): one CPU thread is as
fast as two on them, and two threads slow down sharply as soon as anything else (a browser,
JupyterLab, a second kernel) uses the other core. So torch gets **one thread** unless the
environment variable ``LABCODE_THREADS`` asks for another number (CI runs nbval with 4 to check
that the checked outputs do not depend on it). Measurements: ``book/instructors.md``.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from labcode._validate import check_bool, check_int

#: Environment variable that overrides the number of torch CPU threads (default 1).
THREADS_ENV = "LABCODE_THREADS"
DEFAULT_THREADS = 1


def torch_threads() -> int:
    """The number of CPU threads the course gives torch: ``$LABCODE_THREADS``, else 1."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return DEFAULT_THREADS
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{THREADS_ENV} must be a positive integer, got {value!r}")
    return int(value)


def seed_everything(seed: int = 0) -> None:
    """Seed Python's, NumPy's and PyTorch's random generators; set torch's CPU threads.

    Call it once at the top of a notebook; every later draw is then reproducible. It also
    applies the course's thread policy (:func:`torch_threads`).
    """
    seed = check_int("seed", seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(torch_threads())


def get_device(prefer_cuda: bool = True) -> torch.device:
    """Return ``cuda`` when it is available and wanted, else ``cpu``.

    The course runs on a laptop CPU; a GPU only makes it faster.
    """
    if check_bool("prefer_cuda", prefer_cuda) and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")
