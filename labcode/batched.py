"""Many small trainings as one batched model: K copies of one architecture, one step for all.

``train_steps_batched`` is ``train_steps`` for a list of models, and ``train_batched`` is
``train`` for a list of models that share the inputs ``X`` (one target array each). The
parameters of the K models are stacked along a leading model axis and the forward pass is
``torch.func.vmap`` of ``torch.func.functional_call``, so one step of Python and one call of
each layer serve all K models. Nothing is shared between the copies:

- the loss is the sum of the K losses, so each copy's gradient is the gradient of its own loss;
- Adam works element by element, so each copy gets the update it would get alone;
- each copy draws its own batches (``draws[k](batch_size)``, called once per step, as alone);
- a copy that reaches ``stop_below`` leaves the stack at that step (its Adam state with it), so
  its history and its parameters are those it would have alone.

What can differ from K trainings one after another is float rounding (a batched matrix product
may add in another order), which a threshold can turn into a step or two. Models of different
shapes (say MLPs of different widths) are trained one stack per shape, in the order given.
The models are trained in place and left in ``eval()`` mode, like ``train_steps`` leaves them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, vmap

from labcode.training import (
    CONVERGENCE_WINDOW,
    History,
    ProgressLine,
    _check_output,
    _first_batch,
    _first_draw,
    _loss,
    _parameters,
    make_batch,
)

Draw = Callable[[int], tuple[torch.Tensor, torch.Tensor]]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _check_models(models: object) -> list[nn.Module]:
    """``models`` as a list of ``nn.Module`` with parameters, each object once."""
    if isinstance(models, nn.Module) or not isinstance(models, Sequence):
        raise TypeError("models must be a list of torch.nn.Module (one per training), got "
                        f"{type(models).__name__}")
    models = list(models)
    if not models:
        raise ValueError("models is empty: give at least one model to train")
    for model in models:
        _parameters(model)  # TypeError / ValueError with the usual message
    if len({id(m) for m in models}) != len(models):
        raise ValueError("the same model object appears twice in models: build one model "
                         "per training")
    return models


def _signature(model: nn.Module) -> tuple:
    """What models must share to be stacked: class, parameter and buffer names and shapes."""
    return (type(model), tuple((n, tuple(p.shape), p.dtype) for n, p in
                               model.named_parameters()),
            tuple((n, tuple(b.shape)) for n, b in model.named_buffers()))


def _groups(models: list[nn.Module]) -> list[list[int]]:
    """Indices of the models, one group per architecture and shape, in order of appearance."""
    groups: dict[tuple, list[int]] = {}
    for k, model in enumerate(models):
        groups.setdefault(_signature(model), []).append(k)
    return list(groups.values())


@contextmanager
def _no_fallback_warning():
    """Silence vmap's note that an operation (CPU flash attention, in the PMA) runs as a loop
    over the models: the results are the same, only slower than a batching rule would be.
    (A decorator too: a fresh context each call.)"""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="There is a performance drop because we "
                                "have not yet implemented the batching rule")
        yield


class _Stack:
    """K models of one shape as stacked parameters (leading model axis) and their Adam."""

    def __init__(self, models: list[nn.Module], lr: float, x_batched: bool = True) -> None:
        self.base = models[0]
        self.names = [n for n, _ in self.base.named_parameters()]
        self.buffers = {n: torch.stack([dict(m.named_buffers())[n] for m in models])
                        for n, _ in self.base.named_buffers()}
        self.params = [torch.stack([dict(m.named_parameters())[n].detach() for m in models])
                       .requires_grad_() for n in self.names]
        self.optimizer = torch.optim.Adam(self.params, lr=lr)
        in_dims = (0, 0, 0 if x_batched else None)
        self._forward = vmap(self._one, in_dims=in_dims)

    def _one(self, params: tuple[torch.Tensor, ...], buffers: dict[str, torch.Tensor],
             x: torch.Tensor) -> torch.Tensor:
        return functional_call(self.base, ({**dict(zip(self.names, params, strict=True)),
                                            **buffers},), (x,))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The K predictions ``(K, batch, ...)`` for ``x`` ``(K, batch, ...)`` (or shared)."""
        return self._forward(tuple(self.params), self.buffers, x)

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def write_back(self, models: list[nn.Module], rows: list[int]) -> None:
        """Copy the stacked rows ``rows`` into ``models`` (one row each)."""
        with torch.no_grad():
            for model, row in zip(models, rows, strict=True):
                for name, p in zip(self.names, self.params, strict=True):
                    model.get_parameter(name).copy_(p[row])

    def keep(self, rows: list[int]) -> None:
        """Drop every row not in ``rows``: its parameters and its Adam state."""
        index = torch.tensor(rows)
        old = self.optimizer
        self.params = [p.detach()[index].clone().requires_grad_() for p in self.params]
        self.buffers = {n: b[index] for n, b in self.buffers.items()}
        self.optimizer = torch.optim.Adam(self.params, **{k: v for k, v in
                                                          old.param_groups[0].items()
                                                          if k != "params"})
        for p_old, p_new in zip(old.param_groups[0]["params"], self.params, strict=True):
            state = old.state.get(p_old)
            if state:
                self.optimizer.state[p_new] = {
                    k: (v.clone() if v.ndim == 0 else v[index].clone())
                    for k, v in state.items()}


