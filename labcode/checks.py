"""Student self-checks.

Each ``check_*`` function calls the student's function on small inputs, tests it against the
contract stated in the exercise (shapes, dtypes, value ranges, padding, determinism...), and
prints a short verdict. It never compares with a reference answer and never shows a raw
traceback: a failing check prints what was expected and a hint. It returns nothing, so that a
notebook cell shows the verdict alone; a passing verdict starts with ``PASSED`` below.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class _Fail(Exception):
    """A contract violation, with a hint for the student."""


class _Checker:
    """Counts passed expectations; raises ``_Fail`` on the first broken one."""

    def __init__(self) -> None:
        self.passed = 0

    def expect(self, condition: object, hint: str) -> None:
        if not condition:
            raise _Fail(hint)
        self.passed += 1


PASSED = "✓"


def _run(name: str, fn: object, body: Callable[[_Checker], None]) -> None:
    """Run ``body`` against ``fn`` and print one friendly verdict line (or two)."""
    if not callable(fn):
        print(f"✗ {name}: expected your function itself (e.g. `{name}`), got {type(fn).__name__}.")
        return
    checker = _Checker()
    try:
        body(checker)
    except NotImplementedError:
        print(f"… {name} is not implemented yet: replace the `raise NotImplementedError(...)` "
              "line with your code, then run this cell again.")
        return
    except _Fail as failure:
        print(f"✗ {name}: {checker.passed} checks passed, then one failed.\n   Hint: {failure}")
        return
    except Exception as error:  # the student's code raised: report it without a traceback
        print(f"✗ {name} raised {type(error).__name__}: {error}\n"
              "   Hint: run it by hand on small arguments to see where it goes wrong.")
        return
    print(f"{PASSED} {name}: all {checker.passed} checks passed.")


def _is_int_array(a: object) -> bool:
    return isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.integer)


def check_create_train_dataset(create_train_dataset: Callable[..., object]) -> None:
    """Self-check for Lab 01's ``create_train_dataset``."""

    def body(c: _Checker) -> None:
        n, m, d = 4000, 10, 10
        out = create_train_dataset(n_train=n, max_train_card=m, max_digit=d, seed=0)
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"return a tuple (X, y); got {type(out).__name__}.")
        X, y = out
        c.expect(_is_int_array(X) and _is_int_array(y),
                 "X and y should be NumPy arrays of integers (digits are categories: the "
                 "models of Lab 02 embed them). Use np.int64.")
        c.expect(X.shape == (n, m),
                 f"X should have shape (n_train, max_train_card) = {(n, m)}; got {X.shape}.")
        c.expect(y.shape == (n,), f"y should have shape (n_train,) = {(n,)}; got {y.shape}.")
        c.expect(X.min() >= 0 and X.max() <= d,
                 f"entries of X should be 0 (padding) or digits 1..{d}; "
                 f"found values from {X.min()} to {X.max()}.")
        present = X != 0
        c.expect(np.all(present[:, 1:] >= present[:, :-1]),
                 "pad on the LEFT: a row looks like [0, 0, 0, 4, 5, 1, 7, 5] -- zeros first, "
                 "then the digits, and no zero after the first digit.")
        cards = present.sum(axis=1)
        c.expect(cards.min() >= 1, "every set should hold at least one digit (cardinality >= 1).")
        c.expect(set(np.unique(cards)) == set(range(1, m + 1)),
                 f"cardinalities should cover 1..{m}; found {sorted(set(cards.tolist()))}.")
        counts = np.bincount(cards, minlength=m + 1)[1:]
        c.expect(counts.min() > 0.6 * n / m and counts.max() < 1.4 * n / m,
                 "cardinalities should be uniform in 1..max_train_card; yours are far from it "
                 f"(counts {counts.tolist()}).")
        digit_counts = np.bincount(X[present], minlength=d + 1)[1:]
        c.expect(digit_counts.min() > 0.6 * digit_counts.mean(),
                 f"digits should be uniform in 1..{d}; counts per digit {digit_counts.tolist()}.")
        c.expect(np.array_equal(y, X.sum(axis=1)), "y[i] should be the sum of the digits of X[i].")
        X2, y2 = create_train_dataset(n_train=50, max_train_card=4, max_digit=3, seed=1)
        c.expect(X2.shape == (50, 4) and X2.max() <= 3,
                 "use the arguments: with max_train_card=4 and max_digit=3, X should have "
                 f"shape (50, 4) and digits <= 3; got shape {X2.shape}, max {X2.max()}.")
        X3, _ = create_train_dataset(n_train=n, max_train_card=m, max_digit=d, seed=0)
        c.expect(np.array_equal(X, X3),
                 "the same seed should give the same data: draw from "
                 "rng = np.random.default_rng(seed).")
        X4, _ = create_train_dataset(n_train=n, max_train_card=m, max_digit=d, seed=1)
        c.expect(not np.array_equal(X, X4), "different seeds should give different data.")

    _run("create_train_dataset", create_train_dataset, body)


