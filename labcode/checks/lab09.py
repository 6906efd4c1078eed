"""Self-checks of Lab 09: the equivariant layer, the odd-one-out generator and the basis of
the equivariant linear maps."""

from __future__ import annotations

from collections.abc import Callable

from labcode.checks.api import (
    Checker,
    CheckFailed,
    call_tensor_fn,
    construct,
    is_float32_tensor,
    run_check,
)

_BROADCAST = ("the pooled term pool(X) Gamma has shape (batch, out_features), one row per "
              "set: give it an element axis, .unsqueeze(1), so that it is added to every "
              "element of its set.")


def _layer_output(c: Checker, layer: object, x: object, call: str,
                  shape: tuple[int, ...]) -> object:
    """``layer(x)``, checked to be a float32 tensor of ``shape``."""
    import torch

    out = call_tensor_fn(layer, (x,), call, _BROADCAST)
    c.expect(out is not None, f"{call} returned None: did you forget the `return` in forward?")
    c.expect(isinstance(out, torch.Tensor),
             f"{call} should return a tensor, got a {type(out).__name__}.")
    c.expect(tuple(out.shape) == shape,
             f"{call} on a batch of shape {tuple(x.shape)} should return one row per "
             f"element, shape (batch, set size, out_features) = {shape}; got "
             f"{tuple(out.shape)}.")
    c.expect(is_float32_tensor(out), f"{call} should return float32, got {out.dtype}.")
    return out