def _check_count(what: str, items: object, k: int) -> list:
    if isinstance(items, (str, bytes, torch.Tensor, np.ndarray)) or not isinstance(
            items, Sequence):
        raise TypeError(f"{what} must be a list with one entry per model, got "
                        f"{type(items).__name__}")
    if len(items) != k:
        raise ValueError(f"{what} must have one entry per model: {k} models, "
                         f"{len(items)} {what}")
    return list(items)


def _check_positive(name: str, value: object, kind: type = int) -> None:
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        raise ValueError(f"{name} must be a positive {kind.__name__}, got {value!r}")


@_no_fallback_warning()
def train_steps_batched(
    models: Sequence[nn.Module],
    draws: Sequence[Draw],
    steps: int = 4000,
    batch_size: int = 200,
    lr: float = 1e-3,
    loss_fn: LossFn | None = None,
    desc: str = "batched",
    progress: bool = True,
    stop_below: float | None = None,
) -> list[list[float]]:
    """``train_steps`` for every model of ``models`` at once; returns one loss history each.

    ``draws[k](batch_size)`` draws model ``k``'s batches (its own random stream, e.g.
    ``lambda n, g=generator: make_data(n, generator=g)``); it is called once per step while
    model ``k`` trains, as ``train_steps`` would call it. The other settings are those of
    ``train_steps`` and apply to every model; ``loss_fn`` must return the mean loss of a
    batch (the default is ``nn.BCELoss()``). With ``stop_below``, each model stops on its
    own, at the step ``train_steps`` would stop it. The models are trained in place.
    """
    models = _check_models(models)
    draws = _check_count("draws", draws, len(models))
    if not all(callable(d) for d in draws):
        raise TypeError("each entry of draws must be a function draw(n) -> (X, y)")
    _check_positive("steps", steps)
    _check_positive("batch_size", batch_size)
    if stop_below is not None and not isinstance(stop_below, (int, float)):
        raise TypeError(f"stop_below must be a number or None, got {type(stop_below).__name__}")
    bce = loss_fn is None
    loss_fn = nn.BCELoss() if bce else loss_fn
    per_model = vmap(loss_fn)
    histories: list[list[float]] = [[] for _ in models]
    line = ProgressLine(steps * len(models), desc) if progress else None
    converged = 0
    try:
        for group in _groups(models):
            stack = _Stack([models[k] for k in group], lr)
            active = list(group)  # model index of each stacked row
            sums = [0.0] * len(active)
            for step in range(steps):
                if step == 0:  # the first batch: check what each draw and model return
                    batches = [_first_draw(models[k], draws[k], batch_size, bce)[:2]
                               for k in active]
                else:
                    batches = [draws[k](batch_size) for k in active]
                X = torch.stack([b[0] for b in batches])
                y = torch.stack([b[1] for b in batches])
                losses = per_model(stack(X), y)
                stack.optimizer.zero_grad()
                losses.sum().backward()
                stack.optimizer.step()
                done = []
                for row, (k, value) in enumerate(zip(active, losses.tolist(), strict=True)):
                    history = histories[k]
                    history.append(value)
                    sums[row] += value
                    if step >= CONVERGENCE_WINDOW:
                        sums[row] -= history[-1 - CONVERGENCE_WINDOW]
                    if (stop_below is not None and len(history) >= CONVERGENCE_WINDOW
                            and sums[row] / CONVERGENCE_WINDOW < stop_below):
                        done.append(row)
                if line is not None:
                    line.update(len(active))
                if done:
                    stack.write_back([models[active[r]] for r in done], done)
                    converged += len(done)
                    if line is not None:
                        line.update(len(done) * (steps - step - 1))
                    rows = [r for r in range(len(active)) if r not in done]
                    if not rows:
                        break
                    stack.keep(rows)
                    active = [active[r] for r in rows]
                    sums = [sums[r] for r in rows]
            else:
                stack.write_back([models[k] for k in active], list(range(len(active))))
    except BaseException:
        if line is not None:
            line.close(f"{desc}: stopped after {line.n} of {line.total} steps")
        raise
    for model in models:
        model.eval()
    if line is not None:
        how = f", {converged} converged" if stop_below is not None else ""
        final = [sum(h[-CONVERGENCE_WINDOW:]) / len(h[-CONVERGENCE_WINDOW:])
                 for h in histories]
        line.close(f"{desc}: trained {len(models)} models in {line.seconds:.1f} s{how}, "
                   f"final loss {_loss(min(final))} to {_loss(max(final))}")
    return histories


