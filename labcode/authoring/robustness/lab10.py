"""Lab 10's headline claims (point clouds), re-run for a seed through labcode.

Random with the seed: the training clouds (``generator=seed``; the notebook's 0), the model
inits (``torch.manual_seed(seed)`` before each model) and the mini-batch draws (a generator
seeded with ``seed``). Fixed, as in the notebook: the test clouds (seed 100, at 32, 64 and
128 points), the deleted points (seed 1) and the figure's clouds. Section 6's upright training
clouds are drawn with ``generator=seed`` too, its augmentation and mini-batches with a
generator seeded with ``seed``.
"""

from __future__ import annotations

import torch

from labcode.authoring.robustness.framework import Outcome
from labcode.pointclouds import (
    CLASSIFIERS,
    PointMLP,
    accuracy,
    build_classifier,
    critical_points,
    delete_points,
    fit_classifier,
    invariant_by_height,
    make_point_clouds,
    within_class_share,
    without_rho_biases,
)
from labcode.reproducibility import seed_everything

#: The notebook's settings.
N_POINTS, NOISE = 32, 0.05
NAMES = CLASSIFIERS
POOLINGS = ("max", "mean", "sum")
FRACTIONS = (0.0, 0.25, 0.5, 0.75, 0.9)


def _upright_recipes(seed: int, X_test: torch.Tensor, y_test: torch.Tensor
                     ) -> tuple[dict[str, float], dict[str, float]]:
    """Section 6: the sorted MLP trained on upright clouds with nothing, with augmentation and
    on invariant features; its accuracy on upright and on turned test clouds."""
    X_up, y_up = make_point_clouds(1000, N_POINTS, noise=NOISE, generator=seed, rotate=False)
    X_test_up, y_test_up = make_point_clouds(1000, N_POINTS, noise=NOISE, generator=100,
                                             rotate=False)

    def as_is(X: torch.Tensor) -> torch.Tensor:
        return X

    recipes = {  # name: (a fresh model, its input, augmentation)
        "nothing": (lambda: build_classifier("MLP, sorted by z", N_POINTS), as_is, False),
        "augmentation": (lambda: build_classifier("MLP, sorted by z", N_POINTS), as_is, True),
        "invariant features": (lambda: PointMLP(N_POINTS, hidden_dim=128, out_features=5,
                                                in_features=2), invariant_by_height, False),
    }
    upright, turned = {}, {}
    for name, (make, prepare, augment) in recipes.items():
        torch.manual_seed(seed)
        model = fit_classifier(make(), X_up, y_up, seed, augment=augment, prepare=prepare)
        upright[name] = accuracy(model, prepare(X_test_up), y_test_up)
        turned[name] = accuracy(model, prepare(X_test), y_test)
    return upright, turned


