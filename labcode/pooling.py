"""Pooling: how a set model turns per-element features into one representation of the set.

- :func:`pool` -- sum, mean or max over the elements, ignoring padding;
- :class:`PMA` -- attention pooling with learned seed vectors (Lee et al., 2019), and
  :func:`stream_pma`, which computes it chunk by chunk, exactly, with the online softmax
  (:func:`softmax_state`, :func:`merge_softmax_states`);
- :class:`SlotSetEncoder` -- sigmoid attention normalised over slots (Andreis et al., 2021),
  which can encode a set chunk by chunk and get exactly the same result.

Shapes: ``h`` is ``(batch, n_elements, features)``; ``mask`` is an optional boolean
``(batch, n_elements)`` tensor, True where an element is present (False = padding).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from labcode._moved import aliases
from labcode._validate import (
    check_bool,
    check_choice,
    check_int,
    check_sets,
)

POOLINGS: tuple[str, ...] = ("sum", "mean", "max")


def _check_features(h: object, mask: object | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    h = check_sets(h, "h", empty_batch=True)
    if mask is None:
        return h, None
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError("mask must be a bool tensor of shape (batch, n_elements)")
    if tuple(mask.shape) != tuple(h.shape[:2]):
        raise ValueError(f"mask must have shape {tuple(h.shape[:2])}, got {tuple(mask.shape)}")
    if not bool(mask.any(dim=1).all()):
        raise ValueError("every set needs at least one element: a row of mask is all False")
    return h, mask


def check_dtype(module: nn.Module, x: torch.Tensor, name: str = "x") -> torch.Tensor:
    """Return ``x`` if its dtype is the dtype of ``module``'s parameters (float32 by default)."""
    param = next(module.parameters(), None)
    if param is not None and x.dtype != param.dtype:
        raise TypeError(f"expected {name} of dtype {param.dtype}, like the parameters of "
                        f"{type(module).__name__}; got {x.dtype}. Convert it with "
                        f"{name}.to({param.dtype}) (e.g. {name}.float()).")
    return x


def pool(h: torch.Tensor, how: str = "sum", mask: torch.Tensor | None = None) -> torch.Tensor:
    """Pool ``(batch, n, d)`` element features into ``(batch, d)`` by ``sum``, ``mean`` or ``max``.

    Padding (``mask`` False) contributes nothing: 0 to a sum, no weight in a mean, and it is never
    the maximum.
    """
    check_choice("how", how, POOLINGS)
    h, mask = _check_features(h, mask)
    if how == "max":
        if mask is not None:
            h = h.masked_fill(~mask[..., None], float("-inf"))
        return h.max(dim=1).values
    if mask is not None:
        h = h * mask[..., None].to(h.dtype)
    total = h.sum(dim=1)
    if how == "sum":
        return total
    count = h.shape[1] if mask is None else mask.sum(dim=1, keepdim=True).to(h.dtype)
    return total / count


class PMA(nn.Module):
    """Pooling by Multihead Attention: ``num_seeds`` learned queries attend over the elements.

    ``PMA(h) = H + rFF(H)`` with ``H = S + MultiheadAttention(S, h, h)``, as in the Set
    Transformer (without layer norm). The softmax over elements makes it a learned weighted
    *average*: permutation invariant, but blind to how many elements there are.

    ``feedforward=False`` drops the ``rFF`` block: ``PMA(h) = H``, an affine function of the
    attention-weighted average of ``h`` (per head), like a sum, mean or max pooling followed
    by nothing nonlinear.
    """

    def __init__(self, dim: int, num_heads: int = 1, num_seeds: int = 1, *,
                 feedforward: bool = True):
        super().__init__()
        self.dim = check_int("dim", dim, 1)
        check_int("num_heads", num_heads, 1)
        self.num_seeds = check_int("num_seeds", num_seeds, 1)
        if dim % num_heads:
            raise ValueError(f"dim ({dim}) must be divisible by num_heads ({num_heads})")
        self.seeds = nn.Parameter(torch.randn(1, num_seeds, dim) / math.sqrt(dim))
        self.attention = nn.MultiheadAttention(dim, num_heads, batch_first=True)
        self.feedforward: nn.Module | None = None
        if check_bool("feedforward", feedforward):
            self.feedforward = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(),
                                             nn.Linear(dim, dim))

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``(batch, n, dim)`` -> ``(batch, num_seeds * dim)``."""
        h, mask = _check_features(h, mask)
        if h.shape[-1] != self.dim:
            raise ValueError(f"expected {self.dim} features per element, got {h.shape[-1]}")
        check_dtype(self, h, "h")
        seeds = self.seeds.expand(h.shape[0], -1, -1)
        padding = None if mask is None else ~mask
        attended, _ = self.attention(seeds, h, h, key_padding_mask=padding, need_weights=False)
        out = seeds + attended
        if self.feedforward is not None:
            out = out + self.feedforward(out)
        return out.reshape(h.shape[0], self.num_seeds * self.dim)

    def scores_and_values(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The attention's inputs for a set or a chunk of one (no padding mask).

        Returns ``scores`` ``(batch, heads, seeds, n)``, each seed's scaled dot product with
        each element's key, and ``values`` ``(batch, heads, n, head_dim)``: the attention of
        ``forward`` is ``softmax(scores, dim=-1) @ values``, which :meth:`readout` finishes.
        """
        h, _ = _check_features(h, None)
        if h.shape[-1] != self.dim:
            raise ValueError(f"expected {self.dim} features per element, got {h.shape[-1]}")
        check_dtype(self, h, "h")
        att = self.attention
        heads, head_dim = att.num_heads, self.dim // att.num_heads
        w_q, w_k, w_v = att.in_proj_weight.chunk(3)
        b_q, b_k, b_v = att.in_proj_bias.chunk(3)

        def split(t: torch.Tensor) -> torch.Tensor:  # (batch, m, dim) -> (batch, heads, m, hd)
            return t.reshape(t.shape[0], t.shape[1], heads, head_dim).transpose(1, 2)

        q = split(nn.functional.linear(self.seeds, w_q, b_q).expand(h.shape[0], -1, -1))
        k, v = split(nn.functional.linear(h, w_k, b_k)), split(nn.functional.linear(h, w_v, b_v))
        return q @ k.transpose(-1, -2) / math.sqrt(head_dim), v

    def readout(self, attended: torch.Tensor) -> torch.Tensor:
        """Finish :meth:`forward` from ``softmax(scores) @ values``, ``(batch, heads, seeds,
        head_dim)``: merge the heads, project, add the seeds, the feed-forward block."""
        batch = attended.shape[0]
        merged = attended.transpose(1, 2).reshape(batch, self.num_seeds, self.dim)
        out = self.seeds + self.attention.out_proj(merged)
        if self.feedforward is not None:
            out = out + self.feedforward(out)
        return out.reshape(batch, self.num_seeds * self.dim)