@_no_fallback_warning()
def train_batched(
    models: Sequence[nn.Module],
    X: np.ndarray,
    ys: Sequence[np.ndarray],
    *,
    epochs: int = 3,
    batch_size: int = 64,
    lr: float = 1e-3,
    final_lr: float | None = None,
    seed: int | None = 0,
    progress: bool = True,
    desc: str = "batched",
) -> list[History]:
    """``train`` (Adam, L1 loss, shuffled mini-batches) for every model of ``models`` at once.

    The models share the padded digit rows ``X`` and the order of the batches (drawn from
    ``seed``); model ``k`` fits the targets ``ys[k]``. Each returns the ``History`` that
    ``train`` would return for it alone (its ``seconds`` is the time of the whole stack). The
    targets are cast to the dtype of the models' parameters (float32 unless made otherwise).
    """
    models = _check_models(models)
    ys = _check_count("ys", ys, len(models))
    X = np.asarray(X)
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.integer):
        raise ValueError(f"X must be an int array (n_sets, set size), got {X.dtype} of shape "
                         f"{X.shape}")
    ys = [np.asarray(y) for y in ys]
    if any(y.shape != (len(X),) for y in ys):
        raise ValueError(f"each of ys must have one target per row of X, shape ({len(X)},); "
                         f"got {[y.shape for y in ys]}")
    _check_positive("epochs", epochs)
    _check_positive("batch_size", batch_size)
    n_batches = -(-len(X) // batch_size)
    histories = [History(batches_per_epoch=n_batches) for _ in models]
    line = (ProgressLine(epochs * n_batches * len(models), desc, unit="batches")
            if progress else None)
    l1 = vmap(nn.L1Loss())
    try:
        for group in _groups(models):
            first = next(models[group[0]].parameters())
            device, dtype = first.device, first.dtype  # targets in the models' dtype
            stack = _Stack([models[k] for k in group], lr, x_batched=False)
            rng = np.random.default_rng(seed)
            Y = np.stack([ys[k] for k in group], axis=1)  # (n_sets, K)
            for epoch in range(epochs):
                if final_lr is not None and epoch == epochs - 1:
                    stack.set_lr(final_lr)
                order = rng.permutation(len(X))
                totals = np.zeros(len(group))
                for b in range(n_batches):
                    idx = order[b * batch_size:(b + 1) * batch_size]
                    if epoch == b == 0:
                        for k in group:
                            _first_batch(models[k], make_batch, X, ys[k], idx, device)
                    x_batch = torch.as_tensor(X[idx], dtype=torch.long, device=device)
                    y_batch = torch.as_tensor(Y[idx].T, dtype=dtype, device=device)
                    pred = stack(x_batch)
                    if epoch == b == 0:
                        _check_output(pred[0], y_batch[0])
                    losses = l1(pred, y_batch)
                    stack.optimizer.zero_grad()
                    losses.sum().backward()
                    stack.optimizer.step()
                    for k, value in zip(group, losses.tolist(), strict=True):
                        histories[k].batch_losses.append(value)
                    totals += np.array(losses.tolist()) * len(idx)
                    if line is not None:
                        line.update(len(group))
                for k, total in zip(group, totals.tolist(), strict=True):
                    histories[k].epoch_losses.append(total / len(X))
            stack.write_back([models[k] for k in group], list(range(len(group))))
    except BaseException:
        if line is not None:
            line.close(f"{desc}: stopped at batch {line.n} of {line.total}")
        raise
    for model in models:
        model.eval()
    seconds = line.seconds if line is not None else 0.0
    for history in histories:
        history.seconds = seconds
    if line is not None:
        final = [h.epoch_losses[-1] for h in histories]
        line.close(f"{desc}: trained {len(models)} models, {epochs} epochs each, in "
                   f"{seconds:.1f} s, final loss {_loss(min(final))} to {_loss(max(final))}")
    return histories
