"""Models of sets.

Digit sums (Lab 02, seed Tasks 3-4): ``DeepSets`` (sum over per-element embeddings, permutation
invariant by construction) and ``LSTMBaseline`` (reads the set as a sequence). Both take a
LongTensor ``(batch, set size)`` of digits, 0 being padding, and return ``(batch,)`` predictions.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from labcode._validate import check_bool, check_choice, check_int
from labcode.pooling import PMA, SlotSetEncoder, check_dtype, pool


def check_digit_batch(x: object, input_dim: int | None = None) -> torch.Tensor:
    """Return ``x`` if it is a LongTensor ``(batch, set size)`` of tokens in ``0..input_dim-1``.

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
    if input_dim is not None:
        input_dim = check_int("input_dim", input_dim, 1)
        low, high = int(x.min()), int(x.max())
        if low < 0 or high >= input_dim:
            raise ValueError(f"expected tokens in 0..{input_dim - 1} (0 = padding), "
                             f"found values from {low} to {high}")
    return x


def _digit_embedding(input_dim: int, embedding_dim: int,
                     hidden_dim: int) -> tuple[int, nn.Embedding]:
    """Validate the sizes of a digit model and build its embedding (shared by Lab 02's models)."""
    input_dim = check_int("input_dim", input_dim, 1)
    check_int("embedding_dim", embedding_dim, 1)
    check_int("hidden_dim", hidden_dim, 1)
    return input_dim, nn.Embedding(input_dim, embedding_dim)


class DeepSets(nn.Module):
    """DeepSets for digit sums: ``rho(sum_i phi(x_i))``.

    ``phi`` = embedding of each digit to ``embedding_dim`` (h1), then Linear to ``hidden_dim``
    (h2) and tanh; the sum runs over the set; ``rho`` = Linear to one output.
    ``mask_padding=True`` multiplies ``phi(x_i)`` by ``[x_i != 0]`` before the sum, so that a
    padding position contributes exactly zero whatever the weights (Lab 02).
    """

    def __init__(self, input_dim: int = 11, embedding_dim: int = 128, hidden_dim: int = 64,
                 mask_padding: bool = False):
        super().__init__()
        self.input_dim, self.embedding = _digit_embedding(input_dim, embedding_dim, hidden_dim)
        self.mask_padding = check_bool("mask_padding", mask_padding)
        self.fc1 = nn.Linear(embedding_dim, hidden_dim)
        self.tanh = nn.Tanh()
        self.fc2 = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predict the sum of each set: ``(batch, set size)`` digits -> ``(batch,)``."""
        check_digit_batch(x, self.input_dim)
        h = self.tanh(self.fc1(self.embedding(x)))  # (batch, set size, h2): phi of each element
        if self.mask_padding:
            h = h * (x != 0).unsqueeze(-1)  # padding (token 0) adds nothing
        return self.fc2(h.sum(dim=1)).squeeze(-1)  # sum over the set, then rho


class LSTMBaseline(nn.Module):
    """An LSTM that reads a set as a sequence and answers from its last hidden state.

    Embedding of each digit to ``embedding_dim`` (h1), an LSTM with ``hidden_dim`` (h2) units,
    and a Linear layer on the hidden state after the last time step.
    """

    def __init__(self, input_dim: int = 11, embedding_dim: int = 128, hidden_dim: int = 64):
        super().__init__()
        self.input_dim, self.embedding = _digit_embedding(input_dim, embedding_dim, hidden_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predict the sum of each sequence: ``(batch, length)`` digits -> ``(batch,)``."""
        check_digit_batch(x, self.input_dim)
        _, (h_n, _) = self.lstm(self.embedding(x))  # h_n: (1, batch, h2), the last time step
        return self.fc(h_n[-1]).squeeze(-1)


# --- Lab 03: the 1/3-vs-1/5 task ---

#: The element-wise activations a DeepSet's phi can use; "none" makes phi affine.
ACTIVATIONS: dict[str, type[nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU, "none": nn.Identity}
SET_POOLINGS: tuple[str, ...] = ("sum", "mean", "max")


def check_feature_batch(x: object, in_features: int | None = None) -> torch.Tensor:
    """Return ``x`` if it is a float tensor ``(batch, set size, in_features)`` with elements.

    Raises a ``TypeError`` (not a float tensor) or a ``ValueError`` (wrong rank, an empty batch or
    set, the wrong number of features) that says what was expected.
    """
    if not isinstance(x, torch.Tensor) or not torch.is_floating_point(x):
        got = f"a {x.dtype} tensor" if isinstance(x, torch.Tensor) else type(x).__name__
        raise TypeError(f"expected a float tensor of shape (batch, set size, features), got {got}")
    if x.ndim != 3:
        raise ValueError(f"expected a 3-D tensor (batch, set size, features), got shape "
                         f"{tuple(x.shape)}; for one feature per element use x.unsqueeze(-1), "
                         "for one set x.unsqueeze(0)")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"expected at least one set of at least one element, got shape "
                         f"{tuple(x.shape)}")
    if in_features is not None and x.shape[2] != check_int("in_features", in_features, 1):
        raise ValueError(f"expected {in_features} feature(s) per element, got shape "
                         f"{tuple(x.shape)}")
    return x


