"""Models of sets.

Digit sums (Lab 02, seed Tasks 3-4): ``DeepSets`` (sum over per-element embeddings, permutation
invariant by construction) and ``LSTMBaseline`` (reads the set as a sequence). Both take a
LongTensor ``(batch, set size)`` of digits, 0 being padding, and return ``(batch,)`` predictions.
"""

from __future__ import annotations

import torch
from torch import nn

from labcode._validate import check_int


def check_digit_batch(x: object, n_tokens: int | None = None) -> torch.Tensor:
    """Return ``x`` if it is a LongTensor ``(batch, set size)`` of tokens in ``0..n_tokens-1``.

    Raises a ``TypeError`` (not a tensor, not int64) or a ``ValueError`` (wrong rank, an empty
    batch or set, a token out of range) that says what was expected.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected a torch.LongTensor of shape (batch, set size), "
                        f"got {type(x).__name__}")
    if x.dtype != torch.long:
        raise TypeError(f"expected a LongTensor (torch.int64) of digits, got dtype {x.dtype}; "
                        "use torch.as_tensor(X, dtype=torch.long)")
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D tensor of shape (batch, set size), got {x.ndim}-D "
                         f"shape {tuple(x.shape)}; for one set use x.unsqueeze(0)")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"expected at least one set of at least one element, got shape "
                         f"{tuple(x.shape)} (pad a short set with 0 instead of leaving it empty)")
    if n_tokens is not None:
        low, high = int(x.min()), int(x.max())
        if low < 0 or high >= n_tokens:
            raise ValueError(f"expected tokens in 0..{n_tokens - 1} (0 = padding), "
                             f"found values from {low} to {high}")
    return x


class DeepSets(nn.Module):
    """DeepSets for digit sums: ``rho(sum_i phi(x_i))``.

    ``phi`` = embedding of each digit to ``embedding_dim`` (h1), then Linear to ``hidden_dim``
    (h2) and tanh; the sum runs over the set; ``rho`` = Linear to one output.
    """

    def __init__(self, input_dim: int = 11, embedding_dim: int = 128, hidden_dim: int = 64):
        super().__init__()
        self.input_dim = check_int("input_dim", input_dim, 1)
        check_int("embedding_dim", embedding_dim, 1)
        check_int("hidden_dim", hidden_dim, 1)
        self.embedding = nn.Embedding(input_dim, embedding_dim)
        self.fc1 = nn.Linear(embedding_dim, hidden_dim)
        self.tanh = nn.Tanh()
        self.fc2 = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predict the sum of each set: ``(batch, set size)`` digits -> ``(batch,)``."""
        check_digit_batch(x, self.input_dim)
        h = self.tanh(self.fc1(self.embedding(x)))  # (batch, set size, h2): phi of each element
        return self.fc2(h.sum(dim=1)).squeeze(-1)  # sum over the set, then rho


class LSTMBaseline(nn.Module):
    """An LSTM that reads a set as a sequence and answers from its last hidden state.

    Embedding of each digit to ``embedding_dim`` (h1), an LSTM with ``hidden_dim`` (h2) units,
    and a Linear layer on the hidden state after the last time step.
    """

    def __init__(self, input_dim: int = 11, embedding_dim: int = 128, hidden_dim: int = 64):
        super().__init__()
        self.input_dim = check_int("input_dim", input_dim, 1)
        check_int("embedding_dim", embedding_dim, 1)
        check_int("hidden_dim", hidden_dim, 1)
        self.embedding = nn.Embedding(input_dim, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predict the sum of each sequence: ``(batch, length)`` digits -> ``(batch,)``."""
        check_digit_batch(x, self.input_dim)
        _, (h_n, _) = self.lstm(self.embedding(x))  # h_n: (1, batch, h2), the last time step
        return self.fc(h_n[-1]).squeeze(-1)
