"""Evaluation of the digit-sum models (seed Lab 8, Task 6): accuracy and MAE per cardinality.

Also the parameter-count formulas of Lab 02's two models, left padding of test sets, and the
per-element decomposition of a sum-pooled model (how much each token, padding included, adds).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from labcode._validate import as_array, call_model, check_int

#: What ``evaluate_by_cardinality`` returns: lists indexed like the test sets.
Results = dict[str, list[float]]


def deepsets_param_count(input_dim: int = 11, embedding_dim: int = 128,
                         hidden_dim: int = 64) -> int:
    """Parameters of ``DeepSets``: embedding ``input_dim*h1``, Linear ``h1*h2+h2``, Linear
    ``h2+1``."""
    n, h1, h2 = input_dim, embedding_dim, hidden_dim
    return n * h1 + (h1 * h2 + h2) + (h2 + 1)


def lstm_param_count(input_dim: int = 11, embedding_dim: int = 128, hidden_dim: int = 64) -> int:
    """Parameters of ``LSTMBaseline``: embedding ``input_dim*h1``; LSTM: 4 gates, each with
    ``h1*h2 + h2*h2`` weights and two biases of ``h2``; Linear ``h2+1``."""
    n, h1, h2 = input_dim, embedding_dim, hidden_dim
    return n * h1 + 4 * (h1 * h2 + h2 * h2 + 2 * h2) + (h2 + 1)


def _as_digit_array(X: object, name: str = "X") -> np.ndarray:
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    if not isinstance(X, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array or a tensor, got {type(X).__name__}")
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.integer):
        raise ValueError(f"{name} must be a 2-D integer array (n_sets, set size), got shape "
                         f"{X.shape} and dtype {X.dtype}")
    return X


def left_pad(X: np.ndarray, length: int) -> np.ndarray:
    """Left-pad every row of ``X`` with zeros to ``length`` positions, like the training sets."""
    X = _as_digit_array(X)
    length = check_int("length", length, 1)
    if X.shape[1] > length:
        raise ValueError(f"cannot pad sets of {X.shape[1]} elements to a shorter length {length}")
    return np.pad(X, ((0, 0), (length - X.shape[1], 0))).astype(np.int64)


def predict(model: nn.Module, X: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The model's predictions for every row of ``X``, as a float64 array ``(n_sets,)``.

    Runs in evaluation mode without gradients, ``batch_size`` sets at a time, on the device of
    the model's parameters. Works for any set size (the models are not tied to one).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X = _as_digit_array(X)
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
    """Accuracy of the rounded predictions and mean absolute error of the raw ones."""
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

    Uses the first ``max_sets`` sets of each group (all when None). Returns a dict of lists,
    one entry per group: ``cardinality``, ``accuracy``, ``mae``, ``mean_error`` (the mean of
    prediction - target, whose sign says whether the model over- or under-estimates) and
    ``n_sets``.
    """
    if isinstance(X_test, np.ndarray) or isinstance(y_test, np.ndarray):
        raise TypeError("X_test and y_test must be lists with one array per cardinality "
                        "(as create_test_dataset returns), not single arrays")
    if len(X_test) != len(y_test) or len(X_test) == 0:
        raise ValueError(f"X_test and y_test must be non-empty lists of the same length, got "
                         f"{len(X_test)} and {len(y_test)}")
    if max_sets is not None:
        max_sets = check_int("max_sets", max_sets, 1)
    results: Results = {"cardinality": [], "accuracy": [], "mae": [], "mean_error": [],
                        "max_prediction": [], "n_sets": []}
    for i, (X, y) in enumerate(zip(X_test, y_test, strict=True)):
        X = _as_digit_array(X, f"X_test[{i}]")[:max_sets]
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
        results["cardinality"].append(int(X.shape[1]))
        results["accuracy"].append(float(acc))
        results["mae"].append(float(mae))
        results["mean_error"].append(float(np.mean(pred - y)))
        results["max_prediction"].append(float(pred.max()))
        results["n_sets"].append(len(X))
    return results


def results_table(results: dict[str, Results], every: int = 1) -> str:
    """A text table: one row per cardinality, accuracy and MAE of every model side by side.

    ``results`` maps a model's name to what ``evaluate_by_cardinality`` returned for it; all
    must share the cardinalities. ``every=k`` keeps every k-th row. Course code calls it with
    those results only, so it checks nothing else.
    """
    names = list(results)
    cards = results[names[0]]["cardinality"]
    if any(r["cardinality"] != cards for r in results.values()):
        raise ValueError("every model must be evaluated on the same cardinalities")
    head = f"{'M':>4}" + "".join(f"{n + ' acc':>16}{n + ' MAE':>16}" for n in names)
    lines = [head]
    for i in range(0, len(cards), every):
        row = f"{cards[i]:>4}"
        for n in names:
            row += f"{results[n]['accuracy'][i]:>16.2f}{results[n]['mae'][i]:>16.2f}"
        lines.append(row)
    return "\n".join(lines)


