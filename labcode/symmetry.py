"""Permutation symmetry checks: does a model's output depend on the order of a set's elements?

- :func:`permute_sets` -- reorder the elements of every set of a batch (padding can stay put);
- :func:`invariance_deviation` -- largest change of ``f(x)`` over many random reorderings;
- :func:`equivariance_deviation` -- the same for ``f(x)`` that should reorder *with* ``x``.

A batch is a tensor ``(batch, set size)`` (e.g. digits) or ``(batch, set size, features)``; the
function under test is any callable on such a batch, e.g. an ``nn.Module``. An invariant model
gives deviations of the order of float rounding (~1e-7 relative); an order-sensitive one does not.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from labcode._validate import (
    as_generator,
    check_int,
    check_int_list,
    check_real,
    check_sets,
)


def _check_batch(x: object) -> torch.Tensor:
    return check_sets(x, dtype=None, ranks=(2, 3), min_size=2)


def _padding_mask(x: torch.Tensor, pad_value: float | None) -> torch.Tensor:
    """True where an element is padding: equal to ``pad_value`` (in every feature)."""
    if pad_value is None:
        return torch.zeros(x.shape[:2], dtype=torch.bool, device=x.device)
    pad_value = check_real("pad_value", pad_value, finite=False)
    is_pad = x == pad_value
    return is_pad.all(dim=-1) if x.ndim == 3 else is_pad


def _random_index(pad: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """A gather index ``(batch, set size)`` that shuffles each row's non-padding positions."""
    batch, size = pad.shape
    positions = torch.arange(size, device=pad.device).expand(batch, size)
    # Real elements first: in their own order (`ordered`) and in a random order (`shuffled`);
    # padding last, in its own order in both. Position ordered[k] receives element shuffled[k].
    keys = torch.rand(batch, size, generator=generator).to(pad.device)
    shuffled = torch.where(pad, 2.0 + positions, keys).argsort(dim=1)
    ordered = (pad * size + positions).argsort(dim=1)
    return torch.empty_like(positions).scatter_(1, ordered, shuffled)


def _gather_sets(t: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Reorder dimension 1 of ``t`` (batch, set size, ...) by ``index`` (batch, set size)."""
    index = index.view(index.shape + (1,) * (t.ndim - 2)).expand_as(t)
    return t.gather(1, index)


def permute_sets(x: torch.Tensor, pad_value: float | None = None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Return ``x`` with the elements of each set (dimension 1) in a new random order.

    Every set gets its own permutation. With ``pad_value`` (e.g. 0 for padded digit rows),
    elements equal to it stay where they are and only the real elements are shuffled among
    their positions, so a left-padded row stays left-padded.
    """
    x = _check_batch(x)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, "
                        f"got {type(generator).__name__}")
    return _gather_sets(x, _random_index(_padding_mask(x, pad_value), generator))


def _deviation(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, n_perms: int,
               pad_value: float | None, seed: int | None, equivariant: bool) -> float:
    if not callable(fn):
        raise TypeError(f"fn must be a callable (e.g. an nn.Module), got {type(fn).__name__}")
    x = _check_batch(x)
    n_perms = check_int("n_perms", n_perms, 1)
    generator = as_generator(seed)
    with torch.no_grad():
        reference = fn(x)
        if not isinstance(reference, torch.Tensor):
            raise TypeError(f"fn must return a tensor, got {type(reference).__name__}")
        if reference.ndim == 0 or reference.shape[0] != x.shape[0]:
            raise ValueError(f"fn must return one output per set, shape (batch, ...) with "
                             f"batch = {x.shape[0]}; got shape {tuple(reference.shape)}")
        if equivariant and (reference.ndim < 2 or reference.shape[1] != x.shape[1]):
            raise ValueError("an equivariant fn returns one output per element, shape "
                             f"(batch, set size, ...) = ({x.shape[0]}, {x.shape[1]}, ...); "
                             f"got {tuple(reference.shape)}")
        worst = 0.0
        pad = _padding_mask(x, None if equivariant else pad_value)
        for _ in range(n_perms):
            index = _random_index(pad, generator)
            permuted = _gather_sets(x, index)
            expected = _gather_sets(reference, index) if equivariant else reference
            out = fn(permuted)
            if tuple(out.shape) != tuple(expected.shape):
                raise ValueError(f"fn returned shape {tuple(out.shape)} for a reordered batch "
                                 f"but {tuple(expected.shape)} for the original")
            worst = max(worst, float((out.double() - expected.double()).abs().max()))
    return worst