def check_create_test_dataset(create_test_dataset: Callable[..., object]) -> None:
    """Self-check for Lab 01's ``create_test_dataset``."""

    def body(c: _Checker) -> None:
        n, cards, d = 300, [5, 10, 15, 40], 10
        out = create_test_dataset(n_per_card=n, cardinalities=cards, max_digit=d, seed=0)
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"return a tuple (X_test, y_test); got {type(out).__name__}.")
        X_test, y_test = out
        c.expect(isinstance(X_test, list) and isinstance(y_test, list),
                 "X_test and y_test should be Python lists with one array per cardinality.")
        c.expect(len(X_test) == len(cards) and len(y_test) == len(cards),
                 f"expected one entry per cardinality ({len(cards)}); "
                 f"got {len(X_test)} and {len(y_test)}.")
        c.expect(all(_is_int_array(X) for X in X_test) and all(_is_int_array(y) for y in y_test),
                 "every entry should be a NumPy array of integers (np.int64).")
        shapes = [X.shape for X in X_test]
        c.expect(shapes == [(n, k) for k in cards],
                 f"X_test[i] should have shape (n_per_card, cardinalities[i]); got {shapes}.")
        c.expect(all(y.shape == (n,) for y in y_test), "y_test[i] should have shape (n_per_card,).")
        c.expect(all(X.min() >= 1 and X.max() <= d for X in X_test),
                 f"test sets hold exactly cardinalities[i] digits in 1..{d}: no padding, no zeros.")
        c.expect(all(np.array_equal(y, X.sum(axis=1)) for X, y in zip(X_test, y_test, strict=True)),
                 "y_test[i][j] should be the sum of X_test[i][j].")
        values = np.concatenate([X.ravel() for X in X_test])
        counts = np.bincount(values, minlength=d + 1)[1:]
        c.expect(counts.min() > 0.7 * counts.mean(),
                 f"digits should be uniform in 1..{d}; counts per digit {counts.tolist()}.")
        again, _ = create_test_dataset(n_per_card=n, cardinalities=cards, max_digit=d, seed=0)
        c.expect(all(np.array_equal(a, b) for a, b in zip(X_test, again, strict=True)),
                 "the same seed should give the same data: use np.random.default_rng(seed).")

    _run("create_test_dataset", create_test_dataset, body)


# --- Lab 03: the 1/3-vs-1/5 task ---
# These checks draw random numbers inside torch.random.fork_rng(), so running a check (or not)
# does not change the numbers a notebook draws afterwards.


def _construct(cls: Callable[..., object], *args: object, **kwargs: object) -> object:
    """``cls(*args, **kwargs)``, with a hint when ``__init__`` forgot ``super().__init__()``."""
    try:
        return cls(*args, **kwargs)
    except AttributeError as error:
        if "Module.__init__() call" not in str(error):
            raise
        name = getattr(cls, "__name__", "the class")
        raise _Fail(f"building {name} raised AttributeError: {error}. Call "
                    "super().__init__() as the first line of __init__, before creating "
                    "any layer.") from None


def _is_float32_tensor(t: object) -> bool:
    import torch

    return isinstance(t, torch.Tensor) and t.dtype == torch.float32


def _raises_value_error(fn: Callable[..., object], *args: object) -> bool:
    try:
        fn(*args)
    except ValueError:
        return True
    except Exception:  # another error is not the clear ValueError the exercise asks for
        return False
    return False


def check_make_data(make_data: Callable[..., object]) -> None:
    """Self-check for Lab 03's ``make_data(N)``."""
    import torch

    def body(c: _Checker) -> None:
        n = 2000
        out = make_data(n)
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"return a tuple (X, y); got {type(out).__name__}.")
        X, y = out
        c.expect(isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor),
                 "X and y should be PyTorch tensors (torch.Tensor), not "
                 f"{type(X).__name__} and {type(y).__name__}.")
        c.expect(tuple(X.shape) == (n, 10, 1),
                 f"X should have shape (N, 10, 1) = {(n, 10, 1)}; got {tuple(X.shape)}.")
        c.expect(tuple(y.shape) == (n, 1),
                 f"y should have shape (N, 1) = {(n, 1)}; got {tuple(y.shape)}.")
        c.expect(_is_float32_tensor(X) and _is_float32_tensor(y),
                 f"X and y should be float32 tensors (BCELoss wants float labels); got "
                 f"{X.dtype} and {y.dtype}.")
        labels = y[:, 0]
        c.expect(bool(((labels == 0) | (labels == 1)).all()),
                 "y should hold the class of each instance: 0.0 or 1.0.")
        c.expect(int(labels.sum()) == n // 2,
                 f"the data should be exactly balanced: N/2 = {n // 2} instances of class 1; "
                 f"got {int(labels.sum())}.")
        x = X[:, :, 0].double()
        thirds = ((x - 1 / 3).abs() < 1e-6).sum(dim=1)
        fifths = ((x - 1 / 5).abs() < 1e-6).sum(dim=1)
        nonzero = (x != 0).sum(dim=1)
        zero = labels == 0
        c.expect(bool((thirds[zero] == 3).all() and (nonzero[zero] == 3).all()),
                 "every class-0 instance should have exactly 3 objects equal to 1/3 and the "
                 "other 7 equal to 0.")
        c.expect(bool((fifths[~zero] == 5).all() and (nonzero[~zero] == 5).all()),
                 "every class-1 instance should have exactly 5 objects equal to 1/5 and the "
                 "other 5 equal to 0.")
        per_position = (x != 0).sum(dim=0)
        mean = float(per_position.float().mean())
        c.expect(float(per_position.min()) > 0.8 * mean and float(per_position.max()) < 1.2 * mean,
                 "choose the nonzero objects at random for every instance, each position "
                 "equally likely; nonzeros per position in your data: "
                 f"{per_position.tolist()}.")
        patterns = {tuple(row) for row in (x[zero] != 0).int().tolist()}
        c.expect(len(patterns) > 50,
                 "draw a new random subset for every instance; yours repeat the same few "
                 f"patterns ({len(patterns)} different ones among {int(zero.sum())} instances).")
        X2, _ = make_data(n)
        c.expect(not torch.equal(X, X2), "two calls should give two different random draws.")
        X3, y3 = make_data(2)
        c.expect(tuple(X3.shape) == (2, 10, 1) and sorted(y3[:, 0].tolist()) == [0.0, 1.0],
                 "make_data(2) should give one instance of each class.")
        c.expect(_raises_value_error(make_data, 7),
                 "make_data(7) cannot be balanced: raise a ValueError that says N must be even.")
        c.expect(_raises_value_error(make_data, 0),
                 "make_data(0) should raise a ValueError (N must be at least 2).")

    with torch.random.fork_rng():
        torch.manual_seed(0)
        _run("make_data", make_data, body)