def element_contributions(model: nn.Module, input_dim: int = 11) -> tuple[np.ndarray, float]:
    """Split a sum-pooled model with a linear ``rho`` into per-token contributions and a bias.

    For ``f(X) = w . sum_i phi(x_i) + b`` the contribution of token ``t`` is ``c(t) = w . phi(t)``
    and ``f(X) = sum_i c(x_i) + b``. Measured from the outside: ``c(t) = f([t, t]) - f([t])`` and
    ``b = 2 f([t]) - f([t, t])``. Returns ``(c, b)`` with ``c`` of shape ``(input_dim,)``; ``c[0]``
    is what one padding position adds. Raises ``ValueError`` if the model does not decompose so
    (an LSTM, say).
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
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears or linears[-1].out_features != 1:
        raise ValueError("expected a model whose last nn.Linear layer has one output")
    last = linears[-1]
    bias = 0.0 if last.bias is None else float(last.bias.detach().abs().sum())
    return float(last.weight.detach().abs().sum()) + bias


def seed_study(
    models: dict[str, Callable[[], nn.Module]],
    seeds: Sequence[int],
    train_data: tuple[np.ndarray, np.ndarray],
    test_data: tuple[Sequence[np.ndarray], Sequence[np.ndarray]],
    settings: dict[str, object],
    cardinalities: Sequence[int] = (10, 50, 100),
    device: torch.device | str = "cpu",
) -> list[dict[str, object]]:
    """Train every model from every seed; score it at a few cardinalities.

    ``models`` maps a name to a function that builds a fresh model; ``torch.manual_seed(seed)``
    runs just before it, and ``seed`` also orders the mini-batches. ``settings`` are keyword
    arguments of :func:`labcode.training.train`. Returns one row per (model, seed): ``model``,
    ``seed``, ``accuracy`` and ``mae`` ({M: value}), ``p`` (what one padding position adds,
    ``c(0)``), ``ebar`` (the mean digit error ``c(t) - t`` over the digits 1 to 10), ``b`` (the
    bias), ``corrected`` ({M: accuracy after subtracting ``(M - 10) p``}) and ``seconds``.
    """
    from labcode.training import train

    (X_train, y_train), (X_test, y_test) = train_data, test_data
    index = {int(X.shape[1]): i for i, X in enumerate(X_test)}
    missing = [m for m in cardinalities if m not in index]
    if missing:
        raise ValueError(f"no test sets of cardinality {missing}; have {sorted(index)}")
    rows: list[dict[str, object]] = []
    for name, build in models.items():
        for seed in seeds:
            torch.manual_seed(seed)
            model = build().to(device)
            history = train(model, X_train, y_train, seed=seed, progress=False,
                            **settings)  # type: ignore[arg-type]
            c, b = element_contributions(model)
            p, ebar = float(c[0]), float(np.mean(c[1:11] - np.arange(1, 11)))
            accuracy, mae, corrected = {}, {}, {}
            for m in cardinalities:
                X, y = X_test[index[m]], y_test[index[m]]
                pred = predict(model, X)
                accuracy[m], mae[m] = accuracy_and_mae(pred, y)
                corrected[m] = accuracy_and_mae(pred - (m - 10) * p, y)[0]
            rows.append({"model": name, "seed": seed, "accuracy": accuracy, "mae": mae,
                         "p": p, "ebar": ebar, "b": b, "corrected": corrected,
                         "seconds": history.seconds})
    return rows


def seed_table(rows: list[dict[str, object]]) -> str:
    """``seed_study``'s rows as a text table: accuracy per cardinality; at the largest one, M,
    the two terms of the mean error ``M (ebar - p)`` and ``(M - 10) p`` (``p`` the padding
    contribution ``c(0)``, ``ebar`` the mean digit error); and the accuracy at M once the
    padding term ``(M - 10) p`` is subtracted."""
    cards = list(rows[0]["accuracy"])  # type: ignore[call-overload]
    width = max(len(str(r["model"])) for r in rows) + 2
    head = f"{'model':<{width}}{'seed':>4}" + "".join(f"{'M = ' + str(m):>9}" for m in cards)
    last = cards[-1]
    lines = [head + f"{f'{last}(ē-p)':>10}{f'{last - 10}p':>7}"
             f"{f'M = {last} - {last - 10}p':>15}"]  # <= 79 wide
    for r in rows:
        acc = r["accuracy"]
        lines.append(f"{r['model']:<{width}}{r['seed']:>4}"
                     + "".join(f"{acc[m]:>9.2f}" for m in cards)  # type: ignore[index]
                     + f"{last * (r['ebar'] - r['p']):>+10.3f}"  # type: ignore[operator]
                     + f"{(last - 10) * r['p']:>+7.2f}"  # type: ignore[operator]
                     + f"{r['corrected'][last]:>15.2f}")  # type: ignore[index]
    return "\n".join(lines)