class SlotSetEncoder(nn.Module):
    """Slot Set Encoder (Andreis et al., 2021, Algorithm 1), with deterministic learned slots.

    ``K`` slots ``S`` (``K x slot_dim``) are layer-normed and projected to queries; each element
    gets keys and values; ``attn = sigmoid(k q^T / sqrt(d)) + 1e-8`` is normalised **over the
    slots** (not over the elements, unlike softmax attention), and the slot outputs are
    ``W^T v``, a *sum over elements*. Encoding chunks separately and adding the results
    (``aggregate``) therefore gives exactly the encoding of the whole set.
    """

    def __init__(self, in_dim: int, num_slots: int = 4, slot_dim: int = 32, key_dim: int = 32,
                 out_dim: int = 32):
        super().__init__()
        self.in_dim = check_int("in_dim", in_dim, 1)
        self.num_slots = check_int("num_slots", num_slots, 1)
        check_int("slot_dim", slot_dim, 1)
        self.key_dim = check_int("key_dim", key_dim, 1)
        self.out_dim = check_int("out_dim", out_dim, 1)
        self.slots = nn.Parameter(torch.randn(num_slots, slot_dim))
        self.norm = nn.LayerNorm(slot_dim)
        self.query = nn.Linear(slot_dim, key_dim)
        self.key = nn.Linear(in_dim, key_dim)
        self.value = nn.Linear(in_dim, out_dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None,
                slots: torch.Tensor | None = None) -> torch.Tensor:
        """Encode one set or chunk: ``(batch, n, in_dim)`` -> ``(batch, num_slots, out_dim)``.

        ``slots`` overrides the learned slots (used to check equivariance in the slots).
        """
        x, mask = _check_features(x, mask)
        if x.shape[-1] != self.in_dim:
            raise ValueError(f"expected {self.in_dim} features per element, got {x.shape[-1]}")
        check_dtype(self, x)
        if slots is None:
            slots = self.slots
        else:
            slot_dim = self.slots.shape[1]
            if not isinstance(slots, torch.Tensor):
                raise TypeError(f"slots must be a tensor (num_slots, {slot_dim}), "
                                f"got {type(slots).__name__}")
            if slots.ndim != 2 or slots.shape[0] == 0 or slots.shape[1] != slot_dim:
                raise ValueError(f"slots must have shape (num_slots, {slot_dim}), got "
                                 f"{tuple(slots.shape)}")
            check_dtype(self, slots, "slots")
        queries = self.query(self.norm(slots))                              # (K, d)
        logits = self.key(x) @ queries.T / math.sqrt(self.key_dim)          # (batch, n, K)
        attn = torch.sigmoid(logits) + 1e-8
        weights = attn / attn.sum(dim=-1, keepdim=True)                     # normalised over slots
        if mask is not None:
            weights = weights * mask[..., None].to(weights.dtype)
        return weights.transpose(1, 2) @ self.value(x)                      # sum over elements

    @staticmethod
    def aggregate(parts: list[torch.Tensor]) -> torch.Tensor:
        """Combine the encodings of the chunks of one set: ``g`` = sum."""
        if not isinstance(parts, (list, tuple)) or not all(isinstance(p, torch.Tensor)
                                                           for p in parts):
            raise TypeError("parts must be a list of tensors, the encodings of the chunks")
        if not parts:
            raise ValueError("aggregate needs the encoding of at least one chunk")
        shapes, devices = {tuple(p.shape) for p in parts}, {str(p.device) for p in parts}
        if len(shapes) > 1 or len(devices) > 1:
            raise ValueError("the encodings of the chunks must have the same shape and device, "
                             f"got shapes {sorted(shapes)} on {sorted(devices)}")
        return torch.stack(list(parts)).sum(dim=0)


__getattr__ = aliases(__name__)  # names that moved to the labs' topic modules
