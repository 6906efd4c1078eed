"""Self-checks of Lab 03: the 1/3-vs-1/5 data, the DeepSet, training, parameter counts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.checks.api import (
    Checker,
    CheckFailed,
    construct,
    is_float32_tensor,
    raises_value_error,
    run_check,
    same_after_seed,
)


def check_make_data(make_data: Callable[..., object]) -> None:
    """Self-check for Lab 03's ``make_data``: shapes, balance, random subsets, torch's RNG."""
    import torch

    def body(c: Checker) -> None:
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
        c.expect(is_float32_tensor(X) and is_float32_tensor(y),
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
        for cls in (zero, ~zero):
            patterns = {tuple(row) for row in (x[cls] != 0).int().tolist()}
            c.expect(len(patterns) > 50,
                     "draw a new random subset for every instance; yours repeat the same few "
                     f"patterns ({len(patterns)} different ones among {int(cls.sum())} "
                     f"instances of class {int(labels[cls][0])}).")
        X2, _ = make_data(n)
        c.expect(not torch.equal(X, X2), "two calls should give two different random draws.")
        c.expect(same_after_seed(lambda: make_data(100)[0]),
                 "after the same torch.manual_seed, make_data drew different data: draw with "
                 "torch's random functions (torch.rand, torch.randperm), not NumPy's or "
                 "Python's random, so that seed_everything makes every run reproducible.")
        X3, y3 = make_data(2)
        c.expect(tuple(X3.shape) == (2, 10, 1) and sorted(y3[:, 0].tolist()) == [0.0, 1.0],
                 "make_data(2) should give one instance of each class.")
        c.expect(raises_value_error(make_data, 7),
                 "make_data(7) cannot be balanced: raise a ValueError that says N must be even.")
        c.expect(raises_value_error(make_data, 0),
                 "make_data(0) should raise a ValueError (N must be at least 2).")

    state = np.random.get_state()  # a NumPy-based answer must not move the notebook's draws
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            run_check("make_data", make_data, body)
    finally:
        np.random.set_state(state)


def check_deepset(DeepSet: type) -> None:
    """Self-check for Lab 03's ``DeepSet()``: shapes, invariance, sum, phi's and rho's layers."""
    import torch
    from torch import nn

    from labcode.symmetry import invariance_deviation

    def body(c: Checker) -> None:
        c.expect(isinstance(DeepSet, type),
                 "pass the class itself, check_deepset(DeepSet), not an instance DeepSet().")
        model = construct(DeepSet)
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
        x_before = x.clone()
        with torch.no_grad():
            out = model(x)
            c.expect(torch.equal(x, x_before),
                     "forward changed its input x in place: never assign into x (x[...] = ..., "
                     "x.mul_(...)); build new tensors from it instead.")
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
        _check_deepset_layers(c, DeepSet)

    with torch.random.fork_rng():
        torch.manual_seed(0)
        run_check("DeepSet", DeepSet, body)


_H = 5  # the hidden width of DeepSet() (its default hidden_dim)
_FILL = 0.3  # every parameter of phi or rho set to this number: their outputs have a closed form


def _layers(x: object, widths: int, n_hidden: int, act: Callable[[object], object]) -> object:
    """An MLP with every weight and bias equal to _FILL: n_hidden layers of ``widths`` units
    (activation ``act``), then one output; each layer's units are equal, so a unit sums
    ``widths`` equal inputs."""
    a, fan_in = _FILL, 1
    for _ in range(n_hidden):
        x = act(a * fan_in * x + a)
        fan_in = widths
    return a * fan_in * x + a


def _check_hidden_dim_used(c: Checker, DeepSet: type) -> None:
    """DeepSet(hidden_dim=3) has the parameter counts of hidden layers 3 wide (phi and rho)."""
    import inspect

    h = 3
    sizes = {"hidden_dim": h}
    try:
        if "rho_hidden_dim" in inspect.signature(DeepSet).parameters:
            sizes["rho_hidden_dim"] = h  # labcode's DeepSet sizes rho on its own
    except (TypeError, ValueError):  # no signature to read: build with hidden_dim only
        pass
    try:
        model = construct(DeepSet, **sizes)
    except TypeError as error:
        raise CheckFailed("keep the signature DeepSet(hidden_dim=5): DeepSet(hidden_dim=3) raised "
                          f"TypeError: {error}") from None
    n_phi = sum(p.numel() for p in model.phi.parameters())  # type: ignore[attr-defined]
    n_rho = sum(p.numel() for p in model.rho.parameters())  # type: ignore[attr-defined]
    want_phi, want_rho = (1 * h + h) + (h * h + h) + (h + 1), (1 * h + h) + (h + 1)
    c.expect((n_phi, n_rho) == (want_phi, want_rho),
             f"DeepSet(hidden_dim={h}) should have {want_phi} parameters in phi and {want_rho} "
             f"in rho; yours has {n_phi} and {n_rho}: use hidden_dim for the width of every "
             "hidden layer (nn.Linear(1, hidden_dim), ...) instead of a fixed 5.")


