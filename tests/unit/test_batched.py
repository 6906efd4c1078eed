"""Many small trainings as one batched model (``labcode.batched``): the same as one by one.

Every test trains the same models twice, from the same initial parameters and the same
per-model data streams: one after another with ``train_steps`` / ``train``, and as one stack
with ``train_steps_batched`` / ``train_batched``. Only float rounding may differ (a batched
matrix product may add in another order), so the exact comparisons run in float64, where
rounding is about 1e-16 of each number and stays far below the bounds after a few hundred Adam
steps; the float32 test has a bound that says why.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from labcode.batched import train_batched, train_steps_batched
from labcode.digits import create_train_dataset
from labcode.pooling_tasks import PooledSetModel
from labcode.thirds import DeepSet, make_data, mlp
from labcode.training import steps_to_reach, train, train_steps
from tests.conftest import relative_error

EPS64 = torch.finfo(torch.float64).eps


def _draw(seed: int, dtype: torch.dtype = torch.float64):
    """A model's own data stream: ``make_data`` from its own generator, in ``dtype``."""
    g = torch.Generator().manual_seed(seed)

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        X, y = make_data(n, generator=g)
        return X.to(dtype), y.to(dtype)
    return draw


def _models(make, seeds, dtype=torch.float64):
    out = []
    for s in seeds:
        torch.manual_seed(s)
        out.append(make().to(dtype))
    return out


def _one_by_one(models, seeds, dtype=torch.float64, **settings):
    histories = []
    for model, s in zip(models, seeds, strict=True):
        _, h = train_steps(model, _draw(100 + s, dtype), progress=False, **settings)
        histories.append(h)
    return histories


def _assert_same_parameters(alone, stacked, bound):
    for a, b in zip(alone, stacked, strict=True):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert relative_error(q, p) <= bound


def test_batched_steps_equal_one_by_one_with_their_own_stopping_steps():
    seeds = range(3)
    alone = _models(DeepSet, seeds)
    stacked = copy.deepcopy(alone)
    # two runs stop at different steps, one runs to the end (seeds and sizes chosen so)
    settings = {"steps": 150, "batch_size": 10, "lr": 1e-2, "stop_below": 0.5}
    expected = _one_by_one(alone, seeds, **settings)
    got = train_steps_batched(stacked, [_draw(100 + s) for s in seeds], progress=False,
                              **settings)
    lengths = [len(h) for h in expected]
    assert len(set(lengths)) > 1, "the runs should stop at different steps (else pick seeds)"
    assert [len(h) for h in got] == lengths
    assert [steps_to_reach(h, 0.5) for h in got] == [steps_to_reach(h, 0.5) for h in expected]
    # float64: about 1e-16 per operation, amplified by 150 Adam steps; 1e-9 is far
    # above that and far below any real difference (a skipped or extra update moves 1e-3).
    for a, b in zip(expected, got, strict=True):
        assert relative_error(b, a) <= 1e-9
    _assert_same_parameters(alone, stacked, 1e-9)
    assert not any(m.training for m in stacked)


def test_models_of_different_widths_train_one_stack_per_width():
    seeds = [0, 1, 2, 3]
    widths = [4, 8, 4, 8]
    alone = []
    for s, w in zip(seeds, widths, strict=True):
        torch.manual_seed(s)
        alone.append(mlp(hidden_dims=(w, w)).double())
    stacked = copy.deepcopy(alone)
    expected = _one_by_one(alone, seeds, steps=60, batch_size=10, lr=1e-2)
    got = train_steps_batched(stacked, [_draw(100 + s) for s in seeds], steps=60,
                              batch_size=10, lr=1e-2, progress=False)
    assert [len(h) for h in got] == [60] * 4
    for a, b in zip(expected, got, strict=True):
        assert relative_error(b, a) <= 1e-9  # float64, as above
    _assert_same_parameters(alone, stacked, 1e-9)


def test_each_model_draws_from_its_own_stream_once_per_step():
    calls = [0, 0, 0]

    def counting(k, draw):
        def wrapped(n):
            calls[k] += 1
            return draw(n)
        return wrapped

    models = _models(DeepSet, range(3))
    histories = train_steps_batched(
        models, [counting(k, _draw(100 + k)) for k in range(3)], steps=150, batch_size=10,
        lr=1e-2, stop_below=0.5, progress=False)
    assert len(set(calls)) > 1
    assert calls == [len(h) for h in histories]


def test_float32_batched_steps_match_within_rounding():
    seeds = range(3)
    alone = _models(DeepSet, seeds, torch.float32)
    stacked = copy.deepcopy(alone)
    settings = {"steps": 50, "batch_size": 10, "lr": 1e-2}
    expected = _one_by_one(alone, seeds, torch.float32, **settings)
    got = train_steps_batched(stacked, [_draw(100 + s, torch.float32) for s in seeds],
                              progress=False, **settings)
    # float32 rounds at 6e-8 per operation; 50 Adam steps of normalised updates (each about
    # lr = 1e-2, whatever the gradient's size) can carry a rounding difference along but not
    # grow it past 1e-4 of the parameters' scale, and a wrong update would move 1e-2.
    for a, b in zip(expected, got, strict=True):
        assert relative_error(b, a) <= 1e-4
    _assert_same_parameters(alone, stacked, 1e-4)


@pytest.fixture(scope="module")
def digit_sets():
    X, _ = create_train_dataset(n_train=600, max_digit=9, seed=0)
    return X, [X.sum(1).astype(np.float64), X.max(1).astype(np.float64)]


