"""Training: epochs of mini-batches over a padded data set, loss history, checkpoints.

``train`` runs Adam on the L1 loss with a progress line and returns a
``History``. The progress line (``progress_bar``) is plain text, updated in place while a loop
runs and replaced by a one-line summary when it ends: a saved notebook keeps only the summary
(no widget, nothing to load on the website). ``save_checkpoint`` / ``load_checkpoint`` write
and read a model's parameters (``torch.load(..., weights_only=True)``) and refuse a checkpoint
of another architecture.

Only what students write is checked, with a message that says what was expected: the model (an
``nn.Module`` with parameters), what their batch function or ``draw`` and their model return on
the first batch, and the checkpoint files they load. The settings (epochs, rates, sizes, seeds)
come from the notebooks and are used as given.
"""

from __future__ import annotations

import pickle
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
from torch import nn

from labcode._moved import aliases
from labcode._validate import as_array, call_model

#: Where the labs write their checkpoints (git-ignored), relative to the notebook's folder.
CHECKPOINT_DIR = Path("checkpoints")


BatchFn = Callable[[np.ndarray, np.ndarray, np.ndarray, torch.device],
                   tuple[torch.Tensor, torch.Tensor]]


def make_batch(X: np.ndarray, y: np.ndarray, idx: np.ndarray,
               device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """The rows ``idx`` of ``(X, y)`` as tensors on ``device``: int64 ``(b, set size)``, float32
    ``(b,)``. ``train``'s default ``batch_fn`` (Lab 02 has students write their own)."""
    x_batch = torch.as_tensor(X[idx], dtype=torch.long, device=device)
    y_batch = torch.as_tensor(y[idx], dtype=torch.float32, device=device)
    return x_batch, y_batch


# --- Progress: one line of text while a loop runs, one line of summary when it ends ---

#: Seconds between two redraws of a progress line.
PROGRESS_INTERVAL = 0.5
_BAR_CELLS = 20


def _in_kernel() -> bool:
    """True inside a Jupyter kernel, where a text output can be updated in place."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class ProgressLine:
    """One line of text that shows how far a loop has got, and ends as a one-line summary.

    In Jupyter it is one plain-text output, updated in place at most every ``interval``
    seconds; elsewhere it is redrawn on stderr when that is a terminal. ``close(summary)``
    replaces it with ``summary``, the only line a saved notebook keeps. Nothing is shown before
    the first ``update``, so a loop whose first step fails leaves no progress line behind.
    """

    def __init__(self, total: int | None, desc: str = "", unit: str = "steps",
                 interval: float = PROGRESS_INTERVAL) -> None:
        self.total, self.desc, self.unit, self.interval = total, desc, unit, interval
        self.n = 0
        self.note = ""
        self.start = time.perf_counter()
        self.closed = False
        self._drawn_at: float | None = None
        self._handle = None  # IPython's DisplayHandle, once the line is shown in Jupyter
        self._on_terminal = False

    @property
    def seconds(self) -> float:
        """Seconds since the line was created."""
        return time.perf_counter() - self.start

    def line(self) -> str:
        """``desc: ████░░░░  20% 40/200 steps, 1.2 s, note``."""
        head = f"{self.desc}: " if self.desc else ""
        if self.total:
            done = min(self.n / self.total, 1.0)
            cells = int(_BAR_CELLS * done)
            bar = "█" * cells + "░" * (_BAR_CELLS - cells)
            count = f"{bar} {done:4.0%} {self.n}/{self.total} {self.unit}"
        else:
            count = f"{self.n} {self.unit}"
        note = f", {self.note}" if self.note else ""
        return f"{head}{count}, {self.seconds:.1f} s{note}"

    def update(self, n: int = 1, note: str | None = None) -> None:
        """Count ``n`` more steps (and replace the note); redraw if ``interval`` has passed."""
        self.n += n
        if note is not None:
            self.note = note
        now = time.perf_counter()
        if self._drawn_at is None or now - self._drawn_at >= self.interval:
            self._drawn_at = now
            self._show(self.line())

    def _show(self, text: str) -> None:
        if _in_kernel():
            from IPython.display import display

            bundle = {"text/plain": text}
            if self._handle is None:
                self._handle = display(bundle, raw=True, display_id=True)
            else:
                self._handle.update(bundle, raw=True)
        elif sys.stderr.isatty():
            sys.stderr.write("\r" + text + "\x1b[K")
            sys.stderr.flush()
            self._on_terminal = True

    def close(self, summary: str | None = None) -> None:
        """Replace the line by ``summary`` (default: steps done and seconds). Shows nothing if
        nothing was ever counted; a second call does nothing."""
        if self.closed:
            return
        self.closed = True
        if self._drawn_at is None:
            return
        if summary is None:
            head = f"{self.desc}: " if self.desc else ""
            summary = f"{head}{self.n} {self.unit} in {self.seconds:.1f} s"
        if self._handle is not None:
            self._handle.update({"text/plain": summary}, raw=True)
            return
        if self._on_terminal:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
        print(summary)


def _loss(value: float) -> str:
    """A loss for a summary line: 3 decimals, or 3 significant digits below 0.01."""
    return f"{value:.3f}" if abs(value) >= 0.01 or value == 0 else f"{value:.2e}"


def progress_bar(iterable: Iterable, desc: str = "", total: int | None = None,
                 disable: bool = False, unit: str = "steps") -> Iterator:
    """Loop over ``iterable`` with a progress line (like ``tqdm``), then print a summary.

    While the loop runs, one line of text shows how far it has got, updated in place; when the
    loop ends, the line becomes ``desc: 4000 steps in 3.1 s`` (or ``desc: stopped after 812
    of 4000 steps`` after a ``break``). It is plain text: a saved notebook keeps the summary
    and nothing else. ``disable=True`` shows nothing. ``total`` defaults to ``len(iterable)``.
    """
    if not isinstance(desc, str) or not isinstance(unit, str):
        raise TypeError("desc and unit must be strings, e.g. desc=\"DeepSet\"")
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    return _progress(iterable, desc, total, bool(disable), unit)


def _progress(iterable: Iterable, desc: str, total: int | None, disable: bool,
              unit: str) -> Iterator:
    if disable:
        yield from iterable
        return
    line = ProgressLine(total, desc, unit)
    finished = False
    try:
        for item in iterable:
            yield item
            line.update()
        finished = True
    finally:
        head = f"{desc}: " if desc else ""
        if finished or line.n == total:
            line.close(f"{head}{line.n} {unit} in {line.seconds:.1f} s")
        else:
            of = f" of {total}" if total else ""
            line.close(f"{head}stopped after {line.n}{of} {unit}, {line.seconds:.1f} s")


@dataclass(frozen=True)
class TrainSettings(Mapping):
    """The schedule ``train`` follows: ``epochs`` passes over the data in mini-batches of
    ``batch_size``, Adam at rate ``lr``, and ``final_lr`` for the last epoch (``lr`` again when
    None). A read-only mapping of those four names, so that it unpacks as keyword arguments:
    ``train(model, X, y, **settings)``."""

    epochs: int
    batch_size: int
    lr: float
    final_lr: float | None = None

    def __iter__(self) -> Iterator[str]:
        return (f.name for f in fields(self))

    def __len__(self) -> int:
        return len(fields(self))

    def __getitem__(self, key: str) -> object:
        if key not in {f.name for f in fields(self)}:
            raise KeyError(key)
        return getattr(self, key)

    def __str__(self) -> str:
        then = "" if self.final_lr is None else f", then {self.final_lr:g} in the last"
        return (f"{self.epochs} epochs of batches of {self.batch_size}, Adam at "
                f"{self.lr:g}{then}")


@dataclass
class History:
    """What ``train`` records: the loss of every mini-batch, the mean loss of every epoch."""

    batch_losses: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)
    batches_per_epoch: int = 0
    seconds: float = 0.0


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

    ``X`` holds padded digit rows (an int array ``(n_sets, set size)``) and ``y`` their targets.
    Each epoch visits every row of ``X`` once, in an order drawn from ``seed``. With
    ``final_lr`` set, the last epoch uses that learning rate (``lr`` before it). ``batch_fn``
    turns ``(X, y, row indices, device)`` into ``(x_batch, y_batch)`` tensors on the device of
    the model's parameters. A progress line titled ``desc`` shows while training runs and
    ends as one line of summary, e.g. ``DeepSets: trained 2 epochs in 1.9 s, final loss
    0.016`` (the mean loss of the last epoch; ``progress=False`` shows neither).
    """
    params = _parameters(model)
    device = params[0].device
    optimizer = torch.optim.Adam(params, lr=lr)
    loss_fn = nn.L1Loss()
    rng = np.random.default_rng(seed)
    n_batches = -(-len(X) // batch_size)  # the last one may be smaller
    history = History(batches_per_epoch=n_batches)
    line = ProgressLine(epochs * n_batches, desc, unit="batches") if progress else None
    start = time.perf_counter()
    model.train()
    try:
        for epoch in range(epochs):
            if final_lr is not None and epoch == epochs - 1:
                for group in optimizer.param_groups:
                    group["lr"] = final_lr
            order = rng.permutation(len(X))  # shuffled every epoch
            total = 0.0
            for b in range(n_batches):
                idx = order[b * batch_size:(b + 1) * batch_size]
                if epoch == b == 0:  # the first batch: check what batch_fn and the model return
                    x_batch, y_batch, pred = _first_batch(model, batch_fn, X, y, idx, device)
                else:
                    x_batch, y_batch = batch_fn(X, y, idx, device)
                    pred = model(x_batch)
                loss = loss_fn(pred, y_batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                history.batch_losses.append(loss.item())
                total += history.batch_losses[-1] * len(idx)
                if line is not None:
                    line.update(1, note=(f"epoch {epoch + 1}/{epochs}, "
                                         f"loss {history.batch_losses[-1]:.3f}")
                                if b % 50 == 0 else None)
            history.epoch_losses.append(total / len(X))
    except BaseException:
        if line is not None:
            line.close(f"{desc}: stopped at batch {line.n} of {line.total}")
        raise
    model.eval()
    history.seconds = time.perf_counter() - start
    if line is not None:
        line.close(train_summary(desc, history))
    return history


def train_summary(desc: str, history: History) -> str:
    """The line ``train`` leaves behind: epochs, seconds, the mean loss of the last epoch."""
    epochs = len(history.epoch_losses)
    last = f", final loss {_loss(history.epoch_losses[-1])}" if epochs else ""
    return (f"{desc}: trained {epochs} epoch{'s' * (epochs != 1)} in {history.seconds:.1f} s"
            f"{last}")


def _check_module(model: object) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def _parameters(model: object) -> list[nn.Parameter]:
    """The parameters of ``model``, which must be an ``nn.Module`` that has some."""
    _check_module(model)
    params = list(model.parameters())
    if not params:
        raise ValueError("model has no parameters to train")
    return params


def _first_batch(model: nn.Module, batch_fn: BatchFn, X: np.ndarray, y: np.ndarray,
                 idx: np.ndarray, device: torch.device,
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``x_batch, y_batch = batch_fn(...)`` and ``model(x_batch)``, each checked: what
    ``train`` computes for the first mini-batch."""
    batch = batch_fn(X, y, idx, device)
    _check_batch(batch, len(idx), X.shape[1], device)
    x_batch, y_batch = batch
    pred = call_model(model, x_batch, "a LongTensor batch of digits")
    _check_output(pred, y_batch)
    return x_batch, y_batch, pred


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


def save_checkpoint(model: nn.Module, path: str | Path) -> Path:
    """Write ``model``'s parameters (on the CPU) and its class name to ``path``; return it."""
    _check_module(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save({"architecture": type(model).__name__, "state_dict": state}, path)
    return path


def load_checkpoint(model: nn.Module, path: str | Path) -> nn.Module:
    """Load the parameters saved in ``path`` into ``model`` (in place) and return the model.

    Raises ``FileNotFoundError`` if there is no such file and ``ValueError`` if the file is not
    a checkpoint written by ``save_checkpoint`` (it never unpickles anything but tensors and
    plain containers) or was saved from another architecture or with other layer sizes.
    """
    _check_module(model)
    path = Path(path)
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


# --- Step training over fresh draws ---

#: Steps in the running mean that decides convergence (``steps_to_reach``, ``stop_below``).
CONVERGENCE_WINDOW = 50


def train_steps(
    model: nn.Module,
    draw: Callable[[int], tuple[torch.Tensor, torch.Tensor]],
    steps: int = 4000,
    batch_size: int = 200,
    lr: float = 1e-3,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    desc: str | None = None,
    progress: bool = True,
    stop_below: float | None = None,
) -> tuple[nn.Module, list[float]]:
    """Train ``model`` with Adam for ``steps`` steps, on a fresh batch ``draw(batch_size)`` each.

    ``loss_fn`` defaults to binary cross-entropy (``nn.BCELoss``, for models that output
    probabilities). With ``stop_below``, training stops as soon as the running mean of the last
    ``CONVERGENCE_WINDOW`` losses falls below it. A progress line titled ``desc`` (the
    model's class name by default) shows while it runs and ends as one line of summary, e.g.
    ``LSTM: trained 1500 steps in 2.9 s, final loss 0.412`` (the mean loss of the last
    ``CONVERGENCE_WINDOW`` steps; ``converged at step ...`` when ``stop_below`` stopped it;
    ``progress=False`` shows neither). Returns ``(model, history)``: the model, trained in
    place, and the loss of every step.
    """
    optimizer = torch.optim.Adam(_parameters(model), lr=lr)
    bce = loss_fn is None
    loss_fn = nn.BCELoss() if bce else loss_fn
    desc = desc or type(model).__name__
    history: list[float] = []
    window_sum = 0.0
    line = ProgressLine(steps, desc) if progress else None
    stopped = False
    model.train()
    try:
        for step in range(steps):
            if step == 0:  # the first batch: check what draw and the model return
                X, y, pred = _first_draw(model, draw, batch_size, probabilities=bce)
            else:
                X, y = draw(batch_size)
                pred = model(X)
            loss = loss_fn(pred, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append(loss.item())
            window_sum += history[-1]
            if step >= CONVERGENCE_WINDOW:
                window_sum -= history[-1 - CONVERGENCE_WINDOW]
            if line is not None:
                line.update(1, note=f"loss {history[-1]:.3f}" if step % 50 == 0 else None)
            if (stop_below is not None and len(history) >= CONVERGENCE_WINDOW
                    and window_sum / CONVERGENCE_WINDOW < stop_below):
                stopped = True
                break
    except BaseException:
        if line is not None:
            line.close(f"{desc}: stopped at step {line.n} of {steps}")
        raise
    model.eval()
    if line is not None:
        window = min(CONVERGENCE_WINDOW, len(history))
        mean = sum(history[-window:]) / window
        how = (f"converged at step {len(history)} of {steps}" if stopped
               else f"trained {len(history)} steps")
        line.close(f"{desc}: {how} in {line.seconds:.1f} s, final loss {_loss(mean)}")
    return model, history


def _first_draw(model: nn.Module, draw: Callable[[int], object], batch_size: int,
                probabilities: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``X, y = draw(batch_size)`` and ``model(X)``, each checked (``probabilities``: for
    ``nn.BCELoss``, which wants probabilities and labels of the same shape)."""
    batch = draw(batch_size)
    if not (isinstance(batch, tuple) and len(batch) == 2
            and all(isinstance(t, torch.Tensor) for t in batch)):
        raise TypeError("draw(n) must return a tuple of two tensors (X, y), got "
                        f"{type(batch).__name__}")
    X, y = batch
    pred = call_model(model, X, "a batch drawn by draw")
    if not isinstance(pred, torch.Tensor):
        raise TypeError(f"the model must return a tensor, got {type(pred).__name__}")
    if probabilities:
        _check_output(pred, y)
        if not (_in_unit_interval(pred) and _in_unit_interval(y)):
            raise ValueError("the default loss nn.BCELoss needs probabilities: the model's "
                             "outputs (end it with a sigmoid) and the labels y must lie in "
                             "[0, 1]; pass another loss_fn otherwise")
    return X, y, pred


def _in_unit_interval(t: torch.Tensor) -> bool:
    return bool(((t >= 0) & (t <= 1)).all())


def steps_to_reach(history: list[float], threshold: float = 0.05,
                   window: int = CONVERGENCE_WINDOW) -> int | None:
    """The first step at which the mean of the last ``window`` losses is below ``threshold``.

    ``history`` is the loss of every step: floats, or loss tensors (Lab 03's own ``train`` may
    return those). Steps count from 1; ``None`` if the running mean never gets there.
    """
    losses = as_array("history", history, dtype=float)
    if losses.ndim != 1:
        raise ValueError(f"history must be a 1-D sequence of losses, got shape {losses.shape}")
    if len(losses) < window:
        return None
    means = np.convolve(losses, np.ones(window) / window, mode="valid")
    below = np.flatnonzero(means < threshold)
    return int(below[0]) + window if len(below) else None


__getattr__ = aliases(__name__)  # names that moved to the labs' topic modules
