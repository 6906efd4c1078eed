"""Self-checks of Lab 10: point clouds (random rotation, deleting points, critical points)."""

from __future__ import annotations

import math
from collections.abc import Callable

from labcode.checks.api import Checker, construct, run_check, same_after_seed


def _angles(before: object, after: object) -> object:
    """The angle (radians, in [0, 2 pi)) by which each point turned about z, (batch, n)."""
    import torch

    turn = (torch.atan2(after[..., 1], after[..., 0])
            - torch.atan2(before[..., 1], before[..., 0]))
    return torch.remainder(turn, 2 * math.pi)


def _circular_spread(angles: object) -> float:
    """Largest distance on the circle between an angle of a row and the row's first one."""
    import torch

    d = torch.remainder(angles - angles[..., :1], 2 * math.pi)
    return float(torch.minimum(d, 2 * math.pi - d).max())


def _tensor_hint(out: object, call: str, shape: tuple[int, ...]) -> str | None:
    """Why ``out`` is not a float32 tensor of ``shape`` (None if it is)."""
    import torch

    expected = f"{call} should return a float32 tensor of shape {shape}"
    if out is None:
        return f"{expected}; it returned None: did you forget the `return`?"
    if not isinstance(out, torch.Tensor):
        return f"{expected}; got a {type(out).__name__}."
    if tuple(out.shape) != shape:
        return f"{expected}; got shape {tuple(out.shape)}."
    if out.dtype != torch.float32:
        return (f"{expected}; got {out.dtype}: draw the angles in float32 (torch.rand's "
                "default), like the points.")
    return None


def check_random_rotate_z(random_rotate_z: Callable[..., object]) -> None:
    """Self-check for Lab 10's ``random_rotate_z(points, generator=None)``: shape and dtype,
    z and distances to the origin kept, one rotation (not a reflection) per cloud, a new angle
    for each cloud, uniform on [0, 2 pi), reproducible with torch.manual_seed or a generator,
    and the input left unchanged."""
    import torch

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            points = torch.randn(6, 20, 3)
            saved = points.clone()
            out = random_rotate_z(points)
            problem = _tensor_hint(out, "random_rotate_z(points)", (6, 20, 3))
            c.expect(problem is None, problem)
            c.expect(torch.equal(points, saved),
                     "random_rotate_z changed its input: build a new tensor (torch.stack) "
                     "instead of writing into `points`.")
            c.expect(torch.allclose(out[..., 2], points[..., 2], atol=1e-5),
                     "the z coordinate changed: a rotation about the z axis turns x and y "
                     "only and keeps z as it is.")
            c.expect(torch.allclose(out.norm(dim=-1), points.norm(dim=-1), atol=1e-4),
                     "the distances of the points to the origin changed: a rotation keeps "
                     "them. Use the cos and sin of one angle: x cos - y sin, x sin + y cos.")
            cross_in = points[:, 0, 0] * points[:, 1, 1] - points[:, 0, 1] * points[:, 1, 0]
            cross_out = out[:, 0, 0] * out[:, 1, 1] - out[:, 0, 1] * out[:, 1, 0]
            c.expect(not torch.allclose(cross_in, -cross_out, atol=1e-4),
                     "that is a reflection, not a rotation (a sign or x and y swapped): use "
                     "x' = x cos(theta) - y sin(theta), y' = x sin(theta) + y cos(theta).")
            turn = _angles(points, out)
            c.expect(_circular_spread(turn) < 1e-3,
                     "the points of one cloud turned by different angles: draw one angle "
                     "per cloud, shape (batch,), and broadcast it over the points "
                     "(angle[:, None]).")
            first = turn[:, 0]
            c.expect(bool((out != points).any()),
                     "the clouds did not turn: multiply the random numbers in [0, 1) by "
                     "2 pi to get an angle, and turn x and y by it.")
            c.expect(_circular_spread(first[None]) > 1e-2,
                     "every cloud turned by the same angle: each cloud needs its own, "
                     "torch.rand(batch) draws one per cloud.")
            again = random_rotate_z(points)
            c.expect(not torch.allclose(again, out, atol=1e-4),
                     "two calls turned the clouds by the same angles: draw new random "
                     "angles at every call (do not seed inside the function).")

            torch.manual_seed(1)
            unit = torch.tensor([1.0, 0.0, 0.5]).expand(4000, 1, 3)
            spun = random_rotate_z(unit)
            angle = _angles(unit, spun)[:, 0]
            counts = torch.histc(angle, bins=8, min=0.0, max=2 * math.pi)
            c.expect(float(angle.std()) > 1e-3,
                     "the clouds did not turn: multiply the random numbers in [0, 1) by "
                     "2 pi to get an angle.")
            c.expect(bool((counts > 380).all() and (counts < 620).all()),
                     "the angles are not uniform over the whole circle: draw them as "
                     "2 * torch.pi * torch.rand(batch), uniform in [0, 2 pi) "
                     f"(counts in 8 sectors of 4000 draws: {counts.int().tolist()}).")

            torch.manual_seed(7)
            first = random_rotate_z(points)
            torch.manual_seed(7)
            c.expect(torch.equal(random_rotate_z(points), first),
                     "after the same torch.manual_seed the result should be the same: draw "
                     "the angles with torch's random functions (torch.rand), not NumPy's or "
                     "Python's.")
            with_gen = random_rotate_z(points, torch.Generator().manual_seed(3))
            torch.rand(5)  # the global generator moves on; the given one must decide
            c.expect(torch.equal(random_rotate_z(points, torch.Generator().manual_seed(3)),
                                 with_gen),
                     "with two generators seeded alike the results differ: pass it on, "
                     "torch.rand(..., generator=generator).")
            c.expect(not torch.allclose(with_gen, random_rotate_z(
                points, torch.Generator().manual_seed(4)), atol=1e-4),
                     "generators with different seeds give the same rotation: draw the "
                     "angles from `generator`.")
            one = random_rotate_z(torch.tensor([[[0.3, -0.4, 2.0]]]))
            problem = _tensor_hint(one, "random_rotate_z on one cloud of one point",
                                   (1, 1, 3))
            c.expect(problem is None, problem)

    run_check("random_rotate_z", random_rotate_z, body)