def check_deepset(DeepSet: type) -> None:
    """Self-check for Lab 03's ``DeepSet`` class (built with no arguments)."""
    import torch
    from torch import nn

    from labcode.symmetry import invariance_deviation

    def body(c: _Checker) -> None:
        c.expect(isinstance(DeepSet, type),
                 "pass the class itself, check_deepset(DeepSet), not an instance DeepSet().")
        model = _construct(DeepSet)
        c.expect(isinstance(model, nn.Module),
                 "DeepSet should subclass torch.nn.Module (and call super().__init__()).")
        phi, rho = getattr(model, "phi", None), getattr(model, "rho", None)
        c.expect(isinstance(phi, nn.Module) and isinstance(rho, nn.Module),
                 "store the element-wise network as self.phi and the set-wide network as "
                 "self.rho, both nn.Modules (e.g. nn.Sequential).")
        n_params = sum(p.numel() for p in model.parameters())
        c.expect(0 < n_params <= 500,
                 f"keep both networks small (about 5 hidden units a layer); yours has "
                 f"{n_params} parameters.")
        x = torch.rand(64, 10, 1) * (torch.rand(64, 10, 1) < 0.4)
        with torch.no_grad():
            out = model(x)
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else None
            c.expect(shape == (64, 1) and out.dtype == torch.float32,
                     "model(X) with X of shape (N, 10, 1) should return a float32 tensor of "
                     f"shape (N, 1); got {type(out).__name__ if shape is None else shape}"
                     + ("" if shape is None or shape != (64, 1) else f" of dtype {out.dtype}")
                     + (": sum over the objects (dim=1), not over the batch (dim=0)."
                        if shape == (10, 1) else "."))
            c.expect(bool(((out >= 0) & (out <= 1)).all()),
                     "the output is a probability: end with a sigmoid (nn.Sigmoid) so it "
                     "lies in [0, 1].")
            h = phi(x)
            c.expect(isinstance(h, torch.Tensor) and h.ndim == 3 and h.shape[:2] == (64, 10),
                     "self.phi should map each object separately: phi(X) with X of shape "
                     f"(N, 10, 1) should have shape (N, 10, k); got {tuple(h.shape)}.")
            alone = torch.cat([phi(x[:, j:j + 1]) for j in range(10)], dim=1)
            c.expect(torch.allclose(alone, h, atol=1e-6),
                     "phi should see one object at a time: phi of object j alone should equal "
                     "phi(X)[:, j]. Apply nn.Linear layers to the last dimension only.")
            deviation = invariance_deviation(model, x, n_perms=20, seed=0)
            c.expect(deviation <= 1e-5,
                     f"the output changes by up to {deviation:.2g} when the objects are "
                     "reordered: a DeepSet must be permutation invariant. Apply phi to every "
                     "object and SUM over all of them (dim=1) before rho: no weight per "
                     "position, no picking one object (x[:, 0]), no recurrent layer.")
            def matches(pooled: torch.Tensor) -> bool:
                pooled = rho(pooled)
                return (torch.allclose(out, pooled, atol=1e-6)
                        or torch.allclose(out, torch.sigmoid(pooled), atol=1e-6))

            summed = matches(h.sum(dim=1))
            other = ("" if summed else "mean" if matches(h.mean(dim=1))
                     else "max" if matches(h.amax(dim=1)) else "")
            c.expect(summed,
                     f"you pool with a {other}: this DeepSet SUMS phi over the objects, "
                     "h.sum(dim=1), then applies rho." if other else
                     "forward should go in order: phi on every object, sum over the objects "
                     "(dim=1), then rho on the pooled vector.")
            other = model(torch.rand(8, 7, 1))
            c.expect(tuple(other.shape) == (8, 1),
                     "a DeepSet works for sets of any size: sum over dim=1 instead of assuming "
                     f"10 objects (a batch of 7-object sets gave shape {tuple(other.shape)}).")

    with torch.random.fork_rng():
        torch.manual_seed(0)
        _run("DeepSet", DeepSet, body)