def check_equivariant_layer(EquivariantLayer: type) -> None:
    """Self-check for Lab 09's ``EquivariantLayer``: shapes, equivariance, mixing, pooling."""
    import torch
    from torch import nn

    from labcode.symmetry import equivariance_deviation

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            for pool in ("sum", "max"):
                name = f"EquivariantLayer(3, 4, pool={pool!r})"
                layer = construct(EquivariantLayer, 3, 4, pool=pool)
                c.expect(isinstance(layer, nn.Module) and any(
                    p.requires_grad for p in layer.parameters()),
                    f"{name} should be an nn.Module with trainable parameters: create its "
                    "nn.Linear layers in __init__.")
                x = torch.randn(2, 5, 3)
                saved = x.clone()
                with torch.no_grad():
                    out = _layer_output(c, layer, x, f"{name}(x)", (2, 5, 4))
                    c.expect(torch.equal(x, saved),
                             f"{name}(x) changed its input x in place (an operation ending "
                             "in _, x -= ..., x[...] = ...): the caller uses x again. "
                             "Compute with new tensors.")
                    alone = layer(x[:1])
                c.expect(torch.allclose(alone, out[:1], atol=1e-5),
                         "the output for one set changes with the other sets of the batch: "
                         "pool over the elements of each set (dim=1), not over the batch "
                         "(dim=0).")
                scale = float(out.abs().max())
                deviation = equivariance_deviation(layer, x, n_perms=20, seed=0)
                c.expect(deviation <= 1e-5 * scale,
                         "reordering the elements of X does not reorder the output rows in "
                         "the same way: the layer is not permutation equivariant. A layer that "
                         "mixes positions (a Linear on the flattened set, a cumulative sum) "
                         "sees where each element sits; use only x_i's own features and a "
                         "pooled term that is the same for every element.")
                with torch.no_grad():
                    for n in (1, 17):
                        _layer_output(c, layer, torch.randn(3, n, 3), f"{name}(x)", (3, n, 4))
                    zeros = [layer(torch.zeros(1, n, 3))[0, 0] for n in (1, 5, 17)]
                    spread = max(float((z - zeros[0]).abs().max()) for z in zeros)
                c.expect(spread <= 1e-5 * max(scale, 1.0),
                         f"on a set of zeros pool(X) = 0, so every output row should be the "
                         f"bias b whatever the set size; yours changes with the size (by "
                         f"{spread:.3g} from 1 to 17 elements). Pool the elements first, "
                         "then apply Gamma, a Linear without bias: self.pooled(pool(x)), not "
                         "the pool of self.pooled(x) (which adds Gamma's bias once per "
                         "element).")
                with torch.no_grad():
                    full = out[:, 0] - out[:, 1]  # x_0 Lambda - x_1 Lambda: the same pooled term
                    pair = layer(x[:, :2])
                    pair = pair[:, 0] - pair[:, 1]
                c.expect(torch.allclose(full, pair, atol=1e-4 * max(scale, 1.0)),
                         "the difference between the outputs of two elements should be "
                         "(x_0 - x_1) Lambda, whatever the other elements: the pooled term "
                         "pool(X) Gamma must be the same for every element of a set. Pool "
                         "over ALL the elements, x_i included (no leave-one-out pooling).")
                with torch.no_grad():
                    changed = x.clone()
                    changed[:, 0] = x.max(dim=1).values + 1.0  # a new maximum in every feature
                    other = layer(changed)[:, 1:]
                c.expect(not torch.allclose(other, out[:, 1:], atol=1e-4),
                         "changing one element leaves the outputs of all the other elements as "
                         "they were: the layer treats each element alone. A per-element Linear "
                         "is equivariant but does not mix the elements; add the pooled term "
                         "pool(X) Gamma, the same for every element of a set.")
                with torch.no_grad():
                    if pool == "sum":
                        y = torch.randn(2, 5, 3)
                        affine = layer(x) + layer(y) - layer(x + y) - layer(torch.zeros_like(x))
                        twice = layer(torch.cat([x, x], dim=1))[:, :5]
                        c.expect(float(affine.abs().max()) <= 1e-4 * max(scale, 1.0),
                                 "with pool='sum' the layer is affine in X (X Lambda + "
                                 "1 sum(X) Gamma + b), but yours is not: pool with the sum "
                                 "over the elements, x.sum(dim=1).")
                        c.expect(not torch.allclose(twice, out, atol=1e-4),
                                 "with pool='sum', a set and the same set taken twice pool "
                                 "differently (the sum doubles), but your outputs are the "
                                 "same: did you take a mean? Use x.sum(dim=1).")
                    else:
                        below = x.min(dim=1, keepdim=True).values  # not a maximum anywhere
                        grown = layer(torch.cat([x, below], dim=1))[:, :5]
                        c.expect(torch.allclose(grown, out, atol=1e-5),
                                 "with pool='max', adding an element that is not larger than "
                                 "the maximum in any feature must leave the other outputs as "
                                 "they were, but it changed them: pool with the maximum over "
                                 "the elements, x.max(dim=1).values.")
            try:
                EquivariantLayer(3, 4, pool="median")
            except ValueError:
                c.expect(True, "")
            except NotImplementedError:
                raise
            except Exception as error:
                c.expect(False, f"EquivariantLayer(3, 4, pool='median') raised "
                                f"{type(error).__name__}; raise a ValueError that names "
                                "the poolings it accepts, 'sum' and 'max'.")
            else:
                c.expect(False, "EquivariantLayer(3, 4, pool='median') should raise a "
                                "ValueError (only 'sum' and 'max' are poolings here); it "
                                "built a layer.")

    run_check("EquivariantLayer", EquivariantLayer, body)