def check_delete_points(delete_points: Callable[..., object]) -> None:
    """Self-check for Lab 10's ``delete_points(points, fraction, generator=None)``: shape
    (batch, n - round(fraction * n), 3), kept points come from their own cloud with none twice,
    each cloud its own random subset, every point as likely to stay, reproducible with
    torch.manual_seed or a generator, and the input left unchanged."""
    import torch

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            points = torch.randn(5, 12, 3)
            saved = points.clone()
            for fraction, keep in ((0.25, 9), (0.5, 6), (0.9, 1), (0.0, 12), (0.2, 10),
                                   (0.3, 8)):
                call = f"delete_points(points, {fraction}) on clouds of 12 points"
                out = delete_points(points, fraction)
                expected = f"{call} should return a tensor of shape (5, {keep}, 3)"
                c.expect(isinstance(out, torch.Tensor),
                         f"{expected}; got {type(out).__name__}"
                         + (": did you forget the `return`?" if out is None else "."))
                got = tuple(out.shape)
                truncated = {12 - math.ceil(fraction * 12), 12 - math.floor(fraction * 12)}
                c.expect(not (len(got) == 3 and got[1] != keep and got[1] in truncated),
                         f"{expected}, keep = n - round(fraction * n) = 12 - "
                         f"round({fraction * 12:g}) = {keep} points; got {got[1]}: round to "
                         "the nearest whole number, round(...), where int(...) truncates.")
                c.expect(tuple(out.shape) == (5, keep, 3),
                         f"{expected}; got {tuple(out.shape)}. Gather the points with an "
                         "index of shape (batch, keep, 3): points.gather(1, index).")
                c.expect(out.dtype == points.dtype,
                         f"the kept points should keep their dtype {points.dtype}, got "
                         f"{out.dtype}.")
                c.expect(torch.equal(points, saved),
                         "delete_points changed its input: return the kept points in a new "
                         "tensor.")
                # which point of its own cloud each kept point is (-1: none of them)
                match = (out[:, :, None, :] == points[:, None, :, :]).all(-1)
                c.expect(bool(match.any(-1).all()),
                         "some kept points are not points of their own cloud: cloud b "
                         "must keep points of points[b] only (gather along dim=1).")
                index = match.float().argmax(-1)
                distinct = all(len(set(row.tolist())) == keep for row in index)
                c.expect(distinct,
                         "a point was kept twice: choose the points without replacement, "
                         "the first `keep` entries of a random permutation (argsort of "
                         "torch.rand(batch, n)), not torch.randint.")

            same = points[:1].expand(400, -1, -1)
            index = _kept_index(delete_points(same, 0.5), points[0])
            subsets = {tuple(sorted(row.tolist())) for row in index}
            c.expect(len(subsets) > 1,
                     "every cloud lost the same points (or the first points were kept): "
                     "each cloud must lose its own random subset, one random order per "
                     "cloud, e.g. torch.rand(batch, n).argsort(dim=1).")
            times = torch.bincount(index.flatten(), minlength=12)
            c.expect(bool((times > 140).all() and (times < 260).all()),
                     "some points are kept much more often than others: every point should "
                     "have the same chance to stay (a uniformly random subset; counts over "
                     f"400 clouds: {times.tolist()}, about 200 each expected).")
            c.expect(same_after_seed(lambda: delete_points(points, 0.5)),
                     "after the same torch.manual_seed the result should be the same: draw "
                     "the random numbers with torch (torch.rand), not NumPy or Python.")
            with_gen = delete_points(points, 0.5, torch.Generator().manual_seed(3))
            torch.rand(5)
            c.expect(torch.equal(delete_points(points, 0.5, torch.Generator().manual_seed(3)),
                                 with_gen),
                     "with two generators seeded alike the results differ: pass it on, "
                     "torch.rand(..., generator=generator).")

    run_check("delete_points", delete_points, body)


