"""Training: epochs of mini-batches over a padded data set, loss history, checkpoints.

``train`` runs Adam on the L1 loss (seed Lab 8, Task 5) with a tqdm progress bar and returns a
``History``. ``save_checkpoint`` / ``load_checkpoint`` write and read a model's parameters
(``torch.load(..., weights_only=True)``) and refuse a checkpoint of another architecture.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from labcode._validate import check_int, check_seed

#: Where the labs write their checkpoints (git-ignored), relative to the notebook's folder.
CHECKPOINT_DIR = Path("checkpoints")

BatchFn = Callable[[np.ndarray, np.ndarray, np.ndarray, torch.device],
                   tuple[torch.Tensor, torch.Tensor]]


def make_batch(X: np.ndarray, y: np.ndarray, idx: np.ndarray,
               device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """The rows ``idx`` of ``(X, y)`` as tensors on ``device``: int64 ``(b, set size)``, float32
    ``(b,)``."""
    x_batch = torch.as_tensor(X[idx], dtype=torch.long, device=device)
    y_batch = torch.as_tensor(y[idx], dtype=torch.float32, device=device)
    return x_batch, y_batch


@dataclass
class History:
    """What ``train`` records: the loss of every mini-batch, the mean loss of every epoch."""

    batch_losses: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)
    batches_per_epoch: int = 0
    seconds: float = 0.0


def _check_training_data(X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(X, np.ndarray) or not isinstance(y, np.ndarray):
        raise TypeError(f"X and y must be NumPy arrays, got {type(X).__name__} and "
                        f"{type(y).__name__}")
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.integer):
        raise ValueError(f"X must be a 2-D integer array (n_sets, set size), got shape {X.shape} "
                         f"and dtype {X.dtype}")
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},), one target per row of X; got {y.shape}")
    if len(X) == 0:
        raise ValueError("X must hold at least one set")
    return X, y


def _check_batch(out: object, n: int, width: int, device: torch.device) -> None:
    """Complain clearly if a batch function returns something train cannot use."""
    if not (isinstance(out, tuple) and len(out) == 2
            and all(isinstance(t, torch.Tensor) for t in out)):
        raise TypeError("batch_fn must return a tuple of two tensors (x_batch, y_batch), "
                        f"got {type(out).__name__}")
    x_batch, y_batch = out
    if x_batch.dtype != torch.long or tuple(x_batch.shape) != (n, width):
        raise ValueError(f"batch_fn: x_batch must be a LongTensor of shape {(n, width)}, "
                         f"got {x_batch.dtype} of shape {tuple(x_batch.shape)}")
    if y_batch.dtype != torch.float32 or tuple(y_batch.shape) != (n,):
        raise ValueError(f"batch_fn: y_batch must be a float32 tensor of shape {(n,)}, "
                         f"got {y_batch.dtype} of shape {tuple(y_batch.shape)}")
    if x_batch.device.type != device.type or y_batch.device.type != device.type:
        raise ValueError(f"batch_fn: tensors must be on the model's device ({device}), "
                         f"got {x_batch.device} and {y_batch.device}")


def train(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 3,
    batch_size: int = 64,
    lr: float = 1e-3,
    final_lr: float | None = None,
    batch_fn: BatchFn = make_batch,
    seed: int | None = 0,
    progress: bool = True,
    desc: str = "training",
) -> History:
    """Train ``model`` in place with Adam on the L1 loss, over shuffled mini-batches.

    Each epoch visits every row of ``X`` once, in an order drawn from ``seed``. With
    ``final_lr`` set, the last epoch uses that learning rate (``lr`` before it). ``batch_fn``
    turns ``(X, y, row indices, device)`` into ``(x_batch, y_batch)`` tensors on the device of
    the model's parameters. A progress bar shows while training runs and disappears at the end
    (``progress=False`` hides it altogether).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X, y = _check_training_data(X, y)
    epochs = check_int("epochs", epochs, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    for name, rate in (("lr", lr), ("final_lr", final_lr)):
        if rate is not None and not (isinstance(rate, (int, float)) and rate > 0):
            raise ValueError(f"{name} must be a positive number, got {rate!r}")
    if not callable(batch_fn):
        raise TypeError(f"batch_fn must be a function, got {type(batch_fn).__name__}")
    params = list(model.parameters())
    if not params:
        raise ValueError("model has no parameters to train")
    device = params[0].device
    rng = np.random.default_rng(check_seed(seed))

    optimizer = torch.optim.Adam(params, lr=lr)
    loss_fn = nn.L1Loss()
    n_batches = -(-len(X) // batch_size)
    history = History(batches_per_epoch=n_batches)
    start = time.perf_counter()
    model.train()
    bar = tqdm(total=epochs * n_batches, desc=desc, leave=False, disable=not progress,
               mininterval=0.5)
    for epoch in range(epochs):
        rate = final_lr if (final_lr is not None and epoch == epochs - 1) else lr
        for group in optimizer.param_groups:
            group["lr"] = rate
        order = rng.permutation(len(X))
        total = 0.0
        for b in range(n_batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            batch = batch_fn(X, y, idx, device)
            if epoch == 0 and b == 0:
                _check_batch(batch, len(idx), X.shape[1], device)
            x_batch, y_batch = batch
            optimizer.zero_grad()
            loss = loss_fn(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
            value = loss.item()
            history.batch_losses.append(value)
            total += value * len(idx)
            bar.update(1)
            if b % 100 == 0:
                bar.set_postfix(epoch=f"{epoch + 1}/{epochs}", loss=f"{value:.3f}", refresh=False)
        history.epoch_losses.append(total / len(X))
    bar.close()
    model.eval()
    history.seconds = time.perf_counter() - start
    return history


def save_checkpoint(model: nn.Module, path: str | Path) -> Path:
    """Write ``model``'s parameters (on the CPU) and its class name to ``path``; return it."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save({"architecture": type(model).__name__, "state_dict": state}, path)
    return path


def load_checkpoint(model: nn.Module, path: str | Path) -> nn.Module:
    """Load the parameters saved in ``path`` into ``model`` (in place) and return the model.

    Raises ``FileNotFoundError`` if there is no such file and ``ValueError`` if the checkpoint
    was saved from another architecture or with other layer sizes.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}: train the model and save it first")
    data = torch.load(path, map_location="cpu", weights_only=True)
    if not (isinstance(data, dict) and isinstance(data.get("state_dict"), dict)):
        raise ValueError(f"{path} is not a checkpoint written by save_checkpoint")
    saved, target = data["state_dict"], model.state_dict()
    arch, into = data.get("architecture", "?"), type(model).__name__
    missing, unexpected = sorted(set(target) - set(saved)), sorted(set(saved) - set(target))
    if missing or unexpected:
        raise ValueError(
            f"cannot load {path} into a {into}: it holds the parameters of a {arch} "
            f"(missing: {missing[:4]}, unexpected: {unexpected[:4]}). Load it into the "
            "architecture it was saved from.")
    wrong = [f"{k} {tuple(saved[k].shape)} in the file vs {tuple(v.shape)} in the model"
             for k, v in target.items() if tuple(saved[k].shape) != tuple(v.shape)]
    if wrong:
        raise ValueError(f"cannot load {path} into this {into}: the layer sizes differ "
                         f"({'; '.join(wrong[:3])}). Build the model with the sizes it was "
                         "saved with.")
    model.load_state_dict(saved)
    return model


# --- Step training over fresh draws (Labs 03-04) ---

#: Steps in the running mean that decides convergence (``steps_to_reach``, ``stop_below``).
CONVERGENCE_WINDOW = 50


def train_steps(
    model: nn.Module,
    draw: Callable[[int], tuple[torch.Tensor, torch.Tensor]],
    steps: int = 4000,
    batch_size: int = 200,
    lr: float = 1e-3,
    loss_fn: nn.Module | None = None,
    desc: str | None = None,
    progress: bool = True,
    stop_below: float | None = None,
) -> tuple[nn.Module, list[float]]:
    """Train ``model`` with Adam for ``steps`` steps, on a fresh batch ``draw(batch_size)`` each.

    ``loss_fn`` defaults to binary cross-entropy (``nn.BCELoss``, for models that output
    probabilities). With ``stop_below``, training stops as soon as the running mean of the last
    ``CONVERGENCE_WINDOW`` losses falls below it. Returns ``(model, history)``: the model,
    trained in place, and the loss of every step.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(draw):
        raise TypeError(f"draw must be a function n -> (X, y), got {type(draw).__name__}")
    steps = check_int("steps", steps, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if stop_below is not None and not (isinstance(stop_below, (int, float)) and stop_below > 0):
        raise ValueError(f"stop_below must be a positive number or None, got {stop_below!r}")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCELoss() if loss_fn is None else loss_fn
    history: list[float] = []
    window_sum = 0.0
    model.train()
    for step in tqdm(range(steps), desc=desc or type(model).__name__, disable=not progress,
                     mininterval=0.5, leave=False):
        X, y = draw(batch_size)
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
        window_sum += history[-1]
        if step >= CONVERGENCE_WINDOW:
            window_sum -= history[-1 - CONVERGENCE_WINDOW]
        if (stop_below is not None and len(history) >= CONVERGENCE_WINDOW
                and window_sum / CONVERGENCE_WINDOW < stop_below):
            break
    model.eval()
    return model, history


def steps_to_reach(history: list[float], threshold: float = 0.05,
                   window: int = CONVERGENCE_WINDOW) -> int | None:
    """The first step at which the mean of the last ``window`` losses is below ``threshold``.

    Steps count from 1; ``None`` if the running mean never gets there.
    """
    losses = np.asarray(history, dtype=float)
    if losses.ndim != 1:
        raise ValueError(f"history must be a 1-D sequence of losses, got shape {losses.shape}")
    window = check_int("window", window, 1)
    if len(losses) < window:
        return None
    means = np.convolve(losses, np.ones(window) / window, mode="valid")
    below = np.flatnonzero(means < threshold)
    return int(below[0]) + window if len(below) else None
