"""labcode.pointclouds: the shapes (on their surface, uniformly), the generator's contract
(shapes, dtypes, balance, rotation about z, reproducibility), deleting and sorting points, the
flattened MLP, critical points and accuracy; clear errors on bad arguments."""

from __future__ import annotations

import math

import pytest
import torch

from labcode import pointclouds as pc
from labcode.pooling_tasks import PooledSetModel
from tests.conftest import EPS32, relative_error

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# Every shape fits the unit sphere, so coordinates are at most 1 in size, and the few float32
# operations that make a point (a product, a cos, a sqrt, a Newton step) leave it within about
# 2 eps32 of its surface (measured: 1.5); TOL = 16 eps32 (1.9e-6) leaves a margin of 8.
TOL = 16 * EPS32


def radius(p):
    """Distance to the z axis."""
    return p[..., :2].norm(dim=-1)


def distance_to_surface(shape, p):
    """How far each point of ``p`` (..., 3) lies from the surface of ``shape`` (own pose)."""
    x, y, z = p.unbind(-1)
    r = radius(p)
    if shape == "sphere":
        return (p.norm(dim=-1) - 1).abs()
    if shape == "cube":
        a = pc.CUBE_HALF_SIDE
        inside = (p.abs() <= a + TOL).all(-1)
        on_face = ((p.abs() - a).abs() < TOL).any(-1)
        return torch.where(inside & on_face, 0.0, 1.0)
    if shape == "cylinder":
        r0, h = pc.CYLINDER_RADIUS, pc.CYLINDER_HALF_HEIGHT
        side = torch.where(z.abs() <= h + TOL, (r - r0).abs(), 1.0)
        cap = torch.where(r <= r0 + TOL, (z.abs() - h).abs(), 1.0)
        return torch.minimum(side, cap)
    if shape == "torus":
        big, small = pc.TORUS_RADII
        return (torch.sqrt((r - big) ** 2 + z ** 2) - small).abs()
    r0, z0, z1 = pc.CONE_RADIUS, pc.CONE_BASE_Z, pc.CONE_APEX_Z
    side = (r - r0 * (z1 - z) / (z1 - z0)).abs()
    base = torch.where(r <= r0 + TOL, (z - z0).abs(), 1.0)
    return torch.minimum(side, base)


@pytest.mark.parametrize("shape", pc.SHAPES)
def test_points_lie_on_the_surface_and_touch_the_unit_sphere(shape):
    p = pc.sample_surface(shape, 4, 2000, generator=0)
    assert p.shape == (4, 2000, 3) and p.dtype == torch.float32
    assert float(distance_to_surface(shape, p).max()) < TOL
    norms = p.norm(dim=-1)
    assert float(norms.max()) <= 1 + TOL
    assert float(norms.max()) > 0.97  # the shape reaches the unit sphere


def test_the_sphere_is_uniform_z_uniform_in_minus_one_one():
    z = pc.sample_surface("sphere", 1, 40_000, generator=1)[0, :, 2]
    counts = torch.histc(z, bins=10, min=-1, max=1)
    assert (counts - 4000).abs().max() < 300  # Archimedes: z is uniform on a sphere


def test_the_cube_has_six_equally_likely_faces_uniform_within():
    p = pc.sample_surface("cube", 1, 60_000, generator=2)[0]
    a = pc.CUBE_HALF_SIDE
    face = (p.abs() - a).abs().argmin(-1) * 2 + (p.gather(1, (p.abs() - a).abs().argmin(
        -1, keepdim=True))[:, 0] > 0)
    counts = torch.bincount(face, minlength=6)
    assert (counts - 10_000).abs().max() < 500
    top = p[p[:, 2] > a - TOL]
    assert (torch.histc(top[:, 0], bins=5, min=-a, max=a) - len(top) / 5).abs().max() < 300