def check_train(train: Callable[..., object]) -> None:
    """Self-check for Lab 03's ``train(model, steps, ..., progress)`` (200 quick steps)."""
    import numbers

    import torch

    from labcode.models import mlp

    def body(c: _Checker) -> None:
        steps = 200
        model = mlp(hidden=(32, 32))
        before = [p.detach().clone() for p in model.parameters()]
        try:
            out = train(model, steps=steps, progress=False)
        except TypeError as error:
            if "progress" not in str(error):
                raise
            c.expect(False, "keep the signature train(model, steps=4000, batch_size=200, "
                            "lr=1e-3, progress=True): the check calls it with progress=False.")
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"return a tuple (model, history); got {type(out).__name__}.")
        trained, history = out
        c.expect(trained is model,
                 "return the model you were given, trained in place, as the first item.")
        if isinstance(history, torch.Tensor):
            history = history.tolist()
        c.expect(isinstance(history, (list, tuple, np.ndarray)) and len(history) == steps,
                 f"the history should hold one loss per step: {steps} values for "
                 f"steps={steps}; got {len(history) if hasattr(history, '__len__') else history}.")
        c.expect(all(isinstance(v, numbers.Real) for v in history),
                 "store plain numbers in the history: append loss.item(), not the loss tensor "
                 "(a tensor keeps its whole computation graph in memory).")
        c.expect(all(np.isfinite(v) for v in history), "the history holds NaN or infinite losses.")
        changed = any(not torch.equal(a, b) for a, b in zip(before, model.parameters(),
                                                            strict=True))
        c.expect(changed, "the parameters did not change: call optimizer.zero_grad(), "
                          "loss.backward() and optimizer.step() at every step.")
        first, last = float(np.mean(history[:40])), float(np.mean(history[-40:]))
        c.expect(last < first - 0.02,
                 f"the loss should go down within {steps} steps of Adam (lr=1e-3): mean "
                 f"{first:.3f} over the first 40 steps, {last:.3f} over the last 40. Draw a "
                 "fresh batch with make_data every step and use BCELoss.")

    with torch.random.fork_rng():
        torch.manual_seed(0)
        _run("train", train, body)


def check_count_params(count_params: Callable[..., object]) -> None:
    """Self-check for Lab 03's ``count_params(model)``."""
    import numbers

    from torch import nn

    def body(c: _Checker) -> None:
        n = count_params(nn.Linear(3, 4))
        c.expect(isinstance(n, numbers.Integral),
                 f"return a plain Python int, not {type(n).__name__} (use int(...) if needed).")
        c.expect(n == 16, f"nn.Linear(3, 4) has 3 x 4 weights + 4 biases = 16 parameters; "
                          f"got {n}.")
        net = nn.Sequential(nn.Linear(10, 5), nn.Tanh(), nn.Linear(5, 1))
        n = count_params(net)
        c.expect(n == 61, f"count the parameters of every layer: (10 x 5 + 5) + (5 x 1 + 1) = "
                          f"61 for Linear(10, 5), Tanh, Linear(5, 1); got {n}.")
        c.expect(count_params(nn.Tanh()) == 0, "a layer without parameters (nn.Tanh) has 0.")
        shared = nn.Linear(2, 2)
        n = count_params(nn.Sequential(shared, nn.Tanh(), shared))
        c.expect(n == 6, "a layer used twice is one set of parameters: count "
                         f"model.parameters(), which lists it once (expected 6, got {n}).")

    _run("count_params", count_params, body)


# --- Lab 02: DeepSets vs LSTM on digit sums ---
# The model checks build the student's class with small sizes inside torch.random.fork_rng(), so
# a check does not change the random numbers a notebook draws afterwards.


def _raises_clear_error(fn: Callable[..., object], *args: object) -> bool:
    """True if ``fn(*args)`` raises a ValueError or TypeError (the clear errors we ask for)."""
    try:
        fn(*args)
    except (ValueError, TypeError):
        return True
    except Exception:
        return False
    return False


def _build_digit_model(cls: type, c: _Checker, h1: int, h2: int) -> object:
    from torch import nn

    try:
        model = _construct(cls, input_dim=11, embedding_dim=h1, hidden_dim=h2)
    except TypeError as err:
        raise _Fail(f"build the model as {cls.__name__}(input_dim=11, embedding_dim={h1}, "
                    f"hidden_dim={h2}); that call raised TypeError: {err}") from None
    c.expect(isinstance(model, nn.Module),
             f"{cls.__name__} should subclass torch.nn.Module (class {cls.__name__}(nn.Module)).")
    return model


