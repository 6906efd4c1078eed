"""Self-checks of Lab 02: DeepSets, the LSTM, mini-batches, metrics, the padding mask.

The model checks build the student's class with small sizes inside ``torch.random.fork_rng()``,
so a check does not change the random numbers a notebook draws afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.checks.api import (
    Checker,
    CheckFailed,
    construct,
    raises_clear_error,
    run_check,
)


def _build_digit_model(cls: type, c: Checker, h1: int, h2: int) -> object:
    from torch import nn

    try:
        model = construct(cls, input_dim=11, embedding_dim=h1, hidden_dim=h2)
    except TypeError as err:
        raise CheckFailed(f"build the model as {cls.__name__}(input_dim=11, embedding_dim={h1}, "
                          f"hidden_dim={h2}); that call raised TypeError: {err}") from None
    c.expect(isinstance(model, nn.Module),
             f"{cls.__name__} should subclass torch.nn.Module (class {cls.__name__}(nn.Module)).")
    return model


def _check_sizes_follow(cls: type, c: Checker, count: Callable[[int, int, int], int]) -> None:
    """Each size argument changes the model: other sizes give the parameter count they imply."""
    sizes = {"input_dim": 13, "embedding_dim": 6, "hidden_dim": 3}
    try:
        model = construct(cls, **sizes)
    except TypeError as err:
        raise CheckFailed(f"build the model as {cls.__name__}(input_dim=13, embedding_dim=6, "
                          f"hidden_dim=3); that call raised TypeError: {err}") from None
    n_params = sum(p.numel() for p in model.parameters())  # type: ignore[attr-defined]
    expected = count(*sizes.values())
    c.expect(n_params == expected,
             f"{cls.__name__}(input_dim=13, embedding_dim=6, hidden_dim=3) should have "
             f"{expected} parameters; yours has {n_params}: use each argument for its size "
             "(nn.Embedding(input_dim, embedding_dim), ...) instead of a fixed number.")


def _check_digit_model_contract(model: object, per_position_hint: str, c: Checker) -> None:
    """Shapes, batch independence and the clear errors every digit-sum model owes."""
    import torch

    x = torch.randint(0, 11, (6, 7))
    x_before = x.clone()
    with torch.no_grad():
        out = model(x)
        c.expect(torch.equal(x, x_before),
                 "forward changed its input x in place: never assign into x (x[...] = ..., "
                 "x.clamp_(...), x.copy_(...)); build new tensors from it instead.")
        c.expect(isinstance(out, torch.Tensor) and torch.is_floating_point(out),
                 f"forward should return a float tensor; got {type(out).__name__}"
                 f"{'' if not isinstance(out, torch.Tensor) else ' of dtype ' + str(out.dtype)}.")
        if tuple(out.shape) == (7,):
            raise CheckFailed("the output has one value per *position* instead of one per set: "
                              + per_position_hint)
        c.expect(tuple(out.shape) == (6,),
                 f"for x of shape (batch, set size) = (6, 7) the output should have shape "
                 f"(batch,) = (6,); got {tuple(out.shape)}. Squeeze the last dimension: "
                 "out.squeeze(-1).")
        for size in (1, 3, 25):
            xs = torch.randint(0, 11, (5, size))
            c.expect(tuple(model(xs).shape) == (5,),
                     f"sets of {size} elements should work too: shape (5, {size}) -> (5,).")
        one = model(x[:1])
        c.expect(tuple(one.shape) == (1,),
                 "a batch of ONE set, shape (1, 7), should give shape (1,); got "
                 f"{tuple(one.shape)}. .squeeze() drops every dimension of size 1, the "
                 "batch's too: squeeze only the last one, .squeeze(-1).")
        c.expect(torch.allclose(model(x[:2]), out[:2], atol=1e-5),
                 "the prediction for one set should not depend on the other sets of the batch: "
                 "reduce over the set dimension (dim=1), never over the batch (dim=0).")
    c.expect(raises_clear_error(model, torch.randint(0, 11, (7,))),
             "a 1-D input should raise a ValueError naming the shape (batch, set size): keep "
             "check_digit_batch(x) as the first line of forward.")
    c.expect(raises_clear_error(model, x.float()),
             "a float input should raise a TypeError asking for a LongTensor: keep "
             "check_digit_batch(x) as the first line of forward.")


def check_digit_deepsets(DeepSets: type) -> None:
    """Self-check for Lab 02's ``DeepSets``: sizes, shapes, tanh phi, a sum over all elements."""
    import torch
    from torch import nn

    from labcode.digits import deepsets_param_count

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            h1, h2 = 8, 4
            model = _build_digit_model(DeepSets, c, h1, h2)
            n_params = sum(p.numel() for p in model.parameters())
            expected = deepsets_param_count(11, h1, h2)
            c.expect(n_params == expected,
                     f"with embedding_dim={h1} and hidden_dim={h2} the model should have "
                     f"11*{h1} + ({h1}*{h2} + {h2}) + ({h2} + 1) = {expected} parameters "
                     f"(embedding, Linear h1->h2, Linear h2->1); yours has {n_params}.")
            _check_sizes_follow(DeepSets, c, deepsets_param_count)
            _check_digit_model_contract(
                model, "sum over the elements of each set (dim=1), not over the batch (dim=0).", c)
            x = torch.randint(0, 11, (6, 7))
            with torch.no_grad():
                out = model(x)
                for _ in range(3):
                    perm = torch.randperm(7)
                    c.expect(torch.allclose(model(x[:, perm]), out, atol=1e-4),
                             "reordering the elements of a set changed the prediction, but "
                             "DeepSets must be permutation invariant: apply phi to every "
                             "element and pool with a sum over all of them (dim=1), with no "
                             "weight per position and no picking one element.")
                long = torch.randint(1, 11, (4, 25))
                long_out = model(long)
                for _ in range(3):
                    perm = torch.randperm(25)
                    c.expect(torch.allclose(model(long[:, perm]), long_out, atol=1e-4),
                             "reordering a set of 25 elements changed the prediction: sum "
                             "phi over ALL the elements of the set (.sum(dim=1)), not over "
                             "a fixed number of positions such as the last 10; test sets "
                             "hold up to 100 digits.")
                X, Y, Z = (torch.randint(1, 11, (4, k)) for k in (3, 4, 4))
                lhs = model(torch.cat([X, Y], 1)) + model(Z)
                rhs = model(torch.cat([X, Z], 1)) + model(Y)
                c.expect(torch.allclose(lhs, rhs, atol=1e-4),
                         "the prediction should be a Linear layer of the SUM of phi over the "
                         "set: f(X+Y) + f(Z) must equal f(X+Z) + f(Y). Sum (not mean or max) "
                         "over dim=1, and apply only the last Linear after the sum.")
                embeddings = [m for m in model.modules() if isinstance(m, nn.Embedding)]
                c.expect(len(embeddings) == 1,
                         "use one nn.Embedding(input_dim, embedding_dim) for the digits.")
                emb = embeddings[0]
                weight = emb.weight.detach().clone()
                curve = []
                for scale in (0.0, 1.0, 2.0):  # f is affine in the embedding iff phi is
                    emb.weight.copy_(scale * weight)
                    curve.append(model(x))
                emb.weight.copy_(weight)
                bend = (curve[2] - 2 * curve[1] + curve[0]).abs().max().item()
                c.expect(bend > 1e-3,
                         "phi looks affine: apply tanh (torch.tanh or nn.Tanh) to the output "
                         "of the Linear layer h1 -> h2, before the sum.")
                # tanh keeps every phi(x_i) in (-1, 1): however large the embedding, the
                # prediction of a set of n elements stays within n * sum|w| + |b| of rho,
                # less than n times the sum of |every parameter but the embedding's|.
                bound = x.shape[1] * sum(q.abs().sum() for q in model.parameters()
                                         if q is not emb.weight)
                emb.weight.copy_(1e4 * weight)
                far = model(x).abs().max()
                emb.weight.copy_(weight)
                c.expect(far <= bound + 1e-3,
                         "phi is not bounded: with a large embedding the prediction grew "
                         "past what tanh allows. Use tanh (not ReLU or another unbounded "
                         "activation) after the Linear layer h1 -> h2.")

    run_check("DeepSets", DeepSets, body)