class DeepSet(nn.Module):
    """A DeepSet for binary classification: ``sigmoid(rho(pool_i phi(x_i)))``.

    ``phi`` maps each element's ``in_features`` to ``latent_dim`` numbers through two hidden layers
    of ``hidden_dim`` units and ``activation`` ("tanh", "relu", or "none": phi is then affine);
    ``pooling`` ("sum", "mean" or "max") combines the elements; ``rho`` has one hidden layer of
    ``rho_hidden_dim`` tanh units and returns one logit. The defaults have 62 parameters.
    ``phi_bias=False`` drops phi's biases: with an odd activation ("tanh", "none") phi is then
    odd, ``phi(-x) = -phi(x)`` (Lab 06).
    """

    def __init__(self, in_features: int = 1, hidden_dim: int = 5, latent_dim: int = 1,
                 rho_hidden_dim: int = 5, activation: str = "tanh", pooling: str = "sum",
                 phi_bias: bool = True):
        super().__init__()
        self.in_features = check_int("in_features", in_features, 1)
        h, out = check_int("hidden_dim", hidden_dim, 1), check_int("latent_dim", latent_dim, 1)
        act = ACTIVATIONS[check_choice("activation", activation, tuple(ACTIVATIONS))]
        self.activation = activation
        self.pooling = check_choice("pooling", pooling, SET_POOLINGS)
        if not isinstance(phi_bias, bool):
            raise TypeError(f"phi_bias must be True or False, got {phi_bias!r}")
        self.phi = nn.Sequential(nn.Linear(in_features, h, bias=phi_bias), act(),
                                 nn.Linear(h, h, bias=phi_bias), act(),
                                 nn.Linear(h, out, bias=phi_bias))
        r = check_int("rho_hidden_dim", rho_hidden_dim, 1)
        self.rho = nn.Sequential(nn.Linear(out, r), nn.Tanh(), nn.Linear(r, 1))

    def pool(self, h: torch.Tensor) -> torch.Tensor:
        """Combine per-element features ``(batch, set size, k)`` into ``(batch, k)``."""
        return pool(h, self.pooling)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The score before the sigmoid: ``(batch, set size, in_features)`` -> ``(batch, 1)``."""
        check_dtype(self, check_feature_batch(x, self.in_features))
        return self.rho(self.pool(self.phi(x)))  # per element, then pool, then set-wide

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Probability of class 1 for each set, ``(batch, 1)``."""
        return torch.sigmoid(self.logits(x))


def mlp(in_features: int = 10, hidden_dims: tuple[int, ...] | list[int] = (16, 16),
        activation: str = "relu", sigmoid: bool = True) -> nn.Sequential:
    """A plain ``nn.Sequential`` MLP on the flattened set (it sees positions, not a set).

    ``Flatten`` turns ``(batch, set size, features)`` into ``(batch, in_features)``; then one
    ``Linear`` + ``activation`` per entry of ``hidden_dims``, a ``Linear`` to one output, and a
    final ``Sigmoid`` when ``sigmoid`` (drop it to get logits, or use :func:`logits_of`).
    """
    in_features = check_int("in_features", in_features, 1)
    if isinstance(hidden_dims, (str, bytes)) or not isinstance(hidden_dims, (tuple, list)):
        raise TypeError("hidden_dims must be a tuple of layer widths, got "
                        f"{type(hidden_dims).__name__}")
    widths = [check_int("each hidden width", w, 1) for w in hidden_dims]
    act = ACTIVATIONS[check_choice("activation", activation, tuple(ACTIVATIONS))]
    layers: list[nn.Module] = [nn.Flatten()]
    for n_in, n_out in zip([in_features, *widths], widths, strict=False):
        layers += [nn.Linear(n_in, n_out), act()]
    layers.append(nn.Linear(widths[-1] if widths else in_features, 1))
    if check_bool("sigmoid", sigmoid):
        layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