def _check_digit_model_contract(model: object, per_position_hint: str, c: _Checker) -> None:
    """Shapes, batch independence and the clear errors every digit-sum model owes."""
    import torch

    x = torch.randint(0, 11, (6, 7))
    with torch.no_grad():
        out = model(x)
        c.expect(isinstance(out, torch.Tensor) and torch.is_floating_point(out),
                 f"forward should return a float tensor; got {type(out).__name__}"
                 f"{'' if not isinstance(out, torch.Tensor) else ' of dtype ' + str(out.dtype)}.")
        if tuple(out.shape) == (7,):
            raise _Fail("the output has one value per *position* instead of one per set: "
                        + per_position_hint)
        c.expect(tuple(out.shape) == (6,),
                 f"for x of shape (batch, set size) = (6, 7) the output should have shape "
                 f"(batch,) = (6,); got {tuple(out.shape)}. Squeeze the last dimension: "
                 "out.squeeze(-1).")
        for size in (1, 3, 25):
            xs = torch.randint(0, 11, (5, size))
            c.expect(tuple(model(xs).shape) == (5,),
                     f"sets of {size} elements should work too: shape (5, {size}) -> (5,).")
        c.expect(torch.allclose(model(x[:2]), out[:2], atol=1e-5),
                 "the prediction for one set should not depend on the other sets of the batch: "
                 "reduce over the set dimension (dim=1), never over the batch (dim=0).")
    c.expect(_raises_clear_error(model, torch.randint(0, 11, (7,))),
             "a 1-D input should raise a ValueError naming the shape (batch, set size): keep "
             "check_digit_batch(x) as the first line of forward.")
    c.expect(_raises_clear_error(model, x.float()),
             "a float input should raise a TypeError asking for a LongTensor: keep "
             "check_digit_batch(x) as the first line of forward.")


def check_digit_deepsets(DeepSets: type) -> None:
    """Self-check for Lab 02's ``DeepSets`` class (embedding, Linear + tanh, sum, Linear)."""
    import torch
    from torch import nn

    from labcode.evaluation import deepsets_param_count

    def body(c: _Checker) -> None:
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

    _run("DeepSets", DeepSets, body)


def check_masked_deepsets(MaskedDeepSets: type) -> None:
    """Self-check for Lab 02's ``MaskedDeepSets``: padding adds exactly 0, whatever the weights."""
    import torch

    def body(c: _Checker) -> None:
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

    _run("MaskedDeepSets", MaskedDeepSets, body)


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
    """Self-check for Lab 02's ``LSTMBaseline`` class (embedding, LSTM, Linear on the last
    step)."""
    import torch

    from labcode.evaluation import lstm_param_count

    def body(c: _Checker) -> None:
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

    _run("LSTMBaseline", LSTMBaseline, body)


def check_make_batch(make_batch: Callable[..., object]) -> None:
    """Self-check for Lab 02's ``make_batch(X, y, idx, device)``."""
    import torch

    def body(c: _Checker) -> None:
        rng = np.random.default_rng(0)
        X = rng.integers(0, 11, size=(50, 10)).astype(np.int64)
        y = X.sum(axis=1)
        X_before = X.copy()
        idx = np.array([3, 17, 0, 42])
        out = make_batch(X, y, idx, torch.device("cpu"))
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
        c.expect(np.array_equal(X, X_before), "make_batch should not modify X.")
        meta = make_batch(X, y, idx[:1], torch.device("meta"))
        c.expect(all(t.device.type == "meta" for t in meta),
                 "put both tensors on `device` (e.g. torch.as_tensor(..., device=device)), so "
                 "that training runs on a GPU when there is one.")

    _run("make_batch", make_batch, body)


def check_accuracy_and_mae(accuracy_and_mae: Callable[..., object]) -> None:
    """Self-check for Lab 02's ``accuracy_and_mae(pred, target)``."""

    def body(c: _Checker) -> None:
        pred = np.array([2.2, 4.6, 7.0, 9.4, 11.7])
        target = np.array([2, 5, 7, 10, 12])
        out = accuracy_and_mae(pred, target)
        c.expect(isinstance(out, tuple) and len(out) == 2,
                 f"return a tuple (accuracy, mae); got {type(out).__name__}.")
        acc, mae = out
        c.expect(np.ndim(acc) == 0 and np.ndim(mae) == 0,
                 "accuracy and mae should be two numbers, not arrays: average with np.mean.")
        acc, mae = float(acc), float(mae)
        c.expect(not np.isclose(acc, 4.0),
                 "accuracy should be a fraction in [0, 1] (the mean of the hits), not a count.")
        c.expect(np.isclose(acc, 0.8),
                 "round the predictions to the nearest integer (np.round), then count the "
                 f"exact hits: [2.2, 4.6, 7.0, 9.4, 11.7] vs [2, 5, 7, 10, 12] gives 4/5 = 0.8; "
                 f"got {acc}.")
        c.expect(not np.isclose(mae, 0.2),
                 "compute the MAE from the raw predictions, not the rounded ones.")
        c.expect(np.isclose(mae, 0.3),
                 "the MAE is the mean of |pred - target| over the sets: here "
                 f"(0.2 + 0.4 + 0 + 0.6 + 0.3) / 5 = 0.3; got {mae}.")
        perfect = accuracy_and_mae(target.astype(float), target)
        c.expect(np.isclose(float(perfect[0]), 1.0) and np.isclose(float(perfect[1]), 0.0),
                 "exact predictions should give accuracy 1.0 and MAE 0.0.")
        rng = np.random.default_rng(0)
        big_t = rng.integers(5, 500, size=10_000)
        big_p = big_t + rng.normal(0, 0.3, size=10_000)
        acc2, mae2 = (float(v) for v in accuracy_and_mae(big_p, big_t))
        c.expect(abs(acc2 - np.mean(np.abs(big_p - big_t) < 0.5)) < 1e-9 and 0 < mae2 < 0.5,
                 "it should work on long arrays of any length, with targets above 100 too.")

    _run("accuracy_and_mae", accuracy_and_mae, body)


