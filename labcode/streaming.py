"""Sets too big for memory, Lab 08: mini-batch consistency and streaming encoders.

Mixture sets to stream (:func:`make_mixture_sets`), the aggregation ``g`` of chunk encodings
(:func:`aggregate`), the online softmax that lets attention pooling read a set in chunks
(:func:`softmax_state`, :func:`merge_softmax_states`, :func:`stream_pma`; Lab 09 reuses them),
a set model's prediction from the chunks of a set (:func:`predict_streamed`) and the
convergence figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes

from labcode._validate import (
    check_int,
    check_real,
    check_seed,
)
from labcode.plots import COLUMN_WIDTH, styled
from labcode.pooling import PMA
from labcode.pooling_tasks import PooledSetModel


def make_mixture_sets(
    n_sets: int,
    set_size: int,
    spread: float = 0.5,
    low: float = -4.0,
    high: float = 4.0,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sets of 1-D points from two-component Gaussian mixtures (Lab 08's streaming task).

    Each set draws two centres ``c1 < c2`` uniformly in ``[low, high]``; each of its
    ``set_size`` points picks a centre with probability 1/2 and adds ``spread * N(0, 1)``.
    Returns ``(X, centres)``: float32 arrays of shapes ``(n_sets, set_size, 1)`` and
    ``(n_sets, 2)`` (sorted, so the target does not depend on how the components are named).

    Defined in Lab 08.
    """
    n_sets = check_int("n_sets", n_sets, 1)
    set_size = check_int("set_size", set_size, 1)
    spread, low, high = (check_real(k, v) for k, v in (("spread", spread), ("low", low),
                                                       ("high", high)))
    if not spread > 0 or not low < high:
        raise ValueError(f"need spread > 0 and low < high, got spread={spread}, "
                         f"low={low}, high={high}")
    rng = np.random.default_rng(check_seed(seed))
    centres = np.sort(rng.uniform(low, high, size=(n_sets, 2)), axis=1)
    component = rng.integers(0, 2, size=(n_sets, set_size))
    points = np.take_along_axis(centres, component, axis=1)
    points = points + spread * rng.standard_normal((n_sets, set_size))
    return points[..., None].astype(np.float32), centres.astype(np.float32)


def aggregate(parts: Sequence[torch.Tensor], sizes: Sequence[int], how: str) -> torch.Tensor:
    """Combine the pooled encodings ``parts`` (one ``(batch, features)`` tensor per chunk) of
    the chunks of one set, of ``sizes`` elements each, into the encoding of the whole set:
    their sum (``how="sum"``), their size-weighted mean (``"mean"``) or their maximum
    (``"max"``).

    Defined in Lab 08.
    """
    stacked = torch.stack(list(parts))  # (chunks, batch, features)
    if how == "sum":
        return stacked.sum(dim=0)
    if how == "mean":
        weights = torch.as_tensor(sizes, dtype=stacked.dtype).view(-1, 1, 1)
        return (weights * stacked).sum(dim=0) / weights.sum()
    if how == "max":
        return stacked.max(dim=0).values
    raise ValueError(f"how must be 'sum', 'mean' or 'max', got {how!r}")


SoftmaxState = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def softmax_state(scores: torch.Tensor, values: torch.Tensor) -> SoftmaxState:
    """The online-softmax state of one chunk: ``(m, s, w)``.

    ``scores`` ``(..., queries, n)``: one row per query, one score per element of the chunk;
    ``values`` ``(..., n, d)``. Per query, ``m`` ``(..., queries)`` is the largest score, ``s``
    ``(..., queries)`` the sum of ``exp(score - m)`` and ``w`` ``(..., queries, d)`` the sum of
    ``exp(score - m) * value``; ``w / s[..., None]`` is ``softmax(scores) @ values``.

    Defined in Lab 08.
    """
    m = scores.amax(dim=-1)
    e = torch.exp(scores - m.unsqueeze(-1))
    return m, e.sum(dim=-1), e @ values


def merge_softmax_states(a: SoftmaxState, b: SoftmaxState) -> SoftmaxState:
    """The state of the union of two chunks: both rescaled to the larger maximum (the online
    softmax of FlashAttention).

    Defined in Lab 08.
    """
    m = torch.maximum(a[0], b[0])
    ra, rb = torch.exp(a[0] - m), torch.exp(b[0] - m)
    return m, ra * a[1] + rb * b[1], ra.unsqueeze(-1) * a[2] + rb.unsqueeze(-1) * b[2]


def stream_pma(pma: PMA, chunks: object) -> torch.Tensor:
    """``pma`` of a set given as an iterable of chunks ``(batch, n_j, dim)``, never holding
    more than one chunk: the state ``(m, s, w)`` of :func:`softmax_state`, merged chunk by
    chunk, then :meth:`PMA.readout` of ``w / s``. Equal to ``pma`` of the whole set, to
    rounding.

    Defined in Lab 08.
    """
    state = None
    for chunk in chunks:
        part = softmax_state(*pma.scores_and_values(chunk))
        state = part if state is None else merge_softmax_states(state, part)
    if state is None:
        raise ValueError("stream_pma needs at least one chunk")
    _, s, w = state
    return pma.readout(w / s.unsqueeze(-1))


def predict_streamed(model: PooledSetModel, chunks: Sequence[torch.Tensor],
                     online: bool = True) -> torch.Tensor:
    """``model``'s prediction for the sets whose chunks ``(batch, n_j, features)`` are
    ``chunks``, never encoding a whole set: a slot set encoder sums its chunks' slots and
    divides by the set size; attention pooling streams with the online softmax
    (:func:`stream_pma`), or, when ``online`` is False, like every other pooling, takes the
    size-weighted mean of its chunks' encodings (:func:`aggregate`).

    Defined in Lab 08 (the notebook's ``stream``).
    """
    sizes = [c.shape[1] for c in chunks]
    if model.pooling == "slots":
        total = model.sse.aggregate([model.sse(model.phi(c)) for c in chunks])
        return model.rho((total / sum(sizes)).flatten(1))
    if model.pooling == "attention" and online:
        return model.rho(stream_pma(model.pma, (model.phi(c) for c in chunks)))
    return model.rho(aggregate([model.encode(c) for c in chunks], sizes, "mean"))




@styled
def plot_convergence(seen: Sequence[int], curves: dict[str, dict[str, object]],
                     ax: Axes | None = None, truth: str = "the true answer") -> Axes:
    """Error against the number of points seen, for several encoders (log-log).

    ``curves[name]`` holds ``error`` (on ``truth``, solid) and ``to limit`` (distance to the
    encoder's own limit, dashed), one value per entry of ``seen``, and ``systematic`` (the
    error of the limit), drawn as a dotted line.

    Defined in Lab 08.
    """
    if not isinstance(curves, dict) or not curves:
        raise TypeError("curves must be a non-empty dict {encoder: {'error', 'to limit', ...}}")
    ax = ax or plt.figure(figsize=(COLUMN_WIDTH, 4.2)).gca()
    for i, (name, c) in enumerate(curves.items()):
        colour = f"C{i}"
        ax.plot(seen, c["error"], "o-", color=colour, label=f"{name}: error on {truth}")
        ax.plot(seen, c["to limit"], "s--", color=colour,
                label=f"{name}: distance to its limit")
        if "systematic" in c:
            ax.axhline(float(c["systematic"]), color=colour, lw=0.9, ls=":")
    ax.set(xscale="log", yscale="log", xlabel="points per set",
           ylabel="mean absolute difference",
           title="A consistent encoder converges to its own limit")
    ax.legend(loc="lower left")
    return ax
