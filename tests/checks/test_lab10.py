"""Lab 10's self-checks: random_rotate_z, delete_points, critical_points and
invariant_features (the solution
notebook's and labcode's pass; each plausible wrong answer gets a "✗" verdict naming it)."""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest
import torch

from labcode import checks, pointclouds
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(10, ["random_rotate_z", "delete_points", "critical_points",
                                  "invariant_features"])
random_rotate_z = SOLUTION["random_rotate_z"]
delete_points = SOLUTION["delete_points"]
critical_points = SOLUTION["critical_points"]
invariant_features = SOLUTION["invariant_features"]


def unfinished(*args, **kwargs):
    raise NotImplementedError("Exercise: implement it")


# --------------------------------------------------------------------------- random_rotate_z


def turn(points, angle):
    """Rotate each cloud by its angle (batch,) about z: the correct formula."""
    c, s = torch.cos(angle)[:, None], torch.sin(angle)[:, None]
    x, y, z = points.unbind(-1)
    return torch.stack([c * x - s * y, s * x + c * y, z], dim=-1)


def one_angle_for_the_batch(points, generator=None):
    angle = 2 * torch.pi * torch.rand(1, generator=generator).expand(points.shape[0])
    return turn(points, angle)


def half_circle(points, generator=None):
    return turn(points, torch.pi * torch.rand(points.shape[0], generator=generator))


def forgets_two_pi(points, generator=None):
    return turn(points, torch.rand(points.shape[0], generator=generator))


def about_x(points, generator=None):
    angle = 2 * torch.pi * torch.rand(points.shape[0], generator=generator)
    c, s = torch.cos(angle)[:, None], torch.sin(angle)[:, None]
    x, y, z = points.unbind(-1)
    return torch.stack([x, c * y - s * z, s * y + c * z], dim=-1)


def reflection(points, generator=None):
    angle = 2 * torch.pi * torch.rand(points.shape[0], generator=generator)
    c, s = torch.cos(angle)[:, None], torch.sin(angle)[:, None]
    x, y, z = points.unbind(-1)
    return torch.stack([c * x + s * y, s * x - c * y, z], dim=-1)


def angle_per_point(points, generator=None):
    angle = 2 * torch.pi * torch.rand(points.shape[:2], generator=generator)
    c, s = torch.cos(angle), torch.sin(angle)
    x, y, z = points.unbind(-1)
    return torch.stack([c * x - s * y, s * x + c * y, z], dim=-1)


def cos_of_one_sin_of_another(points, generator=None):
    a = 2 * torch.pi * torch.rand(points.shape[0], generator=generator)
    b = 2 * torch.pi * torch.rand(points.shape[0], generator=generator)
    c, s = torch.cos(a)[:, None], torch.sin(b)[:, None]
    x, y, z = points.unbind(-1)
    return torch.stack([c * x - s * y, s * x + c * y, z], dim=-1)


def numpy_angles(points, generator=None):
    angle = torch.from_numpy(np.random.uniform(0, 2 * np.pi, points.shape[0])).float()
    return turn(points, angle)


def ignores_the_generator(points, generator=None):
    return turn(points, 2 * torch.pi * torch.rand(points.shape[0]))


def seeds_inside(points, generator=None):
    torch.manual_seed(0)
    return turn(points, 2 * torch.pi * torch.rand(points.shape[0]))


def in_float64(points, generator=None):
    angle = 2 * torch.pi * torch.rand(points.shape[0], generator=generator, dtype=torch.float64)
    return turn(points, angle)


def in_place(points, generator=None):
    out = turn(points, 2 * torch.pi * torch.rand(points.shape[0], generator=generator))
    points.copy_(out)
    return points


def stacks_on_dim_1(points, generator=None):
    angle = 2 * torch.pi * torch.rand(points.shape[0], generator=generator)
    c, s = torch.cos(angle)[:, None], torch.sin(angle)[:, None]
    x, y, z = points.unbind(-1)
    return torch.stack([c * x - s * y, s * x + c * y, z], dim=1)


def does_not_turn(points, generator=None):
    return points.clone()


def forgets_the_return(points, generator=None):
    turn(points, 2 * torch.pi * torch.rand(points.shape[0], generator=generator))


def test_the_solution_and_the_library_pass(capsys):
    for fn in (random_rotate_z, pointclouds.random_rotate_z):
        out = verdict(checks.check_random_rotate_z, fn, capsys)
        assert out.startswith("✓ random_rotate_z: all"), out