# --- Lab 04: permutation checks ---


def check_permuted_copies(permuted_copies: Callable[..., object]) -> None:
    """Self-check for Lab 04's ``permuted_copies(x, n_perms=3)``."""
    import torch

    def body(c: _Checker) -> None:
        x = torch.arange(20, dtype=torch.float32).view(10, 2)  # 10 objects, 2 features each
        original = x.clone()
        np.random.seed(0)
        try:
            batch = permuted_copies(x, n_perms=5)
        except TypeError as error:
            if "numpy.ndarray" not in str(error):
                raise
            raise _Fail(f"permuted_copies raised TypeError: {error}. np.random.permutation(x) "
                        "returns a NumPy array: draw the ORDER, order = "
                        "np.random.permutation(len(x)), and index the tensor with it, "
                        "x[order].") from None
        c.expect(isinstance(batch, torch.Tensor),
                 f"return one tensor (use torch.stack); got {type(batch).__name__}.")
        c.expect(tuple(batch.shape) == (6, 10, 2),
                 "for x of shape (10, 2) and n_perms=5 the batch should have shape "
                 f"(n_perms + 1, 10, 2) = (6, 10, 2); got {tuple(batch.shape)}."
                 + (" torch.cat joined the copies along the objects: torch.stack puts them "
                    "along a new first dimension." if tuple(batch.shape) == (60, 2) else ""))
        c.expect(batch.dtype == x.dtype, f"keep x's dtype ({x.dtype}); got {batch.dtype}.")
        untouched = torch.equal(x, original)
        c.expect(untouched and torch.equal(batch[0], x),
                 "batch[0] should be x itself, in its own order." if untouched else
                 "permuted_copies changed x itself: build the copies by indexing, x[order], "
                 "and never assign into x.")
        c.expect(all(torch.equal(row[row[:, 0].argsort()], x) for row in batch),
                 "each copy should hold the same objects as x, whole rows moved together: "
                 "index x with a permutation of its rows, x[order].")
        reordered = all(not torch.equal(row, x) for row in batch[1:])
        distinct = len({tuple(row.flatten().tolist()) for row in batch[1:]}) > 1
        c.expect(reordered and distinct,
                 "copies 1.. should be reordered: use np.random.permutation(len(x))."
                 if not reordered else
                 "every copy should get its own random order: call np.random.permutation "
                 "once per copy (yours are all the same).")
        np.random.seed(0)
        again = permuted_copies(x, n_perms=5)
        c.expect(torch.equal(batch, again),
                 "draw the orders with np.random.permutation, so that np.random.seed (or "
                 "seed_everything) makes them reproducible.")
        c.expect(not torch.equal(batch, permuted_copies(x, n_perms=5)),
                 "two calls should give different random orders.")
        single = permuted_copies(torch.rand(7, 1), n_perms=3)
        c.expect(tuple(single.shape) == (4, 7, 1),
                 "use the arguments: a set of 7 objects with n_perms=3 should give shape "
                 f"(4, 7, 1); got {tuple(single.shape)}.")

    state = np.random.get_state()
    try:
        _run("permuted_copies", permuted_copies, body)
    finally:
        np.random.set_state(state)


# --- Labs 07-08: pooling and mini-batch consistency ---


def _call_tensor_fn(fn: Callable[..., object], args: tuple[object, ...], call: str,
                    broadcast_hint: str) -> object:
    """``fn(*args)``, turning a shape-mismatch RuntimeError into a hint about ``broadcast_hint``."""
    try:
        return fn(*args)
    except NotImplementedError:  # a RuntimeError too: let _run say "not implemented yet"
        raise
    except RuntimeError as error:
        if "must match the size" not in str(error):
            raise
        raise _Fail(f"{call} raised RuntimeError: {error}. {broadcast_hint}") from None


def _tensor_output_hint(out: object, call: str, shape: tuple[int, ...], dtype: object,
                        reduce_hint: str) -> str | None:
    """Why ``out`` is not a ``dtype`` tensor of ``shape`` (None if it is)."""
    import torch

    expected = f"{call} should return one tensor of shape (batch, features) = {shape}"
    if out is None:
        return f"{expected}; it returned None: did you forget the `return`?"
    if isinstance(out, tuple) and hasattr(out, "values") and hasattr(out, "indices"):
        return (f"{expected}; it returned a (values, indices) pair: `.max(dim=...)` gives both, "
                "take its `.values`.")
    if not isinstance(out, torch.Tensor):
        return f"{expected}; got a {type(out).__name__}. {reduce_hint}"
    got = tuple(out.shape)
    if got != shape:
        if tuple(d for d in got if d != 1) == shape:
            return (f"{expected}; got {got}: drop the extra dimension of size 1 (no "
                    "keepdim=True on the result, or .squeeze it).")
        return f"{expected}; got {got}. {reduce_hint}"
    if out.dtype != dtype:
        return (f"{expected} and the dtype of its input ({dtype}); got {out.dtype}: build any "
                "helper tensor (counts, weights) with the input's dtype.")
    return None