def check_masked_deepsets(MaskedDeepSets: type) -> None:
    """Self-check for Lab 02's ``MaskedDeepSets``: padding adds exactly 0, whatever the weights."""
    import torch

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = _build_digit_model(MaskedDeepSets, c, 8, 4)
            _check_digit_model_contract(
                model, "sum over the elements of each set (dim=1), not over the batch (dim=0).", c)
            x = torch.randint(1, 11, (6, 5))  # digits only, no padding
            for draw in range(3):  # whatever the weights: redraw them, far from zero
                with torch.no_grad():
                    for p in model.parameters():
                        p.copy_(2 * torch.randn_like(p))
                    out = model(x)
                    zeros = torch.zeros(6, 3, dtype=torch.long)
                    for where, padded in [("in front", torch.cat([zeros, x], 1)),
                                          ("behind", torch.cat([x, zeros], 1)),
                                          ("in between", torch.cat([x[:, :2], zeros, x[:, 2:]],
                                                                   1))]:
                        c.expect(torch.allclose(model(padded), out, atol=1e-4),
                                 f"adding padding (zeros) {where} changed the prediction, with "
                                 f"weights drawn at random (draw {draw + 1}): multiply phi of "
                                 "every element by the mask (x != 0).unsqueeze(-1) BEFORE the "
                                 "sum, so that a 0 contributes exactly nothing.")
                    # padding in different places and amounts in the rows of one batch
                    # (one row has none): each row is judged against itself alone
                    lengths = [8, 1, 5, 3, 7, 2]
                    ragged = torch.zeros(len(lengths), 8, dtype=torch.long)
                    alone = []
                    for i, k in enumerate(lengths):
                        row = torch.randint(1, 11, (k,))
                        ragged[i, torch.randperm(8)[:k].sort().values] = row
                        alone.append(model(row.unsqueeze(0)))
                    c.expect(torch.allclose(model(ragged), torch.cat(alone), atol=1e-4),
                             "with padding at different places, and different amounts of it, "
                             "in the rows of one batch, a set's prediction changed: each row "
                             "needs its own mask, (x != 0).unsqueeze(-1) of shape (batch, set "
                             "size, 1), not one mask shared by the batch (no .any(0) or "
                             ".all(0) over the sets, no mask from one row).")
                    digits = torch.arange(1, 11).unsqueeze(1)  # the ten sets {t}
                    c.expect(model(digits).unique().numel() > 1,
                             "every digit gets the same prediction: mask only the padding "
                             "(token 0), keep phi of the digits 1..10.")
                    perm = torch.randperm(5)
                    c.expect(torch.allclose(model(x[:, perm]), out, atol=1e-4),
                             "reordering the elements changed the prediction: keep the sum "
                             "over dim=1.")
                    a, b, d = x[:, :2], x[:, 2:4], x[:, 4:]
                    lhs = model(torch.cat([a, b], 1)) + model(d)
                    rhs = model(torch.cat([a, d], 1)) + model(b)
                    c.expect(torch.allclose(lhs, rhs, atol=1e-3),
                             "the masked model should still SUM phi over the set (a mean over "
                             "the digits is not a sum): f(A+B) + f(D) must equal "
                             "f(A+D) + f(B).")

    run_check("MaskedDeepSets", MaskedDeepSets, body)


