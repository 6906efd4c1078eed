"""Digit sums, Labs 01-02: each example is a multiset of digits, its target their sum.

After Zaheer et al. (2017). Lab 01 draws the data (:func:`create_train_dataset`,
:func:`create_test_dataset`) and shows it; Lab 02 trains :class:`DeepSets` and
:class:`LSTMBaseline` on it under ``DIGIT_SUM_SETTINGS`` and scores them per cardinality
(:func:`evaluate_by_cardinality`, :func:`seed_study`). Later labs reuse the data and the models.
Nothing is downloaded: every set is drawn from a seeded generator.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from torch import nn

from labcode._validate import (
    as_array,
    call_model,
    check_bool,
    check_int,
    check_int_list,
    check_seed,
    check_set_array,
    check_sets,
)
from labcode.plots import COLUMN_WIDTH, running_mean, stacked, styled
from labcode.results import Table
from labcode.training import TrainSettings
from labcode.widgets import link, text_stack

#: The test cardinalities of the digit-sum task: 5, 10, ..., 100.
TEST_CARDINALITIES: tuple[int, ...] = tuple(range(5, 101, 5))


def create_train_dataset(
    n_train: int = 100_000,
    max_train_card: int = 10,
    max_digit: int = 10,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n_train`` multisets of digits, left-padded with zeros to ``max_train_card``.

    Each set has a cardinality drawn uniformly from ``1..max_train_card`` and digits drawn
    uniformly from ``1..max_digit``; 0 is reserved for padding.

    Returns ``(X, y)``: ``X`` is an int64 array of shape ``(n_train, max_train_card)``,
    ``y`` the int64 array of the ``n_train`` sums.

    Defined in Lab 01.
    """
    n_train = check_int("n_train", n_train, 1)
    max_train_card = check_int("max_train_card", max_train_card, 1)
    max_digit = check_int("max_digit", max_digit, 1)
    rng = np.random.default_rng(check_seed(seed))

    cards = rng.integers(1, max_train_card + 1, size=n_train)
    digits = rng.integers(1, max_digit + 1, size=(n_train, max_train_card))
    # Position j holds a digit when it is among the last `card` positions (left padding).
    keep = np.arange(max_train_card)[None, :] >= (max_train_card - cards)[:, None]
    X = np.where(keep, digits, 0).astype(np.int64)
    return X, X.sum(axis=1)