def check_make_odd_one_out(make_odd_one_out: Callable[..., object]) -> None:
    """Self-check for Lab 09's ``make_odd_one_out``: types, shapes, seeding, the distribution."""
    import torch

    def draw(c: Checker, n: int, seed: int, **kwargs: object
             ) -> tuple[torch.Tensor, torch.Tensor]:
        """``make_odd_one_out(n, generator=seed, **kwargs)``, its types and shapes checked."""
        call = f"make_odd_one_out({n}, ...)"
        out = make_odd_one_out(n, generator=torch.Generator().manual_seed(seed), **kwargs)
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"{call} should return a pair (X, y), got {type(out).__name__}.")
        X, y = out
        size = kwargs.get("set_size", 10)
        c.expect(isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor),
                 f"X and y should be torch tensors, got {type(X).__name__} and "
                 f"{type(y).__name__}.")
        c.expect(tuple(X.shape) == (n, size, 2),
                 f"X should have shape (n_sets, set_size, 2) = ({n}, {size}, 2), got "
                 f"{tuple(X.shape)}.")
        c.expect(X.dtype == torch.float32, f"X should be float32, got {X.dtype}.")
        c.expect(tuple(y.shape) == (n,),
                 f"y should hold one index per set, shape ({n},), got {tuple(y.shape)}.")
        c.expect(y.dtype == torch.int64,
                 f"y should hold int64 indices (what cross-entropy wants), got {y.dtype}.")
        c.expect(bool(((y >= 0) & (y < size)).all()),
                 f"every y must be a position 0..{size - 1} of its set.")
        return X, y

    def odd_and_normal(X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The labelled point and the other points of every set."""
        n, size = X.shape[:2]
        picked = torch.zeros(n, size, dtype=torch.bool)
        picked[torch.arange(n), y] = True
        return X[picked], X[~picked].view(n, size - 1, 2)

    def body(c: Checker) -> None:
        draw(c, 8, 0)
        draw(c, 8, 0, set_size=5)
        a, b, other = draw(c, 50, 1), draw(c, 50, 1), draw(c, 50, 2)
        c.expect(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]),
                 "the same generator seed gave different sets: draw every random number "
                 "from `generator` (torch.randn(..., generator=generator), and the same for "
                 "torch.rand and torch.randint).")
        c.expect(not torch.equal(a[0], other[0]), "two generator seeds gave the same sets.")
        n = 4000
        X, y = draw(c, n, 3)
        share = torch.bincount(y, minlength=10).float() / n
        c.expect(float(share.min()) > 0.07 and float(share.max()) < 0.13,
                 "the odd point should sit at a uniformly random position, "
                 f"torch.randint(0, set_size, ...); positions 0..9 got shares "
                 f"{[round(float(s), 2) for s in share]}. At a fixed position a model could "
                 "learn the position instead of the set.")
        for distance in (3.0, 6.0):
            X, y = draw(c, n, 4, distance=distance)
            odd, normal = odd_and_normal(X, y)
            offset = odd - normal.mean(dim=1)  # odd point - centre of the others
            spread = ((normal - normal.mean(dim=1, keepdim=True)) ** 2).sum(1) / 8
            # the distance from a normal point to the centre of the other nine, for contrast
            rest = normal[:, 0] - (normal[:, 1:].sum(1) + odd) / 9
            far_odd, far_rest = float((offset**2).sum(1).mean()), float((rest**2).sum(1).mean())
            c.expect(far_odd > 1.5 * far_rest,
                     "X[i, y[i]] is not the odd point: on average it lies no farther from "
                     "the other points of its set than they do. Label each set with the "
                     "position where you put its odd point.")
            within = float(spread.mean())  # per coordinate
            c.expect(abs(within - 1) < 0.1,
                     "the normal points of a set should be c + N(0, I), standard deviation 1 "
                     f"around their centre c; their variance per coordinate is {within:.2f}.")
            between = float(normal.mean(dim=1).var(dim=0).mean())
            c.expect(8.1 < between < 10.1,
                     "every set should get its own centre c ~ N(0, 9 I) (3 * torch.randn), "
                     f"so that the sets sit in different places; the centres of your sets "
                     f"vary with variance {between:.2f} per coordinate, not 9.")
            noise = 2 * (1 + 1 / 9)  # N(0, I) noise of the odd point and of the centre of nine
            expected = distance**2 + noise
            mean_offset = offset.mean(dim=0)
            second = (offset**2).mean(dim=0)
            c.expect(float(mean_offset.norm()) < 0.3
                     and float((second[0] - second[1]).abs()) < 0.15 * expected,
                     "the odd point should be offset in a uniformly random direction, "
                     "u = (cos t, sin t) with t uniform in [0, 2 pi); yours favours some "
                     "directions (mean offset "
                     f"{[round(float(v), 2) for v in mean_offset]}, mean squared offset "
                     f"per coordinate {[round(float(v), 1) for v in second]}).")
            angle = torch.atan2(offset[:, 1], offset[:, 0]).double()
            harmonics = [float(torch.complex(torch.cos(k * angle), torch.sin(k * angle))
                               .mean().abs()) for k in (1, 2, 3, 4)]
            c.expect(max(harmonics) < 0.06,
                     "the odd point should be offset in a uniformly random direction, "
                     "u = (cos t, sin t) with t uniform in [0, 2 pi), one t per set; the "
                     "directions of your offsets crowd on some lines (|mean exp(i k angle)| "
                     f"for k = 1..4: {[round(h, 2) for h in harmonics]}, all near 0 if "
                     "uniform). The same random number on both coordinates puts every offset "
                     "on a diagonal; two independent numbers, normalised, favour the "
                     "diagonals of their square.")
            c.expect(abs(far_odd / expected - 1) < 0.1,
                     f"with distance={distance:g} the odd point should lie about "
                     f"{distance:g} from the centre c of the others (offset distance * u, u a "
                     f"unit vector, plus N(0, I) noise): E|odd - mean of the others|^2 should "
                     f"be {expected:.1f}, got {far_odd:.1f}.")

    run_check("make_odd_one_out", make_odd_one_out, body)


#: The number of equivariant linear maps of tensors with ``order`` indices of size ``n``: the
#: partitions of 2 * order index positions into at most n blocks (Maron et al., 2019).
_DIMENSIONS = {(2, 1): 2, (3, 1): 2, (5, 1): 2, (3, 2): 14, (4, 2): 15}


def check_equivariant_basis(equivariant_basis: Callable[..., object]) -> None:
    """Self-check for Lab 09's ``equivariant_basis(n, order)``: the right number of maps, each
    commuting with random permutations, linearly independent; any basis and method pass."""
    import itertools

    import numpy as np
    import torch

    def permutation_action(order_: tuple[int, ...], n: int, order: int) -> torch.Tensor:
        p = torch.eye(n, dtype=torch.float64)[list(order_)]
        a = p
        for _ in range(order - 1):
            a = torch.kron(a, p)
        return a

    def basis_of(n: int, order: int) -> torch.Tensor:
        call = f"equivariant_basis({n}, order={order})"
        size = n ** order
        out = equivariant_basis(n, order=order)
        if out is None:
            raise CheckFailed(f"{call} returned None: did you forget the `return`?")
        if isinstance(out, list | tuple) and out and all(
                isinstance(t, torch.Tensor | np.ndarray) for t in out):
            out = torch.stack([torch.as_tensor(t) for t in out])
        if isinstance(out, np.ndarray):
            out = torch.from_numpy(out)
        if not isinstance(out, torch.Tensor):
            raise CheckFailed(f"{call} should return a tensor of shape (k, {size}, {size}), the k "
                              f"basis matrices; got a {type(out).__name__}.")
        if out.dim() != 3 or tuple(out.shape[1:]) != (size, size):
            hint = (f"{call} should return a tensor of shape (k, {size}, {size}): k matrices "
                    f"that map R^{size} to itself; got {tuple(out.shape)}.")
            if order == 2 and tuple(out.shape[1:]) == (n, n):
                hint += (" For order=2 the input is a flattened n x n matrix, n**2 numbers, "
                         "and a permutation acts on it as torch.kron(P, P).")
            elif out.dim() == 2 and out.shape[1] == size * size:
                hint += " Reshape the flattened solutions, .reshape(-1, size, size)."
            raise CheckFailed(hint)
        if not out.is_floating_point() or not torch.isfinite(out).all():
            raise CheckFailed(f"{call} should hold finite real numbers (float64).")
        return out.detach().double()

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            randoms = {n: [tuple(torch.randperm(n).tolist()) for _ in range(8)]
                       for n in (2, 3, 4, 5)}
        for (n, order), dim in _DIMENSIONS.items():
            call = f"equivariant_basis({n}, order={order})"
            basis = basis_of(n, order)
            k = basis.shape[0]
            scale = basis.flatten(1).norm(dim=1)
            c.expect(k > 0 and bool((scale > 1e-8).all()),
                     f"{call}: every basis element must be a nonzero matrix, and there is at "
                     f"least one (the identity commutes with everything); got {k} matrices"
                     + (", some of them zero." if k else "."))

            def commutes(perm: tuple[int, ...], n: int = n, order: int = order,
                         basis: torch.Tensor = basis, scale: torch.Tensor = scale
                         ) -> torch.Tensor:
                a = permutation_action(perm, n, order)
                gap = (a @ basis - basis @ a).flatten(1).norm(dim=1)
                return gap <= 1e-6 * scale

            ok = all(bool(commutes(perm).all()) for perm in randoms[n])
            hint = ""
            if not ok:
                swap = tuple([1, 0, *range(2, n)])
                cycle = tuple(torch.arange(n).roll(1).tolist())
                hint = (f"{call}: some of your matrices W do not commute with a random "
                        "permutation, P W != W P (P acting as torch.kron(P, P) for order 2). "
                        "Take the right singular vectors whose singular values are near "
                        "zero, the null space of the constraints, not the largest ones.")
                if n > 2 and bool(commutes(cycle).all()):
                    hint = (f"{call}: your matrices commute with the cycle but not with every "
                            "permutation: the cycle alone generates only the rotations. Add "
                            "the constraints of a swap of two elements.")
                elif n > 2 and bool(commutes(swap).all()):
                    hint = (f"{call}: your matrices commute with the swap of elements 0 and 1 "
                            "but not with the cycle 0 -> 1 -> ... -> n-1 -> 0: did you include "
                            "its constraints, with A.T in kron(I, A.T)? A swap is its own "
                            "transpose, so a missing .T shows only on the cycle"
                            + (", and for order 2 a permutation acts as torch.kron(P, P), not "
                               "torch.kron(P, P.T)." if order == 2 else "."))
            c.expect(ok, hint)
            values = torch.linalg.svdvals(basis.flatten(1) / scale[:, None])
            c.expect(bool(values[-1] > 1e-6 * values[0]),
                     f"{call}: your {k} matrices are not linearly independent (one is a "
                     "combination of the others): return a basis, e.g. orthonormal singular "
                     "vectors.")
            c.expect(k == dim,
                     f"{call}: found {k} independent equivariant maps, but there are {dim}. "
                     + ("Some equivariant maps are missing from your basis: every linear map "
                        "that commutes with all the permutations must be a combination of "
                        "yours. With a null space, count as zero the singular values below a "
                        "tolerance relative to the largest one (say 1e-9 times it): rounding "
                        "leaves them near 1e-15, not exactly 0; with patterns of equal "
                        "indices, take every pattern of all 2 * order indices, rows and "
                        "columns together." if k < dim else "Check the constraints."))
        # every permutation of 3 elements, not only random ones
        basis = basis_of(3, 1)
        for perm in itertools.permutations(range(3)):
            a = permutation_action(perm, 3, 1)
            c.expect(bool(((a @ basis - basis @ a).abs() <= 1e-6 * basis.abs().amax()).all()),
                     "equivariant_basis(3): some matrix does not commute with the permutation "
                     f"{perm}.")

    run_check("equivariant_basis", equivariant_basis, body)