def test_the_cylinder_splits_its_points_by_area():
    p = pc.sample_surface("cylinder", 1, 50_000, generator=3)[0]
    r, h = pc.CYLINDER_RADIUS, pc.CYLINDER_HALF_HEIGHT
    on_side = ((radius(p) - r).abs() < TOL) & (p[:, 2].abs() < h - TOL)
    expected = 2 * h / (2 * h + r)  # lateral area / total area
    assert abs(float(on_side.float().mean()) - expected) < 0.01
    cap = p[~on_side]
    inner = (radius(cap) < r / math.sqrt(2)).float().mean()  # half of a disc's area
    assert abs(float(inner) - 0.5) < 0.02


def test_the_torus_puts_more_points_on_its_outer_side():
    p = pc.sample_surface("torus", 1, 100_000, generator=4)[0]
    big, small = pc.TORUS_RADII
    outer = (radius(p) > big).float().mean()
    # area of the outer half / total: (pi R + 2 r) / (2 pi R)
    expected = (math.pi * big + 2 * small) / (2 * math.pi * big)
    assert abs(float(outer) - expected) < 0.01


def test_the_cone_splits_its_points_by_area_and_is_uniform_on_its_side():
    p = pc.sample_surface("cone", 1, 100_000, generator=5)[0]
    r0, z0, z1 = pc.CONE_RADIUS, pc.CONE_BASE_Z, pc.CONE_APEX_Z
    base = (p[:, 2] - z0).abs() < TOL
    side_area = math.pi * r0 * math.hypot(r0, z1 - z0)
    assert abs(float((~base).float().mean()) - side_area / (side_area + math.pi * r0 ** 2)) < 0.01
    side = p[~base]
    upper = ((z1 - side[:, 2]) / (z1 - z0) < 0.5).float().mean()  # the top half: 1/4 of the area
    assert abs(float(upper) - 0.25) < 0.01


def test_make_point_clouds_contract():
    X, y = pc.make_point_clouds(23, 16, generator=0)
    assert X.shape == (23, 16, 3) and X.dtype == torch.float32
    assert y.shape == (23,) and y.dtype == torch.long
    counts = torch.bincount(y, minlength=5)
    assert counts.max() - counts.min() <= 1
    assert not torch.equal(y, torch.arange(23) % 5)  # shuffled


def test_make_point_clouds_is_reproducible_with_a_seed_a_generator_and_manual_seed():
    a = pc.make_point_clouds(10, 8, generator=3)
    b = pc.make_point_clouds(10, 8, generator=torch.Generator().manual_seed(3))
    assert all(torch.equal(u, v) for u, v in zip(a, b, strict=True))
    torch.manual_seed(9)
    c = pc.make_point_clouds(10, 8)
    torch.manual_seed(9)
    d = pc.make_point_clouds(10, 8)
    assert all(torch.equal(u, v) for u, v in zip(c, d, strict=True))
    assert not torch.equal(a[0], pc.make_point_clouds(10, 8, generator=4)[0])


def test_the_labels_depend_on_the_number_of_clouds_and_the_seed_only():
    assert torch.equal(pc.make_point_clouds(50, 8, generator=1)[1],
                       pc.make_point_clouds(50, 128, generator=1)[1])


def test_without_noise_every_cloud_is_its_shape_turned_about_z():
    X, y = pc.make_point_clouds(20, 300, noise=0.0, generator=6)
    for cloud, label in zip(X, y, strict=True):
        shape = pc.SHAPES[int(label)]
        # a turn about z keeps the distance to the axis and the height: the surface test holds
        # in the (r, z) plane, where every shape here is a figure of revolution but the cube
        if shape == "cube":
            assert abs(float(cloud.norm(dim=-1).max()) - 1) < 0.05
            assert float(cloud[:, 2].abs().max()) <= pc.CUBE_HALF_SIDE + TOL
        else:
            assert float(distance_to_surface(shape, cloud).max()) < TOL


def test_the_noise_has_the_standard_deviation_asked_for():
    clean, _ = pc.make_point_clouds(40, 200, noise=0.0, generator=7)
    noisy, _ = pc.make_point_clouds(40, 200, noise=0.1, generator=7)
    assert abs(float((noisy - clean).std()) - 0.1) < 0.005  # same draws but the noise