def test_the_solution_turns_about_z_counterclockwise():
    points = torch.tensor([[[1.0, 0.0, 0.3]]]).expand(200, 1, 3)
    out = random_rotate_z(points, torch.Generator().manual_seed(0))
    angle = torch.atan2(out[:, 0, 1], out[:, 0, 0])
    expected = torch.stack([torch.cos(angle), torch.sin(angle), torch.full_like(angle, 0.3)], 1)
    assert torch.allclose(out[:, 0], expected, atol=1e-6)


@pytest.mark.parametrize("wrong, hint", [
    (one_angle_for_the_batch, "every cloud turned by the same angle"),
    (half_circle, "not uniform over the whole circle"),
    (forgets_two_pi, "not uniform over the whole circle"),
    (about_x, "the z coordinate changed"),
    (reflection, "that is a reflection"),
    (angle_per_point, "the points of one cloud turned by different angles"),
    (cos_of_one_sin_of_another, "distances of the points to the origin changed"),
    (numpy_angles, "torch.manual_seed"),
    (ignores_the_generator, "generator=generator"),
    (seeds_inside, "do not seed inside the function"),
    (in_float64, "float32"),
    (in_place, "changed its input"),
    (stacks_on_dim_1, "got shape (6, 3, 20)"),
    (does_not_turn, "the clouds did not turn"),
    (forgets_the_return, "did you forget the `return`?"),
])
def test_check_random_rotate_z_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_random_rotate_z, wrong, capsys)
    assert_hint(out, "random_rotate_z", hint)


def test_check_random_rotate_z_reports_an_unfinished_answer(capsys):
    assert_not_implemented(verdict(checks.check_random_rotate_z, unfinished, capsys),
                           "random_rotate_z")


# --------------------------------------------------------------------------- delete_points


def keep_of(points, fraction):
    return points.shape[1] - round(fraction * points.shape[1])


def keeps_the_first(points, fraction, generator=None):
    return points[:, :keep_of(points, fraction)].clone()


def one_subset_for_the_batch(points, fraction, generator=None):
    rows = torch.randperm(points.shape[1], generator=generator)[:keep_of(points, fraction)]
    return points[:, rows]


def with_replacement(points, fraction, generator=None):
    batch, n, _ = points.shape
    rows = torch.randint(n, (batch, keep_of(points, fraction)), generator=generator)
    return points.gather(1, rows[..., None].expand(-1, -1, 3))


def fancy_index(points, fraction, generator=None):
    order = torch.rand(points.shape[:2], generator=generator).argsort(1)
    return points[:, order[:, :keep_of(points, fraction)]]


def keeps_the_deleted_fraction(points, fraction, generator=None):
    batch, n, _ = points.shape
    order = torch.rand(batch, n, generator=generator).argsort(1)[:, :round(fraction * n)]
    return points.gather(1, order[..., None].expand(-1, -1, 3))


def mixes_clouds(points, fraction, generator=None):
    batch, n, _ = points.shape
    flat = points.reshape(batch * n, 3)
    rows = torch.randperm(batch * n, generator=generator)
    return flat[rows].reshape(batch, n, 3)[:, :keep_of(points, fraction)]


def numpy_choice(points, fraction, generator=None):
    batch, n, _ = points.shape
    rows = np.stack([np.random.permutation(n)[:keep_of(points, fraction)]
                     for _ in range(batch)])
    return points.gather(1, torch.from_numpy(rows)[..., None].expand(-1, -1, 3))


def ignores_the_generator_when_deleting(points, fraction, generator=None):
    return delete_points(points, fraction)


def biased_towards_the_first(points, fraction, generator=None):
    batch, n, _ = points.shape
    keys = torch.rand(batch, n, generator=generator) + torch.linspace(0, 1, n)
    order = keys.argsort(1)[:, :keep_of(points, fraction)]
    return points.gather(1, order[..., None].expand(-1, -1, 3))


def zeroes_the_deleted(points, fraction, generator=None):
    out = points.clone()
    out[:, keep_of(points, fraction):] = 0
    return out


def deletes_in_place(points, fraction, generator=None):
    out = delete_points(points, fraction, generator).clone()
    points.zero_()
    return out


def in_float64_when_deleting(points, fraction, generator=None):
    return delete_points(points, fraction, generator).double()


def test_delete_points_solution_and_library_pass(capsys):
    for fn in (delete_points, pointclouds.delete_points):
        out = verdict(checks.check_delete_points, fn, capsys)
        assert out.startswith("✓ delete_points: all"), out


