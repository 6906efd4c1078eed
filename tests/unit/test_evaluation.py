"""Accuracy and MAE per cardinality, padding, parameter counts, contributions (Lab 02)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from labcode.digits import (
    DeepSets,
    LSTMBaseline,
    accuracy_and_mae,
    create_test_dataset,
    element_contributions,
    evaluate_by_cardinality,
    left_pad,
    output_bound,
    predict,
    results_table,
    seed_study,
    seed_table,
    token_counts,
)
from labcode.training import TrainSettings, train
from tests.conftest import relative_error


class ExactSum(nn.Module):
    """Adds up the digits: the perfect digit-sum model (padding 0 adds nothing)."""

    def forward(self, x):
        return x.sum(dim=1).float()


class Biased(nn.Module):
    """Adds up the digits with an error of +0.3 per element."""

    def forward(self, x):
        return x.sum(dim=1).float() + 0.3 * x.shape[1]


def test_accuracy_and_mae_by_hand():
    acc, mae = accuracy_and_mae(np.array([2.2, 4.6, 7.0, 9.4, 11.7]), np.array([2, 5, 7, 10, 12]))
    assert acc == pytest.approx(0.8) and mae == pytest.approx(0.3)
    assert isinstance(acc, float) and isinstance(mae, float)
    with pytest.raises(ValueError, match="same non-zero length"):
        accuracy_and_mae(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="same non-zero length"):
        accuracy_and_mae(np.zeros(0), np.zeros(0))


def test_left_pad():
    X = np.array([[4, 5, 1], [2, 9, 9]])
    padded = left_pad(X, 5)
    assert padded.dtype == np.int64
    assert padded.tolist() == [[0, 0, 4, 5, 1], [0, 0, 2, 9, 9]]
    assert np.array_equal(left_pad(X, 3), X)
    with pytest.raises(ValueError, match="shorter length 2"):
        left_pad(X, 2)
    with pytest.raises(ValueError, match="2-D integer array"):
        left_pad(X.astype(float), 5)


def test_predict_matches_the_model_in_any_batch_size():
    torch.manual_seed(0)
    model = DeepSets(11, 8, 4).double()
    model.train()
    X = np.random.default_rng(0).integers(0, 11, size=(25, 6))
    with torch.no_grad():
        direct = model(torch.as_tensor(X)).numpy()
    for batch_size in (1, 7, 1000):
        pred = predict(model, X, batch_size=batch_size)
        assert pred.dtype == np.float64 and pred.shape == (25,)
        # float64: batches of any size agree up to rounding (~1e-16 relative)
        assert relative_error(pred, direct) < 1e-10
    assert model.training  # predict restores the mode it found


def test_evaluation_beyond_the_training_cardinalities():
    X_test, y_test = create_test_dataset(n_per_card=50, cardinalities=[3, 150, 400], seed=0)
    exact = evaluate_by_cardinality(ExactSum(), X_test, y_test)
    assert list(exact) == [3, 150, 400] and all(s.n_sets == 50 for s in exact.values())
    assert all(s.accuracy == 1.0 and s.mae == 0.0 for s in exact.values())
    biased = evaluate_by_cardinality(Biased(), X_test, y_test, max_sets=20)
    scores = list(biased.values())
    assert [s.n_sets for s in scores] == [20, 20, 20]
    assert [s.accuracy for s in scores] == [0.0, 0.0, 0.0]  # 0.9, 45 and 120 too much
    assert [s.mae for s in scores] == pytest.approx([0.9, 45.0, 120.0])
    assert [s.mean_error for s in scores] == pytest.approx([0.9, 45.0, 120.0])
    expected = [float(y[:20].max()) + e for y, e in zip(y_test, [0.9, 45, 120], strict=True)]
    assert [s.max_prediction for s in scores] == pytest.approx(expected)
    assert biased[150].mae == pytest.approx(45.0)  # indexed by cardinality


def test_evaluation_of_real_models_on_sets_larger_than_training():
    X_test, y_test = create_test_dataset(n_per_card=10, cardinalities=[5, 120], seed=0)
    for model in (DeepSets(11, 4, 4), LSTMBaseline(11, 4, 4)):
        r = evaluate_by_cardinality(model, X_test, y_test)
        assert list(r) == [5, 120] and all(0 <= s.accuracy <= 1 for s in r.values())


def test_evaluation_uses_the_given_metric():
    X_test, y_test = create_test_dataset(n_per_card=5, cardinalities=[2], seed=0)
    r = evaluate_by_cardinality(ExactSum(), X_test, y_test, metric_fn=lambda p, t: (0.25, 7.0))
    assert r[2].accuracy == 0.25 and r[2].mae == 7.0


def test_evaluation_rejects_bad_input():
    X_test, y_test = create_test_dataset(n_per_card=5, cardinalities=[2, 3], seed=0)
    with pytest.raises(TypeError, match="lists with one array per cardinality"):
        evaluate_by_cardinality(ExactSum(), X_test[0], y_test[0])
    with pytest.raises(ValueError, match="same length"):
        evaluate_by_cardinality(ExactSum(), X_test, y_test[:1])
    with pytest.raises(ValueError, match=r"y_test\[1\] must hold one target per set"):
        evaluate_by_cardinality(ExactSum(), X_test, [y_test[0], y_test[1][:2]])
    with pytest.raises(ValueError, match=r"X_test\[0\] must be a 2-D integer array"):
        evaluate_by_cardinality(ExactSum(), [X_test[0].astype(float)], y_test[:1])


def test_results_table():
    X_test, y_test = create_test_dataset(n_per_card=5, cardinalities=[5, 10, 15], seed=0)
    results = {"exact": evaluate_by_cardinality(ExactSum(), X_test, y_test),
               "biased": evaluate_by_cardinality(Biased(), X_test, y_test)}
    lines = str(results_table(results)).split("\n")
    assert len(lines) == 4 and "exact acc" in lines[0] and "biased MAE" in lines[0]
    assert lines[1].split() == ["5", "1.00", "0.00", "0.00", "1.50"]
    assert len(str(results_table(results, every=2)).split("\n")) == 3
    results["biased"] = {m + 1: s for m, s in results["biased"].items()}
    with pytest.raises(ValueError, match="same cardinalities"):
        results_table(results)


def test_element_contributions_of_a_deepsets():
    torch.manual_seed(0)
    model = DeepSets(11, 6, 5).double()
    c, b = element_contributions(model)
    with torch.no_grad():
        phi = torch.tanh(model.fc1(model.embedding.weight))  # (11, 5): phi of every token
        expected = (phi @ model.fc2.weight[0]).numpy()
        bias = model.fc2.bias.item()
    # float64: c and b are differences of outputs f = 2c + b, exact up to rounding of their
    # size (~1e-16), hence relative to the largest of |c| and |b|
    scale = max(np.abs(expected).max(), abs(bias))
    assert c.shape == (11,) and np.abs(c - expected).max() < 1e-10 * scale
    assert abs(b - bias) < 1e-10 * scale


def test_element_contributions_refuses_an_lstm():
    torch.manual_seed(0)
    with pytest.raises(ValueError, match="not a sum of per-element contributions"):
        element_contributions(LSTMBaseline(11, 6, 5))


def test_the_lstm_output_bound_holds_on_long_sequences():
    torch.manual_seed(0)
    model = LSTMBaseline(11, 6, 5)
    bound = output_bound(model)
    expected = model.fc.weight.abs().sum().item() + model.fc.bias.abs().item()
    assert bound == pytest.approx(expected)
    pred = predict(model, np.random.default_rng(0).integers(0, 11, size=(50, 400)))
    assert np.all(np.abs(pred) <= bound)
    with pytest.raises(ValueError, match="one output"):
        output_bound(nn.Sequential(nn.Linear(3, 2)))


def test_seed_study_trains_both_models_from_every_seed():
    from labcode.digits import create_train_dataset

    X, y = create_train_dataset(n_train=600, seed=0)
    X_test, y_test = create_test_dataset(n_per_card=50, cardinalities=[10, 20], seed=1)
    settings = TrainSettings(epochs=1, batch_size=100, lr=1e-2)
    rows = seed_study([0, 1], (X, y), (X_test, y_test), settings, cardinalities=[10, 20])
    assert [(r.model, r.seed) for r in rows] == [
        ("DeepSets", 0), ("DeepSets", 1), ("MaskedDeepSets", 0), ("MaskedDeepSets", 1)]
    assert all(set(r.accuracy) == {10, 20} for r in rows)
    assert all(r.p == 0 for r in rows if r.model == "MaskedDeepSets")
    assert all(r.p != 0 for r in rows if r.model == "DeepSets")
    assert rows[0].p != rows[1].p  # the seed changes the model
    again = seed_study([0], (X, y), (X_test, y_test), settings, cardinalities=[10, 20])
    assert again[0].p == rows[0].p  # ... and the same seed gives the same model
    table = str(seed_table(rows)).splitlines()
    assert len(table) == 5 and "M = 10" in table[0] and "20(ē-p)" in table[0]
    assert "10p" in table[0] and max(len(line) for line in table) <= 79
    assert table[3].split()[:2] == ["MaskedDeepSets", "0"]
    with pytest.raises(ValueError, match="cardinality"):
        seed_study([0], (X, y), (X_test, y_test), settings, cardinalities=[100])


def test_seed_study_trains_as_train_does_and_scores_a_trained_model_as_given():
    """The study reads sets as token counts: the same training as ``train``, to rounding."""
    from labcode.digits import create_train_dataset

    X, y = create_train_dataset(n_train=600, seed=0)
    X_test, y_test = create_test_dataset(n_per_card=50, cardinalities=[10, 20], seed=1)
    settings = TrainSettings(epochs=2, batch_size=100, lr=1e-2, final_lr=1e-3)
    torch.manual_seed(3)
    model = DeepSets()
    train(model, X, y, seed=3, progress=False, **settings)
    study = seed_study([3], (X, y), (X_test, y_test), settings, cardinalities=[10, 20])[0]
    c, b = element_contributions(model)
    # 12 float32 Adam steps, the sums taken in another order: differences ~1e-5 of c's scale
    assert abs(study.p - c[0]) < 1e-3 * np.abs(c).max() and abs(study.b - b) < 1e-3 * abs(b)
    given = seed_study([3], (X, y), (X_test, y_test), settings, cardinalities=[10, 20],
                       trained={("DeepSets", 3): model})[0]
    assert given.p == float(c[0]) and given.seconds == 0.0  # scored, not retrained
    assert given.accuracy == {m: s.accuracy for m, s in evaluate_by_cardinality(
        model, [X_test[0], X_test[1]], [y_test[0], y_test[1]]).items()}


def test_token_counts():
    X = np.array([[0, 3, 3, 1], [2, 2, 2, 2]])
    assert token_counts(X, 4).tolist() == [[1, 1, 0, 2], [0, 0, 4, 0]]