def check_pool(pool: Callable[..., object]) -> None:
    """Self-check for Lab 07's ``pool(h, mask, how)`` (sum, mean and max with padding)."""
    import torch

    def mean_hint(out: torch.Tensor, h: torch.Tensor, m: torch.Tensor) -> str:
        candidates = (
            (h.mean(1), "the padding is averaged in: sum h * m over the elements (as the given "
                        "sum does) and divide by the number of REAL elements, m.sum(dim=1)."),
            ((h * m).sum(1) / h.shape[1],
             "divide by the number of REAL elements of each set, m.sum(dim=1) (shape (batch, "
             "1)), not by n = h.shape[1]."),
            ((h * m).sum(1) / m.sum(),
             "divide each set by ITS number of REAL elements, m.sum(dim=1): m.sum() counts the "
             "elements of the whole batch."),
        )
        for wrong, hint in candidates:
            if torch.allclose(out, wrong, atol=1e-5):
                return hint
        return "divide the masked sum by the number of REAL elements (mask.sum), not by n."

    def max_hint(out: torch.Tensor, h: torch.Tensor, m: torch.Tensor) -> str:
        if torch.allclose(out, (h * m).max(1).values, atol=1e-5):
            return ("padding set to 0 wins the max when every real feature is negative: fill it "
                    "with -inf instead, h.masked_fill(~m, float('-inf')), before the max.")
        if torch.allclose(out, h.max(1).values, atol=1e-5):
            return ("the padding takes part in the max: fill it with -inf first, "
                    "h.masked_fill(~m, float('-inf')).")
        return ("padding must never be the maximum: fill it with -inf before the max "
                "(0 is larger than negative features).")

    def body(c: _Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            h = torch.randn(4, 6, 3) - 3.0          # every feature negative: padding must lose
        mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0],
                             [0, 0, 0, 1, 1, 1], [1, 0, 1, 0, 1, 0]], dtype=torch.bool)
        m = mask.unsqueeze(-1)
        real = [h[i][mask[i]] for i in range(4)]
        broadcast = ("Keep a dimension of size 1 for the features in the counts: "
                     "m.sum(dim=1) with m = mask.unsqueeze(-1), or "
                     "mask.sum(dim=1, keepdim=True), has shape (batch, 1).")
        for how, expected in (("mean", [r.mean(0) for r in real]),
                              ("max", [r.max(0).values for r in real])):
            call = f"pool(h, mask, {how!r})"
            out = _call_tensor_fn(pool, (h, mask, how), call, broadcast)
            problem = _tensor_output_hint(out, call, (4, 3), h.dtype,
                                          "Reduce over the elements, dim=1.")
            c.expect(problem is None, problem)
            ok = all(torch.allclose(out[i], expected[i], atol=1e-5) for i in range(4))
            hint = "" if ok else mean_hint(out, h, m) if how == "mean" else max_hint(out, h, m)
            c.expect(ok, f"{how} pooling is wrong on padded sets: {hint}")
            perm = torch.randperm(6)
            c.expect(torch.allclose(pool(h[:, perm], mask[:, perm], how), out, atol=1e-5),
                     f"{how} pooling should not depend on the order of the elements.")

    _run("pool", pool, body)


def check_aggregate(aggregate: Callable[..., object]) -> None:
    """Self-check for Lab 08's ``aggregate(parts, sizes, how)``: g(f(X_1), ...) == f(X)."""
    import torch

    def body(c: _Checker) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            h = torch.randn(2, 30, 4)
        sizes = [12, 3, 15]
        chunks = h.split(sizes, dim=1)
        whole = {"sum": h.sum(1), "mean": h.mean(1), "max": h.max(1).values}
        parts = {"sum": [x.sum(1) for x in chunks], "mean": [x.mean(1) for x in chunks],
                 "max": [x.max(1).values for x in chunks]}
        means = torch.stack(parts["mean"])
        weighted = (torch.tensor(sizes, dtype=h.dtype).view(-1, 1, 1) * means).sum(0)
        hints = {"sum": "the sum of a set is the sum of the chunks' sums.",
                 "mean": "weight each chunk's mean by its size: sum(n_j * mean_j) / sum(n_j); "
                         "a plain mean of the means is wrong when chunks differ in size.",
                 "max": "the maximum of a set is the maximum of the chunks' maxima."}
        broadcast = ("sizes holds one number per chunk: to weight the stacked parts (chunks, "
                     "batch, features), make it a (chunks, 1, 1) tensor, "
                     "torch.as_tensor(sizes, dtype=stacked.dtype).view(-1, 1, 1).")
        reduce = ("Stack the chunks' encodings, torch.stack(parts) of shape (chunks, batch, "
                  "features), and reduce over the chunks, dim=0 (torch.cat would mix the "
                  "chunks with the batch).")
        for how in ("sum", "mean", "max"):
            call = f"aggregate(parts, sizes, {how!r})"
            out = _call_tensor_fn(aggregate, (parts[how], sizes, how), call, broadcast)
            problem = _tensor_output_hint(out, call, tuple(whole[how].shape), h.dtype, reduce)
            c.expect(problem is None, problem)
            hint = hints[how]
            if how == "mean" and torch.allclose(out, weighted, atol=1e-5):
                hint = ("you weighted each chunk's mean by its size; now divide by the total "
                        "number of elements, sum(sizes).")
            c.expect(torch.allclose(out, whole[how], atol=1e-5), f"{how}: {hint}")

    _run("aggregate", aggregate, body)