def invariance_deviation(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                         n_perms: int = 100, pad_value: float | None = None,
                         seed: int | None = None) -> float:
    """Largest ``|fn(x) - fn(x reordered)|`` over ``n_perms`` random reorderings of every set.

    ``fn`` takes a batch ``(batch, set size[, features])`` and returns one output per set,
    ``(batch, ...)``. With ``pad_value`` the padding elements stay in place (see
    :func:`permute_sets`). ``seed`` makes the reorderings reproducible. A permutation-invariant
    ``fn`` returns float rounding (about 1e-7 times the size of its outputs).
    """
    return _deviation(fn, x, n_perms, pad_value, seed, equivariant=False)


def equivariance_deviation(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                           n_perms: int = 100, seed: int | None = None) -> float:
    """Largest ``|fn(x reordered) - fn(x) reordered|`` over ``n_perms`` random reorderings.

    ``fn`` returns one output per element, ``(batch, set size, ...)``; it is permutation
    equivariant when reordering its input reorders its output in the same way, as a per-element
    network ``phi`` does.
    """
    return _deviation(fn, x, n_perms, None, seed, equivariant=True)


def minibatch_consistency_error(
    encode: Callable[[torch.Tensor], torch.Tensor],
    aggregate: Callable[[list[torch.Tensor], list[int]], torch.Tensor],
    x: torch.Tensor,
    chunk_sizes: list[int],
) -> float:
    """How far ``aggregate([encode(chunk) ...], sizes)`` is from ``encode(x)``, relatively.

    ``x`` is a batch of sets ``(batch, n, features)``; it is split along the elements into
    chunks of ``chunk_sizes`` (which must add up to ``n``). Returns the largest absolute
    difference divided by the largest absolute entry of ``encode(x)``: about 1e-7 to 1e-6 for a
    mini-batch consistent encoder in float32 (rounding), much more for one that is not.
    """
    if not callable(encode) or not callable(aggregate):
        raise TypeError("encode and aggregate must be functions")
    if not isinstance(x, torch.Tensor) or not torch.is_floating_point(x):
        got = f"a {x.dtype} tensor" if isinstance(x, torch.Tensor) else type(x).__name__
        raise TypeError(f"expected x, a float tensor (batch, n_elements, features), got {got}")
    if x.ndim != 3 or 0 in x.shape:
        raise ValueError("expected x of shape (batch, n_elements, features) with at least one "
                         f"set, element and feature, got {tuple(x.shape)}")
    sizes = check_int_list("chunk_sizes", chunk_sizes, 1)
    if sum(sizes) != x.shape[1]:
        raise ValueError(f"chunk_sizes add up to {sum(sizes)}, but the set has {x.shape[1]} "
                         "elements")
    whole = encode(x)
    if not isinstance(whole, torch.Tensor) or not torch.is_floating_point(whole):
        raise TypeError(f"encode must return a float tensor, got "
                        f"{getattr(whole, 'dtype', type(whole).__name__)}")
    if whole.numel() == 0:
        raise ValueError(f"encode(x) returned an empty tensor of shape {tuple(whole.shape)}")
    combined = aggregate([encode(chunk) for chunk in x.split(sizes, dim=1)], sizes)
    if not isinstance(combined, torch.Tensor) or combined.shape != whole.shape:
        raise ValueError(f"aggregate returned shape {getattr(combined, 'shape', None)}, "
                         f"expected {tuple(whole.shape)} like encode(x)")
    scale = whole.abs().max().clamp_min(torch.finfo(whole.dtype).tiny)
    return float((combined - whole).abs().max() / scale)
