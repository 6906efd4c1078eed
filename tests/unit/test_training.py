"""Training on padded digit sets, loss history and checkpoints (Lab 02).

``train`` checks only what students write (their model, what their batch function and their
model return on the first batch, the checkpoint files they load); the settings come from the
notebooks and are not validated, so no test here passes bad settings.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from labcode.digits import DeepSets, LSTMBaseline, create_train_dataset
from labcode.training import load_checkpoint, make_batch, save_checkpoint, train
from tests.conftest import EPS32


@pytest.fixture(scope="module")
def small_data():
    return create_train_dataset(n_train=2000, seed=0)


def test_make_batch_dtypes_shapes_and_rows(small_data):
    X, y = small_data
    idx = np.array([5, 0, 1999])
    x_batch, y_batch = make_batch(X, y, idx, torch.device("cpu"))
    assert x_batch.dtype == torch.long and x_batch.shape == (3, 10)
    assert y_batch.dtype == torch.float32 and y_batch.shape == (3,)
    assert np.array_equal(x_batch.numpy(), X[idx]) and np.array_equal(y_batch.numpy(), y[idx])
    assert all(t.device.type == "meta" for t in make_batch(X, y, idx, torch.device("meta")))
    assert all(t.device.type == "cpu" for t in make_batch(X, y, idx, "cpu"))


def test_a_tiny_training_run_reduces_the_loss(small_data):
    X, y = small_data
    torch.manual_seed(0)
    model = DeepSets(11, 8, 8)
    history = train(model, X, y, epochs=4, batch_size=64, lr=1e-2, progress=False)
    assert len(history.epoch_losses) == 4
    assert history.batches_per_epoch == 32  # ceil(2000 / 64)
    assert len(history.batch_losses) == 4 * 32
    assert history.epoch_losses[-1] < 0.3 * history.epoch_losses[0]
    assert not model.training  # left in evaluation mode
    assert history.seconds > 0


def test_train_is_the_loop_of_lab_02(small_data):
    """The pseudo-code of Lab 02, section 3, written out: the same losses, bit for bit."""
    X, y = small_data[0][:500], small_data[1][:500]
    epochs, batch_size, lr, final_lr, seed = 2, 64, 1e-2, 1e-3, 4
    torch.manual_seed(0)
    model = DeepSets(11, 8, 8)
    optimizer, loss_fn = torch.optim.Adam(model.parameters(), lr), nn.L1Loss()
    rng, batch_losses, epoch_losses = np.random.default_rng(seed), [], []
    for epoch in range(epochs):
        if epoch == epochs - 1:
            optimizer.param_groups[0]["lr"] = final_lr
        order = rng.permutation(len(X))
        losses = []
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            x_batch, y_batch = make_batch(X, y, idx, "cpu")
            loss = loss_fn(model(x_batch), y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append((loss.item(), len(idx)))
        batch_losses += [v for v, _ in losses]
        epoch_losses.append(sum(v * n for v, n in losses) / len(X))
    torch.manual_seed(0)
    history = train(DeepSets(11, 8, 8), X, y, epochs=epochs, batch_size=batch_size, lr=lr,
                    final_lr=final_lr, seed=seed, progress=False)
    assert history.batch_losses == batch_losses
    assert history.epoch_losses == epoch_losses
    assert history.batches_per_epoch == 8  # ceil(500 / 64): the last batch holds 52 rows


def test_training_is_reproducible(small_data):
    X, y = small_data
    runs = []
    for _ in range(2):
        torch.manual_seed(3)
        model = LSTMBaseline(11, 4, 4)
        runs.append(train(model, X[:300], y[:300], epochs=1, batch_size=50, progress=False,
                          seed=5).batch_losses)
    assert runs[0] == runs[1]


def test_final_lr_is_used_for_the_last_epoch(small_data):
    X, y = small_data
    moved = []
    for final_lr in (1e-12, None):  # None: lr = 0.1 in the last (only) epoch too
        torch.manual_seed(0)
        model = DeepSets(11, 4, 4)
        before = [p.detach().clone() for p in model.parameters()]
        history = train(model, X, y, epochs=1, lr=0.1, final_lr=final_lr, progress=False)
        moved.append(max(float((a - b).abs().max()) for a, b in zip(before, model.parameters(),
                                                                     strict=True)))
    scale = max(float(p.abs().max()) for p in before)
    # Adam moves a parameter by about lr per step (m / sqrt(v) is of order 1): at 1e-12, by
    # at most batches * 1e-12 (x10 margin), which float32 rounds to within eps32 of its size
    assert moved[0] <= 10 * history.batches_per_epoch * 1e-12 + EPS32 * scale
    assert moved[1] > 1e-2  # lr = 0.1: moved by about 0.1 a step


def test_no_progress_bar_when_asked(small_data, capsys):
    X, y = small_data
    train(DeepSets(11, 2, 2), X[:100], y[:100], epochs=1, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_the_batch_function_and_the_model_are_called_once_per_batch(small_data):
    """Checking the first batch costs no extra call: a batch function or a model with a state
    (a counter, dropout's random draws) sees exactly the calls of the plain loop."""
    X, y = small_data[0][:130], small_data[1][:130]
    calls = []

    def counting_batch(X, y, idx, device):
        calls.append(len(idx))
        return make_batch(X, y, idx, device)

    model = DeepSets(11, 2, 2)
    forwards = []
    model.register_forward_hook(lambda module, args, out: forwards.append(len(out)))
    train(model, X, y, epochs=2, batch_size=50, batch_fn=counting_batch, progress=False)
    assert calls == forwards == [50, 50, 30] * 2


def float_batch(X, y, idx, device):
    return torch.as_tensor(X[idx], dtype=torch.float32), torch.as_tensor(y[idx]).float()


def int_targets(X, y, idx, device):
    return torch.as_tensor(X[idx]), torch.as_tensor(y[idx])


def column_targets(X, y, idx, device):
    return torch.as_tensor(X[idx]), torch.as_tensor(y[idx, None], dtype=torch.float32)


def on_meta(X, y, idx, device):
    return make_batch(X, y, idx, "meta")


@pytest.mark.parametrize("batch_fn, error, match", [
    (float_batch, ValueError, r"batch_fn: x_batch must be a LongTensor of shape \(64, 10\)"),
    (int_targets, ValueError, "batch_fn: y_batch must be a float32 tensor"),
    (column_targets, ValueError, r"y_batch must be a float32 tensor of shape \(64,\)"),
    (on_meta, ValueError, "must be on the model's device"),
    (lambda X, y, idx, device: (X[idx], y[idx]), TypeError, "tuple of two tensors"),
    (lambda X, y, idx, device: list(make_batch(X, y, idx)), TypeError, "tuple of two tensors"),
    (lambda X, y, idx, device: None, TypeError, "tuple of two tensors"),
])
def test_what_the_batch_function_returns_is_checked(small_data, batch_fn, error, match):
    X, y = small_data
    with pytest.raises(error, match=match):
        train(DeepSets(11, 2, 2), X, y, epochs=1, batch_fn=batch_fn, progress=False)


class Returns(nn.Module):
    """A model with one parameter whose forward returns ``out(x)``."""

    def __init__(self, out):
        super().__init__()
        self.w, self.out = nn.Parameter(torch.ones(1)), out

    def forward(self, x):
        return self.out(x)


# Each model is built by the test (a factory here): a parametrize list is evaluated at
# collection time, where building nn.Linear would draw from the global generator.
@pytest.mark.parametrize("make_model, error, match", [
    (lambda: lambda x: x.sum(1), TypeError, "must be a torch.nn.Module, got function"),
    (lambda: DeepSets, TypeError, "must be a torch.nn.Module, got type"),  # the class itself
    (nn.Identity, ValueError, "no parameters to train"),
    (lambda: nn.Linear(4, 1), ValueError, "could not be applied to a LongTensor batch of digits"),
    (lambda: Returns(lambda x: x.float().sum(1, keepdim=True)), ValueError,
     r"returned shape \(64, 1\) for a batch whose targets have shape \(64,\)"),
    (lambda: Returns(lambda x: x.sum(1)), TypeError, "must return a float tensor of predictions"),
    (lambda: Returns(lambda x: None), TypeError, "must return a float tensor of predictions"),
], ids=["function", "class", "Identity", "Linear", "column", "long", "None"])
def test_what_the_model_is_and_returns_is_checked(small_data, make_model, error, match):
    X, y = small_data
    model = make_model()
    with pytest.raises(error, match=match):
        train(model, X, y, epochs=1, progress=False)


def test_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    model = DeepSets(11, 8, 4)
    path = save_checkpoint(model, tmp_path / "sub" / "deepsets.pt")
    assert path.is_file()
    torch.manual_seed(1)
    fresh = DeepSets(11, 8, 4)
    x = torch.randint(0, 11, (5, 20))
    with torch.no_grad():
        assert not torch.equal(fresh(x), model(x))
        assert load_checkpoint(fresh, str(path)) is fresh
        assert torch.equal(fresh(x), model(x))
    saved = torch.load(path, weights_only=True)
    assert saved["architecture"] == "DeepSets"


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path):
    path = save_checkpoint(LSTMBaseline(11, 8, 4), tmp_path / "lstm.pt")
    model = DeepSets(11, 8, 4)
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(ValueError, match="holds the parameters of a LSTMBaseline"):
        load_checkpoint(model, path)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_a_checkpoint_with_other_sizes_is_refused(tmp_path):
    path = save_checkpoint(DeepSets(11, 8, 4), tmp_path / "small.pt")
    with pytest.raises(ValueError, match=r"layer sizes differ \(embedding.weight"):
        load_checkpoint(DeepSets(11, 16, 4), path)


