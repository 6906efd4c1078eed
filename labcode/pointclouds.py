"""Point clouds (Lab 10): generated shapes, PointNet-style classifiers and their robustness.

- :func:`make_point_clouds` -- noisy clouds of ``n_points`` points sampled uniformly on the
  surface of a sphere, cube, cylinder, torus or cone (:data:`SHAPES`), each turned by a random
  angle about the z axis (:func:`random_rotate_z`); every shape fits the unit sphere and
  touches it;
- :func:`sample_surface` -- noise-free points on one shape, in its own pose;
- :func:`delete_points`, :func:`sort_points` -- what the robustness tests and the sorted MLP
  do to a cloud;
- :class:`PointMLP` -- an MLP on the flattened points (optionally sorted first): no symmetry;
- :data:`CLASSIFIERS`, :func:`build_classifier`, :func:`fit_classifier` -- the lab's five
  classifiers and how it trains them;
- :func:`invariant_features` -- per-point features that a turn about z leaves unchanged;
  :func:`invariant_by_height` -- the same, of the points sorted by height;
- :func:`within_class_share` -- how much of the pooled features' spread is within a class;
- :func:`without_rho_biases` -- a copy of a model whose head has no biases;
- :func:`critical_points` -- the points that a max-pooling model's pooled feature depends on;
- :func:`accuracy` -- the share of clouds a classifier labels right.

A batch of clouds is a float32 tensor ``(batch, n_points, 3)``; the labels are a LongTensor
``(batch,)`` of indices into :data:`SHAPES`. The PointNet-style classifier itself is
:class:`labcode.pooling_tasks.PooledSetModel` with ``in_features=3`` (a shared per-point MLP, a
pooling, an MLP).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from torch import nn

from labcode._validate import (
    as_generator,
    check_choice,
    check_int,
    check_real,
    check_sets,
)
from labcode.plots import COLUMN_WIDTH, styled
from labcode.pooling_tasks import PooledSetModel
from labcode.training import train_steps

#: The shape classes, in label order: label ``k`` is ``SHAPES[k]``.
SHAPES: tuple[str, ...] = ("sphere", "cube", "cylinder", "torus", "cone")

#: Sizes of the shapes: each fits the unit sphere and touches it.
CUBE_HALF_SIDE = 1 / math.sqrt(3)
CYLINDER_RADIUS, CYLINDER_HALF_HEIGHT = 0.6, 0.8
TORUS_RADII = (0.7, 0.3)  # distance of the tube's centre from the z axis, radius of the tube
CONE_RADIUS, CONE_BASE_Z, CONE_APEX_Z = 0.8, -0.6, 1.0

#: The orders :func:`sort_points` knows: by one coordinate, or lexicographically (x, y, z).
SORT_KEYS: tuple[str, ...] = ("x", "y", "z", "xyz")


def check_clouds(points: object, name: str = "points") -> torch.Tensor:
    """Return ``points`` if it is a float tensor ``(batch, n_points, 3)`` with points in it.

    Defined in Lab 10.
    """
    return check_sets(points, name, features=3)


def _uniform(shape: tuple[int, ...], g: torch.Generator | None) -> torch.Tensor:
    return torch.rand(shape, generator=g)


def _torus_tube_angle(u: torch.Tensor) -> torch.Tensor:
    """Angles around the tube with density proportional to ``R + r cos(phi)``: the torus's
    area element, so that the points are uniform on its surface (inverse CDF, by Newton)."""
    big, small = TORUS_RADII
    a = small / big
    target = 2 * math.pi * u
    phi = target.clone()
    for _ in range(12):  # phi + a sin(phi) is increasing (a < 1): Newton converges
        phi = phi - (phi + a * torch.sin(phi) - target) / (1 + a * torch.cos(phi))
    return phi


def sample_surface(shape: str, n_clouds: int, n_points: int,
                   generator: torch.Generator | int | None = None) -> torch.Tensor:
    """``n_clouds`` noise-free clouds of ``n_points`` points, uniform on the surface of ``shape``.

    The shape is in its own pose (axis along z, centred on the origin) and fits the unit sphere.
    Returns a float32 tensor ``(n_clouds, n_points, 3)``.

    Defined in Lab 10.
    """
    check_choice("shape", shape, SHAPES)
    n_clouds, n_points = check_int("n_clouds", n_clouds, 1), check_int("n_points", n_points, 1)
    return _sample(shape, n_clouds, n_points, as_generator(generator, "generator"))


def _sample(shape: str, b: int, n: int, g: torch.Generator | None) -> torch.Tensor:
    if shape == "sphere":
        p = torch.randn(b, n, 3, generator=g)
        return p / p.norm(dim=-1, keepdim=True)
    if shape == "cube":
        a = CUBE_HALF_SIDE
        p = (2 * _uniform((b, n, 3), g) - 1) * a
        face = torch.randint(0, 6, (b, n, 1), generator=g)  # six faces of equal area
        axis, sign = face // 2, (face % 2) * 2.0 - 1.0
        return p.scatter(-1, axis, sign * a)
    theta = 2 * math.pi * _uniform((b, n), g)
    if shape == "torus":
        big, small = TORUS_RADII
        phi = _torus_tube_angle(_uniform((b, n), g))
        rho, z = big + small * torch.cos(phi), small * torch.sin(phi)
        return torch.stack([rho * torch.cos(theta), rho * torch.sin(theta), z], dim=-1)
    u, v, pick = _uniform((b, n), g), _uniform((b, n), g), _uniform((b, n), g)
    if shape == "cylinder":
        r, h = CYLINDER_RADIUS, CYLINDER_HALF_HEIGHT
        side = 2 * math.pi * r * 2 * h
        lateral = pick < side / (side + 2 * math.pi * r * r)
        rho = torch.where(lateral, torch.full_like(u, r), r * torch.sqrt(u))
        cap_z = torch.where(v < 0.5, -h, h)
        z = torch.where(lateral, (2 * v - 1) * h, cap_z)
    else:  # cone: lateral surface (apex at the top) and base disc
        r, z0, z1 = CONE_RADIUS, CONE_BASE_Z, CONE_APEX_Z
        side = math.pi * r * math.hypot(r, z1 - z0)
        lateral = pick < side / (side + math.pi * r * r)
        t = torch.sqrt(u)  # distance from the apex, as a fraction of the slant: density ~ t
        rho = r * t  # on the base disc too: radius r sqrt(u)
        z = torch.where(lateral, z1 - (z1 - z0) * t, torch.full_like(u, z0))
    return torch.stack([rho * torch.cos(theta), rho * torch.sin(theta), z], dim=-1)


def rotate_z(points: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Turn each cloud of ``points`` ``(batch, n, 3)`` by its ``angle`` ``(batch,)`` (radians,
    counterclockwise seen from +z) about the z axis; z is unchanged.

    Defined in Lab 10.
    """
    c, s = torch.cos(angle)[:, None], torch.sin(angle)[:, None]
    x, y, z = points.unbind(-1)
    return torch.stack([c * x - s * y, s * x + c * y, z], dim=-1)


