"""What a sum can encode (Lab 11): injective sum encodings, and DeepSets at every latent size.

- :func:`digit_code` / :func:`decode_digit_code` -- the countable construction of Zaheer et al.
  (2017): :math:`\\phi(d) = B^{-d}` sums a multiset of digits into **one** number from which the
  multiset can be read back, as long as no digit occurs ``B`` times or more;
- :func:`decode_power_sums` -- a multiset of ``N`` real numbers back from its first ``N``
  power sums (Newton's identities);
- :func:`set_function` -- the median, maximum, second largest element, or all the elements in
  increasing order (the set back), of a batch of sets of real numbers;
- :class:`LatentSweep` -- many independent DeepSets :math:`\\rho(\\sum_i \\phi(x_i))`, one per
  (set size, latent size), held as grouped weights so that one training step trains them all;
- :func:`latent_sweep` -- trains a :class:`LatentSweep` on fresh random sets (with
  :func:`labcode.training.train_steps`) and returns each model's relative error;
  :func:`plateau_error` -- a sweep's mean error over the latent sizes ``L = N..2N``.

Shapes: a set batch is ``(batch, set_size, in_features)`` with ``in_features = 1`` (one real
number per element); digit sets are int arrays ``(n_sets, width)`` with 0 as padding, as in
Lab 01.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from labcode._validate import (
    as_array,
    as_generator,
    check_choice,
    check_int,
    check_int_list,
    check_set_array,
    check_sets,
)
from labcode.plots import stacked, styled
from labcode.training import train_steps

#: The set functions :func:`set_function` knows; ``"sorted"`` returns the whole set, in order.
SET_FUNCTIONS: tuple[str, ...] = ("median", "max", "second_largest", "sorted")
#: Largest integer float64 holds exactly: a digit code is decoded exactly below it.
_EXACT = 2**53


# --------------------------------------------------------------------------- countable domain


def _digit_sets(X: object) -> np.ndarray:
    X = check_set_array(X)
    if X.size and X.min() < 0:
        raise ValueError("digits must be >= 0 (0 is padding)")
    return X.astype(np.int64)


def digit_code(X: object, base: int = 4) -> np.ndarray:
    """One number per set: ``sum_i base**(-x_i)`` over the nonzero digits of each row of ``X``.

    ``X`` is an int array ``(n_sets, width)`` of digits ``1, 2, ...`` left-padded with 0 (Lab
    01's format); padding contributes nothing. Returns a float64 array ``(n_sets,)``. Two
    multisets get different codes whenever no digit occurs ``base`` times or more in either:
    the code is the multiset's histogram written as the digits of a number in base ``base``.
    The terms are added smallest first, so that equal multisets get bit-identical codes.

    Defined in Lab 11.
    """
    X = _digit_sets(X)
    base = check_int("base", base, 2)
    terms = np.where(X > 0, float(base) ** -X.astype(np.float64), 0.0)
    # smallest terms first, in one fixed order: float rounding cannot depend on the order of
    # the elements (with a base that is not a power of 2, it would in the last bit)
    return np.sort(terms, axis=1).sum(axis=1)


def decode_digit_code(code: object, base: int, n_symbols: int) -> np.ndarray:
    """The histogram back from :func:`digit_code`: int64 ``(n_sets, n_symbols)``, column ``d - 1``
    counting the digit ``d``.

    Exact for every multiset of digits ``1..n_symbols`` whose multiplicities are all below
    ``base``; a digit that occurs ``base`` times carries into the next digit, like 10 ones in
    base 10 (and the histogram read back is another multiset's).

    Defined in Lab 11.
    """
    code = as_array("code", code, dtype=np.float64)
    if code.ndim != 1:
        raise ValueError(f"code must be a 1-D array (one number per set), got shape {code.shape}")
    if not np.all(np.isfinite(code)) or (code.size and code.min() < 0):
        raise ValueError("codes must be finite numbers >= 0")
    base = check_int("base", base, 2)
    n_symbols = check_int("n_symbols", n_symbols, 1)
    if base**n_symbols * max(1.0, float(code.max(initial=0.0))) >= _EXACT / 2**10:
        raise ValueError(f"base**n_symbols = {base}**{n_symbols} is too large to decode exactly "
                         "in float64; use fewer symbols or a smaller base")
    whole = np.rint(code * float(base) ** n_symbols).astype(np.int64)  # sum_d m_d B^(n - d)
    counts = np.zeros((len(code), n_symbols), dtype=np.int64)
    for d in range(n_symbols, 0, -1):  # the last base-B digit is the count of n_symbols
        counts[:, d - 1] = whole % base
        whole //= base
    return counts


def decode_power_sums(p: Sequence[float]) -> np.ndarray:
    """The sorted elements of the multiset of ``N = len(p)`` real numbers whose power sums
    ``p_k = sum_i x_i^k`` are ``p[0], ..., p[N - 1]``: Newton's identities give the elementary
    symmetric polynomials ``e_1..e_N``, whose polynomial ``prod_i (t - x_i)`` has the elements
    as its roots (:func:`numpy.roots`, real parts). Returns a float64 array ``(N,)``.

    Defined in Lab 11.
    """
    n = len(p)
    e = [1.0]  # e_0
    for k in range(1, n + 1):  # Newton's identities, one e_k at a time
        e_k = 0.0
        for i in range(1, k + 1):
            e_k += (-1) ** (i - 1) * e[k - i] * p[i - 1]
        e.append(e_k / k)
    coefficients = [(-1) ** k * e[k] for k in range(n + 1)]
    return np.sort(np.roots(coefficients).real)


# --------------------------------------------------------------------------- real sets


def _real_sets(X: object) -> torch.Tensor:
    return check_sets(X, "X", features=1)


def set_function(X: torch.Tensor, name: str) -> torch.Tensor:
    """A permutation-invariant function of each set of real numbers in ``X``.

    ``X``: float ``(batch, set_size, 1)``. ``name``: ``"median"`` (the mean of the two middle
    elements when the size is even), ``"max"``, ``"second_largest"`` (needs 2 elements), or
    ``"sorted"`` (the elements in increasing order). Returns ``(batch, 1)``, or
    ``(batch, set_size)`` for ``"sorted"``.

    Defined in Lab 11.
    """
    X = _real_sets(X)
    check_choice("name", name, SET_FUNCTIONS)
    s = X[..., 0].sort(dim=1).values
    n = s.shape[1]
    if name == "sorted":
        return s
    if name == "max":
        return s[:, -1:]
    if name == "second_largest":
        if n < 2:
            raise ValueError("second_largest needs sets of at least 2 elements")
        return s[:, -2:-1]
    middle = s[:, (n - 1) // 2 : n // 2 + 1]  # one element (odd n) or the two middle ones
    return middle.mean(dim=1, keepdim=True)


class LatentSweep(nn.Module):
    """Independent DeepSets ``rho(sum_i phi(x_i))``, one per ``(set size, latent size)`` pair.

    Every model has its own ``phi`` (1 -> ``hidden_dim`` -> ``hidden_dim`` -> latent, ReLU) and
    ``rho`` (latent -> ``hidden_dim`` -> ``hidden_dim`` -> outputs, ReLU) and learns
    ``set_function(X, task)`` on sets of its size. The weights of all models are stacked along a
    first "model" dimension, so one forward pass runs them all; a model of latent size ``L``
    keeps only the first ``L`` coordinates of its sum (the others are multiplied by 0), and a
    model of set size ``N`` sums over the first ``N`` elements of the batch only. No parameter
    is shared: each model's loss reaches its own weights alone.

    Defined in Lab 11.
    """

    def __init__(self, task: str, pairs: Sequence[tuple[int, int]], hidden_dim: int = 32):
        super().__init__()
        self.task = check_choice("task", task, SET_FUNCTIONS)
        if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence) or not pairs:
            raise TypeError("pairs must be a non-empty list of (set size, latent size) pairs")
        if not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
            raise TypeError("each entry of pairs must be a (set size, latent size) pair")
        minimum = 2 if task == "second_largest" else 1
        self.pairs = [(check_int("each set size", n, minimum), check_int("each latent size", k, 1))
                      for n, k in pairs]
        hidden_dim = check_int("hidden_dim", hidden_dim, 1)
        sizes = torch.tensor([n for n, _ in self.pairs])
        latents = torch.tensor([k for _, k in self.pairs])
        self.max_set_size = int(sizes.max())
        outputs = sizes if task == "sorted" else torch.ones_like(sizes)
        width, n_out = int(latents.max()), int(outputs.max())
        # masks: which latent coordinates, elements and outputs each model uses
        self.register_buffer("latent_mask", (torch.arange(width) < latents[:, None]).float()
                             .unsqueeze(1))                                   # (G, 1, width)
        self.register_buffer("element_mask", (torch.arange(self.max_set_size) < sizes[:, None])
                             .float()[:, None, :, None])                      # (G, 1, N, 1)
        self.register_buffer("output_mask", (torch.arange(n_out) < outputs[:, None]).float()
                             .unsqueeze(1))                                   # (G, 1, n_out)
        g = len(self.pairs)
        self.phi = nn.ParameterList(self._layers(g, [1, hidden_dim, hidden_dim, width]))
        self.rho = nn.ParameterList(self._layers(g, [width, hidden_dim, hidden_dim, n_out]))

    @staticmethod
    def _layers(g: int, dims: list[int]) -> list[nn.Parameter]:
        params = []
        for n_in, n_out in zip(dims, dims[1:], strict=False):
            bound = 1 / math.sqrt(n_in)  # nn.Linear's default initialisation
            params.append(nn.Parameter(torch.empty(g, n_in, n_out).uniform_(-bound, bound)))
            params.append(nn.Parameter(torch.empty(g, 1, n_out).uniform_(-bound, bound)))
        return params

    @staticmethod
    def _mlp(params: nn.ParameterList, h: torch.Tensor) -> torch.Tensor:
        n_layers = len(params) // 2
        for k in range(n_layers):
            h = torch.baddbmm(params[2 * k + 1], h, params[2 * k])
            if k < n_layers - 1:
                h = torch.relu(h)
        return h

    def encode(self, X: torch.Tensor) -> torch.Tensor:
        """Each model's latent sum ``(models, batch, latent width)``, unused coordinates 0."""
        X = _real_sets(X)
        if X.shape[1] != self.max_set_size:
            raise ValueError(f"X must hold sets of {self.max_set_size} elements (the largest "
                             f"set size; smaller models read the first ones), got {X.shape[1]}")
        g, (b, n, _) = len(self.pairs), X.shape
        h = self._mlp(self.phi, X.reshape(1, b * n, 1).expand(g, b * n, 1).to(self.phi[0].dtype))
        return (h.reshape(g, b, n, -1) * self.element_mask).sum(dim=2) * self.latent_mask

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(batch, max set size, 1)`` -> ``(models, batch, outputs)``: every model's output."""
        return self._mlp(self.rho, self.encode(X)) * self.output_mask

    def targets(self, X: torch.Tensor) -> torch.Tensor:
        """What each model must output on ``X``: ``(models, batch, outputs)``, padded with 0."""
        X = _real_sets(X)
        y = torch.zeros(len(self.pairs), X.shape[0], self.output_mask.shape[-1], dtype=X.dtype)
        for n in sorted({n for n, _ in self.pairs}):  # one computation per set size
            t = set_function(X[:, :n], self.task)
            y[[i for i, (m, _) in enumerate(self.pairs) if m == n], :, : t.shape[1]] = t
        return y

    def loss(self, pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The sum over models of each model's mean squared error (each trains on its own)."""
        per_model = ((pred - y) * self.output_mask) ** 2
        return (per_model.sum(dim=2).mean(dim=1)).sum()


@dataclass
class SweepResult:
    """What :func:`latent_sweep` returns: for each set size ``N``, the relative error of the
    models of latent size ``1, 2, ...`` (``errors[N][L - 1]``), and the training loss.

    Defined in Lab 11.
    """

    task: str
    errors: dict[int, list[float]] = field(default_factory=dict)
    history: list[float] = field(default_factory=list)
    seconds: float = 0.0


def latent_sweep(task: str, set_sizes: Sequence[int], *, max_latent: int | None = None,
                 steps: int = 2000, batch_size: int = 64, hidden_dim: int = 32,
                 lr: float = 5e-3, n_test: int = 4096, test_seed: int = 1234) -> SweepResult:
    """Train one DeepSet per set size ``N`` in ``set_sizes`` and latent size ``L = 1..2N`` (or
    ``1..max_latent``) to compute ``set_function(X, task)`` on sets of ``N`` numbers drawn
    uniformly from [0, 1]; return their relative errors.

    All models train at once (a :class:`LatentSweep`) with Adam for ``steps`` steps, each on a
    fresh batch of ``batch_size`` sets (the models' initialisation and the batches come from
    torch's global generator: seed it first). The relative error of a model is its root mean
    squared error on ``n_test`` fixed test sets (drawn from ``test_seed``), divided by that of
    the best constant prediction (the mean of each output): 1 is no better than a constant,
    0 is exact.

    Defined in Lab 11.
    """
    check_choice("task", task, SET_FUNCTIONS)
    sizes = check_int_list("set_sizes", set_sizes, 2 if task == "second_largest" else 1)
    if max_latent is not None:
        max_latent = check_int("max_latent", max_latent, 1)
    pairs = [(n, k) for n in sizes for k in range(1, (max_latent or 2 * n) + 1)]
    model = LatentSweep(task, pairs, hidden_dim=hidden_dim)
    width = model.max_set_size

    def draw(b: int) -> tuple[torch.Tensor, torch.Tensor]:
        X = torch.rand(b, width, 1)
        return X, model.targets(X)

    start = time.perf_counter()
    model, history = train_steps(model, draw, steps=steps, batch_size=batch_size, lr=lr,
                                 loss_fn=model.loss, progress=False)
    X_test = torch.rand(n_test, width, 1, generator=as_generator(test_seed, "test_seed"))
    with torch.no_grad():
        y = model.targets(X_test)
        mask = model.output_mask
        squared = (((model(X_test) - y) * mask) ** 2).sum(dim=2).mean(dim=1)
        spread = (((y - y.mean(dim=1, keepdim=True)) * mask) ** 2).sum(dim=2).mean(dim=1)
        relative = (squared / spread).sqrt().tolist()
    result = SweepResult(task, history=history, seconds=time.perf_counter() - start)
    for (n, _), err in zip(pairs, relative, strict=True):
        result.errors.setdefault(n, []).append(err)
    return result


def plateau_error(errors: Sequence[float], n: int) -> float:
    """The mean of a sweep's relative errors ``errors[L - 1]`` over the latent sizes
    ``L = n..2n`` (from ``n`` on): the error a DeepSet keeps once its latent space is as large
    as the set (``SweepResult.errors[n]``).

    Defined in Lab 11 (the notebook's ``beyond``).
    """
    return float(np.mean(errors[n - 1:]))


# ---------------------------------------------------------------------------------- figures


@styled
def plot_latent_sweeps(sweeps: dict[str, SweepResult], titles: dict[str, str]) -> Figure:
    """Test error against latent size, one panel per task (``titles[task]``), one curve per
    set size N, a dotted line at L = N.

    Defined in Lab 11.
    """
    fig, axes = stacked(len(sweeps), 3.5, sharex=True)
    for ax, (task, sweep) in zip(axes, sweeps.items(), strict=True):
        for i, (n, errors) in enumerate(sweep.errors.items()):
            latents = range(1, len(errors) + 1)
            ax.plot(latents, errors, "o-", color=f"C{i}", label=f"N = {n}")
            ax.axvline(n, color=f"C{i}", ls=":", lw=1.5)
        ax.set_yscale("log")
        ax.set(ylabel="relative RMSE (1 = a constant)",
               title=f"Learning {titles[task]}; dotted: L = N")
        ax.legend()
    axes[-1].set_xlabel("latent size L")
    return fig