def run(seed: int) -> list[Outcome]:
    """Lab 10: the accuracy table, deleting points, more points, critical points."""
    seed_everything(seed)
    X_train, y_train = make_point_clouds(1000, N_POINTS, noise=NOISE, generator=seed)
    X_test, y_test = make_point_clouds(1000, N_POINTS, noise=NOISE, generator=100)
    models, train_acc, acc = {}, {}, {}
    for name in NAMES:
        torch.manual_seed(seed)
        model = fit_classifier(build_classifier(name, N_POINTS), X_train, y_train, seed)
        models[name] = model
        train_acc[name] = accuracy(model, X_train, y_train)
        acc[name] = accuracy(model, X_test, y_test)

    with torch.no_grad():
        features = models["max"].phi(X_test)
    within = {"max": within_class_share(features.amax(dim=1), y_test),
              "mean": within_class_share(features.mean(dim=1), y_test)}

    deletions = torch.Generator().manual_seed(1)
    kept = {p: [] for p in POOLINGS}
    shrink = {p: [] for p in POOLINGS}
    with torch.no_grad():
        whole = {p: models[p].encode(X_test).mean() for p in POOLINGS}
        for fraction in FRACTIONS:
            X_less = delete_points(X_test, fraction, deletions)
            for p in POOLINGS:
                kept[p].append(accuracy(models[p], X_less, y_test))
                shrink[p].append(float(models[p].encode(X_less).mean() / whole[p]))
        size_acc, logits = {p: [] for p in POOLINGS}, {p: [] for p in POOLINGS}
        no_bias, bias_effect = without_rho_biases(models["sum"]), 0.0
        for n in (N_POINTS, 2 * N_POINTS, 4 * N_POINTS):
            X_n, y_n = make_point_clouds(1000, n, noise=NOISE, generator=100)
            for p in POOLINGS:
                size_acc[p].append(accuracy(models[p], X_n, y_n))
                logits[p].append(float(models[p](X_n).abs().mean()))
            bias_effect = max(bias_effect, abs(accuracy(models["sum"], X_n, y_n)
                                               - accuracy(no_bias, X_n, y_n)))
        growth = {p: logits[p][2] / logits[p][0] for p in POOLINGS}
        max_model = models["max"]
        masks = [critical_points(max_model, cloud) for cloud in X_n]
        alone = torch.cat([max_model(c[m][None]) for c, m in zip(X_n, masks, strict=True)])
        full = max_model(X_n)
        same = int((alone.argmax(1) == full.argmax(1)).sum())
        gap = float((alone - full).abs().max())
        dead = int((max_model.phi(X_n).amax(dim=(0, 1)) == 0).sum())
    counts = torch.tensor([float(m.sum()) for m in masks])
    norms = X_n.norm(dim=-1)
    farther = torch.stack([r[m].mean() / r.mean() for r, m in zip(norms, masks, strict=True)])
    farther_shape = min(float(farther[y_n == k].mean()) for k in range(1, 5))
    upright, turned = _upright_recipes(seed, X_test, y_test)
    recipes = ", ".join(f"{k} {upright[k]:.2f}/{turned[k]:.2f}" for k in turned)

    table = ", ".join(f"{name} {acc[name]:.3f}" for name in NAMES)
    at = {f: i for i, f in enumerate(FRACTIONS)}
    margin_75 = min(min(kept["mean"][at[f]], kept["sum"][at[f]]) - kept["max"][at[f]]
                    for f in (0.75, 0.9))
    set_gap = max(abs(train_acc[p] - acc[p]) for p in POOLINGS)
    sum_mean = max(abs(kept["sum"][at[f]] - kept["mean"][at[f]]) for f in (0.75, 0.9))
    sum_ahead = min(kept["sum"][at[f]] - kept["mean"][at[f]] for f in (0.75, 0.9))
    return [
        Outcome("max pooling >= mean pooling + 0.02 (figure: max - mean)",
                acc["max"] - acc["mean"], acc["max"] >= acc["mean"] + 0.02, table),
        Outcome("mean and sum >= MLP sorted + 0.05 (figure: min - sorted)",
                min(acc["mean"], acc["sum"]) - acc["MLP, sorted by z"],
                min(acc["mean"], acc["sum"]) >= acc["MLP, sorted by z"] + 0.05),
        Outcome("MLP sorted >= MLP unsorted + 0.15 (figure: difference)",
                acc["MLP, sorted by z"] - acc["MLP, unsorted"],
                acc["MLP, sorted by z"] >= acc["MLP, unsorted"] + 0.15),
        Outcome("MLP unsorted test accuracy in [0.3, 0.65], about half", acc["MLP, unsorted"],
                0.3 <= acc["MLP, unsorted"] <= 0.65),
        Outcome("MLP unsorted train accuracy >= 0.95 (memorises)", train_acc["MLP, unsorted"],
                train_acc["MLP, unsorted"] >= 0.95),
        Outcome("max pooling test accuracy >= 0.98", acc["max"], acc["max"] >= 0.98),
        Outcome("sum pooling <= max pooling + 0.005 (figure: sum - max)",
                acc["sum"] - acc["max"], acc["sum"] <= acc["max"] + 0.005),
        Outcome("|sum - mean| <= 0.06, within a few points", abs(acc["sum"] - acc["mean"]),
                abs(acc["sum"] - acc["mean"]) <= 0.06),
        Outcome("sum pooling above mean pooling (the page: on 4 of 5 seeds)",
                acc["sum"] - acc["mean"], acc["sum"] > acc["mean"], rate=True),
        Outcome("set models: |train - test| < 0.05 (figure: max)", set_gap, set_gap < 0.05),
        Outcome("max model's phi: within-shape share <= 0.25 under max pooling",
                within["max"], within["max"] <= 0.25),
        Outcome("... and >= 0.33 under mean pooling", within["mean"], within["mean"] >= 0.33),
        Outcome("... mean's share >= 1.5 x max's (figure: ratio, 'about half as much')",
                within["mean"] / within["max"], within["mean"] >= 1.5 * within["max"]),
        Outcome("50% deleted: max pooling >= 0.9", kept["max"][at[0.5]],
                kept["max"][at[0.5]] >= 0.9),
        Outcome("50% deleted: every pooling >= 0.85 (figure: min)",
                min(kept[p][at[0.5]] for p in POOLINGS),
                min(kept[p][at[0.5]] for p in POOLINGS) >= 0.85),
        Outcome("75% and 90% deleted: max <= min(mean, sum) - 0.03 (figure: margin)", margin_75,
                margin_75 >= 0.03),
        Outcome("75% and 90% deleted: sum about as good as mean, |sum - mean| <= 0.1",
                sum_mean, sum_mean <= 0.1),
        Outcome("75% and 90% deleted: sum >= mean (the page: on 4 of 5; figure: min)",
                sum_ahead, sum_ahead >= 0, rate=True),
        Outcome("75% deleted: max-pooled features shrink to <= 0.9", shrink["max"][at[0.75]],
                shrink["max"][at[0.75]] <= 0.9),
        Outcome("75% deleted: mean-pooled features within 3% of the whole cloud's",
                shrink["mean"][at[0.75]], abs(shrink["mean"][at[0.75]] - 1) <= 0.03),
        Outcome("75% deleted: sum-pooled features 0.25 +- 0.01", shrink["sum"][at[0.75]],
                abs(shrink["sum"][at[0.75]] - 0.25) <= 0.01),
        Outcome("64 and 128 points: every pooling >= 0.95 (figure: min)",
                min(a for p in POOLINGS for a in size_acc[p][1:]),
                min(a for p in POOLINGS for a in size_acc[p][1:]) >= 0.95),
        Outcome("mean pooling at 128 points >= at 32 + 0.015 (figure: gain)",
                size_acc["mean"][2] - acc["mean"], size_acc["mean"][2] >= acc["mean"] + 0.015),
        Outcome("sum pooling, rho's biases set to 0: accuracy moves <= 0.02 at 32, 64, 128 "
                "points (figure: max)", bias_effect, bias_effect <= 0.02),
        Outcome("sum pooling logits at 128 / at 32 points in [3, 5]", growth["sum"],
                3 <= growth["sum"] <= 5),
        Outcome("max and mean logits at 128 / at 32 in [0.8, 1.25] (figure: max)",
                max(growth["max"], growth["mean"]),
                all(0.8 <= growth[p] <= 1.25 for p in ("max", "mean"))),
        Outcome("critical points alone: same prediction on every 128-point cloud, logits "
                "within 1e-4 (figure: gap)", gap, same == len(X_n) and gap < 1e-4),
        Outcome("critical points per 128-point cloud: mean in [8, 24], max <= 32",
                float(counts.mean()), 8 <= float(counts.mean()) <= 24 and counts.max() <= 32),
        Outcome("critical points >= 1.05x farther from the centre (figure: mean ratio)",
                float(farther.mean()), float(farther.mean()) >= 1.05),
        Outcome("... and >= 1.04x for every shape but the sphere (figure: min)", farther_shape,
                farther_shape >= 1.04),
        Outcome("features 0 on every point of every cloud: 1 to 12", dead, 1 <= dead <= 12),
        Outcome("sorted MLP trained upright, nothing: |upright - turned| <= 0.04",
                abs(upright["nothing"] - turned["nothing"]),
                abs(upright["nothing"] - turned["nothing"]) <= 0.04, recipes),
        Outcome("... augmentation >= nothing + 0.03 on turned clouds (figure: difference)",
                turned["augmentation"] - turned["nothing"],
                turned["augmentation"] >= turned["nothing"] + 0.03),
        Outcome("... invariant features >= 0.95 on upright and turned clouds (figure: min)",
                min(upright["invariant features"], turned["invariant features"]),
                min(upright["invariant features"], turned["invariant features"]) >= 0.95),
        Outcome("... invariant features >= augmentation + 0.05 (figure: difference)",
                turned["invariant features"] - turned["augmentation"],
                turned["invariant features"] >= turned["augmentation"] + 0.05),
    ]