@pytest.mark.parametrize("wrong, hint", [
    (keeps_the_first, "each cloud must lose its own random subset"),
    (one_subset_for_the_batch, "each cloud must lose its own random subset"),
    (with_replacement, "a point was kept twice"),
    (fancy_index, "points.gather(1, index)"),
    (keeps_the_deleted_fraction, "should return a tensor of shape (5, 9, 3)"),
    (mixes_clouds, "not points of their own cloud"),
    (numpy_choice, "torch.manual_seed"),
    (ignores_the_generator_when_deleting, "generator=generator"),
    (biased_towards_the_first, "the same chance to stay"),
    (zeroes_the_deleted, "should return a tensor of shape (5, 9, 3)"),
    (deletes_in_place, "changed its input"),
    (in_float64_when_deleting, "should keep their dtype"),
    (lambda points, fraction, generator=None: None, "did you forget the `return`?"),
])
def test_check_delete_points_catches_wrong_answers(wrong, hint, capsys):
    assert_hint(verdict(checks.check_delete_points, wrong, capsys), "delete_points", hint)


def truncates_the_kept(points, fraction, generator=None):  # int(n * (1 - fraction))
    batch, n, _ = points.shape
    keep = int(n * (1 - fraction))
    order = torch.rand(batch, n, generator=generator).argsort(1)[:, :keep]
    return points.gather(1, order[..., None].expand(-1, -1, 3))


def truncates_the_deleted(points, fraction, generator=None):  # n - int(fraction * n)
    batch, n, _ = points.shape
    keep = n - int(fraction * n)
    order = torch.rand(batch, n, generator=generator).argsort(1)[:, :keep]
    return points.gather(1, order[..., None].expand(-1, -1, 3))


@pytest.mark.parametrize("wrong, hint", [
    (truncates_the_kept, "12 - round(2.4) = 10 points; got 9"),
    (truncates_the_deleted, "where int(...) truncates"),
])
def test_check_delete_points_wants_rounding(wrong, hint, capsys):
    assert_hint(verdict(checks.check_delete_points, wrong, capsys), "delete_points", hint)


def test_check_delete_points_reports_an_unfinished_answer(capsys):
    assert_not_implemented(verdict(checks.check_delete_points, unfinished, capsys),
                           "delete_points")


# --------------------------------------------------------------------------- critical_points


def features(model, cloud):
    with torch.no_grad():
        return model.phi(cloud)


def mask_of(n, rows):
    mask = torch.zeros(n, dtype=torch.bool)
    mask[rows] = True
    return mask


def returns_indices(model, cloud):
    return features(model, cloud).argmax(dim=0)


def argmax_over_features(model, cloud):
    return mask_of(len(cloud), features(model, cloud).argmax(dim=1))


def every_tie(model, cloud):
    h = features(model, cloud)
    return (h == h.max(dim=0).values).any(dim=1)


def every_point(model, cloud):
    return torch.ones(len(cloud), dtype=torch.bool)


def of_the_coordinates(model, cloud):
    return mask_of(len(cloud), cloud.argmax(dim=0))


def largest_feature_norms(model, cloud):
    h = features(model, cloud)
    return mask_of(len(cloud), h.norm(dim=1).topk(min(len(cloud), h.shape[1])).indices)


def centres_in_place(model, cloud):  # moves the caller's cloud to its centre first
    cloud -= cloud.mean(dim=0)
    return mask_of(len(cloud), features(model, cloud).argmax(dim=0))


def argmin(model, cloud):
    return mask_of(len(cloud), features(model, cloud).argmin(dim=0))


def of_the_first_layer(model, cloud):
    with torch.no_grad():
        h = model.phi[:2](cloud)
    return mask_of(len(cloud), h.argmax(dim=0))


def as_floats(model, cloud):
    return critical_points(model, cloud).float()


def through_the_whole_model(model, cloud):
    return mask_of(len(cloud), model(cloud).argmax(dim=0))


def misses_a_feature(model, cloud):
    return mask_of(len(cloud), features(model, cloud)[:, :-1].argmax(dim=0))


def test_critical_points_solution_and_library_pass(capsys):
    for fn in (critical_points, pointclouds.critical_points):
        out = verdict(checks.check_critical_points, fn, capsys)
        assert out.startswith("✓ critical_points: all"), out