def test_random_rotate_z_keeps_z_and_norms_and_turns_each_cloud_rigidly():
    p = torch.randn(100, 10, 3)
    out = pc.random_rotate_z(p, generator=0)
    assert torch.equal(out[..., 2], p[..., 2])
    # relative: a turn in float32 moves each point by a few eps32 of its norm (measured: 2)
    assert relative_error(out.norm(dim=-1), p.norm(dim=-1)) < 16 * EPS32
    assert relative_error(torch.cdist(out, out), torch.cdist(p, p)) < 16 * EPS32
    angle = torch.remainder(torch.atan2(out[:, 0, 1], out[:, 0, 0])
                            - torch.atan2(p[:, 0, 1], p[:, 0, 0]), 2 * math.pi)
    assert float(angle.std()) > 1.0  # different angles for different clouds


def test_rotate_z_by_a_quarter_turn_maps_x_to_y():
    out = pc.rotate_z(torch.tensor([[[1.0, 0.0, 0.5]]]), torch.tensor([math.pi / 2]))
    assert (out - torch.tensor([[[0.0, 1.0, 0.5]]])).abs().max() < TOL  # cos(pi / 2) ~ 4e-8


def test_delete_points_keeps_distinct_points_of_each_cloud():
    p = torch.randn(7, 20, 3)
    out = pc.delete_points(p, 0.75, generator=0)
    assert out.shape == (7, 5, 3)
    for before, after in zip(p, out, strict=True):
        match = (after[:, None] == before[None]).all(-1)
        assert match.any(1).all() and len(set(match.float().argmax(1).tolist())) == 5
    assert pc.delete_points(p, 0.99).shape == (7, 1, 3)  # at least one point stays
    assert torch.equal(pc.delete_points(p, 0.0, 1).sort(1).values, p.sort(1).values)


def test_sort_points():
    p = torch.randn(4, 9, 3)
    by_z = pc.sort_points(p, "z")
    assert (by_z[:, 1:, 2] >= by_z[:, :-1, 2]).all()
    assert torch.equal(by_z.sort(1).values, p.sort(1).values)  # the same points
    grid = torch.tensor([[[1.0, 2, 0], [0, 5, 1], [1, 1, 3], [0, 5, 0]]])
    assert pc.sort_points(grid, "xyz").tolist() == [[[0, 5, 0], [0, 5, 1], [1, 1, 3],
                                                      [1, 2, 0]]]


def test_point_mlp_depends_on_the_order_unless_it_sorts():
    torch.manual_seed(0)
    p = torch.randn(3, 8, 3)
    shuffled = p[:, torch.randperm(8)]
    plain, sorted_ = pc.PointMLP(8, 16, 5), pc.PointMLP(8, 16, 5, sort_by="z")
    with torch.no_grad():
        assert plain(p).shape == (3, 5)
        assert relative_error(plain(p), plain(shuffled)) > 1e-2  # a share, not rounding
        assert torch.allclose(sorted_(p), sorted_(shuffled))
    with pytest.raises(ValueError, match="exactly 8 points"):
        plain(torch.randn(3, 16, 3))


def test_critical_points_keep_the_max_pooled_features():
    torch.manual_seed(0)
    model = PooledSetModel("max", in_features=3, hidden_dim=12, out_features=5).double()
    cloud = torch.randn(50, 3, dtype=torch.float64)
    mask = pc.critical_points(model, cloud)
    assert mask.dtype == torch.bool and mask.shape == (50,) and 1 <= int(mask.sum()) <= 12
    with torch.no_grad():
        # float64: a max is exact, and phi of a point alone or in a batch differs by ~1e-16
        assert relative_error(model.encode(cloud[mask][None]), model.encode(cloud[None])) < 1e-10


def test_accuracy():
    class Constant(torch.nn.Module):
        def forward(self, x):
            return torch.nn.functional.one_hot(torch.zeros(len(x), dtype=torch.long), 5).float()

    X, y = pc.make_point_clouds(10, 4, generator=0)
    assert pc.accuracy(Constant(), X, y, batch_size=3) == pytest.approx(0.2)