def _kept_index(out: object, cloud: object) -> object:
    """Which point of ``cloud`` (n, 3) each kept point of ``out`` (batch, keep, 3) is."""
    return (out[:, :, None, :] == cloud[None, None]).all(-1).float().argmax(-1)


def check_critical_points(critical_points: Callable[..., object]) -> None:
    """Self-check for Lab 10's ``critical_points(model, cloud)``: a bool mask (n,), the marked
    points alone give the same max-pooled features, each attains the maximum of some feature
    of model.phi (one may stand for a feature tied at every point), one point per feature."""
    import torch

    from labcode.pooling import pool
    from labcode.pooling_tasks import PooledSetModel

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            for seed, hidden, n in ((0, 16, 40), (1, 8, 5), (2, 16, 60)):
                torch.manual_seed(seed)
                model = construct(PooledSetModel, "max", in_features=3, hidden_dim=hidden,
                                  out_features=5)
                with torch.no_grad():  # feature 0 is 0 at every point: every point ties
                    model.phi[2].weight[0] = 0.0
                    model.phi[2].bias[0] = -1.0
                    model.phi[2].bias[1:] += 1.0  # the other features: alive
                cloud = torch.randn(n, 3)
                saved = cloud.clone()
                mask = critical_points(model, cloud)
                call = f"critical_points(model, cloud) for a cloud of {n} points"
                c.expect(isinstance(mask, torch.Tensor),
                         f"{call} should return a bool tensor of shape ({n},); got "
                         f"{type(mask).__name__}"
                         + (": did you forget the `return`?" if mask is None else "."))
                c.expect(mask.dtype == torch.bool or mask.ndim != 1
                         or mask.shape[0] == n,
                         f"{call} returned {tuple(mask.shape)} {mask.dtype} numbers: "
                         "those look like indices. Return a mask instead: "
                         "mask = torch.zeros(n, dtype=torch.bool); mask[indices] = True.")
                c.expect(tuple(mask.shape) == (n,) and mask.dtype == torch.bool,
                         f"{call} should return a bool tensor of shape ({n},), True at the "
                         f"critical points; got {mask.dtype} of shape {tuple(mask.shape)}.")
                c.expect(torch.equal(cloud, saved), "critical_points changed the cloud.")
                with torch.no_grad():
                    h = model.phi(cloud)
                    top = h.max(dim=0).values
                c.expect(bool(mask.any()), "no point is marked: every cloud has at least "
                                           "one critical point.")
                c.expect(not (mask.all() and n > hidden),
                         "every point is marked: mark only the points where some feature "
                         "is largest, one point per feature. A feature that is 0 at every "
                         "point (ReLU) ties at all of them: torch.argmax keeps one.")
                live = h.max(dim=0).values > h.min(dim=0).values  # no tie at every point
                wins = (h[mask] == top)[:, live].any(dim=1)
                idle = int((~wins).sum()) > int((~live).sum())
                no_max = ("a marked point attains the maximum of no feature. Compute the "
                          "features h = model.phi(cloud), shape (n, features), not the "
                          "coordinates, and for each feature (column) mark the point (row) "
                          "where it is largest: h.argmax(dim=0), over the points.")
                with torch.no_grad():
                    kept = pool(model.phi(cloud[mask])[None], "max")[0]
                c.expect(torch.allclose(kept, top, atol=1e-6),
                         no_max if idle else
                         "the marked points alone give other max-pooled features: for EVERY "
                         "feature of h = model.phi(cloud) (not the coordinates), the point "
                         "where it is largest must be marked (h.argmax(dim=0) gives one "
                         "point per feature).")
                c.expect(not idle, no_max)
                c.expect(int(mask.sum()) <= min(n, hidden),
                         f"{int(mask.sum())} points marked for {hidden} features: a feature "
                         "that is 0 at every point (ReLU) is largest at all of them; mark "
                         "one point per feature (torch.argmax keeps one).")

    run_check("critical_points", critical_points, body)