def _check_deepset_layers(c: Checker, DeepSet: type) -> None:
    """phi = Linear(1, h), Tanh, Linear(h, h), Tanh, Linear(h, 1); rho = Linear(1, h), Tanh,
    Linear(h, 1) (+ Sigmoid): parameter counts, then outputs with every parameter set to _FILL."""
    import torch

    h = _H

    def ident(t: object) -> object:
        return t

    model = construct(DeepSet)
    n_phi = sum(p.numel() for p in model.phi.parameters())
    n_rho = sum(p.numel() for p in model.rho.parameters())
    want_phi, want_rho = (1 * h + h) + (h * h + h) + (h + 1), (1 * h + h) + (h + 1)
    layers = "Linear(1, hidden_dim), Tanh, Linear(hidden_dim, hidden_dim), Tanh, " \
             "Linear(hidden_dim, 1)"
    phi_hint = {3 * h + 1: "phi has ONE hidden layer; it needs two: " + layers + ".",
                2 * h * h + 5 * h + 1: "phi has three hidden layers; it needs two: "
                                       + layers + "."}
    c.expect(n_phi == want_phi, phi_hint.get(
        n_phi, f"phi should be {layers}: (1*5 + 5) + (5*5 + 5) + (5 + 1) = {want_phi} "
               f"parameters for hidden_dim=5; yours has {n_phi}."))
    rho_hint = {2: "rho has no hidden layer: it needs Linear(1, hidden_dim), Tanh, "
                   "Linear(hidden_dim, 1), then nn.Sigmoid()."}
    c.expect(n_rho == want_rho, rho_hint.get(
        n_rho, "rho should be Linear(1, hidden_dim), Tanh, Linear(hidden_dim, 1), Sigmoid: "
               f"(1*5 + 5) + (5 + 1) = {want_rho} parameters for hidden_dim=5; yours has "
               f"{n_rho}."))
    x = torch.tensor([-2.0, -0.5, 0.0, 0.2, 1 / 3, 1.0, 3.0])
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(_FILL)
        got = model.phi(x.view(1, -1, 1)).reshape(-1)
        phi_forms = {
            "ok": _layers(x, h, 2, torch.tanh),
            "phi looks affine: put an nn.Tanh() after each of its two hidden Linear layers.":
                _layers(x, h, 2, ident),
            "phi uses ReLU: the exercise asks for nn.Tanh() after each hidden layer.":
                _layers(x, h, 2, torch.relu),
            "phi ends with an activation: its last layer is Linear(hidden_dim, 1), with "
            "nothing after it (the sum comes next).": torch.tanh(_layers(x, h, 2, torch.tanh)),
        }
        found = next((k for k, v in phi_forms.items() if torch.allclose(got, v, atol=1e-4)),
                     None)
        c.expect(found == "ok", found or f"phi should be {layers}, in this order.")
        s = x.view(-1, 1)
        out = model.rho(s).reshape(-1)
        z = _layers(x, h, 1, torch.tanh)
        rho_forms = {
            "sigmoid": torch.sigmoid(z), "logit": z,
            "rho's hidden layer has no activation: put nn.Tanh() after Linear(1, "
            "hidden_dim).": torch.sigmoid(_layers(x, h, 1, ident)),
            "rho has a Tanh after its last Linear layer: the sigmoid should read the "
            "Linear(hidden_dim, 1) output directly.": torch.sigmoid(torch.tanh(z)),
            "rho uses ReLU: the exercise asks for nn.Tanh() in its hidden layer.":
                torch.sigmoid(_layers(x, h, 1, torch.relu)),
        }
        found = next((k for k, v in rho_forms.items() if torch.allclose(out, v, atol=1e-4)),
                     None)
        c.expect(found in ("sigmoid", "logit"), found or
                 "rho should be Linear(1, hidden_dim), Tanh, Linear(hidden_dim, 1), "
                 "nn.Sigmoid(), in this order.")
        X = torch.rand(16, 10, 1) * (torch.rand(16, 10, 1) < 0.4)
        pooled = model.rho(model.phi(X).sum(dim=1))
        once = pooled if found == "sigmoid" else torch.sigmoid(pooled)
        c.expect(torch.allclose(model(X), once, atol=1e-6),
                 "the output went through the sigmoid twice: rho already ends with "
                 "nn.Sigmoid(), so forward returns rho(pooled) as it is."
                 if found == "sigmoid" and torch.allclose(model(X), torch.sigmoid(once),
                                                          atol=1e-6)
                 else "forward should return rho(phi(x).sum(dim=1)), nothing more.")
    _check_hidden_dim_used(c, DeepSet)