@pytest.mark.parametrize("pooling", ["sum", "max"])
def test_train_batched_equals_train_on_shared_inputs(digit_sets, pooling):
    X, ys = digit_sets
    alone = []
    for _ in ys:
        torch.manual_seed(0)
        alone.append(PooledSetModel(pooling, input_dim=10, hidden_dim=8).double())
    stacked = copy.deepcopy(alone)
    settings = {"epochs": 2, "batch_size": 64, "lr": 1e-2, "final_lr": 1e-3, "seed": 3}
    # train's batches have float32 targets: compare with its loop in float64 instead
    expected = [_train64(m, X, y, **settings) for m, y in zip(alone, ys, strict=True)]
    got = train_batched(stacked, X, ys, progress=False, **settings)
    for a, b in zip(expected, got, strict=True):
        assert b.batches_per_epoch == a.batches_per_epoch
        assert relative_error(b.batch_losses, a.batch_losses) <= 1e-9  # float64, as above
        assert relative_error(b.epoch_losses, a.epoch_losses) <= 1e-9
    _assert_same_parameters(alone, stacked, 1e-9)


def _train64(model, X, y, *, epochs, batch_size, lr, final_lr, seed):
    """``train``'s loop in float64 (its batch function and checks want float32 targets)."""
    from labcode.training import History

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    n_batches = -(-len(X) // batch_size)
    history = History(batches_per_epoch=n_batches)
    for epoch in range(epochs):
        if epoch == epochs - 1:
            for group in optimizer.param_groups:
                group["lr"] = final_lr
        order = rng.permutation(len(X))
        total = 0.0
        for b in range(n_batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            loss = nn.functional.l1_loss(model(torch.as_tensor(X[idx])),
                                         torch.as_tensor(y[idx]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.batch_losses.append(loss.item())
            total += history.batch_losses[-1] * len(idx)
        history.epoch_losses.append(total / len(X))
    return history


def test_train_batched_in_float32_matches_train(digit_sets):
    X, ys = digit_sets
    ys = [y.astype(np.float32) for y in ys]
    alone = []
    for _ in ys:
        torch.manual_seed(0)
        alone.append(PooledSetModel("mean", input_dim=10, hidden_dim=8))
    stacked = copy.deepcopy(alone)
    settings = {"epochs": 1, "batch_size": 64, "lr": 1e-2, "seed": 3}
    expected = [train(m, X, y, progress=False, **settings) for m, y in zip(alone, ys,
                                                                          strict=True)]
    got = train_batched(stacked, X, ys, progress=False, **settings)
    # 10 Adam steps in float32 (6e-8 per operation): differences stay below 1e-5.
    for a, b in zip(expected, got, strict=True):
        assert relative_error(b.batch_losses, a.batch_losses) <= 1e-5
    _assert_same_parameters(alone, stacked, 1e-5)


# ------------------------------------------------------------------------- bad input


def test_bad_models_are_refused_with_a_clear_message():
    draw = _draw(0, torch.float32)
    with pytest.raises(TypeError, match="list of torch.nn.Module"):
        train_steps_batched(DeepSet(), [draw])
    with pytest.raises(ValueError, match="empty"):
        train_steps_batched([], [])
    with pytest.raises(TypeError, match="torch.nn.Module"):
        train_steps_batched(["not a model"], [draw])
    with pytest.raises(ValueError, match="no parameters"):
        train_steps_batched([nn.ReLU()], [draw])
    model = DeepSet()
    with pytest.raises(ValueError, match="twice"):
        train_steps_batched([model, model], [draw, draw])


def test_bad_draws_and_settings_are_refused_with_a_clear_message():
    models = [DeepSet(), DeepSet()]
    draw = _draw(0, torch.float32)
    with pytest.raises(ValueError, match="one entry per model: 2 models, 1 draws"):
        train_steps_batched(models, [draw])
    with pytest.raises(TypeError, match="one entry per model"):
        train_steps_batched(models, draw)
    with pytest.raises(TypeError, match="draw\\(n\\)"):
        train_steps_batched(models, [draw, 3])
    with pytest.raises(TypeError, match="tuple of two tensors"):
        train_steps_batched(models, [draw, lambda n: "nonsense"], steps=2, progress=False)
    with pytest.raises(ValueError, match="steps must be a positive int"):
        train_steps_batched(models, [draw, draw], steps=0)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        train_steps_batched(models, [draw, draw], batch_size=2.5)
    with pytest.raises(TypeError, match="stop_below"):
        train_steps_batched(models, [draw, draw], stop_below="0.05")


def test_bad_train_batched_inputs_are_refused(digit_sets):
    X, ys = digit_sets
    models = [PooledSetModel("sum", input_dim=10, hidden_dim=4) for _ in ys]
    with pytest.raises(ValueError, match="one entry per model"):
        train_batched(models, X, ys[:1])
    with pytest.raises(ValueError, match="one target per row"):
        train_batched(models, X, [y[:-1] for y in ys])
    with pytest.raises(ValueError, match="int array"):
        train_batched(models, X.astype(float), ys)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        train_batched(models, X, ys, epochs=0)
    with pytest.raises(ValueError, match="tokens in 0..9"):
        train_batched([PooledSetModel("sum", input_dim=10, hidden_dim=4) for _ in ys],
                      X + 5, ys, progress=False)