def test_checkpoints_need_a_model(tmp_path):
    with pytest.raises(TypeError, match="nn.Module"):
        save_checkpoint(DeepSets, tmp_path / "class.pt")
    path = save_checkpoint(DeepSets(), tmp_path / "model.pt")
    with pytest.raises(TypeError, match="nn.Module"):
        load_checkpoint(DeepSets, path)


@pytest.mark.parametrize("content, match", [
    (torch.zeros(3), "not a checkpoint written by save_checkpoint"),
    ({"state_dict": {"fc2.bias": 1.0}}, "not a checkpoint written by save_checkpoint"),
    (b"", "damaged or not a PyTorch file"),
    (b"not a checkpoint", "not a checkpoint written by save_checkpoint"),
    (b"PK\x03\x04garbage", "not a checkpoint written by save_checkpoint"),
])
def test_missing_and_foreign_files(tmp_path, content, match):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(DeepSets(), tmp_path / "nothing.pt")
    path = tmp_path / "foreign.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)
    with pytest.raises(ValueError, match=match):
        load_checkpoint(DeepSets(), path)


class _Payload:
    """Any pickled object that is not a tensor or a plain container."""


def test_loading_never_unpickles_arbitrary_objects(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {}, "payload": _Payload()}, path)
    with pytest.raises(ValueError, match="refuses to unpickle"):
        load_checkpoint(DeepSets(), path)