def check_train(train: Callable[..., object]) -> None:
    """Self-check for Lab 03's ``train``: fresh batches, zero_grad, BCE, Adam with lr, history."""
    import numbers

    import torch
    from torch import nn

    from labcode.thirds import mlp

    def instrument(model: nn.Module) -> tuple[dict, list]:
        """Record every forward (input, output) and whether each backward starts from a
        zeroed gradient (the new gradient equals .grad once it is accumulated)."""
        seen: dict = {"calls": [], "stale": 0, "grads": {}}
        handles = [model.register_forward_hook(
            lambda m, args, out: seen["calls"].append((args[0].detach().clone(),
                                                       out.detach().clone())))]
        for i, p in enumerate(model.parameters()):
            def fresh(g: torch.Tensor, i: int = i) -> None:
                seen["grads"][i] = g.detach().clone()

            def accumulated(p: torch.Tensor, i: int = i) -> None:
                if not torch.allclose(p.grad, seen["grads"][i], atol=1e-7):
                    seen["stale"] += 1

            handles += [p.register_hook(fresh), p.register_post_accumulate_grad_hook(accumulated)]
        return seen, handles

    def call(model: nn.Module, **kwargs: object) -> object:
        try:
            return train(model, progress=False, **kwargs)
        except TypeError as error:
            if "progress" not in str(error) and "lr" not in str(error) \
                    and "batch_size" not in str(error):
                raise
            raise CheckFailed(
                "keep the signature train(model, steps=4000, batch_size=200, lr=1e-3, "
                "progress=True): the check calls it with progress=False and other "
                f"values; that call raised TypeError: {error}") from None

    def body(c: Checker) -> None:
        steps = 200
        model = mlp(hidden_dims=(32, 32))
        before = [p.detach().clone() for p in model.parameters()]
        seen, handles = instrument(model)
        try:
            out = call(model, steps=steps)
        finally:
            for handle in handles:
                handle.remove()
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
        inputs = {tuple(x.flatten().tolist()) for x, _ in seen["calls"]}
        c.expect(len(inputs) >= 0.9 * steps,
                 f"the model saw {len(inputs)} different batches in {steps} steps: draw a fresh "
                 "batch, X, y = make_data(batch_size), inside the loop, at every step.")
        c.expect(seen["stale"] == 0,
                 "the gradients add up from one step to the next: call optimizer.zero_grad() "
                 "at every step, before loss.backward().")
        X0, p0 = seen["calls"][0]
        y0 = ((X0 != 0).sum(dim=1) == 5).float()  # class 1: five objects equal to 1/5
        losses = {"bce": nn.functional.binary_cross_entropy(p0, y0).item(),
                  "mse": nn.functional.mse_loss(p0, y0).item(),
                  "logits": nn.functional.binary_cross_entropy_with_logits(p0, y0).item()}
        close = {k for k, v in losses.items() if abs(history[0] - v) < 1e-4}
        c.expect("bce" in close,
                 "the loss is the mean squared error: use the binary cross-entropy, "
                 "nn.BCELoss(), on the model's probabilities." if "mse" in close else
                 "the model already outputs probabilities: use nn.BCELoss(), not "
                 "BCEWithLogitsLoss (it would apply a second sigmoid)." if "logits" in close else
                 "history[0] should be the BCE loss of the first batch, loss.item() with "
                 "loss = nn.BCELoss()(model(X), y).")
        model = mlp(hidden_dims=(8,))
        before = [p.detach().clone() for p in model.parameters()]
        seen, handles = instrument(model)
        try:
            call(model, steps=3, batch_size=50, lr=0.0)
        finally:
            for handle in handles:
                handle.remove()
        sizes = sorted({x.shape[0] for x, _ in seen["calls"]})
        c.expect(sizes == [50],
                 f"with batch_size=50 every batch should hold 50 instances; the model saw "
                 f"batches of {sizes}: call make_data(batch_size).")
        c.expect(all(torch.equal(a, b) for a, b in zip(before, model.parameters(),
                                                       strict=True)),
                 "with lr=0 the parameters changed: pass the argument to the optimiser, "
                 "torch.optim.Adam(model.parameters(), lr=lr).")
        model = mlp(hidden_dims=(8,))
        before = [p.detach().clone() for p in model.parameters()]
        seen, handles = instrument(model)
        try:
            call(model, steps=1, lr=0.01)
        finally:
            for handle in handles:
                handle.remove()
        # Adam's first step moves every parameter whose gradient is not ~0 by lr exactly.
        grads = [seen["grads"].get(i) for i in range(len(before))]
        moves = [(b - a).abs()[g.abs() > 1e-4] for a, b, g in
                 zip(before, model.parameters(), grads, strict=True) if g is not None]
        moves = torch.cat([m.flatten() for m in moves])
        c.expect(len(moves) > 0 and bool(((moves - 0.01).abs() < 1e-3).all()),
                 "the first optimiser step did not move the parameters the way Adam does "
                 "(by lr each): use torch.optim.Adam(model.parameters(), lr=lr).")
        model = mlp(hidden_dims=(8,))
        snapshots: list[list[torch.Tensor]] = []
        handle = model.register_forward_pre_hook(
            lambda m, args: snapshots.append([p.detach().clone() for p in m.parameters()]))
        try:
            call(model, steps=3, lr=0.01)
        finally:
            handle.remove()
        final = [p.detach().clone() for p in model.parameters()]
        previous = next((snap for snap in reversed(snapshots)
                         if any(not torch.equal(a, b) for a, b in zip(snap, final, strict=True))),
                        None)
        if previous is not None:  # the last step's moves: Adam's running averages vary them
            moves = torch.cat([(a - b).abs().flatten() for a, b in zip(final, previous,
                                                                        strict=True)])
            moves = moves[moves > 1e-6]
            by_lr = float(((moves - 0.01).abs() < 1e-4).float().mean()) if len(moves) else 0.0
            c.expect(by_lr < 0.9,
                     "after the first step, every parameter still moved by exactly lr, as if "
                     "Adam started afresh at every step: create the optimiser ONCE, before "
                     "the loop, so that it keeps its running averages from step to step.")
        first, last = float(np.mean(history[:40])), float(np.mean(history[-40:]))
        c.expect(last < first - 0.02,
                 f"the loss should go down within {steps} steps of Adam (lr=1e-3): mean "
                 f"{first:.3f} over the first 40 steps, {last:.3f} over the last 40. Draw a "
                 "fresh batch with make_data every step and use BCELoss.")

    with torch.random.fork_rng():
        torch.manual_seed(0)
        run_check("train", train, body)


