"""Training: epochs of mini-batches over a padded data set, loss history, checkpoints.

``train`` runs Adam on the L1 loss (seed Lab 8, Task 5) with a tqdm progress bar and returns a
``History``. ``save_checkpoint`` / ``load_checkpoint`` write and read a model's parameters
(``torch.load(..., weights_only=True)``) and refuse a checkpoint of another architecture.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from labcode._validate import as_array, call_model, check_bool, check_int, check_real, check_seed

#: Where the labs write their checkpoints (git-ignored), relative to the notebook's folder.
CHECKPOINT_DIR = Path("checkpoints")

#: Training settings of Lab 02's digit-sum models (keyword arguments of ``train``), and the
#: original lab's (Nikolentzos and Lutzeyer): 20 epochs of mini-batches of 64 at a rate of 1e-3.
#: ``make bench`` times DeepSets under its own settings and the original ones side by side.
DIGIT_SUM_SETTINGS: dict[str, dict[str, float | int | None]] = {
    "DeepSets": {"epochs": 2, "batch_size": 256, "lr": 3e-3, "final_lr": 3e-4},
    "LSTM": {"epochs": 4, "batch_size": 64, "lr": 1e-3, "final_lr": 1e-4},
    "original": {"epochs": 20, "batch_size": 64, "lr": 1e-3, "final_lr": None},
}

BatchFn = Callable[[np.ndarray, np.ndarray, np.ndarray, torch.device],
                   tuple[torch.Tensor, torch.Tensor]]


def as_device(device: object) -> torch.device:
    """``device`` (a ``torch.device`` or a string such as "cpu") as a usable ``torch.device``."""
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a torch.device or a string such as 'cpu', "
                        f"got {type(device).__name__}")
    try:
        device = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f"unknown device {device!r}: {error}") from None
    if device.type == "cuda" and (not torch.cuda.is_available()
                                  or (device.index or 0) >= torch.cuda.device_count()):
        raise ValueError(f"device {str(device)!r} is not available on this machine; "
                         "use labcode.get_device()")
    return device


def make_batch(X: np.ndarray, y: np.ndarray, idx: np.ndarray,
               device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """The rows ``idx`` of ``(X, y)`` as tensors on ``device``: int64 ``(b, set size)``, float32
    ``(b,)``."""
    X, y = _check_training_data(X, y, allow_empty=True)
    idx = np.asarray(idx) if isinstance(idx, (np.ndarray, list, tuple, range)) else idx
    if not isinstance(idx, np.ndarray) or not (np.issubdtype(idx.dtype, np.integer)
                                               or idx.size == 0):
        raise TypeError(f"idx must be an array of row indices (integers), got "
                        f"{getattr(idx, 'dtype', type(idx).__name__)}")
    if idx.ndim != 1:
        raise ValueError(f"idx must be a 1-D array of row indices, got shape {idx.shape}")
    idx = idx.astype(np.int64)
    if idx.size and not (-len(X) <= idx.min() and idx.max() < len(X)):
        raise ValueError(f"idx must hold row indices of X, in 0..{len(X) - 1}; found values "
                         f"from {idx.min()} to {idx.max()}")
    device = as_device(device)
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


def _check_training_data(X: object, y: object,
                         allow_empty: bool = False) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(X, np.ndarray) or not isinstance(y, np.ndarray):
        raise TypeError(f"X and y must be NumPy arrays, got {type(X).__name__} and "
                        f"{type(y).__name__}")
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.integer):
        raise ValueError(f"X must be a 2-D integer array (n_sets, set size), got shape {X.shape} "
                         f"and dtype {X.dtype}")
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},), one target per row of X; got {y.shape}")
    if not (np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.bool_)):
        raise TypeError(f"y must hold numbers (the targets), got dtype {y.dtype}")
    if len(X) == 0 and not allow_empty:
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


def _check_output(pred: object, target: torch.Tensor) -> None:
    """Complain clearly if the model's output cannot be compared with the targets."""
    if not isinstance(pred, torch.Tensor) or not torch.is_floating_point(pred):
        raise TypeError("the model must return a float tensor of predictions, got "
                        f"{getattr(pred, 'dtype', type(pred).__name__)}")
    if pred.shape != target.shape:
        raise ValueError(f"the model returned shape {tuple(pred.shape)} for a batch whose targets "
                         f"have shape {tuple(target.shape)}: it should return one prediction "
                         "per set")


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
    lr = check_real("lr", lr, positive=True)
    if final_lr is not None:
        final_lr = check_real("final_lr", final_lr, positive=True)
    progress = check_bool("progress", progress)
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
            first = epoch == 0 and b == 0
            if first:
                _check_batch(batch, len(idx), X.shape[1], device)
            x_batch, y_batch = batch
            optimizer.zero_grad()
            pred = call_model(model, x_batch, "a LongTensor batch of digits") if first \
                else model(x_batch)
            if first:
                _check_output(pred, y_batch)
            loss = loss_fn(pred, y_batch)
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
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or a pathlib.Path, got {type(path).__name__}")
    path = Path(path)
    if path.is_dir() or not path.name:
        raise ValueError(f"{path} is a folder: give the checkpoint a file name, e.g. "
                         f"{path / 'model.pt'}")
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
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or a pathlib.Path, got {type(path).__name__}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder: give the checkpoint's file name")
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}: train the model and save it first")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except OSError:
        raise
    except pickle.UnpicklingError:
        raise ValueError(f"{path} is not a checkpoint written by save_checkpoint: it is not a "
                         "PyTorch file, or it holds objects other than tensors and plain "
                         "containers, which load_checkpoint refuses to unpickle") from None
    except Exception as error:  # unpickling garbage fails in many ways (EOFError, IndexError...)
        raise ValueError(f"{path} is not a checkpoint written by save_checkpoint: the file is "
                         f"damaged or not a PyTorch file ({type(error).__name__} while "
                         "reading it)") from None
    if not (isinstance(data, dict) and isinstance(data.get("state_dict"), dict)
            and all(isinstance(v, torch.Tensor) for v in data["state_dict"].values())):
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
    lr = check_real("lr", lr, positive=True)
    if stop_below is not None:
        stop_below = check_real("stop_below", stop_below, positive=True)
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be a loss function (e.g. nn.BCELoss()) or None, "
                        f"got {type(loss_fn).__name__}")
    progress = check_bool("progress", progress)
    if not list(model.parameters()):
        raise ValueError("model has no parameters to train")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    bce = loss_fn is None
    loss_fn = nn.BCELoss() if bce else loss_fn
    history: list[float] = []
    window_sum = 0.0
    model.train()
    for step in tqdm(range(steps), desc=desc or type(model).__name__, disable=not progress,
                     mininterval=0.5, leave=False):
        batch = draw(batch_size)
        if step == 0:
            if not (isinstance(batch, tuple) and len(batch) == 2
                    and all(isinstance(t, torch.Tensor) for t in batch)):
                raise TypeError("draw(n) must return a tuple of two tensors (X, y), got "
                                f"{type(batch).__name__}")
            pred = call_model(model, batch[0], "a batch drawn by draw")
            if not isinstance(pred, torch.Tensor):
                raise TypeError(f"the model must return a tensor, got {type(pred).__name__}")
            if bce:  # nn.BCELoss wants probabilities and labels of the same shape
                _check_output(pred, batch[1])
                if not (_in_unit_interval(pred) and _in_unit_interval(batch[1])):
                    raise ValueError("the default loss nn.BCELoss needs probabilities: the "
                                     "model's outputs (end it with a sigmoid) and the labels y "
                                     "must lie in [0, 1]; pass another loss_fn otherwise")
        X, y = batch
        loss = loss_fn(pred if step == 0 else model(X), y)
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


def _in_unit_interval(t: torch.Tensor) -> bool:
    return bool(((t >= 0) & (t <= 1)).all())


def steps_to_reach(history: list[float], threshold: float = 0.05,
                   window: int = CONVERGENCE_WINDOW) -> int | None:
    """The first step at which the mean of the last ``window`` losses is below ``threshold``.

    Steps count from 1; ``None`` if the running mean never gets there.
    """
    losses = as_array("history", history, dtype=float)
    if losses.ndim != 1:
        raise ValueError(f"history must be a 1-D sequence of losses, got shape {losses.shape}")
    window = check_int("window", window, 1)
    threshold = check_real("threshold", threshold, finite=False)
    if len(losses) < window:
        return None
    means = np.convolve(losses, np.ones(window) / window, mode="valid")
    below = np.flatnonzero(means < threshold)
    return int(below[0]) + window if len(below) else None