def test_the_critical_points_alone_give_the_same_prediction():
    from labcode.pooling_tasks import PooledSetModel

    model = PooledSetModel("max", in_features=3, hidden_dim=16, out_features=5)
    cloud = pointclouds.make_point_clouds(1, 64, generator=0)[0][0]
    mask = critical_points(model, cloud)
    assert 1 <= int(mask.sum()) <= 16
    with torch.no_grad():
        assert torch.allclose(model(cloud[mask][None]), model(cloud[None]), atol=1e-6)


@pytest.mark.parametrize("wrong, hint", [
    (returns_indices, "those look like indices"),
    (argmax_over_features, "attains the maximum of no feature"),
    (every_tie, "ties at all of them"),
    (every_point, "every point is marked"),
    (of_the_coordinates, "not the coordinates"),
    (largest_feature_norms, "attains the maximum of no feature"),
    (argmin, "attains the maximum of no feature"),
    (of_the_first_layer, "attains the maximum of no feature"),
    (as_floats, "should return a bool tensor"),
    (through_the_whole_model, "raised ValueError"),
    (misses_a_feature, "for EVERY feature"),
    (lambda model, cloud: None, "did you forget the `return`?"),
    (centres_in_place, "critical_points changed the cloud"),
])
def test_check_critical_points_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_critical_points, wrong, capsys)
    if hint == "raised ValueError":
        assert out.startswith("✗ critical_points raised ValueError"), out
    else:
        assert_hint(out, "critical_points", hint)


def test_check_critical_points_reports_an_unfinished_answer(capsys):
    assert_not_implemented(verdict(checks.check_critical_points, unfinished, capsys),
                           "critical_points")


def test_turn_is_a_rotation():
    angle = torch.tensor([math.pi / 2])
    assert torch.allclose(turn(torch.tensor([[[1.0, 0.0, 2.0]]]), angle),
                          torch.tensor([[[0.0, 1.0, 2.0]]]), atol=1e-6)


# ------------------------------------------------------------------------ invariant_features


def r_and_z(points):
    return torch.stack([points[..., :2].norm(dim=-1), points[..., 2]], dim=-1)


def r3d_and_z(points):
    """The distance from the origin (not the axis) with z: just as invariant about z."""
    return torch.stack([points.norm(dim=-1), points[..., 2]], dim=-1)


def many_features(points):
    x, y, z = points.unbind(-1)
    r2 = x * x + y * y
    return torch.stack([r2, z, r2.sqrt() * z, points.norm(dim=-1), z ** 3], dim=-1)


def canonical_pose(points):
    """Turn each cloud so that its point farthest from the axis lies on the +x axis: a
    canonical pose, which keeps the angles between points too."""
    x, y, _ = points.unbind(-1)
    far = (x * x + y * y).argmax(dim=1)
    rows = torch.arange(len(points))
    angle = torch.atan2(y[rows, far], x[rows, far])
    c, s = torch.cos(-angle)[:, None], torch.sin(-angle)[:, None]
    x, y, z = points.unbind(-1)
    return torch.stack([c * x - s * y, s * x + c * y, z], dim=-1)


def x_and_z(points):
    return points[..., [0, 2]].clone()


def with_the_angle(points):
    x, y, z = points.unbind(-1)
    return torch.stack([torch.hypot(x, y), torch.atan2(y, x), z], dim=-1)


def squares_of_x_and_y(points):
    return points ** 2


def collapses_z(points):
    return points[..., :2].norm(dim=-1, keepdim=True)


def r3d_only(points):
    return points.norm(dim=-1, keepdim=True)


def abs_z(points):
    return torch.stack([points[..., :2].norm(dim=-1), points[..., 2].abs()], dim=-1)


def z_only(points):
    return points[..., 2:].clone()


def direction_in_the_plane(points):
    x, y, z = points.unbind(-1)
    r = torch.hypot(x, y)
    return torch.stack([r, z, x * x / r ** 2 + y * y / r ** 2], dim=-1)


def z_from_the_cloud_mean(points):
    z = points[..., 2]
    return torch.stack([points[..., :2].norm(dim=-1), z - z.mean(dim=1, keepdim=True)],
                       dim=-1)


def z_over_the_cloud_max(points):
    z = points[..., 2]
    return torch.stack([points[..., :2].norm(dim=-1),
                        z / z.abs().amax(dim=1, keepdim=True)], dim=-1)


def r_plus_z(points):
    return (points[..., :2].norm(dim=-1) + points[..., 2]).unsqueeze(-1)