def random_rotate_z(points: torch.Tensor,
                    generator: torch.Generator | int | None = None) -> torch.Tensor:
    """Turn each cloud of ``points`` ``(batch, n, 3)`` about the z axis by its own angle, uniform
    in ``[0, 2 pi)``. Returns a new tensor; ``points`` is unchanged.

    Defined in Lab 10.
    """
    points = check_clouds(points)
    g = as_generator(generator, "generator")
    angle = 2 * math.pi * torch.rand(points.shape[0], generator=g)
    return rotate_z(points, angle.to(points.device, points.dtype))


def make_point_clouds(
    n_clouds: int,
    n_points: int = 64,
    *,
    noise: float = 0.03,
    generator: torch.Generator | int | None = None,
    rotate: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n_clouds`` labelled point clouds of the shapes :data:`SHAPES`.

    The classes are balanced (their counts differ by at most one) and shuffled. Each cloud has
    ``n_points`` points uniform on the surface of its shape (:func:`sample_surface`), a random
    rotation about z (:func:`random_rotate_z`), then Gaussian noise of standard deviation
    ``noise`` on every coordinate. ``generator``: a ``torch.Generator``, an int seed, or None
    for torch's global generator (seeded by :func:`labcode.seed_everything`).
    ``rotate=False`` leaves every cloud upright, in its shape's own pose (the labels are the
    same as with ``rotate=True`` and the same seed; the points are drawn anew).
    Returns ``(X, y)``: float32 ``(n_clouds, n_points, 3)`` and int64 ``(n_clouds,)``.

    Defined in Lab 10.
    """
    n_clouds, n_points = check_int("n_clouds", n_clouds, 1), check_int("n_points", n_points, 1)
    noise = check_real("noise", noise)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    g = as_generator(generator, "generator")
    y = (torch.arange(n_clouds) % len(SHAPES))[torch.randperm(n_clouds, generator=g)]
    X = torch.empty(n_clouds, n_points, 3)
    for label, shape in enumerate(SHAPES):
        rows = (y == label).nonzero().squeeze(1)
        if len(rows):
            X[rows] = _sample(shape, len(rows), n_points, g)
    if rotate:
        X = random_rotate_z(X, g)
    X = X + noise * torch.randn(X.shape, generator=g)
    return X.float(), y


def delete_points(points: torch.Tensor, fraction: float,
                  generator: torch.Generator | int | None = None) -> torch.Tensor:
    """Delete ``round(fraction * n)`` random points of every cloud of ``points`` (batch, n, 3).

    Each cloud loses its own random subset; at least one point is kept. The kept points come in
    a random order. Returns ``(batch, n - round(fraction * n), 3)``.

    Defined in Lab 10.
    """
    points = check_clouds(points)
    fraction = check_real("fraction", fraction)
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction must be in [0, 1), got {fraction}")
    batch, n, _ = points.shape
    keep = max(1, n - round(fraction * n))
    g = as_generator(generator, "generator")
    order = torch.rand(batch, n, generator=g).argsort(dim=1)[:, :keep]
    return points.gather(1, order.to(points.device)[..., None].expand(-1, -1, 3))


def sort_points(points: torch.Tensor, by: str = "z") -> torch.Tensor:
    """The points of every cloud in increasing order of one coordinate (``"x"``, ``"y"``,
    ``"z"``) or lexicographically (``"xyz"``: by x, ties by y, then z).

    Defined in Lab 10.
    """
    points = check_clouds(points)
    check_choice("by", by, SORT_KEYS)
    keys = [by] if len(by) == 1 else list(reversed(by))  # a stable sort, last key first
    order = torch.arange(points.shape[1], device=points.device).expand(points.shape[:2])
    for key in keys:
        column = points.gather(1, order[..., None].expand(-1, -1, 3))[..., "xyz".index(key)]
        order = order.gather(1, column.argsort(dim=1, stable=True))
    return points.gather(1, order[..., None].expand(-1, -1, 3))


class PointMLP(nn.Module):
    """An MLP on the flattened cloud: ``n_points * 3`` numbers in, ``out_features`` logits out.

    Two hidden layers of ``hidden_dim`` ReLU units. It sees positions in a list, not a set: a
    new order of the points is a new input. ``sort_by`` (see :func:`sort_points`) sorts the
    points first, which puts every cloud in one canonical order. ``in_features`` (default 3,
    the coordinates) is the number of values per point: other features, such as
    :func:`invariant_features` of points sorted beforehand, need ``sort_by=None``.

    Defined in Lab 10.
    """

    def __init__(self, n_points: int = 64, hidden_dim: int = 128, out_features: int = 5,
                 sort_by: str | None = None, in_features: int = 3):
        super().__init__()
        self.n_points = check_int("n_points", n_points, 1)
        hidden_dim = check_int("hidden_dim", hidden_dim, 1)
        out_features = check_int("out_features", out_features, 1)
        self.in_features = check_int("in_features", in_features, 1)
        self.sort_by = None if sort_by is None else check_choice("sort_by", sort_by, SORT_KEYS)
        if self.sort_by is not None and self.in_features != 3:
            raise ValueError("sort_by sorts points (in_features=3): sort the points first, "
                             "then compute their features")
        self.net = nn.Sequential(nn.Flatten(),
                                 nn.Linear(self.in_features * n_points, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, out_features))

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        """``(batch, n_points, in_features)`` -> ``(batch, out_features)`` logits."""
        if self.in_features == 3:
            points = check_clouds(points)
        elif (not isinstance(points, torch.Tensor) or not torch.is_floating_point(points)
              or points.ndim != 3 or points.shape[-1] != self.in_features):
            raise ValueError(f"this MLP takes a float tensor (batch, n_points, "
                             f"{self.in_features}), got "
                             f"{getattr(points, 'shape', type(points).__name__)}")
        if points.shape[1] != self.n_points:
            raise ValueError(f"this MLP takes clouds of exactly {self.n_points} points, got "
                             f"{points.shape[1]}: an MLP has one input per coordinate")
        if self.sort_by is not None:
            points = sort_points(points, self.sort_by)
        return self.net(points)


#: The classifiers Lab 10 compares: three poolings of a :class:`PooledSetModel`, and a
#: :class:`PointMLP` with and without sorting the points by height. Defined in Lab 10.
CLASSIFIERS: tuple[str, ...] = ("max", "mean", "sum", "MLP, sorted by z", "MLP, unsorted")


def build_classifier(name: str, n_points: int = 32) -> nn.Module:
    """A fresh classifier of clouds of ``n_points`` points into the 5 shapes: ``name`` is a
    pooling of a PointNet-style :class:`~labcode.pooling_tasks.PooledSetModel` (per-point MLP
    3 -> 32, rho 32 -> 32 -> 5), or ``"MLP, sorted by z"`` / ``"MLP, unsorted"`` (a
    :class:`PointMLP` with 128 hidden units). Initialised from torch's global generator.

    Defined in Lab 10 (the notebook's ``build``).
    """
    if name == "MLP, unsorted":
        return PointMLP(n_points, hidden_dim=128, out_features=5)
    if name == "MLP, sorted by z":
        return PointMLP(n_points, hidden_dim=128, out_features=5, sort_by="z")
    return PooledSetModel(name, in_features=3, hidden_dim=32, out_features=5,
                          rho_hidden_dim=32)


def fit_classifier(model: nn.Module, X: torch.Tensor, y: torch.Tensor, seed: int = 0, *,
                   augment: bool = False,
                   prepare: Callable[[torch.Tensor], torch.Tensor] | None = None,
                   steps: int = 300, batch_size: int = 32, lr: float = 3e-3) -> nn.Module:
    """Train ``model`` in place on the clouds ``X`` with labels ``y`` and return it: ``steps``
    Adam steps (cross-entropy) on batches of ``batch_size`` clouds drawn with replacement from
    a generator seeded with ``seed``; with ``augment``, each drawn cloud is first turned about
    z by a random angle (:func:`random_rotate_z`, same generator), and ``prepare`` (if given)
    maps the clouds to the model's input.

    Defined in Lab 10 (the notebook's ``fit`` and ``fit_upright``).
    """
    draws = torch.Generator().manual_seed(seed)

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        rows = torch.randint(len(X), (n,), generator=draws)
        batch = X[rows]
        if augment:
            batch = random_rotate_z(batch, generator=draws)
        return (batch if prepare is None else prepare(batch)), y[rows]

    train_steps(model, draw, steps=steps, batch_size=batch_size, lr=lr,
                loss_fn=nn.CrossEntropyLoss(), progress=False)
    return model


def critical_points(model: nn.Module, cloud: torch.Tensor) -> torch.Tensor:
    """The critical points of one ``cloud`` ``(n, 3)`` for a max-pooling ``model``: a bool mask
    ``(n,)``, True at one point per feature of ``model.phi`` where that feature is largest
    (:func:`torch.argmax`; a tie, e.g. a feature ReLU zeroes everywhere, keeps one point).

    The max-pooled feature of the critical points alone equals that of the whole cloud.

    Defined in Lab 10.
    """
    if not isinstance(cloud, torch.Tensor) or cloud.ndim != 2 or cloud.shape[-1] != 3:
        raise ValueError("cloud must be one cloud, a tensor of shape (n_points, 3)")
    phi = getattr(model, "phi", None)
    if not isinstance(phi, nn.Module):
        raise TypeError("model must have a per-point network model.phi (a PooledSetModel)")
    with torch.no_grad():
        features = phi(cloud)  # (n, features)
    mask = torch.zeros(cloud.shape[0], dtype=torch.bool, device=cloud.device)
    mask[features.argmax(dim=0)] = True
    return mask


def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> float:
    """Share of the clouds ``X`` whose largest logit is their label ``y``. ``X`` holds points
    ``(batch, n_points, 3)`` or other features per point ``(batch, n_points, k)``.

    Defined in Lab 10.
    """
    if not isinstance(X, torch.Tensor) or not torch.is_floating_point(X) or X.ndim != 3:
        raise ValueError("X must be a float tensor (batch, n_points, features)")
    if not isinstance(y, torch.Tensor) or y.dtype != torch.long or tuple(y.shape) != X.shape[:1]:
        raise TypeError(f"y must be a LongTensor of shape ({X.shape[0]},), one label per cloud")
    batch_size = check_int("batch_size", batch_size, 1)
    correct = 0
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            logits = model(X[start:start + batch_size])
            correct += int((logits.argmax(dim=-1) == y[start:start + batch_size]).sum())
    return correct / len(X)


def invariant_features(points: torch.Tensor) -> torch.Tensor:
    """Per-point features of ``points`` ``(batch, n, 3)`` that a turn about the z axis leaves
    unchanged: the distance from the axis ``sqrt(x^2 + y^2)`` and the height ``z``.

    A turn about z changes only the angle ``atan2(y, x)`` of every point; these two keep the
    rest. Returns a new tensor ``(batch, n, 2)`` of the points' dtype.

    Defined in Lab 10.
    """
    points = check_clouds(points)
    return torch.stack([points[..., :2].norm(dim=-1), points[..., 2]], dim=-1)


def invariant_by_height(points: torch.Tensor) -> torch.Tensor:
    """:func:`invariant_features` of ``points`` ``(batch, n, 3)`` sorted by height
    (:func:`sort_points` by ``z``): the input of a :class:`PointMLP` with ``in_features=2``.

    Defined in Lab 10.
    """
    return invariant_features(sort_points(points, "z"))


def within_class_share(features: torch.Tensor, labels: torch.Tensor) -> float:
    """How much of the spread of ``features`` ``(n, d)`` lies within the classes ``labels``.

    For each feature (column): the variance around its class means over the variance around
    its overall mean, in [0, 1]; 0 means that the feature is the same for every member of a
    class. Returns the average over the features that vary at all (e.g. not a ReLU feature
    that is 0 everywhere).

    Defined in Lab 10.
    """
    if (not isinstance(features, torch.Tensor) or features.ndim != 2
            or not isinstance(labels, torch.Tensor) or labels.shape != features.shape[:1]):
        raise ValueError("features must be (n, d) and labels (n,)")
    features = features.double()
    total = ((features - features.mean(0)) ** 2).sum(0)
    within = torch.zeros_like(total)
    for label in labels.unique():
        rows = features[labels == label]
        within += ((rows - rows.mean(0)) ** 2).sum(0)
    live = total > 1e-12 * len(features)
    if not live.any():
        raise ValueError("no feature varies: the share is undefined")
    return float((within[live] / total[live]).mean())


def without_rho_biases(model: nn.Module) -> nn.Module:
    """A copy of ``model`` (a :class:`~labcode.pooling_tasks.PooledSetModel`) whose head ``rho`` has
    all its biases set to 0; ``model`` itself is unchanged.

    With ReLU and no biases, ``rho`` is positively homogeneous: ``rho(k s) = k rho(s)`` for
    ``k > 0``, so the predicted class no longer depends on a common factor of the pooled
    vector (such as the number of points under sum pooling).

    Defined in Lab 10.
    """
    import copy

    rho = getattr(model, "rho", None)
    if not isinstance(rho, nn.Module):
        raise TypeError("model must have a head model.rho (a PooledSetModel)")
    twin = copy.deepcopy(model)
    with torch.no_grad():
        for layer in twin.rho.modules():
            if isinstance(layer, nn.Linear) and layer.bias is not None:
                layer.bias.zero_()
    return twin


# ---------------------------------------------------------------------------------- figures


def _cloud_axes(fig: Figure, index: int, title: str) -> Axes:
    """Panel ``index`` of a 2 x 3 grid as a 3-D view of the cube [-1, 1]^3, ticks off."""
    ax = fig.add_subplot(2, 3, index, projection="3d")
    ax.set(title=title, xticks=[], yticks=[], zticks=[], xlim=(-1, 1), ylim=(-1, 1),
           zlim=(-1, 1))
    ax.set_xlabel("x", labelpad=-12)
    ax.set_ylabel("y", labelpad=-12)
    ax.set_zlabel("z", labelpad=-12)
    ax.set_box_aspect((1, 1, 1))
    return ax


def _dot(colour: str, label: str) -> Line2D:
    return Line2D([], [], ls="", marker="o", color=colour, label=label)


@styled
def plot_shapes(dense: torch.Tensor, labels: torch.Tensor, turned: torch.Tensor,
                n_points: int, noise: float) -> Figure:
    """One dense cloud of each shape in 3-D, its first ``n_points`` highlighted (a training
    cloud), and a top view of the clouds ``turned`` (one shape turned about z).

    Defined in Lab 10.
    """
    fig = plt.figure(figsize=(COLUMN_WIDTH, 4.8))
    for label, shape in enumerate(SHAPES):
        ax = _cloud_axes(fig, label + 1, shape)
        cloud = dense[labels == label][0]
        ax.scatter(*cloud.T, s=1, color="0.7")
        ax.scatter(*cloud[:n_points].T, s=8, color="C0")
    ax = fig.add_subplot(2, 3, 6)
    for k, copy in enumerate(turned):
        ax.scatter(copy[:, 0], copy[:, 1], s=2, color=f"C{k + 1}")
    ax.set(title=f"a cube, {len(turned)} random turns", xlabel="x", ylabel="y",
           xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), aspect="equal")
    fig.legend(handles=[_dot("0.7", f"{dense.shape[1]} points"),
                        _dot("C0", f"one {n_points}-point cloud")],
               loc="outside lower center", ncols=2)
    fig.suptitle(f"The five shapes (noise {noise:g}, random turn about z)")
    return fig


@styled
def plot_deletion(fractions: list[float], accuracy: dict[str, list[float]],
                  n_points: int, ax: Axes | None = None) -> Axes:
    """Test accuracy of each model against the share of points deleted from each cloud.

    Defined in Lab 10.
    """
    if ax is None:
        _, ax = plt.subplots()
    for name, values in accuracy.items():
        ax.plot([100 * f for f in fractions], values, "o-", label=f"{name} pooling")
    ax.axhline(1 / len(SHAPES), color="0.5", ls="--", lw=1,
               label=f"chance ({len(SHAPES)} shapes)")
    ax.set(title=f"Deleting points at random (trained on {n_points} points)",
           xlabel="points deleted from each test cloud (%)", ylabel="test accuracy",
           ylim=(0, 1.02))
    ax.legend(loc="lower left")
    return ax


@styled
def plot_critical_points(clouds: torch.Tensor, labels: torch.Tensor, masks: torch.Tensor,
                         n_features: int) -> Figure:
    """One cloud of each shape with its critical points (``masks``: the points that win a
    maximum) in red, and a histogram of the number of critical points per cloud, from 0 to
    ``n_features`` (one per feature at most).

    Defined in Lab 10.
    """
    fig = plt.figure(figsize=(COLUMN_WIDTH, 4.8))
    for label, shape in enumerate(SHAPES):
        i = int((labels == label).nonzero()[0])
        cloud, mask = clouds[i], masks[i]
        ax = _cloud_axes(fig, label + 1, f"{shape}: {int(mask.sum())} critical")
        ax.scatter(*cloud[~mask].T, s=2, color="0.7")
        ax.scatter(*cloud[mask].T, s=14, color="C3")
    counts = masks.sum(dim=1)
    ax = fig.add_subplot(2, 3, 6)
    ax.hist(counts.numpy(), bins=range(0, n_features + 2, 2), color="C3")
    ax.set(title=f"all {len(clouds):,} clouds", xlabel="critical points", ylabel="clouds")
    fig.legend(handles=[_dot("C3", "critical points"), _dot("0.7", "other points")],
               loc="outside lower center", ncols=2)
    fig.suptitle(f"What max pooling reads: the critical points of {clouds.shape[1]}-point "
                 "clouds")
    return fig