@pytest.mark.parametrize("call, error", [
    (lambda: pc.make_point_clouds(0), ValueError),
    (lambda: pc.make_point_clouds(5, 0), ValueError),
    (lambda: pc.make_point_clouds(5, 8, noise=-0.1), ValueError),
    (lambda: pc.make_point_clouds(5, 8, generator="0"), TypeError),
    (lambda: pc.make_point_clouds(5.0), TypeError),
    (lambda: pc.sample_surface("pyramid", 1, 8), ValueError),
    (lambda: pc.random_rotate_z(torch.randn(8, 3)), ValueError),
    (lambda: pc.random_rotate_z(torch.zeros(2, 8, 3, dtype=torch.long)), TypeError),
    (lambda: pc.random_rotate_z(torch.randn(2, 8, 2)), ValueError),
    (lambda: pc.delete_points(torch.randn(2, 8, 3), 1.0), ValueError),
    (lambda: pc.delete_points(torch.randn(2, 8, 3), "half"), TypeError),
    (lambda: pc.sort_points(torch.randn(2, 8, 3), "w"), ValueError),
    (lambda: pc.PointMLP(8, sort_by="r"), ValueError),
    (lambda: pc.PointMLP(0), ValueError),
    (lambda: pc.critical_points(torch.nn.Linear(3, 3), torch.randn(5, 3)), TypeError),
    (lambda: pc.critical_points(PooledSetModel("max", in_features=3), torch.randn(1, 5, 3)),
     ValueError),
    (lambda: pc.accuracy(pc.PointMLP(4), torch.randn(3, 4, 3), torch.zeros(3)), TypeError),
])
def test_clear_errors(call, error):
    with pytest.raises(error):
        call()


def test_upright_clouds_keep_the_labels_and_are_not_turned():
    turned_y = pc.make_point_clouds(30, 50, generator=2)[1]
    X, y = pc.make_point_clouds(30, 50, noise=0.0, generator=2, rotate=False)
    assert torch.equal(y, turned_y)
    cubes = X[y == 1]  # upright: the faces are perpendicular to x and y
    assert torch.allclose(cubes.abs().amax(dim=1), torch.full((len(cubes), 3),
                                                              pc.CUBE_HALF_SIDE), atol=1e-5)


def test_invariant_features_are_the_distance_from_the_axis_and_the_height():
    points = torch.randn(4, 10, 3)
    out = pc.invariant_features(points)
    assert out.shape == (4, 10, 2)
    assert torch.allclose(out, pc.invariant_features(pc.random_rotate_z(points, 0)), atol=1e-5)
    assert torch.allclose(out[..., 0] ** 2, points[..., 0] ** 2 + points[..., 1] ** 2)


def test_within_class_share():
    y = torch.tensor([0, 0, 1, 1])
    assert pc.within_class_share(torch.tensor([[1.0], [1.0], [3.0], [3.0]]), y) == 0
    assert pc.within_class_share(torch.tensor([[1.0, 5.0], [3.0, 5.0], [1.0, 5.0],
                                               [3.0, 5.0]]), y) == pytest.approx(1)
    with pytest.raises(ValueError):
        pc.within_class_share(torch.ones(4, 2), y)


def test_without_rho_biases_makes_a_homogeneous_copy():
    from labcode.pooling_tasks import PooledSetModel

    model = PooledSetModel("sum", in_features=3, hidden_dim=8, out_features=5,
                           rho_hidden_dim=8)
    before = [p.clone() for p in model.parameters()]
    twin = pc.without_rho_biases(model)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    s = torch.rand(3, 8)
    with torch.no_grad():
        assert torch.allclose(twin.rho(4 * s), 4 * twin.rho(s), atol=1e-5)


def test_point_mlp_on_other_features():
    mlp = pc.PointMLP(6, 16, 5, in_features=2)
    assert mlp(torch.randn(3, 6, 2)).shape == (3, 5)
    assert pc.accuracy(mlp, torch.randn(3, 6, 2), torch.zeros(3, dtype=torch.long)) >= 0
    with pytest.raises(ValueError):
        mlp(torch.randn(3, 6, 3))
    with pytest.raises(ValueError):
        pc.PointMLP(6, in_features=2, sort_by="z")
