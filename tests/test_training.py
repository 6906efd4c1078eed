"""Training on padded digit sets, loss history and checkpoints (Lab 02)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labcode.data import create_train_dataset
from labcode.models import DeepSets, LSTMBaseline
from labcode.training import load_checkpoint, make_batch, save_checkpoint, train


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
    torch.manual_seed(0)
    model = DeepSets(11, 4, 4)
    before = [p.detach().clone() for p in model.parameters()]
    train(model, X, y, epochs=1, lr=0.1, final_lr=1e-12, progress=False)
    assert all(torch.allclose(a, b, atol=1e-8) for a, b in zip(before, model.parameters(),
                                                                strict=True))


def test_no_progress_bar_when_asked(small_data, capsys):
    X, y = small_data
    train(DeepSets(11, 2, 2), X[:100], y[:100], epochs=1, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_the_batch_function_is_checked(small_data):
    X, y = small_data

    def float_batch(X, y, idx, device):
        return torch.as_tensor(X[idx], dtype=torch.float32), torch.as_tensor(y[idx]).float()

    with pytest.raises(ValueError, match="batch_fn: x_batch must be a LongTensor"):
        train(DeepSets(11, 2, 2), X, y, epochs=1, batch_fn=float_batch, progress=False)
    with pytest.raises(TypeError, match="tuple of two tensors"):
        train(DeepSets(11, 2, 2), X, y, epochs=1, batch_fn=lambda *a: None, progress=False)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"epochs": 0}, ValueError, "epochs must be >= 1"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"lr": -1.0}, ValueError, "lr must be a positive number"),
        ({"final_lr": 0.0}, ValueError, "final_lr must be a positive number"),
        ({"batch_fn": "make_batch"}, TypeError, "batch_fn must be a function"),
    ],
)
def test_train_rejects_bad_arguments(small_data, kwargs, error, match):
    X, y = small_data
    with pytest.raises(error, match=match):
        train(DeepSets(11, 2, 2), X, y, progress=False, **kwargs)


def test_train_rejects_bad_data(small_data):
    X, y = small_data
    with pytest.raises(ValueError, match="2-D integer array"):
        train(DeepSets(11, 2, 2), X.astype(float), y, progress=False)
    with pytest.raises(ValueError, match="one target per row"):
        train(DeepSets(11, 2, 2), X, y[:-1], progress=False)
    with pytest.raises(TypeError, match="NumPy arrays"):
        train(DeepSets(11, 2, 2), torch.as_tensor(X), y, progress=False)
    with pytest.raises(TypeError, match="nn.Module"):
        train(lambda x: x, X, y, progress=False)


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
        assert load_checkpoint(fresh, path) is fresh
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


def test_missing_and_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(DeepSets(), tmp_path / "nothing.pt")
    torch.save(torch.zeros(3), tmp_path / "tensor.pt")
    with pytest.raises(ValueError, match="not a checkpoint written by save_checkpoint"):
        load_checkpoint(DeepSets(), tmp_path / "tensor.pt")


class _Payload:
    """Any pickled object that is not a tensor or a plain container."""


def test_loading_never_unpickles_arbitrary_objects(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {}, "payload": _Payload()}, path)
    with pytest.raises(ValueError, match="refuses to unpickle"):
        load_checkpoint(DeepSets(), path)