# --- Labs 05-06: removing the nonlinearity; symmetric vectors ---


def check_exact_sum(set_exact_sum: Callable[..., object], SumDeepSet: type) -> None:
    """Self-check for Lab 05's ``set_exact_sum(model)``: exact sums at every cardinality."""
    import torch
    from torch import nn

    def body(c: _Checker) -> None:
        for hidden in (1, 4):
            model = SumDeepSet(hidden=hidden)
            out = set_exact_sum(model)
            c.expect(out is None or out is model,
                     "set_exact_sum should change the given model in place (and return it or "
                     "nothing), not build a new one.")
            c.expect(any(isinstance(m, nn.ReLU) for m in model.modules()),
                     "keep the architecture: phi must still end in its ReLU; only set the "
                     "numbers in the weights and biases.")
            with torch.random.fork_rng():
                torch.manual_seed(1)
                for card in (1, 7, 100, 1000):
                    x = torch.randint(1, 11, (8, card, 1)).float()
                    with torch.no_grad():
                        pred = model(x).reshape(-1)
                    c.expect(pred.shape == (8,),
                             f"model(x) should give one prediction per set, got shape "
                             f"{tuple(pred.shape)}.")
                    c.expect(torch.equal(pred, x.sum(dim=(1, 2))),
                             f"with hidden={hidden}, sets of {card} digits are not summed "
                             "exactly. phi should return x itself in one unit (weight 1, "
                             "bias 0) and 0 in every other unit (weights and biases 0); rho "
                             "should read that unit with weight 1 and bias 0.")
                x = torch.randint(1, 11, (8, 5, 1)).float()
            padded = torch.cat([torch.zeros(8, 20, 1), x], dim=1)
            with torch.no_grad():
                c.expect(torch.equal(model(padded).reshape(-1), model(x).reshape(-1)),
                         "zeros of padding change the prediction: phi(0) must be 0 in every "
                         "unit (check the biases).")

    _run("set_exact_sum", set_exact_sum, body)


def check_make_pairs(make_pairs: Callable[..., object]) -> None:
    """Self-check for Lab 06's ``make_pairs(N)``: balanced sets {x, -x} labelled by |x|."""
    import torch

    def body(c: _Checker) -> None:
        out = make_pairs(400)
        c.expect(isinstance(out, tuple) and len(out) == 2, "make_pairs should return (X, y).")
        X, y = out
        c.expect(_is_float32_tensor(X) and tuple(X.shape) == (400, 2, 2),
                 f"X should be a float32 tensor of shape (N, 2, 2) = (400, 2, 2): N sets of 2 "
                 f"vectors with 2 coordinates; got {getattr(X, 'dtype', type(X).__name__)} "
                 f"{tuple(getattr(X, 'shape', ()))}.")
        c.expect(_is_float32_tensor(y) and tuple(y.shape) == (400, 1),
                 "y should be a float32 tensor of shape (N, 1) = (400, 1).")
        c.expect(bool(((y == 0) | (y == 1)).all()), "y should hold the classes 0.0 and 1.0.")
        c.expect(int((y == 1).sum()) == 200, "exactly half of the sets should be of class 1.")
        c.expect(torch.allclose(X[:, 1], -X[:, 0]),
                 "the second vector of every set should be minus the first: {x, -x}.")
        r = X[:, 0].norm(dim=1)
        for k, (low, high) in ((0, (0.25, 1.0)), (1, (1.25, 2.0))):
            rk = r[y[:, 0] == k]
            c.expect(len(rk) > 0 and bool((rk >= low - 1e-5).all() and (rk <= high + 1e-5).all()),
                     f"the norm |x| of class {k} should lie in [{low}, {high}].")
        quadrants = {(bool(a > 0), bool(b > 0)) for a, b in X[:, 0].tolist()}
        c.expect(len(quadrants) == 4,
                 "the angle of x should be uniform over the full circle: x should fall in all "
                 "four quadrants (draw an angle in [0, 2 pi) and use cos and sin).")
        c.expect(len(torch.unique(r)) > 300, "draw a new norm for every set.")
        X2, _ = make_pairs(400)
        c.expect(not torch.equal(X, X2), "two calls should draw different sets.")
        c.expect(_raises_value_error(make_pairs, 7),
                 "an odd N cannot be balanced: raise a ValueError that says so.")

    _run("make_pairs", make_pairs, body)