def _predicts_from_last_state(model: object, x: object, out: object) -> bool:
    """False if ``out`` is not Linear(h_n[-1]) of the model's own embedding, LSTM and Linear.

    True when the model's layers cannot be told apart (then other checks judge it).
    """
    import torch
    from torch import nn

    def only(kind: type) -> nn.Module | None:
        found = [m for m in model.modules() if isinstance(m, kind)]
        return found[0] if len(found) == 1 else None

    emb, lstm, fc = only(nn.Embedding), only(nn.LSTM), only(nn.Linear)
    if emb is None or lstm is None or fc is None:
        return True
    seq = emb(x)
    _, (h_n, _) = lstm(seq if lstm.batch_first else seq.transpose(0, 1))
    expected = fc(h_n[-1]).squeeze(-1)
    return expected.shape == out.shape and torch.allclose(expected, out, atol=1e-5)


def check_digit_lstm(LSTMBaseline: type) -> None:
    """Self-check for Lab 02's ``LSTMBaseline``: sizes, shapes, order, Linear on h_n[-1]."""
    import torch

    from labcode.digits import lstm_param_count

    def body(c: Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            h1, h2 = 8, 4
            model = _build_digit_model(LSTMBaseline, c, h1, h2)
            n_params = sum(p.numel() for p in model.parameters())
            expected = lstm_param_count(11, h1, h2)
            c.expect(n_params == expected,
                     f"with embedding_dim={h1} and hidden_dim={h2} the model should have "
                     f"11*{h1} + 4*({h1}*{h2} + {h2}*{h2} + 2*{h2}) + ({h2} + 1) = {expected} "
                     f"parameters (embedding, one nn.LSTM layer, Linear h2->1); yours has "
                     f"{n_params}.")
            _check_sizes_follow(LSTMBaseline, c, lstm_param_count)
            _check_digit_model_contract(
                model, "nn.LSTM reads (set size, batch, features) unless you pass "
                "batch_first=True.", c)
            x = torch.randint(1, 11, (32, 7))
            with torch.no_grad():
                out = model(x)
                changed = (model(x.flip(1)) - out).abs().max().item()
                c.expect(changed > 1e-6,
                         "reversing the sets did not change a single prediction, but an LSTM "
                         "reads its input in order: feed the embedded sequence to the LSTM.")
                last = x.clone()
                last[:, -1] = torch.where(last[:, -1] == 1, 2, 1)
                reads_last = (model(last) - out).abs().max().item() > 1e-6
                from_h_n = _predicts_from_last_state(model, x, out)
                c.expect(reads_last and from_h_n,
                         ("changing the LAST element of every set changed nothing: "
                          if not reads_last else
                          "the prediction is not the Linear layer applied to the hidden state "
                          "h_n[-1] (not the cell state c_n, not a mean of the outputs): ")
                         + "predict from the hidden state after the last time step (h_n[-1], "
                         "or output[:, -1] with batch_first=True).")

    run_check("LSTMBaseline", LSTMBaseline, body)


def check_make_batch(make_batch: Callable[..., object]) -> None:
    """Self-check for Lab 02's ``make_batch``: rows idx as int64 and float32 tensors on device."""
    import torch

    def body(c: Checker) -> None:
        rng = np.random.default_rng(0)
        X = rng.integers(0, 11, size=(50, 10)).astype(np.int64)
        y = X.sum(axis=1)
        X_before, y_before = X.copy(), y.copy()
        idx = np.array([3, 17, 0, 42])
        idx_before = idx.copy()
        out = make_batch(X, y, idx, torch.device("cpu"))
        changed = [name for name, now, then in [("X", X, X_before), ("y", y, y_before),
                                                 ("idx", idx, idx_before)]
                   if not np.array_equal(now, then)]
        c.expect(not changed,
                 f"make_batch changed {' and '.join(changed)} in place (idx.sort(), "
                 "X[...] = ...): read the arrays, never modify them; the training loop uses "
                 "them again.")
        idx = idx_before
        got = (f"a tuple of {' and '.join(type(t).__name__ for t in out)}: convert them with "
               "torch.as_tensor(..., dtype=..., device=device)"
               if isinstance(out, tuple) else f"a {type(out).__name__}")
        c.expect(isinstance(out, tuple) and len(out) == 2
                 and all(isinstance(t, torch.Tensor) for t in out),
                 f"return a tuple of two tensors (x_batch, y_batch); got {got}.")
        x_batch, y_batch = out
        c.expect(x_batch.dtype == torch.long,
                 f"x_batch should be a LongTensor (torch.int64): nn.Embedding looks digits up "
                 f"by integer index; got {x_batch.dtype}.")
        c.expect(tuple(x_batch.shape) == (4, 10),
                 f"x_batch should hold the rows idx of X: shape (len(idx), 10) = (4, 10); "
                 f"got {tuple(x_batch.shape)}.")
        c.expect(np.array_equal(x_batch.numpy(), X[idx]),
                 "x_batch[i] should be X[idx[i]]: select the rows with X[idx].")
        c.expect(y_batch.dtype == torch.float32,
                 f"y_batch should be float32, the dtype of the model's predictions (the L1 "
                 f"loss compares them); got {y_batch.dtype}.")
        c.expect(tuple(y_batch.shape) == (4,) and np.array_equal(y_batch.numpy(), y[idx]),
                 f"y_batch should be y[idx], of shape (4,); got shape {tuple(y_batch.shape)}.")
        meta = make_batch(X, y, idx[:1], torch.device("meta"))
        c.expect(all(t.device.type == "meta" for t in meta),
                 "put both tensors on `device` (e.g. torch.as_tensor(..., device=device)), so "
                 "that training runs on a GPU when there is one.")

    run_check("make_batch", make_batch, body)


def check_accuracy_and_mae(accuracy_and_mae: Callable[..., object]) -> None:
    """Self-check for Lab 02's ``accuracy_and_mae``: rounded hits as a fraction, mean |error|."""

    def body(c: Checker) -> None:
        # |errors| 0.2, 0.4, 0, 0.6, 2.3: mean 0.7, median 0.4; rounded: 3 hits, MAE 0.6
        pred = np.array([2.2, 4.6, 7.0, 9.4, 14.3])
        target = np.array([2, 5, 7, 10, 12])
        pred_before, target_before = pred.copy(), target.copy()
        out = accuracy_and_mae(pred, target)
        c.expect(np.array_equal(pred, pred_before) and np.array_equal(target, target_before),
                 "accuracy_and_mae changed pred or target in place (np.round(pred, out=pred), "
                 "pred -= ...): compute new arrays, np.round(pred), pred - target.")
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"return a tuple (accuracy, mae); got {type(out).__name__}.")
        acc, mae = out
        c.expect(np.ndim(acc) == 0 and np.ndim(mae) == 0,
                 "accuracy and mae should be two numbers, not arrays: average with np.mean.")
        types = f"{type(acc).__name__} and {type(mae).__name__}"
        python_floats = all(isinstance(v, float) for v in (acc, mae))
        acc, mae = float(acc), float(mae)
        c.expect(not np.isclose(acc, 3.0),
                 "accuracy should be a fraction in [0, 1] (the mean of the hits), not a count.")
        c.expect(np.isclose(acc, 0.6),
                 "round the predictions to the nearest integer (np.round), then count the "
                 "exact hits: [2.2, 4.6, 7.0, 9.4, 14.3] vs [2, 5, 7, 10, 12] gives 3/5 = 0.6; "
                 f"got {acc}.")
        c.expect(not np.isclose(mae, 0.6),
                 "compute the MAE from the raw predictions, not the rounded ones.")
        c.expect(not np.isclose(mae, 0.4),
                 "the MAE is the MEAN of |pred - target| (np.mean), not the median: one large "
                 "error must count in full.")
        c.expect(np.isclose(mae, 0.7),
                 "the MAE is the mean of |pred - target| over the sets: here "
                 f"(0.2 + 0.4 + 0 + 0.6 + 2.3) / 5 = 0.7; got {mae}"
                 + (": take the absolute value of each error before the mean."
                    if np.isclose(mae, 0.3) else "."))
        c.expect(python_floats,
                 f"return two Python floats, float(np.mean(...)); got {types}.")
        perfect = accuracy_and_mae(target.astype(float), target)
        c.expect(np.isclose(float(perfect[0]), 1.0) and np.isclose(float(perfect[1]), 0.0),
                 "exact predictions should give accuracy 1.0 and MAE 0.0.")
        rng = np.random.default_rng(0)
        big_t = rng.integers(5, 500, size=10_000)
        big_p = big_t + rng.normal(0, 0.3, size=10_000)
        acc2, mae2 = (float(v) for v in accuracy_and_mae(big_p, big_t))
        c.expect(abs(acc2 - np.mean(np.abs(big_p - big_t) < 0.5)) < 1e-9
                 and abs(mae2 - np.mean(np.abs(big_p - big_t))) < 1e-9,
                 "it should work on long arrays of any length, with targets above 100 too.")

    run_check("accuracy_and_mae", accuracy_and_mae, body)