def r_times_z(points):
    r = points[..., :2].norm(dim=-1)
    return torch.stack([r * points[..., 2], points[..., 2]], dim=-1)


def r_rounded(points):
    r = points[..., :2].norm(dim=-1)
    return torch.stack([torch.round(r * 10) / 10, points[..., 2]], dim=-1)


def r_about_the_cloud_centre(points):
    """The distance from the vertical axis through the cloud's own centre, with z."""
    xy = points[..., :2] - points[..., :2].mean(dim=1, keepdim=True)
    return torch.stack([xy.norm(dim=-1), points[..., 2]], dim=-1)


def sorted_distances_and_z(points):
    """Each point's distances to the points of its cloud, sorted, with its z."""
    d = torch.cdist(points, points).sort(dim=-1).values
    return torch.cat([d, points[..., 2:]], dim=-1)


def constant(points):
    return torch.ones(points.shape[:2] + (2,))


def in_place(points):
    points[..., 0] = points[..., :2].norm(dim=-1)
    points[..., 1] = 0.0
    return points


def no_feature_dimension(points):
    return points[..., :2].norm(dim=-1)


def stacked_on_dim_1(points):
    return torch.stack([points[..., :2].norm(dim=-1), points[..., 2]], dim=1)


def in_float64(points):
    return r_and_z(points).double()


def scaled_by_the_batch(points):
    out = r_and_z(points)
    return out / out.abs().amax(dim=(0, 1))


def by_list_position(points):
    return r_and_z(points) + torch.linspace(0, 1, points.shape[1])[None, :, None]


def random_turn_inside(points):
    return r_and_z(points) + 0.01 * torch.rand(points.shape[:2] + (2,))


def forgets_the_return(points):
    r_and_z(points)


def test_the_solution_the_library_and_other_correct_methods_pass(capsys):
    for fn in (invariant_features, pointclouds.invariant_features, r3d_and_z,
               many_features, canonical_pose, r_about_the_cloud_centre,
               sorted_distances_and_z):
        out = verdict(checks.check_invariant_features, fn, capsys)
        assert out.startswith("✓ invariant_features: all"), (fn, out)


def test_the_solution_is_the_distance_from_the_axis_and_the_height():
    points = torch.tensor([[[3.0, 4.0, -1.0], [0.0, 0.0, 2.0]]])
    assert torch.allclose(invariant_features(points),
                          torch.tensor([[[5.0, -1.0], [0.0, 2.0]]]))


@pytest.mark.parametrize("wrong, hint", [
    (x_and_z, "the features changed when the clouds turned about z"),
    (with_the_angle, "the features changed when the clouds turned about z"),
    (squares_of_x_and_y, "the features changed when the clouds turned about z"),
    (collapses_z, "turned upside down"),
    (r3d_only, "turned upside down"),
    (abs_z, "turned upside down"),
    (z_only, "stretched sideways"),
    (z_from_the_cloud_mean, "shifted up (z + 0.5) got the same features"),
    (z_over_the_cloud_max, "stretched upwards (z times 1.5) got the same features"),
    (r_plus_z, "got the same features (in a cloud of points on a grid of"),
    (r_times_z, "got the same features (in a cloud of points on a grid of"),
    (r_rounded, "got the same features (in a cloud of points on a grid of"),
    (direction_in_the_plane, "NaN or inf"),
    (constant, "every point of every cloud got the same features"),
    (in_place, "changed its input"),
    (no_feature_dimension, "keep a last dimension"),
    (stacked_on_dim_1, "got (6, 2, 20)"),
    (in_float64, "torch.float64"),
    (scaled_by_the_batch, "no statistics over the batch"),
    (by_list_position, "another order"),
    (random_turn_inside, "nothing random"),
    (forgets_the_return, "did you forget the `return`?"),
])
def test_check_invariant_features_catches_wrong_answers(wrong, hint, capsys):
    out = verdict(checks.check_invariant_features, wrong, capsys)
    assert_hint(out, "invariant_features", hint)


def test_check_invariant_features_reports_an_unfinished_answer(capsys):
    assert_not_implemented(verdict(checks.check_invariant_features, unfinished, capsys),
                           "invariant_features")


def test_check_invariant_features_draws_inside_fork_rng():
    torch.manual_seed(3)
    expected = torch.rand(4)
    torch.manual_seed(3)
    with contextlib.redirect_stdout(io.StringIO()):
        checks.check_invariant_features(pointclouds.invariant_features)
    assert torch.equal(torch.rand(4), expected)