def create_test_dataset(
    n_per_card: int = 10_000,
    cardinalities: Iterable[int] = TEST_CARDINALITIES,
    max_digit: int = 10,
    seed: int | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Draw ``n_per_card`` sets of exactly ``c`` digits for every ``c`` in ``cardinalities``.

    Returns ``(X_test, y_test)``, two lists with one entry per cardinality: ``X_test[i]`` is an
    int64 array of shape ``(n_per_card, cardinalities[i])`` (no padding, digits in
    ``1..max_digit``) and ``y_test[i]`` the int64 array of its sums.

    Defined in Lab 01.
    """
    n_per_card = check_int("n_per_card", n_per_card, 1)
    cards = check_int_list("cardinalities", cardinalities, 1)
    max_digit = check_int("max_digit", max_digit, 1)
    rng = np.random.default_rng(check_seed(seed))

    X_test = [rng.integers(1, max_digit + 1, size=(n_per_card, c)).astype(np.int64) for c in cards]
    y_test = [X.sum(axis=1) for X in X_test]
    return X_test, y_test


def cardinalities_of(X: np.ndarray) -> np.ndarray:
    """Number of non-padding (non-zero) entries in each row of a padded digit array.

    Defined in Lab 01.
    """
    X = as_array("X", X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_sets, max_card), got shape {X.shape}")
    return (X != 0).sum(axis=1)


def check_digit_batch(x: object, input_dim: int | None = None) -> torch.Tensor:
    """Return ``x`` if it is a LongTensor ``(batch, set size)`` of tokens in ``0..input_dim-1``.

    Raises a ``TypeError`` (not a tensor, not int64) or a ``ValueError`` (wrong rank, an empty
    batch or set, a token out of range) that says what was expected. Defined in Lab 02.
    """
    check_sets(x, dtype="long", ranks=(2,))
    if input_dim is not None:
        input_dim = check_int("input_dim", input_dim, 1)
        low, high = int(x.min()), int(x.max())
        if low < 0 or high >= input_dim:
            raise ValueError(f"expected tokens in 0..{input_dim - 1} (0 = padding), "
                             f"found values from {low} to {high}")
    return x


def _digit_embedding(input_dim: int, embedding_dim: int,
                     hidden_dim: int) -> tuple[int, nn.Embedding]:
    """Validate the sizes of a digit model and build its embedding (shared by Lab 02's models)."""
    input_dim = check_int("input_dim", input_dim, 1)
    check_int("embedding_dim", embedding_dim, 1)
    check_int("hidden_dim", hidden_dim, 1)
    return input_dim, nn.Embedding(input_dim, embedding_dim)


class DeepSets(nn.Module):
    """DeepSets for digit sums: ``rho(sum_i phi(x_i))``.

    ``phi`` = embedding of each digit to ``embedding_dim`` (h1), then Linear to ``hidden_dim``
    (h2) and tanh; the sum runs over the set; ``rho`` = Linear to one output.
    ``mask_padding=True`` multiplies ``phi(x_i)`` by ``[x_i != 0]`` before the sum, so that a
    padding position contributes exactly zero whatever the weights (Lab 02).

    Defined in Lab 02.
    """

    def __init__(self, input_dim: int = 11, embedding_dim: int = 128, hidden_dim: int = 64,
                 mask_padding: bool = False):
        super().__init__()
        self.input_dim, self.embedding = _digit_embedding(input_dim, embedding_dim, hidden_dim)
        self.mask_padding = check_bool("mask_padding", mask_padding)
        self.fc1 = nn.Linear(embedding_dim, hidden_dim)
        self.tanh = nn.Tanh()
        self.fc2 = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predict the sum of each set: ``(batch, set size)`` digits -> ``(batch,)``."""
        check_digit_batch(x, self.input_dim)
        h = self.tanh(self.fc1(self.embedding(x)))  # (batch, set size, h2): phi of each element
        if self.mask_padding:
            h = h * (x != 0).unsqueeze(-1)  # padding (token 0) adds nothing
        return self.fc2(h.sum(dim=1)).squeeze(-1)  # sum over the set, then rho


class LSTMBaseline(nn.Module):
    """An LSTM that reads a set as a sequence and answers from its last hidden state.

    Embedding of each digit to ``embedding_dim`` (h1), an LSTM with ``hidden_dim`` (h2) units,
    and a Linear layer on the hidden state after the last time step.

    Defined in Lab 02.
    """

    def __init__(self, input_dim: int = 11, embedding_dim: int = 128, hidden_dim: int = 64):
        super().__init__()
        self.input_dim, self.embedding = _digit_embedding(input_dim, embedding_dim, hidden_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predict the sum of each sequence: ``(batch, length)`` digits -> ``(batch,)``."""
        check_digit_batch(x, self.input_dim)
        _, (h_n, _) = self.lstm(self.embedding(x))  # h_n: (1, batch, h2), the last time step
        return self.fc(h_n[-1]).squeeze(-1)


def count_params(model: nn.Module) -> int:
    """Number of parameters (scalars) of ``model``; a parameter shared by two layers counts once.

    Defined in Lab 02.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected an nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters())


@dataclass(frozen=True)
class Score:
    """How a model did on the test sets of one cardinality: ``accuracy`` of the rounded
    predictions, their mean absolute error ``mae``, ``mean_error`` (prediction - target: its
    sign says whether the model over- or under-estimates), ``max_prediction`` and ``n_sets``.

    Defined in Lab 02.
    """

    accuracy: float
    mae: float
    mean_error: float
    max_prediction: float
    n_sets: int


#: What ``evaluate_by_cardinality`` returns: a ``Score`` per cardinality,
#: ``results[10].accuracy``.
Results = dict[int, Score]


def deepsets_param_count(input_dim: int = 11, embedding_dim: int = 128,
                         hidden_dim: int = 64) -> int:
    """Parameters of ``DeepSets``: embedding ``input_dim*h1``, Linear ``h1*h2+h2``, Linear
    ``h2+1``.

    Defined in Lab 02.
    """
    n, h1, h2 = input_dim, embedding_dim, hidden_dim
    return n * h1 + (h1 * h2 + h2) + (h2 + 1)


def lstm_param_count(input_dim: int = 11, embedding_dim: int = 128, hidden_dim: int = 64) -> int:
    """Parameters of ``LSTMBaseline``: embedding ``input_dim*h1``; LSTM: 4 gates, each with
    ``h1*h2 + h2*h2`` weights and two biases of ``h2``; Linear ``h2+1``.

    Defined in Lab 02.
    """
    n, h1, h2 = input_dim, embedding_dim, hidden_dim
    return n * h1 + 4 * (h1 * h2 + h2 * h2 + 2 * h2) + (h2 + 1)


def left_pad(X: np.ndarray, length: int) -> np.ndarray:
    """Left-pad every row of ``X`` with zeros to ``length`` positions, like the training sets.

    Defined in Lab 02.
    """
    X = check_set_array(X)
    length = check_int("length", length, 1)
    if X.shape[1] > length:
        raise ValueError(f"cannot pad sets of {X.shape[1]} elements to a shorter length {length}")
    return np.pad(X, ((0, 0), (length - X.shape[1], 0))).astype(np.int64)


def predict(model: nn.Module, X: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The model's predictions for every row of ``X``, as a float64 array ``(n_sets,)``.

    Runs in evaluation mode without gradients, ``batch_size`` sets at a time, on the device of
    the model's parameters. Works for any set size (the models are not tied to one).

    Defined in Lab 02.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X = check_set_array(X)
    batch_size = check_int("batch_size", batch_size, 1)
    params = list(model.parameters())
    device = params[0].device if params else torch.device("cpu")
    was_training = model.training
    model.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(X), batch_size):
            x = torch.as_tensor(X[start:start + batch_size], dtype=torch.long, device=device)
            pred = call_model(model, x, "a LongTensor batch of digits") if start == 0 \
                else model(x)
            if not isinstance(pred, torch.Tensor):
                raise TypeError(f"the model should return a tensor, got {type(pred).__name__}")
            if pred.shape != (len(x),):
                raise ValueError(f"the model should return one prediction per set, shape "
                                 f"({len(x)},); got {tuple(pred.shape)}")
            out.append(pred.double().cpu().numpy())
    model.train(was_training)
    return np.concatenate(out) if out else np.zeros(0)


def accuracy_and_mae(pred: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """Accuracy of the rounded predictions and mean absolute error of the raw ones.

    Defined in Lab 02.
    """
    pred, target = as_array("pred", pred, dtype=float), as_array("target", target, dtype=float)
    if pred.ndim != 1 or pred.shape != target.shape or len(pred) == 0:
        raise ValueError(f"pred and target must be 1-D arrays of the same non-zero length, got "
                         f"shapes {pred.shape} and {target.shape}")
    return float(np.mean(np.round(pred) == target)), float(np.mean(np.abs(pred - target)))


def evaluate_by_cardinality(
    model: nn.Module,
    X_test: Sequence[np.ndarray],
    y_test: Sequence[np.ndarray],
    max_sets: int | None = None,
    metric_fn: Callable[[np.ndarray, np.ndarray], tuple[float, float]] = accuracy_and_mae,
    batch_size: int = 1000,
) -> Results:
    """Accuracy and MAE of ``model`` on each group of test sets (one cardinality per group).

    Uses the first ``max_sets`` sets of each group (all when None). Returns a :class:`Score`
    for each cardinality, in the order of the groups: ``results[10].accuracy``.

    Defined in Lab 02.
    """
    if isinstance(X_test, np.ndarray) or isinstance(y_test, np.ndarray):
        raise TypeError("X_test and y_test must be lists with one array per cardinality "
                        "(as create_test_dataset returns), not single arrays")
    if len(X_test) != len(y_test) or len(X_test) == 0:
        raise ValueError(f"X_test and y_test must be non-empty lists of the same length, got "
                         f"{len(X_test)} and {len(y_test)}")
    if max_sets is not None:
        max_sets = check_int("max_sets", max_sets, 1)
    results: Results = {}
    for i, (X, y) in enumerate(zip(X_test, y_test, strict=True)):
        X = check_set_array(X, f"X_test[{i}]")[:max_sets]
        y = as_array(f"y_test[{i}]", y)
        y = y[:max_sets] if y.ndim == 1 else y
        if y.shape != (len(X),):
            raise ValueError(f"y_test[{i}] must hold one target per set, shape ({len(X)},); "
                             f"got {y.shape}")
        if not (np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.bool_)):
            raise TypeError(f"y_test[{i}] must hold numbers (the targets), got dtype {y.dtype}")
        if len(X) == 0:
            raise ValueError(f"X_test[{i}] holds no sets")
        pred = predict(model, X, batch_size)
        metrics = metric_fn(pred, y)
        if not (isinstance(metrics, (tuple, list)) and len(metrics) == 2):
            raise TypeError("metric_fn(pred, target) must return a pair (accuracy, mae), got "
                            f"{type(metrics).__name__}")
        acc, mae = metrics
        results[int(X.shape[1])] = Score(float(acc), float(mae), float(np.mean(pred - y)),
                                         float(pred.max()), len(X))
    return results


def results_table(results: dict[str, Results], every: int = 1) -> Table:
    """A table: one row per cardinality, accuracy and MAE of every model side by side.

    ``results`` maps a model's name to what ``evaluate_by_cardinality`` returned for it; all
    must share the cardinalities. ``every=k`` keeps every k-th row. Course code calls it with
    those results only, so it checks nothing else.

    Defined in Lab 02.
    """
    names = list(results)
    cards = list(results[names[0]])
    if any(list(r) != cards for r in results.values()):
        raise ValueError("every model must be evaluated on the same cardinalities")
    header = ("M", *(f"{n} {what}" for n in names for what in ("acc", "MAE")))
    rows = tuple((str(m), *(f"{getattr(results[n][m], what):.2f}" for n in names
                            for what in ("accuracy", "mae"))) for m in cards[::every])
    return Table(header, rows)


def element_contributions(model: nn.Module, input_dim: int = 11) -> tuple[np.ndarray, float]:
    """Split a sum-pooled model with a linear ``rho`` into per-token contributions and a bias.

    For ``f(X) = w . sum_i phi(x_i) + b`` the contribution of token ``t`` is ``c(t) = w . phi(t)``
    and ``f(X) = sum_i c(x_i) + b``. Measured from the outside: ``c(t) = f([t, t]) - f([t])`` and
    ``b = 2 f([t]) - f([t, t])``. Returns ``(c, b)`` with ``c`` of shape ``(input_dim,)``; ``c[0]``
    is what one padding position adds. Raises ``ValueError`` if the model does not decompose so
    (an LSTM, say).

    Defined in Lab 02.
    """
    input_dim = check_int("input_dim", input_dim, 1)
    tokens = np.arange(input_dim)[:, None]
    one = predict(model, tokens)
    two = predict(model, np.repeat(tokens, 2, axis=1))
    c, bias = two - one, 2 * one - two
    rng = np.random.default_rng(0)
    probe = rng.integers(0, input_dim, size=(64, 7))
    scale = 1.0 + np.abs(c).max() * probe.shape[1]
    if (np.ptp(bias) > 1e-4 * scale
            or np.abs(predict(model, probe) - (c[probe].sum(axis=1) + bias.mean())).max()
            > 1e-4 * scale):
        raise ValueError("the model's output is not a sum of per-element contributions plus a "
                         "constant (expected a DeepSets with a linear rho)")
    return c, float(bias.mean())


def output_bound(model: nn.Module) -> float:
    """The largest ``|output|`` a model whose last layer is ``Linear(k, 1)`` on inputs in
    ``[-1, 1]`` can produce: ``sum |w| + |b|``.

    An LSTM's hidden state ``h = o * tanh(c)`` lies in ``(-1, 1)``, so ``LSTMBaseline`` can
    never predict more than this, however long the sequence.

    Defined in Lab 02.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears or linears[-1].out_features != 1:
        raise ValueError("expected a model whose last nn.Linear layer has one output")
    last = linears[-1]
    bias = 0.0 if last.bias is None else float(last.bias.detach().abs().sum())
    return float(last.weight.detach().abs().sum()) + bias


@dataclass(frozen=True)
class SeedRow:
    """One initialisation of ``seed_study``: ``accuracy`` and ``mae`` ({M: value}), ``p`` (what
    one padding position adds, ``c(0)``), ``ebar`` (the mean digit error ``c(t) - t`` over the
    digits 1 to 10), ``b`` (the bias), ``corrected`` ({M: accuracy after subtracting
    ``(M - 10) p``}) and the training time ``seconds`` (0 for a model given as trained).

    Defined in Lab 02.
    """

    model: str
    seed: int
    accuracy: dict[int, float]
    mae: dict[int, float]
    p: float
    ebar: float
    b: float
    corrected: dict[int, float]
    seconds: float


def token_counts(X: np.ndarray, input_dim: int = 11) -> np.ndarray:
    """How many times each token ``0..input_dim-1`` occurs in each row of ``X``, as a float32
    array ``(n_sets, input_dim)``: a multiset of digits is its histogram.

    Defined in Lab 02.
    """
    X = check_set_array(X)
    if X.size and (X.min() < 0 or X.max() >= input_dim):
        raise ValueError(f"X must hold tokens in 0..{input_dim - 1}, found values from "
                         f"{X.min()} to {X.max()}")
    return np.stack([np.equal(X, t).sum(axis=1) for t in range(input_dim)],
                    axis=1).astype(np.float32)


def _counts_forward(model: DeepSets, counts: torch.Tensor) -> torch.Tensor:
    """``model`` on sets given as token counts: ``sum_i phi(x_i) = counts @ phi(tokens)``."""
    table = model.tanh(model.fc1(model.embedding.weight))  # phi of each token (input_dim, h2)
    if model.mask_padding:
        table = table * (torch.arange(model.input_dim, device=table.device) != 0).unsqueeze(-1)
    return model.fc2(counts.to(table.device) @ table).squeeze(-1)


def _train_on_counts(model: DeepSets, counts: np.ndarray, y: np.ndarray,
                     settings: TrainSettings, seed: int) -> None:
    """``train(model, X, y, seed=seed, **settings)``, with every batch given as its counts:
    the same batches, loss and updates, to float rounding."""
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    loss_fn, rng = nn.L1Loss(), np.random.default_rng(seed)
    counts_t, y_t = torch.from_numpy(counts), torch.as_tensor(y, dtype=torch.float32)
    for epoch in range(settings.epochs):
        if settings.final_lr is not None and epoch == settings.epochs - 1:
            for group in optimizer.param_groups:
                group["lr"] = settings.final_lr
        order = torch.from_numpy(rng.permutation(len(counts)))
        for idx in order.split(settings.batch_size):
            loss = loss_fn(_counts_forward(model, counts_t[idx]), y_t[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()


def seed_study(
    seeds: Sequence[int],
    train_data: tuple[np.ndarray, np.ndarray],
    test_data: tuple[Sequence[np.ndarray], Sequence[np.ndarray]],
    settings: TrainSettings,
    cardinalities: Sequence[int] = (10, 50, 100),
    trained: dict[tuple[str, int], nn.Module] | None = None,
) -> list[SeedRow]:
    """Train ``DeepSets`` and ``DeepSets(mask_padding=True)`` ("MaskedDeepSets") from every
    seed under ``settings``; score each at a few cardinalities.

    ``torch.manual_seed(seed)`` runs just before a model is built, and ``seed`` also orders the
    mini-batches, as ``train(..., seed=seed)`` does. A model already trained that way can be
    given in ``trained`` as ``{(name, seed): model}``: it is scored, not retrained (training
    again would differ by rounding). Training and scoring read each set as its token counts
    (:func:`token_counts`), many times faster than element by element; every model is checked
    against its own ``forward`` first.

    Defined in Lab 02.
    """
    (X_train, y_train), (X_test, y_test) = train_data, test_data
    index = {int(X.shape[1]): i for i, X in enumerate(X_test)}
    missing = [m for m in cardinalities if m not in index]
    if missing:
        raise ValueError(f"no test sets of cardinality {missing}; have {sorted(index)}")
    counts = token_counts(X_train)
    rows: list[SeedRow] = []
    for name, masked in (("DeepSets", False), ("MaskedDeepSets", True)):
        for seed in seeds:
            model, seconds = (trained or {}).get((name, seed)), 0.0
            if model is None:
                torch.manual_seed(seed)
                model = DeepSets(mask_padding=masked)
                probe = torch.as_tensor(X_train[:64])
                with torch.no_grad():
                    same = torch.allclose(_counts_forward(model, torch.from_numpy(
                        counts[:64])), model(probe), rtol=1e-5, atol=1e-5)
                assert same, "token counts must give the model's own predictions"
                start = time.perf_counter()
                _train_on_counts(model, counts, y_train, settings, seed)
                seconds = time.perf_counter() - start
            c, b = element_contributions(model)
            p, ebar = float(c[0]), float(np.mean(c[1:11] - np.arange(1, 11)))
            accuracy, mae, corrected = {}, {}, {}
            for m in cardinalities:
                X, y = X_test[index[m]], y_test[index[m]]
                if isinstance(model, DeepSets):  # ours: read the sets as counts
                    with torch.no_grad():
                        pred = _counts_forward(model, torch.from_numpy(
                            token_counts(X))).double().cpu().numpy()
                else:
                    pred = predict(model, X)
                accuracy[m], mae[m] = accuracy_and_mae(pred, y)
                corrected[m] = accuracy_and_mae(pred - (m - 10) * p, y)[0]
            rows.append(SeedRow(name, seed, accuracy, mae, p, ebar, b, corrected, seconds))
    return rows


def seed_table(rows: list[SeedRow]) -> Table:
    """``seed_study``'s rows as a table: accuracy per cardinality; at the largest one, M,
    the two terms of the mean error ``M (ebar - p)`` and ``(M - 10) p`` (``p`` the padding
    contribution ``c(0)``, ``ebar`` the mean digit error); and the accuracy at M once the
    padding term ``(M - 10) p`` is subtracted.

    Defined in Lab 02.
    """
    cards = list(rows[0].accuracy)
    last = cards[-1]
    header = ("model", "seed", *(f"M = {m}" for m in cards), f"{last}(ē-p)",
              f"{last - 10}p", f"M = {last} - {last - 10}p")
    return Table(header, tuple(
        (r.model, str(r.seed), *(f"{r.accuracy[m]:.2f}" for m in cards),
         f"{last * (r.ebar - r.p):+.3f}", f"{(last - 10) * r.p:+.2f}",
         f"{r.corrected[last]:.2f}") for r in rows))


@styled
def plot_cardinality_histogram(X: np.ndarray, ax: Axes | None = None) -> Axes:
    """Bar chart of how many padded sets have each cardinality, with the uniform expectation.

    Defined in Lab 01.
    """
    X = check_set_array(X)
    ax = ax or plt.figure(figsize=(6, 3.5)).gca()
    cards = cardinalities_of(X)
    values, counts = np.unique(cards, return_counts=True)
    ax.bar(values, counts, color="tab:blue", label="training sets")
    ax.axhline(len(X) / X.shape[1], color="black", ls="--", label="uniform expectation")
    ax.set(title="Cardinality of the training sets", xlabel="cardinality $M$ (digits in the set)",
           ylabel="number of sets", xticks=values, ylim=(0, 1.3 * counts.max()))
    ax.legend(loc="upper center", ncol=2, frameon=False)  # in the headroom, above the bars
    return ax


@styled
def show_padded_rows(X: np.ndarray, n_rows: int = 8, ax: Axes | None = None) -> Axes:
    """Show the first ``n_rows`` padded sets as an image, with each digit written in its cell.

    Defined in Lab 01.
    """
    X = check_set_array(X)[:n_rows]
    ax = ax or plt.figure(figsize=(6, 0.45 * len(X) + 1.2)).gca()
    cmap = plt.get_cmap("Blues").copy()
    ax.imshow(np.ma.masked_equal(X, 0), cmap=cmap, vmin=0, vmax=X.max() + 2, aspect="auto")
    ax.set_facecolor("#eeeeee")
    for (i, j), v in np.ndenumerate(X):
        ax.text(j, i, str(v), ha="center", va="center", color="grey" if v == 0 else "black")
    ax.set(title="Padded training sets (0 = padding, on the left)", xlabel="position in the row",
           ylabel="set index", xticks=range(X.shape[1]), yticks=range(len(X)))
    ax.legend(handles=[Patch(color="#eeeeee", label="padding 0"),
                       Patch(color=cmap(0.6), label="digit 1..10")],
              loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


@styled
def plot_sums_by_cardinality(X: np.ndarray, y: np.ndarray, mean_digit: float | None = None,
                             ax: Axes | None = None) -> Axes:
    """Box plot of the target sums for each cardinality, with the expected mean ``M * E[digit]``.

    Defined in Lab 01.
    """
    X = check_set_array(X)
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},), got {y.shape}")
    ax = ax or plt.figure(figsize=(6, 3.5)).gca()
    cards = cardinalities_of(X)
    values = np.unique(cards)
    ax.boxplot([y[cards == c] for c in values], positions=values, widths=0.6,
               label="median sum (box: middle half)", flierprops={"markersize": 2})
    if mean_digit is None:
        mean_digit = float(X[X != 0].mean())
    ax.plot(values, mean_digit * values, "o--", color="tab:red",
            label=f"expected sum $M \\times {mean_digit:.2f}$")
    ax.set(title="Target sums grow with the cardinality", xlabel="cardinality $M$",
           ylabel="sum of the digits")
    ax.legend(loc="upper left")
    return ax


def _check_results(results: object) -> dict[str, Results]:
    if not isinstance(results, dict) or not results:
        raise TypeError("results must be a non-empty dict {model name: evaluation results}")
    for name, r in results.items():
        if not isinstance(r, dict) or not r or not all(isinstance(s, Score)
                                                       for s in r.values()):
            raise ValueError(f"results[{name!r}] must map each cardinality to a Score (what "
                             "labcode.digits.evaluate_by_cardinality returns)")
    return results


@styled
def plot_results(results: dict[str, Results], train_max_card: int | None = 10
                 ) -> plt.Figure:
    """Accuracy (left) and mean absolute error (right, log scale) against the cardinality.

    ``results`` maps a model's name to its ``evaluate_by_cardinality`` results; the shaded band
    marks the cardinalities seen in training (up to ``train_max_card``).

    Defined in Lab 02.
    """
    results = _check_results(results)
    fig, (ax1, ax2) = stacked(2, 3.2, sharex=True)
    markers = ["o", "s", "^", "D"]
    for i, (name, r) in enumerate(results.items()):
        style = {"color": f"C{i}", "marker": markers[i % len(markers)], "ms": 4, "label": name}
        cards = list(r)
        ax1.plot(cards, [s.accuracy for s in r.values()], **style)
        ax2.plot(cards, [s.mae for s in r.values()], **style)
    for ax in (ax1, ax2):
        if train_max_card is not None:
            ax.axvspan(0, train_max_card, color="grey", alpha=0.15,
                       label=f"seen in training (M ≤ {train_max_card})")
        ax.set_xlim(0, max(max(r) for r in results.values()) + 2)
    ax1.set(title="Accuracy of the rounded prediction", ylabel="accuracy", ylim=(-0.03, 1.03))
    ax2.set(title="Mean absolute error", xlabel="cardinality $M$ of the test sets",
            ylabel="MAE (log scale)", yscale="log")
    ax1.legend(loc="center right")
    ax2.legend(loc="center right")
    return fig


@styled
def plot_training_losses(histories: dict[str, object], window: int = 100,
                         ax: Axes | None = None) -> Axes:
    """Training loss per mini-batch (running mean over ``window`` batches) against the epoch.

    Each history needs ``batch_losses`` (a list) and ``batches_per_epoch`` (an int), like the
    ``History`` that ``labcode.training.train`` returns.

    Defined in Lab 02.
    """
    if not isinstance(histories, dict) or not histories:
        raise TypeError("histories must be a non-empty dict {model name: History}")
    ax = ax or plt.figure(figsize=(COLUMN_WIDTH, 3.5)).gca()
    for i, (name, h) in enumerate(histories.items()):
        if not hasattr(h, "batch_losses") or not hasattr(h, "batches_per_epoch"):
            raise TypeError(f"histories[{name!r}] must be a History from labcode.training.train")
        smooth = running_mean(h.batch_losses, min(window, len(h.batch_losses)))
        steps = np.arange(len(h.batch_losses) - len(smooth) + 1, len(h.batch_losses) + 1)
        ax.plot(steps / h.batches_per_epoch, smooth, color=f"C{i}",
                label=f"{name}, mean of {window} batches")
    ax.set(yscale="log", title="Training loss", xlabel="epoch",
           ylabel="L1 loss per batch (log scale)")
    ax.legend(loc="upper right")
    return ax


@styled
def plot_error_growth(cardinalities: list[int], mean_error: list[float], slope: float,
                      intercept: float, padding_contribution: float | None = None,
                      train_max_card: int = 10, ax: Axes | None = None) -> Axes:
    """Mean signed error (prediction - sum) against the cardinality, with the line
    ``intercept + slope * M`` that the per-element contributions predict and, if
    ``padding_contribution`` (p) is given, the rough guide ``(M - train_max_card) * p``.

    Defined in Lab 02.
    """
    cards = np.asarray(cardinalities, dtype=float)
    err = np.asarray(mean_error, dtype=float)
    if cards.ndim != 1 or cards.shape != err.shape or len(cards) == 0:
        raise ValueError(f"cardinalities and mean_error must be 1-D of the same length, got "
                         f"shapes {cards.shape} and {err.shape}")
    ax = ax or plt.figure(figsize=(COLUMN_WIDTH, 3.5)).gca()
    ax.axhline(0, color="black", lw=0.8)
    grid = np.linspace(0, cards.max(), 50)
    ax.plot(grid, intercept + slope * grid, "--", color="tab:red",
            label=f"$b + M\\,\\bar e$ ($\\bar e$ = {slope:+.4f} per element)")
    if padding_contribution is not None:
        ax.plot(grid, (grid - train_max_card) * padding_contribution, ":", color="grey",
                label=f"$(M - {train_max_card})\\,p$ ($p$ = {padding_contribution:+.4f})")
    ax.plot(cards, err, "o", color="C0", ms=5, label="measured on the test sets")
    ax.axvspan(0, train_max_card, color="grey", alpha=0.15,
               label=f"seen in training (M ≤ {train_max_card})")
    ax.set(title="DeepSets: mean error of the unrounded prediction",
           xlabel="cardinality $M$ of the test sets", ylabel="mean of prediction − sum")
    ax.legend(loc="best")
    return ax


def padded_set_explorer(X: np.ndarray, y: np.ndarray, start: int = 5) -> widgets.Widget:
    """Slider over the cardinality M: shows a padded training row with M digits, as a set.

    Defined in Lab 01.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(f"expected X of shape (n, max_card) and y of shape (n,), "
                         f"got {X.shape} and {y.shape}")
    cards = cardinalities_of(X)
    present = sorted(set(cards.tolist()))
    if start not in present:
        raise ValueError(f"start must be one of the cardinalities in X: {present}")

    def text(M: int) -> str:
        i = int(np.flatnonzero(cards == M)[0])
        digits = X[i][X[i] != 0]
        return (f"padded row : {X[i].tolist()}\n"
                f"as a set   : {{{', '.join(map(str, sorted(digits.tolist())))}}}\n"
                f"cardinality: {M}, zeros of padding: {X.shape[1] - M}, target sum: {y[i]}")

    texts = text_stack([text(M) for M in present], present.index(start))
    slider = widgets.SelectionSlider(options=present, value=start, description="M")
    link((slider, "index"), (texts, "selected_index"))
    return widgets.VBox([slider, texts])


#: Training settings of Lab 02's digit-sum models, and the original lab's (Nikolentzos and
#: Lutzeyer): 20 epochs of mini-batches of 64 at a rate of 1e-3. ``make bench`` times DeepSets
#: under its own settings and the original ones side by side.
DIGIT_SUM_SETTINGS: dict[str, TrainSettings] = {
    "DeepSets": TrainSettings(epochs=2, batch_size=256, lr=3e-3, final_lr=3e-4),
    "LSTM": TrainSettings(epochs=4, batch_size=64, lr=1e-3, final_lr=1e-4),
    "original": TrainSettings(epochs=20, batch_size=64, lr=1e-3),
}