def check_count_params(count_params: Callable[..., object]) -> None:
    """Self-check for Lab 03's ``count_params``: each parameter once (shared too), no buffers."""
    import numbers

    import torch
    from torch import nn

    def body(c: Checker) -> None:
        layer = nn.Linear(3, 4)
        before = [(p.detach().clone(), p.requires_grad) for p in layer.parameters()]
        n = count_params(layer)
        c.expect(isinstance(n, numbers.Integral),
                 f"return a plain Python int, not {type(n).__name__} (use int(...) if needed).")
        c.expect(isinstance(n, int) and not isinstance(n, bool),
                 f"return a plain Python int, not {type(n).__name__} (NumPy's sums give NumPy "
                 "integers): wrap it in int(...), or sum with Python's sum().")
        after = list(layer.parameters())
        c.expect(len(after) == len(before) and all(
                     torch.equal(p, q) and p.requires_grad == g
                     for p, (q, g) in zip(after, before, strict=True)),
                 "count_params changed the model (its parameters or their requires_grad): "
                 "only read model.parameters().")
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
        tied = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
        tied[1].weight = tied[0].weight  # one weight matrix shared by two layers
        n = count_params(tied)
        c.expect(n == 15, "a parameter shared by two layers counts once: 9 weights + 3 + 3 "
                          f"biases = 15 here; got {n}. model.parameters() lists each once.")
        n = count_params(nn.BatchNorm1d(4))
        c.expect(n == 8, "count the parameters only (nn.BatchNorm1d(4) has 4 weights and 4 "
                         f"biases = 8), not its buffers (running statistics); got {n}. "
                         "model.state_dict() holds both: use model.parameters().")

    with torch.random.fork_rng():  # the layers' initial weights: not the notebook's draws
        torch.manual_seed(0)
        run_check("count_params", count_params, body)