def logits_of(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The logits of a binary classifier that ends in a sigmoid.

    Works for a :class:`DeepSet` (or any model with a ``logits`` method) and for an
    ``nn.Sequential`` whose last layer is ``nn.Sigmoid``. Compare logits rather than
    probabilities when outputs saturate: ``sigmoid(12)`` and ``sigmoid(15)`` both print 1.0000.
    """
    if callable(getattr(model, "logits", None)):
        return model.logits(x)
    if isinstance(model, nn.Sequential) and len(model) > 1 and isinstance(model[-1], nn.Sigmoid):
        if not isinstance(x, torch.Tensor) or not torch.is_floating_point(x):
            got = f"a {x.dtype} tensor" if isinstance(x, torch.Tensor) else type(x).__name__
            raise TypeError(f"expected a float tensor (batch, set size, features), got {got}")
        check_dtype(model, x)
        if len(model) > 2 and isinstance(model[0], nn.Flatten) and isinstance(model[1], nn.Linear):
            in_features = model[1].in_features
            if x.ndim < 2 or math.prod(x.shape[1:]) != in_features:
                raise ValueError(f"this MLP takes {in_features} numbers per set (e.g. a batch of "
                                 f"shape (batch, {in_features}, 1)), got shape {tuple(x.shape)}")
        return model[:-1](x)
    raise TypeError("expected a model with a .logits(x) method or an nn.Sequential ending in "
                    f"nn.Sigmoid, got {type(model).__name__}")


def count_params(model: nn.Module) -> int:
    """Number of parameters (scalars) of ``model``; a parameter shared by two layers counts once."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected an nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters())


# --- Labs 07-08: one set model, any pooling ---


class PooledSetModel(nn.Module):
    """``rho(pool_i phi(x_i))`` with a selectable pooling, for digits or real-valued elements.

    ``phi``: an embedding (``input_dim`` given: digit tokens, 0 = padding) or an MLP on
    ``in_features`` real features, then Linear + ReLU to ``hidden_dim``. ``pooling``: ``sum``,
    ``mean``, ``max`` (padding ignored), ``attention`` (:class:`~labcode.pooling.PMA`) or
    ``slots`` (:class:`~labcode.pooling.SlotSetEncoder`, divided by the number of elements).
    ``rho``: Linear + ReLU, Linear to ``out_features``.
    ``pma_feedforward=False`` (attention only) builds the PMA without its feed-forward block,
    so that the attention pooling, like the others, is followed by ``rho`` alone.
    """

    POOLINGS = ("sum", "mean", "max", "attention", "slots")

    def __init__(self, pooling: str = "sum", *, input_dim: int | None = None,
                 in_features: int | None = None, hidden_dim: int = 32, out_features: int = 1,
                 num_slots: int = 4, rho_hidden_dim: int = 0, pma_feedforward: bool = True):
        super().__init__()
        check_choice("pooling", pooling, self.POOLINGS)
        pma_feedforward = check_bool("pma_feedforward", pma_feedforward)
        if (input_dim is None) == (in_features is None):
            raise ValueError("give exactly one of input_dim (digit sets) or in_features "
                             "(real sets)")
        hidden_dim = check_int("hidden_dim", hidden_dim, 1)
        self.pooling, self.input_dim, self.in_features = pooling, input_dim, in_features
        if input_dim is not None:
            # a lookup table: the most general function of a digit
            self.phi: nn.Module = nn.Embedding(check_int("input_dim", input_dim, 2), hidden_dim)
        else:
            n_in = check_int("in_features", in_features, 1)
            self.phi = nn.Sequential(nn.Linear(n_in, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, hidden_dim), nn.ReLU())
        width = hidden_dim
        if pooling == "attention":
            self.pma = PMA(hidden_dim, num_heads=1, num_seeds=1,
                           feedforward=pma_feedforward)
        elif pooling == "slots":
            self.sse = SlotSetEncoder(hidden_dim, num_slots, hidden_dim, hidden_dim, hidden_dim)
            width = num_slots * hidden_dim
        out_features = check_int("out_features", out_features, 1)
        if check_int("rho_hidden_dim", rho_hidden_dim, 0):
            self.rho = nn.Sequential(nn.Linear(width, rho_hidden_dim), nn.ReLU(),
                                     nn.Linear(rho_hidden_dim, out_features))
        else:
            self.rho = nn.Linear(width, out_features)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled representation of each set (what ``rho`` sees)."""
        if self.input_dim is not None:
            check_digit_batch(x, self.input_dim)
            mask = x != 0
        else:
            check_dtype(self, check_feature_batch(x, self.in_features))
            mask = None
        h = self.phi(x)
        if self.pooling == "attention":
            return self.pma(h, mask)
        if self.pooling == "slots":
            n = h.shape[1] if mask is None else mask.sum(1).view(-1, 1, 1)
            return (self.sse(h, mask) / n).flatten(1)
        return pool(h, self.pooling, mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, set size[, features])`` -> ``(batch, out_features)``, squeezed if 1."""
        out = self.rho(self.encode(x))
        return out.squeeze(-1) if out.shape[-1] == 1 else out