def _features_hint(out: object, call: str, batch: int, n: int) -> str | None:
    """Why ``out`` is not a float32 tensor ``(batch, n, k)`` with k >= 1 (None if it is)."""
    import torch

    expected = (f"{call} should return a float32 tensor of shape (batch, n, k) = "
                f"({batch}, {n}, k): k features for each point")
    if out is None:
        return f"{expected}; it returned None: did you forget the `return`?"
    if not isinstance(out, torch.Tensor):
        return f"{expected}; got a {type(out).__name__}."
    got = tuple(out.shape)
    if got == (batch, n):
        return (f"{expected}; got {got}: keep a last dimension for the features, even for "
                "one (torch.stack([...], dim=-1), or .unsqueeze(-1)).")
    if out.ndim != 3 or got[:2] != (batch, n) or got[2] == 0:
        return (f"{expected}; got {got}. Stack the features of each point along the last "
                "dimension: torch.stack([...], dim=-1).")
    if out.dtype != torch.float32:
        return f"{expected}; got {out.dtype}: compute in the points' float32."
    return None


def check_invariant_features(invariant_features: Callable[..., object]) -> None:
    """Self-check for Lab 10's ``invariant_features(points)``: a float32 tensor
    (batch, n, k) of features per point, the input left unchanged, finite (also on the z
    axis), the same after any turn of a cloud about z, computed cloud by cloud and point by
    point (a new order of the points reorders the features), not constant, and keeping what a
    turn does not change: a cloud turned upside down, shifted up or stretched gets other
    features, and points with different (r, z) in one cloud get different features.
    Any method that meets this contract passes."""
    import torch

    from labcode.pointclouds import rotate_z, sample_surface

    def call(points: object, what: str) -> object:
        out = invariant_features(points)
        problem = _features_hint(out, f"invariant_features on {what}", points.shape[0],
                                 points.shape[1])
        c.expect(problem is None, problem)
        c.expect(bool(torch.isfinite(out).all()),
                 f"invariant_features on {what} gave NaN or inf: a point on the z axis "
                 "(x = y = 0) has no direction in the plane; use quantities that are "
                 "defined there, such as the distance from the axis.")
        return out

    def close(a: object, b: object) -> bool:
        return torch.allclose(a, b, atol=1e-4 * (1 + float(a.abs().max())), rtol=1e-4)

    def body(checker: Checker) -> None:
        nonlocal c
        c = checker
        with torch.random.fork_rng():
            torch.manual_seed(0)
            points = torch.randn(6, 20, 3)
            points[0, 0] = torch.tensor([0.0, 0.0, 0.5])  # a point on the z axis
            saved = points.clone()
            out = call(points, "6 clouds of 20 points")
            c.expect(torch.equal(points, saved),
                     "invariant_features changed its input: compute the features into a "
                     "new tensor instead of writing into `points`.")
            again = call(points, "the same clouds, a second time")
            c.expect(torch.equal(again, out),
                     "two calls on the same clouds gave different features: compute them "
                     "from the points alone, with nothing random.")
            c.expect(float(out.std(dim=(0, 1)).max()) > 1e-3,
                     "every point of every cloud got the same features: they must "
                     "describe where the point is (what a turn about z leaves of it).")
            for angle in (torch.full((6,), math.pi / 2), torch.full((6,), math.pi),
                          2 * math.pi * torch.rand(6), 2 * math.pi * torch.rand(6)):
                turned = rotate_z(points, angle)
                c.expect(close(call(turned, "turned clouds"), out),
                         "the features changed when the clouds turned about z: x, y and "
                         "the angle atan2(y, x) of a point all turn with the cloud. Use "
                         "quantities that the rotation formula of section 1 keeps.")
            order = torch.randperm(20)
            c.expect(close(call(points[:, order], "the clouds with their points in a new "
                                "order"), out[:, order]),
                     "listing the points in another order changed their features: the "
                     "features of a point must depend on where it is (and at most on its "
                     "own cloud), not on its place in the list.")
            c.expect(close(call(points[2:3], "one of the clouds alone"), out[2:3]),
                     "the features of a cloud changed when it came alone instead of in a "
                     "batch: compute each cloud's features from that cloud only (no "
                     "statistics over the batch).")
            flipped = points * torch.tensor([1.0, 1.0, -1.0])
            c.expect(not close(call(flipped, "the clouds turned upside down (z -> -z)"), out),
                     "the clouds turned upside down (z -> -z) got the same features: "
                     "a turn about z never does that, so the features lost the height. "
                     "Keep z itself: a turn about z leaves it alone.")
            wide = points * torch.tensor([1.5, 1.5, 1.0])
            c.expect(not close(call(wide, "the clouds stretched sideways (x, y times 1.5)"),
                               out),
                     "the clouds stretched sideways (x and y times 1.5) got the same "
                     "features: they lost how far the points are from the z axis, which a "
                     "turn about z keeps.")
            up = points + torch.tensor([0.0, 0.0, 0.5])
            c.expect(not close(call(up, "the clouds shifted up (z + 0.5)"), out),
                     "the clouds shifted up (z + 0.5) got the same features: a turn about "
                     "z never moves a cloud up or down, so the features lost its height. "
                     "Keep z itself, not z measured from the cloud's own mean or lowest "
                     "point.")
            tall = points * torch.tensor([1.0, 1.0, 1.5])
            c.expect(not close(call(tall, "the clouds stretched upwards (z times 1.5)"),
                               out),
                     "the clouds stretched upwards (z times 1.5) got the same features: a "
                     "turn about z never does that, so the features lost the heights. Keep "
                     "z itself, not z divided by the cloud's own size (its largest |z|, "
                     "its spread).")
            # one cloud: every pair (r, z) of a grid, at a random angle and opposite it
            # (so that the cloud's centre lies on the z axis)
            r_grid = 0.04 * torch.arange(26.0)
            z_grid = 0.2 * torch.arange(-5.0, 6.0)
            r, z = torch.cartesian_prod(r_grid, z_grid).repeat(2, 1).unbind(-1)
            theta = 2 * math.pi * torch.rand(len(r) // 2)
            theta = torch.cat([theta, theta + math.pi])
            grid = torch.stack([r * torch.cos(theta), r * torch.sin(theta), z], -1)[None]
            rows = call(grid, "a cloud of points on a grid of (r, z)")[0].double()
            gap = torch.cdist(rows, rows, compute_mode="donot_use_mm_for_euclid_dist")
            same = (r[:, None] == r[None, :]) & (z[:, None] == z[None, :])
            gap[same] = math.inf  # a point and its opposite may share their features
            c.expect(float(gap.min()) > 1e-5 * (1 + float(rows.abs().max())),
                     "two points with different distances r from the z axis or different "
                     "heights z got the same features (in a cloud of points on a grid of "
                     "(r, z), r in steps of 0.04 and z in steps of 0.2): the features "
                     "merge points that no turn can bring together, so they lost "
                     "information. A sum or product such as r + z or r * z, or rounding, "
                     "does that; keep r and z each (or numbers they can be read back "
                     "from).")
            sphere = sample_surface("sphere", 1, 400, generator=1)
            cylinder = sample_surface("cylinder", 1, 400, generator=1)
            a = call(sphere, "a sphere").sort(dim=1).values
            b = call(cylinder, "a cylinder").sort(dim=1).values
            c.expect(not close(a, b),
                     "a sphere and a cylinder got the same features (as sets of points): "
                     "the features must keep the shape.")
            call(torch.tensor([[[0.3, -0.4, 2.0]]]), "one cloud of one point")

    c: Checker | None = None
    run_check("invariant_features", invariant_features, body)
