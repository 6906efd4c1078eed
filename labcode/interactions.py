"""When elements must interact, Lab 14: a task about pairs, and three models that see them or not.

- :func:`make_repeats` -- sets of tokens, labelled 1 when some value occurs twice; half of
  every batch is of each class, at every set size; :func:`has_repeat` -- the label itself;
- :func:`pairwise_pool` -- Janossy pooling of order 2 (Murphy et al., 2019): a network ``psi``
  on every ordered pair of distinct elements, then a sum, mean or maximum over the pairs;
- :func:`edge_pool` -- the same over the pairs a graph gives, its edges;
- the three models (:func:`make_models`), each ``(batch, n)`` tokens -> ``(batch, 1)``
  probabilities, with the same embedding, latent size and ``rho``: :class:`ElementwiseSet`
  (DeepSets: per element, then a sum), :class:`PairwiseSet` (per pair, then a maximum) and
  :class:`AttentionSet` (one SAB of Lab 09, then a sum);
- :func:`accuracy_by_size`, :func:`operation_counts`, :func:`forward_seconds` -- accuracy and
  cost as the set grows; :func:`plot_accuracy_by_size`, :func:`plot_cost` -- their figures.

A set batch is a float tensor ``(batch, set_size, in_features)``; a token set batch an int
tensor ``(batch, set_size)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from labcode._validate import as_generator, check_choice, check_int, check_int_list
from labcode.equivariant import SetAttentionBlock
from labcode.plots import COLUMN_WIDTH, stacked, styled
from labcode.thirds import check_feature_batch

#: Tokens are 0 .. VOCAB_SIZE - 1.
VOCAB_SIZE = 100
#: How :func:`pairwise_pool` combines the pairs.
PAIR_REDUCTIONS: tuple[str, ...] = ("sum", "mean", "max")


# --------------------------------------------------------------------------- the data


def make_repeats(n_sets: int, set_size: int, vocab_size: int = VOCAB_SIZE,
                 seed: int | torch.Generator | None = None,
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """``n_sets`` sets of ``set_size`` tokens from ``0 .. vocab_size - 1``; label 1 when a
    value occurs twice.

    Exactly half of the sets (``n_sets - n_sets // 2``, in random places) are positives:
    ``set_size - 1`` distinct tokens, drawn uniformly, and a copy of one of them. The others
    are ``set_size`` distinct tokens. Every set is in random order. Needs
    ``set_size <= vocab_size``. Returns ``(X, y)``: int64 ``(n_sets, set_size)`` and float32
    labels ``(n_sets, 1)``.

    Defined in Lab 14.
    """
    n_sets = check_int("n_sets", n_sets, 1)
    n = check_int("set_size", set_size, 2)
    vocab_size = check_int("vocab_size", vocab_size, 2)
    if n > vocab_size:
        raise ValueError(f"set_size ({n}) must be at most vocab_size ({vocab_size})")
    g = as_generator(seed)
    X = torch.rand(n_sets, vocab_size, generator=g).argsort(dim=1)[:, :n]  # distinct
    y = torch.zeros(n_sets)
    y[torch.randperm(n_sets, generator=g)[: n_sets - n_sets // 2]] = 1.0
    rows = y.nonzero().squeeze(1)
    X[rows, 0] = X[rows, 1]  # a repeat: the first token becomes a copy of the second
    order = torch.rand(n_sets, n, generator=g).argsort(dim=1)
    return X.gather(1, order), y.unsqueeze(1)


def has_repeat(X: torch.Tensor) -> torch.Tensor:
    """Whether some value occurs twice in each set of the int batch ``X`` ``(batch, n)``:
    a bool tensor ``(batch,)``. Defined in Lab 14."""
    if not isinstance(X, torch.Tensor) or X.dim() != 2 or X.is_floating_point():
        raise TypeError("X must be an int tensor of shape (batch, set size)")
    s = X.sort(dim=1).values
    return (s[:, 1:] == s[:, :-1]).any(dim=1)


# ---------------------------------------------------------------------- pairwise pooling


def pairwise_pool(psi: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                  reduce: str = "sum") -> torch.Tensor:
    """Janossy pooling of order 2: ``reduce`` over ``i != j`` of ``psi([x_i, x_j])``.

    ``x`` is ``(batch, n, d)`` with ``n >= 2`` (a set of one element has no pair: a
    ``ValueError``); ``psi`` maps pairs ``(..., 2 d)``, ``x_i`` then ``x_j``, to features
    ``(..., k)``. Both orders of every pair are used, so the result does not depend on the
    order of the elements, whatever ``psi``. ``reduce``: "sum", "mean" or "max" over the
    ``n (n - 1)`` ordered pairs. Returns ``(batch, k)``.

    Defined in Lab 14.
    """
    x = check_feature_batch(x)
    reduce = check_choice("reduce", reduce, PAIR_REDUCTIONS)
    b, n, d = x.shape
    if n < 2:
        raise ValueError(f"pairwise_pool needs sets of at least 2 elements, got {n}")
    i, j = (~torch.eye(n, dtype=torch.bool, device=x.device)).nonzero(as_tuple=True)
    h = psi(torch.cat([x[:, i], x[:, j]], dim=-1))  # (batch, n (n - 1), k)
    if reduce == "sum":
        return h.sum(dim=1)
    return h.mean(dim=1) if reduce == "mean" else h.max(dim=1).values


def edge_pool(psi: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
              edges: torch.Tensor, reduce: str = "sum") -> torch.Tensor:
    """Pairwise pooling over the pairs a graph gives: ``reduce`` over the edges ``(i, j)`` of
    ``psi([x_i, x_j])``.

    ``x`` is ``(batch, n, d)``; ``edges`` an int tensor ``(2, E)`` of directed edges (both
    directions for an undirected graph), the same graph for every set of the batch. On the
    complete graph (every ``i != j``) it is :func:`pairwise_pool`. Returns ``(batch, k)``.

    Defined in Lab 14.
    """
    x = check_feature_batch(x)
    reduce = check_choice("reduce", reduce, PAIR_REDUCTIONS)
    if (not isinstance(edges, torch.Tensor) or edges.dim() != 2 or edges.shape[0] != 2
            or edges.shape[1] == 0 or edges.is_floating_point()):
        raise ValueError("edges must be an int tensor of shape (2, E) with E >= 1")
    if edges.min() < 0 or edges.max() >= x.shape[1]:
        raise ValueError(f"edges must index the {x.shape[1]} elements")
    i, j = edges
    h = psi(torch.cat([x[:, i], x[:, j]], dim=-1))
    if reduce == "sum":
        return h.sum(dim=1)
    return h.mean(dim=1) if reduce == "mean" else h.max(dim=1).values


# ------------------------------------------------------------------------- the models


def _mlp(widths: Sequence[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


class TokenSetModel(nn.Module):
    """A classifier of token sets: an embedding of each token, a body that turns the set into
    ``latent_dim`` numbers, then ``rho`` (one hidden ReLU layer) and a sigmoid.

    ``(batch, n)`` int tokens -> ``(batch, 1)`` probabilities. Subclasses define ``encode``:
    ``(batch, n, hidden_dim)`` embeddings -> ``(batch, latent_dim)``.

    Defined in Lab 14.
    """

    def __init__(self, vocab_size: int = VOCAB_SIZE, hidden_dim: int = 32,
                 latent_dim: int = 8):
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, 2)
        self.hidden_dim = check_int("hidden_dim", hidden_dim, 1)
        self.latent_dim = check_int("latent_dim", latent_dim, 1)
        self.embedding = nn.Embedding(vocab_size, hidden_dim)
        self.rho = _mlp([latent_dim, hidden_dim, 1])

    def encode(self, h: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if not isinstance(X, torch.Tensor) or X.dim() != 2 or X.is_floating_point():
            raise TypeError("X must be an int tensor of shape (batch, set size)")
        if X.numel() and (X.min() < 0 or X.max() >= self.vocab_size):
            raise ValueError(f"tokens must lie in 0 .. {self.vocab_size - 1}")
        return torch.sigmoid(self.rho(self.encode(self.embedding(X))))


class ElementwiseSet(TokenSetModel):
    """DeepSets on tokens: ``phi`` (Linear, ReLU, Linear) on each element, a sum over the set.

    Defined in Lab 14.
    """

    def __init__(self, vocab_size: int = VOCAB_SIZE, hidden_dim: int = 32,
                 latent_dim: int = 8):
        super().__init__(vocab_size, hidden_dim, latent_dim)
        self.phi = _mlp([hidden_dim, hidden_dim, latent_dim])

    def encode(self, h: torch.Tensor) -> torch.Tensor:
        return self.phi(h).sum(dim=1)


class PairwiseSet(TokenSetModel):
    """Pairwise (Janossy-2) pooling on tokens: ``psi`` (Linear, ReLU, Linear) on every ordered
    pair of distinct elements, a maximum over the pairs (:func:`pairwise_pool`).

    Defined in Lab 14.
    """

    def __init__(self, vocab_size: int = VOCAB_SIZE, hidden_dim: int = 32,
                 latent_dim: int = 8):
        super().__init__(vocab_size, hidden_dim, latent_dim)
        self.psi = _mlp([2 * hidden_dim, hidden_dim, latent_dim])

    def pair_features(self, pair: torch.Tensor) -> torch.Tensor:
        """``psi([h_i, h_j])``, computed from ``|h_i - h_j|`` and ``h_i + h_j``."""
        a, b = pair.chunk(2, dim=-1)
        return self.psi(torch.cat([(a - b).abs(), a + b], dim=-1))

    def encode(self, h: torch.Tensor) -> torch.Tensor:
        return pairwise_pool(self.pair_features, h, "max")


class AttentionSet(TokenSetModel):
    """One set attention block (Lab 09's :class:`~labcode.equivariant.SetAttentionBlock`) on
    the embeddings, a ``Linear`` to ``latent_dim`` per element, a sum over the set.

    Defined in Lab 14.
    """

    def __init__(self, vocab_size: int = VOCAB_SIZE, hidden_dim: int = 32,
                 latent_dim: int = 8, num_heads: int = 4):
        super().__init__(vocab_size, hidden_dim, latent_dim)
        self.sab = SetAttentionBlock(hidden_dim, num_heads)
        self.project = nn.Linear(hidden_dim, latent_dim)

    def encode(self, h: torch.Tensor) -> torch.Tensor:
        return self.project(self.sab(h)).sum(dim=1)


def make_models(hidden_dim: int = 32, latent_dim: int = 8,
                vocab_size: int = VOCAB_SIZE) -> dict[str, TokenSetModel]:
    """The lab's three models, untrained, with the same embedding, latent size and ``rho``.

    Defined in Lab 14.
    """
    return {name: cls(vocab_size, hidden_dim, latent_dim) for name, cls in
            (("DeepSets", ElementwiseSet), ("pairwise", PairwiseSet), ("SAB", AttentionSet))}


# ------------------------------------------------------------------------ evaluation


@torch.no_grad()
def accuracy_by_size(model: nn.Module, sizes: Sequence[int], n_sets: int = 1000,
                     vocab_size: int = VOCAB_SIZE, seed: int = 1234) -> dict[int, float]:
    """The accuracy of ``model`` (probabilities, threshold 0.5) on ``n_sets`` balanced sets
    of each size (:func:`make_repeats`, seeded with ``seed + size``).

    Defined in Lab 14.
    """
    out = {}
    model.eval()
    for n in sizes:
        X, y = make_repeats(n_sets, n, vocab_size, seed=seed + n)
        out[n] = float(((model(X) > 0.5).float() == y).float().mean())
    return out


def operation_counts(n: int) -> dict[str, int]:
    """How many small-network evaluations each model makes on one set of ``n`` elements:
    DeepSets applies ``phi`` to ``n`` elements, pairwise pooling ``psi`` to ``n (n - 1)``
    ordered pairs, and the SAB computes ``n ** 2`` attention scores (and ``n`` feed-forward
    passes, left out). Defined in Lab 14."""
    n = check_int("n", n, 1)
    return {"DeepSets": n, "pairwise": n * (n - 1), "SAB": n * n}


@torch.no_grad()
def forward_seconds(models: Mapping[str, nn.Module], sizes: Sequence[int],
                    n_sets: int = 32, repeats: int = 3) -> dict[str, dict[int, float]]:
    """The fastest of ``repeats`` forward passes of each model on ``n_sets`` sets of each
    size (random tokens below :data:`VOCAB_SIZE`, any size), in seconds: ``out[name][n]``.
    Machine-dependent. Defined in Lab 14."""
    out: dict[str, dict[int, float]] = {name: {} for name in models}
    g = torch.Generator().manual_seed(0)
    for n in check_int_list("sizes", sizes, 1):
        X = torch.randint(0, VOCAB_SIZE, (n_sets, n), generator=g)
        for name, model in models.items():
            model.eval()
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                model(X)
                times.append(time.perf_counter() - start)
            out[name][n] = min(times)
    return out


# --------------------------------------------------------------------------- figures

#: One colour and marker per model, in every figure.
STYLES = {"DeepSets": ("C0", "o"), "pairwise": ("C1", "s"), "SAB": ("C2", "^")}


@styled
def plot_accuracy_by_size(scores: Mapping[str, Mapping[int, float]], train_size: int,
                          ax: Axes | None = None) -> Axes:
    """Accuracy against set size, one line per model (``scores[name][n]``), the training
    size marked. Defined in Lab 14."""
    if ax is None:
        ax = plt.subplots(figsize=(COLUMN_WIDTH, 3.2))[1]
    for name, acc in scores.items():
        colour, marker = STYLES.get(name, (None, "o"))
        ax.plot(list(acc), list(acc.values()), marker=marker, color=colour, label=name)
    ax.axvline(train_size, color="k", ls=":", label=f"trained at n = {train_size}")
    ax.axhline(0.5, color="0.6", ls="--", lw=1, label="chance")
    ax.set_xscale("log", base=2)
    sizes = sorted({n for acc in scores.values() for n in acc})
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.set_ylim(0.4, 1.03)
    ax.set_xlabel("set size n")
    ax.set_ylabel("test accuracy")
    ax.set_title("Does some value occur twice?")
    ax.legend(loc="center right")
    return ax


@styled
def plot_cost(counts: Mapping[str, Mapping[int, float]],
              seconds: Mapping[str, Mapping[int, float]]) -> Figure:
    """Two stacked panels against set size, log-log: the evaluations of
    :func:`operation_counts` and the measured forward times. Defined in Lab 14."""
    fig, (left, right) = stacked(2, 2.6, sharex=True)
    for ax, values, label in ((left, counts, "evaluations per set"),
                              (right, seconds, "forward time (s)")):
        for name, v in values.items():
            colour, marker = STYLES.get(name, (None, "o"))
            ax.plot(list(v), list(v.values()), marker=marker, color=colour, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel(label)
    right.set_xlabel("set size n")
    left.set_title("Network evaluations per set: n against n²")
    right.set_title("Forward time of 32 sets, on this machine")
    left.legend()
    return fig
