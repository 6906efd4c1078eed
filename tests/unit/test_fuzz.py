"""Fuzzing labcode's public functions with hypothesis: a bad input gets a clear error.

Every call below gets inputs drawn from plausible values (digit batches, float sets, tiny
models of every kind...) mixed with junk: None, bools, strings, NaN and infinite floats,
negative and zero sizes, huge seeds, NumPy arrays and torch tensors of any rank (empty ones
included) and dtype (int32/64, float16/32/64, bool; float tensors that require grad), lists,
dicts. Each call must either succeed or raise a ``ValueError`` or ``TypeError`` with a message --
never an ``IndexError``, ``KeyError``, ``AttributeError``, ``RuntimeError`` (torch's shape and
dtype errors), ``ZeroDivisionError``, ``OverflowError``, ``EOFError`` and the like, which leave a
student with a traceback from deep inside torch instead of a sentence saying what was expected.
(``load_checkpoint``'s ``FileNotFoundError`` for a missing file is the one documented exception.)

Only student-facing inputs need that: what a student's code returns or what a student passes.
Arguments that only course code passes (the notebooks' settings) are used as given, so
``labcode.training`` and the parameter counts get junk only where a student's code reaches
them, and valid settings elsewhere. (The other modules still validate some course-only
arguments, and are still fuzzed on them.)

Fuzzed (every public function, class constructor and ``forward``):

- the generators of ``labcode.digits``, ``thirds``, ``symmetric_pairs`` and ``streaming``, and
  ``digits.cardinalities_of``;
- the models of ``labcode.digits``, ``thirds``, ``permutations`` and ``pooling_tasks``:
  ``check_digit_batch``, ``check_feature_batch``, ``DeepSets``,
  ``LSTMBaseline``, ``DeepSet`` (``forward``, ``logits``, ``pool``), ``mlp``,
  ``logits_of``, ``count_params``, ``PooledSetModel`` (``forward``, ``encode``), every pooling;
- ``labcode.pooling``: ``pool``, ``PMA``, ``SlotSetEncoder`` (``forward`` with masks and slots,
  ``aggregate``), ``check_dtype`` (through the models' ``forward``);
- ``labcode.training``: ``train`` (models of every kind, a student's models that return odd
  things, and batch functions that do), ``train_steps`` (the model and what ``draw`` returns),
  ``steps_to_reach`` (the history), ``save_checkpoint`` / ``load_checkpoint`` (the models, and
  garbage files in a temporary folder);
- ``labcode.digits``' evaluation: all functions but the parameter counts, ``results_table`` and
  ``seed_study``, with models of every kind
  (some of which cannot read digits at all);
- ``labcode.symmetry``: ``permute_sets``, ``invariance_deviation``, ``equivariance_deviation``,
  ``minibatch_consistency_error``;
- ``labcode.reproducibility``: ``seed_everything`` (the global random states are restored
  afterwards) and ``get_device``;
- ``labcode.plots``: ``running_mean`` only, the numeric helper behind the loss curves.

No longer fuzzed, because only course code passes them:

- ``training.make_batch``: ``train``'s default batch function; students write their own, fuzzed
  as ``train``'s ``batch_fn``;
- ``train``'s settings (epochs, batch_size, lr, final_lr, seed, progress, desc) and ``X``, ``y``:
  the notebooks' data and settings, drawn valid here;
- ``train_steps``' settings (steps, batch_size, lr, loss_fn, desc, progress, stop_below): the
  notebooks', drawn valid here;
- ``steps_to_reach``'s threshold and window: the notebooks' (its history is fuzzed);
- checkpoint paths that name a folder or nothing: the notebooks name a file in checkpoints/;
- ``digits.deepsets_param_count`` / ``lstm_param_count``: called with the literal sizes;
- ``digits.results_table`` and ``seed_study``: they format and repeat the notebooks' own
  evaluations (``results_table`` keeps one check: every model on the same cardinalities);
- regressions dropped: ``make_batch`` with an index out of range, device "gpu" or "cuda:99",
  ``train(progress=tensor)``, ``save_checkpoint`` to a folder (all course-only arguments);
  "steps_to_reach of loss tensors" is now a plain test, with a valid threshold.

Not fuzzed:

- the figures of ``labcode.plots`` and the demos of ``labcode.widgets``: drawing is slow, they
  check their data with helpers fuzzed here (``running_mean``, ``cardinalities_of``) or in
  their first lines, and tests/unit/test_lab03_figures.py and the notebooks run them;
- ``labcode.checks``: a self-check never raises by design (it prints a verdict for anything);
  tests/checks/test_lab*.py feed them wrong answers;
- ``labcode.authoring``, ``book/_ext`` and ``python -m labcode.authoring``: notebook
  and site tooling rather than student-facing numerics, tested by tests/authoring and
  tests/site;
- what a user's own callables do (``fn``, ``encode``, ``aggregate``, ``batch_fn``, ``draw``,
  ``metric_fn``, the models' ``forward``): the ones passed here never raise on their own, but
  return odd things, so that every error comes from labcode's handling of them.

The calls that fuzzing caught raising another kind of exception (before labcode was fixed) are
kept at the end as plain regression tests, each named with the exception it used to raise.

Hypothesis runs derandomized (the same examples on every run, in CI too) with no example
database, and keeps its caches in the temporary folder, so nothing is written into the
repository. Models are tiny; the file runs in about 10 s on two cores.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.extra import numpy as hnp
from torch import nn

from labcode import (
    digits,
    permutations,
    plots,
    pooling,
    reproducibility,
    streaming,
    symmetric_pairs,
    symmetry,
    thirds,
    training,
)
from labcode.pooling_tasks import PooledSetModel

# Hypothesis caches (constants, unicode tables) go to the temporary folder, not ./.hypothesis.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "labcode-hypothesis")

FUZZ = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck), print_blob=False)
EACH = settings(FUZZ, max_examples=20)  # per model or per callable of a parametrized test
FEW = settings(FUZZ, max_examples=12)  # calls that train or write files

CLEAR_ERRORS = (ValueError, TypeError)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def attempt(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, or None if it raised a ValueError/TypeError with a message.

    Any other exception propagates, and hypothesis reports the arguments that caused it.
    """
    try:
        return fn(*args, **kwargs)
    except CLEAR_ERRORS as error:
        assert str(error).strip(), f"{type(error).__name__} raised without a message"
        return None


# --------------------------------------------------------------------------- strategies

small_ints = st.integers(-2, 12)
sizes = st.integers(-1, 5)
seeds = st.one_of(st.none(), st.integers(-3, 10), st.integers(2**63, 2**70),
                  st.just(np.int64(7)))
floats = st.floats(allow_nan=True, allow_infinity=True)

scalars = st.one_of(
    st.none(), st.booleans(), small_ints, floats, st.text(max_size=3),
    st.sampled_from([np.int64(3), np.float32(0.5), np.float64("nan"), complex(1, 1), object()]),
)

_ELEMENTS = {
    np.dtype(np.int64): st.integers(-3, 12),
    np.dtype(np.int32): st.integers(-3, 12),
    np.dtype(np.float32): st.floats(width=32, allow_nan=True, allow_infinity=True),
    np.dtype(np.float64): floats,
    np.dtype(np.bool_): st.booleans(),
}


@st.composite
def arrays(draw, min_dims=0, max_dims=4, min_side=0, max_side=5):
    """NumPy arrays of any of five dtypes and any shape (empty ones included)."""
    dtype = draw(st.sampled_from(list(_ELEMENTS)))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                  max_side=max_side))
    return draw(hnp.arrays(dtype, shape, elements=_ELEMENTS[dtype]))


float_dtypes = st.sampled_from([torch.float32] * 4 + [torch.float64, torch.float16])


@st.composite
def tensors(draw, **kwargs):
    """Tensors of any dtype and shape; float ones in float16/32/64, some requiring grad."""
    t = torch.from_numpy(draw(arrays(**kwargs)).copy())
    if torch.is_floating_point(t):
        t = t.to(draw(float_dtypes)).requires_grad_(draw(st.booleans()))
    return t


junk = st.one_of(scalars, arrays(), tensors(), st.lists(small_ints, max_size=4),
                 st.dictionaries(st.text(max_size=2), small_ints, max_size=2))


def mostly(usual, other):
    """``usual`` 3 times in 4, else ``other``. (``st.one_of(usual, other)`` can draw ``other``
    far more often: it flattens other's branches next to the single branch of ``usual``.)"""
    return st.sampled_from([0, 1, 2, 3]).flatmap(lambda i: other if i == 3 else usual)


def or_junk(strategy):
    """Mostly ``strategy``, sometimes junk, so that most calls get past the first checks."""
    return mostly(strategy, junk)


def digit_arrays(min_side=1, high=11):
    """Padded digit rows (n_sets, set size), mostly in 0..high-1, sometimes out of range."""
    values = st.one_of(st.integers(0, high - 1), st.integers(0, high - 1),
                       st.integers(-2, high + 2))
    return hnp.arrays(np.int64, st.tuples(st.integers(min_side, 4), st.integers(min_side, 6)),
                      elements=values)


def digit_batches(min_side=1):
    """Digit tensors (batch, set size): mostly int64, sometimes int32 or float."""
    return st.builds(lambda X, dtype: torch.from_numpy(X).to(dtype), digit_arrays(min_side),
                     st.sampled_from([torch.long] * 4 + [torch.int32, torch.float32]))


@st.composite
def feature_batches(draw, features=None, min_side=1):
    """Float sets (batch, n, features): mostly float32, sometimes float64/16, NaN, grad."""
    features = st.integers(1, 3) if features is None else features
    shape = (draw(st.integers(min_side, 4)), draw(st.integers(min_side, 6)), draw(features))
    x = torch.randn(shape).to(draw(float_dtypes))
    if x.numel() and draw(st.integers(0, 5)) == 0:
        x[(0,) * x.ndim] = float("nan")
    return x.requires_grad_(draw(st.integers(0, 3)) == 0)


def in_features(n):
    """Mostly ``n`` features per element, sometimes another number (0 included)."""
    return st.one_of(st.just(n), st.just(n), st.integers(0, 4))


# Tiny models of every kind, and the input each one expects (fuzzed around it).
MODELS = {
    "DeepSets": (lambda: digits.DeepSets(11, 4, 3), "digits"),
    "LSTMBaseline": (lambda: digits.LSTMBaseline(11, 4, 3), "digits"),
    "DeepSets with 4 tokens": (lambda: digits.DeepSets(4, 3, 2), "digits"),
    "PooledSetModel sum": (lambda: PooledSetModel("sum", input_dim=11, hidden_dim=4),
                           "digits"),
    "PooledSetModel attention": (
        lambda: PooledSetModel("attention", input_dim=11, hidden_dim=4), "digits"),
    "PooledSetModel slots": (
        lambda: PooledSetModel("slots", input_dim=11, hidden_dim=4, num_slots=2), "digits"),
    "PooledSetModel max, 2 outputs": (
        lambda: PooledSetModel("max", input_dim=11, hidden_dim=4, out_features=2), "digits"),
    "PooledSetModel mean, real": (
        lambda: PooledSetModel("mean", in_features=2, hidden_dim=4, rho_hidden_dim=3), 2),
    "PooledSetModel attention, real": (
        lambda: PooledSetModel("attention", in_features=2, hidden_dim=4), 2),
    "PooledSetModel slots, real": (
        lambda: PooledSetModel("slots", in_features=2, hidden_dim=4, num_slots=2), 2),
    "DeepSet": (lambda: thirds.DeepSet(hidden_dim=2, rho_hidden_dim=2), 1),
    "DeepSet max": (
        lambda: thirds.DeepSet(2, 2, 2, 2, "relu", "max", phi_bias=False), 2),
    "mlp": (lambda: thirds.mlp(in_features=4, hidden_dims=(3,)), 1),
    "PMA": (lambda: pooling.PMA(4, num_heads=2, num_seeds=2), 4),
    "SlotSetEncoder": (lambda: pooling.SlotSetEncoder(2, 2, 3, 3, 3), 2),
    "Linear": (lambda: nn.Linear(3, 1), 3),
    "Identity": (lambda: nn.Identity(), 1),
}
DIGIT_MODELS = [name for name, (_, kind) in MODELS.items() if kind == "digits"]


def make_model(name):
    """The model ``name``, drawn from seed 0, leaving the global random state alone."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return MODELS[name][0]()


def inputs_for(name):
    """What the model ``name`` takes, fuzzed: digits or float sets of (mostly) its width."""
    kind = MODELS[name][1]
    if kind == "digits":
        return or_junk(digit_batches(min_side=0))
    return or_junk(st.one_of(feature_batches(in_features(kind)),
                             feature_batches(in_features(kind), min_side=0)))


def masks_for(x):
    """A bool mask (batch, n) matching ``x``, None, or junk."""
    if not isinstance(x, torch.Tensor) or x.ndim < 2:
        return st.one_of(st.none(), junk)
    return or_junk(st.one_of(st.none(), hnp.arrays(np.bool_, tuple(x.shape[:2]))
                             .map(torch.from_numpy)))


# -------------------------------------------------------------------------- the generators


@FUZZ
@given(or_junk(sizes), or_junk(sizes), or_junk(sizes), or_junk(seeds))
def test_create_train_dataset(n, m, d, seed):
    attempt(digits.create_train_dataset, n, m, d, seed)


@FUZZ
@given(or_junk(sizes), or_junk(st.lists(sizes, max_size=3)), or_junk(sizes), or_junk(seeds))
def test_create_test_dataset(n, cards, d, seed):
    attempt(digits.create_test_dataset, n, cards, d, seed)


@FUZZ
@given(st.one_of(digit_arrays(min_side=0), digit_batches(min_side=0), junk))
def test_cardinalities_of(X):
    attempt(digits.cardinalities_of, X)


@FUZZ
@given(or_junk(sizes), or_junk(sizes), or_junk(floats), or_junk(floats), or_junk(floats),
       or_junk(seeds))
def test_make_mixture_sets(n, size, spread, low, high, seed):
    attempt(streaming.make_mixture_sets, n, size, spread, low, high, seed)


generators = st.one_of(seeds, st.builds(lambda s: torch.Generator().manual_seed(s),
                                        st.integers(0, 9)))


@FUZZ
@given(or_junk(st.integers(-2, 9)), or_junk(generators))
def test_make_data_and_make_symmetric_pairs(N, generator):
    attempt(thirds.make_data, N, generator)
    attempt(symmetric_pairs.make_symmetric_pairs, N, generator)


# ------------------------------------------------------------------------------ the models


@FUZZ
@given(st.one_of(digit_batches(min_side=0), junk), or_junk(st.one_of(st.none(), sizes)))
def test_check_digit_batch(x, input_dim):
    attempt(digits.check_digit_batch, x, input_dim)


@FUZZ
@given(st.one_of(feature_batches(min_side=0), junk), or_junk(st.one_of(st.none(), sizes)))
def test_check_feature_batch(x, n):
    attempt(thirds.check_feature_batch, x, n)


@FUZZ
@given(st.sampled_from([digits.DeepSets, digits.LSTMBaseline]), or_junk(sizes), or_junk(sizes),
       or_junk(sizes))
def test_digit_model_constructors(cls, n, h1, h2):
    attempt(cls, n, h1, h2)


@FUZZ
@given(or_junk(sizes), or_junk(sizes), or_junk(sizes), or_junk(sizes),
       or_junk(st.sampled_from(["tanh", "relu", "none", "sigmoid"])),
       or_junk(st.sampled_from(["sum", "mean", "max", "median"])), or_junk(st.booleans()))
def test_deepset_classifier_constructor(n, hidden, out, rho, activation, pooling_, bias):
    attempt(thirds.DeepSet, n, hidden, out, rho, activation, pooling_, bias)


@FUZZ
@given(or_junk(sizes), or_junk(st.lists(sizes, max_size=3).map(tuple)),
       or_junk(st.sampled_from(["tanh", "relu", "none"])), or_junk(st.booleans()))
def test_mlp(n, hidden, activation, sigmoid):
    attempt(thirds.mlp, n, hidden, activation, sigmoid)


@FUZZ
@given(or_junk(st.sampled_from(PooledSetModel.POOLINGS + ("median",))),
       or_junk(st.one_of(st.none(), sizes)), or_junk(st.one_of(st.none(), sizes)),
       or_junk(sizes), or_junk(sizes), or_junk(sizes), or_junk(sizes))
def test_pooled_set_model_constructor(pooling_, input_dim, in_features, hidden, out, slots, rho):
    attempt(PooledSetModel, pooling_, input_dim=input_dim, in_features=in_features,
            hidden=hidden, out_features=out, num_slots=slots, rho_hidden_dim=rho)


@pytest.mark.parametrize("name", list(MODELS))
def test_model_forward(name):
    """Every model's forward (and logits, encode, pool) on fuzzed inputs; logits_of too."""
    model = make_model(name)

    @EACH
    @given(inputs_for(name))
    def check(x):
        if type(model).__module__.startswith("labcode"):  # not torch's own modules
            attempt(model, x)
        for method in ("logits", "encode", "pool"):
            if callable(getattr(model, method, None)):
                attempt(getattr(model, method), x)
        attempt(permutations.logits_of, model, x)
        attempt(digits.count_params, model)

    check()


def test_count_params_and_logits_of_junk():
    for thing in (None, 3, "model", nn.Identity, [nn.Linear(2, 1)]):
        attempt(digits.count_params, thing)
        attempt(permutations.logits_of, thing, torch.rand(2, 10, 1))


# --------------------------------------------------------------------------- labcode.pooling


@FUZZ
@given(st.data(), st.one_of(feature_batches(min_side=0), junk),
       or_junk(st.sampled_from(pooling.POOLINGS + ("median",))))
def test_pool(draw, h, how):
    attempt(pooling.pool, h, how, draw.draw(masks_for(h)))


@FUZZ
@given(or_junk(sizes), or_junk(sizes), or_junk(sizes), or_junk(sizes), or_junk(sizes),
       or_junk(sizes), or_junk(sizes))
def test_pma_and_slot_set_encoder_constructors(dim, heads, n_seeds, k, slot_dim, key_dim,
                                                out_dim):
    attempt(pooling.PMA, dim, heads, n_seeds)
    attempt(pooling.SlotSetEncoder, dim, k, slot_dim, key_dim, out_dim)


PMA_4 = make_model("PMA")
SSE_2 = make_model("SlotSetEncoder")  # in_dim 2, 2 slots of dimension 3, out_dim 3


@FUZZ
@given(st.data(), or_junk(feature_batches(in_features(4))))
def test_pma_with_masks(draw, h):
    attempt(PMA_4, h, draw.draw(masks_for(h)))


@FUZZ
@given(st.data(), or_junk(feature_batches(in_features(2))),
       st.one_of(st.none(), feature_batches(st.just(3)).map(lambda s: s[0]),
                 tensors(min_dims=2, max_dims=2), junk))
def test_slot_set_encoder_with_masks_slots_and_aggregate(draw, x, slots):
    out = attempt(SSE_2, x, draw.draw(masks_for(x)), slots)
    chunks = [] if out is None else [out, out, out[:, :1]]
    parts = draw.draw(st.one_of(st.just(chunks[:2]), st.just(chunks), st.just(tuple(chunks)),
                                st.lists(or_junk(tensors(min_dims=1)), max_size=3), junk))
    attempt(pooling.SlotSetEncoder.aggregate, parts)


# --------------------------------------------------------------------------- labcode.training
# Only what students write is fuzzed: the model, what their batch function or draw and their
# model return, a history of losses, the checkpoint files they load. The settings, X and y
# come from the notebooks: they are drawn valid here.


def targets_for(X):
    """Mostly one target per row of ``X``, of any dtype; sometimes junk."""
    if not isinstance(X, np.ndarray) or X.ndim != 2:
        return or_junk(arrays(max_dims=2))
    return or_junk(arrays(min_dims=1, max_dims=1, min_side=len(X), max_side=len(X)))


# What a student's make_batch(X, y, idx, device) may do with X[idx], y[idx] and the pair.
X_BATCHES = {
    "LongTensor": lambda a, device: torch.as_tensor(a, dtype=torch.long, device=device),
    "float": lambda a, device: torch.as_tensor(a, dtype=torch.float32, device=device),
    "int32": lambda a, device: torch.as_tensor(a, dtype=torch.int32, device=device),
    "NumPy": lambda a, device: a,
    "on meta": lambda a, device: torch.as_tensor(a, dtype=torch.long, device="meta"),
    "a row short": lambda a, device: torch.as_tensor(a[1:], dtype=torch.long, device=device),
    "3-D": lambda a, device: torch.as_tensor(a[..., None], dtype=torch.long, device=device),
}
Y_BATCHES = {
    "float32": lambda a, device: torch.as_tensor(a, dtype=torch.float32, device=device),
    "int64": lambda a, device: torch.as_tensor(a, device=device),
    "float64": lambda a, device: torch.as_tensor(a, dtype=torch.float64, device=device),
    "a column": lambda a, device: torch.as_tensor(a[:, None], dtype=torch.float32,
                                                  device=device),
    "NumPy": lambda a, device: a,
    "on meta": lambda a, device: torch.as_tensor(a, dtype=torch.float32, device="meta"),
    "None": lambda a, device: None,
}
PAIRS = {"tuple": lambda x, y: (x, y), "list": lambda x, y: [x, y], "x only": lambda x, y: x,
         "triple": lambda x, y: (x, y, y), "swapped": lambda x, y: (y, x),
         "None": lambda x, y: None}


def batch_fn_of(x_form, y_form, pair):
    def batch_fn(X, y, idx, device):
        return PAIRS[pair](X_BATCHES[x_form](X[idx], device), Y_BATCHES[y_form](y[idx], device))

    return batch_fn


# Mostly make_batch done right, else one thing done wrong (or kept from the NumPy arrays).
MISTAKES = ([(x, "float32", "tuple") for x in X_BATCHES if x != "LongTensor"]
            + [("LongTensor", y, "tuple") for y in Y_BATCHES if y != "float32"]
            + [("LongTensor", "float32", pair) for pair in PAIRS if pair != "tuple"])
batch_fns = mostly(st.just(("LongTensor", "float32", "tuple")), st.sampled_from(MISTAKES)).map(
    lambda forms: batch_fn_of(*forms))


class Returns(nn.Module):
    """A student's model, with one parameter ``w``, whose forward returns ``out(x, w)``."""

    def __init__(self, out):
        super().__init__()
        self.w, self.out = nn.Parameter(torch.ones(1)), out

    def forward(self, x):
        return self.out(x, self.w)


STUDENT_MODELS = {
    "one per set": lambda: Returns(lambda x, w: w * x.float().sum(1)),
    "a column": lambda: Returns(lambda x, w: w * x.float().sum(1, keepdim=True)),
    "ints": lambda: Returns(lambda x, w: x.sum(1)),
    "float64": lambda: Returns(lambda x, w: (w * x.float().sum(1)).double()),
    "one per element": lambda: Returns(lambda x, w: w * x.float()),
    "a scalar": lambda: Returns(lambda x, w: w * x.float().sum()),
    "a pair": lambda: Returns(lambda x, w: (w * x.float().sum(1), x)),
    "NumPy": lambda: Returns(lambda x, w: (w * x.float().sum(1)).detach().numpy()),
    "None": lambda: Returns(lambda x, w: None),
}


def digit_rows():
    """Padded digit rows of any shape, digits 0..10 (the data sets the notebooks build)."""
    return hnp.arrays(np.int64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
                      elements=st.integers(0, 10))


@pytest.mark.parametrize("name", DIGIT_MODELS + ["DeepSet", "Linear", "Identity"]
                         + list(STUDENT_MODELS))
def test_train(name):
    model = make_model(name) if name in MODELS else STUDENT_MODELS[name]()

    @FEW
    @given(digit_rows(), st.integers(1, 4), st.sampled_from([None, 1e-3]), batch_fns)
    def check(X, batch_size, final_lr, batch_fn):
        attempt(training.train, model, X, X.sum(1), epochs=1, batch_size=batch_size, lr=0.01,
                final_lr=final_lr, batch_fn=batch_fn, seed=0, progress=False)

    check()
    X = np.random.default_rng(0).integers(0, 11, (5, 4))
    for forms in MISTAKES:  # every one of them, whatever hypothesis drew
        attempt(training.train, model, X, X.sum(1), epochs=1, batch_size=2,
                batch_fn=batch_fn_of(*forms), progress=False)
    for thing in ("model", None, digits.DeepSets, lambda x: x.sum(1)):  # not a model
        with pytest.raises(TypeError, match="nn.Module"):
            training.train(thing, np.ones((2, 2), dtype=np.int64), np.ones(2), progress=False)


def draw_wrong_labels(n):
    return torch.rand(n, 10, 1), torch.full((n, 1), 3.0)  # labels outside [0, 1]


def draw_flat_labels(n):
    X, y = thirds.make_data(2 * n)
    return X, y[:, 0]


def draw_float64(n):
    X, y = thirds.make_data(2 * n)
    return X.double(), y.double()


DRAWS = {"make_data": thirds.make_data, "wrong labels": draw_wrong_labels,
         "flat labels": draw_flat_labels, "float64": draw_float64,
         "NumPy": lambda n: tuple(t.numpy() for t in thirds.make_data(n)),
         "a list": lambda n: list(thirds.make_data(n)), "X only": lambda n: thirds.make_data(n)[0],
         "None": lambda n: None, "pair of ints": lambda n: (1, 2)}


@pytest.mark.parametrize("draw_name", list(DRAWS))
@pytest.mark.filterwarnings("ignore:Using a target size:UserWarning")  # MSELoss, flat labels
def test_train_steps(draw_name):
    draw_fn = DRAWS[draw_name]

    @FEW
    @given(or_junk(st.sampled_from(["DeepSet", "mlp", "DeepSets", "Identity"])
                   .map(make_model)),
           st.integers(1, 2), st.sampled_from([2, 4]), mostly(st.none(), st.just(nn.MSELoss())),
           st.sampled_from([None, 0.5]))
    def check(model, steps, batch_size, loss_fn, stop_below):
        attempt(training.train_steps, model, draw_fn, steps, batch_size, 0.01, loss_fn,
                progress=False, stop_below=stop_below)

    check()


@FUZZ
@given(or_junk(st.one_of(st.lists(floats, max_size=8),
                         st.lists(st.builds(lambda v: torch.tensor(v, requires_grad=True),
                                            st.floats(0, 1)), max_size=8))),
       st.floats(0, 2), st.sampled_from([1, 3, training.CONVERGENCE_WINDOW]))
def test_steps_to_reach(history, threshold, window):
    attempt(training.steps_to_reach, history, threshold, window)


checkpoint_contents = st.one_of(
    st.binary(max_size=20),
    st.builds(lambda v: {"architecture": "DeepSets", "state_dict": v},
              st.one_of(st.dictionaries(st.sampled_from(["fc2.bias", "x"]), st.integers()),
                        st.integers(), st.none())),
    st.just({"state_dict": {"fc2.bias": [1.0]}}),
    st.just([1, 2]))


@FEW
@given(or_junk(st.sampled_from(DIGIT_MODELS).map(make_model)),
       or_junk(st.sampled_from(DIGIT_MODELS).map(make_model)), checkpoint_contents)
def test_save_and_load_checkpoint(saved, into, garbage):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sub" / "model.pt"
        attempt(training.save_checkpoint, saved, path)
        if path.exists():
            attempt(training.load_checkpoint, into, path)
        other = Path(folder) / "garbage.pt"
        if isinstance(garbage, bytes):
            other.write_bytes(garbage)
        else:
            torch.save(garbage, other)
        attempt(training.load_checkpoint, into, other)
        with pytest.raises(FileNotFoundError):  # the one documented error of another kind
            training.load_checkpoint(make_model("DeepSets"), Path(folder) / "missing.pt")


# -------------------------------------------------------------------- digit-sum evaluation


@FUZZ
@given(st.one_of(digit_arrays(min_side=0), digit_batches(), junk), or_junk(sizes))
def test_left_pad(X, length):
    attempt(digits.left_pad, X, length)


@pytest.mark.parametrize("name", list(MODELS))
def test_predict_element_contributions_output_bound(name):
    model = make_model(name)

    @EACH
    @given(or_junk(digit_arrays(min_side=0)), or_junk(sizes), or_junk(sizes))
    def check(X, batch_size, input_dim):
        attempt(digits.predict, model, X, batch_size)
        attempt(digits.element_contributions, model, input_dim)
        attempt(digits.output_bound, model)

    check()
    for thing in (None, "model", nn.Linear):
        attempt(digits.predict, thing, np.ones((2, 2), dtype=np.int64))
        attempt(digits.output_bound, thing)


@FUZZ
@given(st.one_of(arrays(max_dims=2), tensors(max_dims=2), junk),
       st.one_of(arrays(max_dims=2), tensors(max_dims=2), junk))
def test_accuracy_and_mae(pred, target):
    attempt(digits.accuracy_and_mae, pred, target)


@FUZZ
@given(st.data(), or_junk(st.sampled_from(["DeepSets", "LSTMBaseline", "DeepSet",
                                            "Linear"]).map(make_model)),
       or_junk(st.lists(or_junk(digit_arrays(min_side=0)), max_size=3)),
       or_junk(st.one_of(st.none(), sizes)),
       st.sampled_from([digits.accuracy_and_mae] * 3
                       + [lambda p, t: None, lambda p, t: (1, 2, 3), "metric"]),
       or_junk(sizes))
def test_evaluate_by_cardinality(draw, model, X_test, max_sets, metric_fn, batch_size):
    if isinstance(X_test, list):
        y_test = draw.draw(or_junk(st.tuples(*(targets_for(X) for X in X_test)).map(list)))
    else:
        y_test = draw.draw(junk)
    attempt(digits.evaluate_by_cardinality, model, X_test, y_test, max_sets, metric_fn,
            batch_size)


# --------------------------------------------------------------------------- labcode.symmetry


SET_FUNCTIONS = {
    "sum": (lambda x: x.sum(1), None),
    "identity": (lambda x: x, None),
    "None": (lambda x: None, None),
    "scalar": (lambda x: x.float().sum(), None),
    "first element": (lambda x: x[:, 0], None),
    "constant": (lambda x: torch.ones(1), None),
    "bool": (lambda x: x.sum(1) > 0, None),
    "DeepSets": (None, "DeepSets"),
    "DeepSet": (None, "DeepSet"),
    "not callable": ("fn", None),
}


@pytest.mark.parametrize("fn_name", list(SET_FUNCTIONS))
def test_invariance_and_equivariance_deviation(fn_name):
    fn, model = SET_FUNCTIONS[fn_name]
    fn = make_model(model) if model else fn

    @EACH
    @given(st.one_of(digit_batches(min_side=0), feature_batches(min_side=0), junk),
           or_junk(sizes), or_junk(st.one_of(st.none(), small_ints, floats)), or_junk(seeds))
    def check(x, n_perms, pad_value, seed):
        attempt(symmetry.invariance_deviation, fn, x, n_perms, pad_value, seed)
        attempt(symmetry.equivariance_deviation, fn, x, n_perms, seed)

    check()


@FUZZ
@given(st.one_of(digit_batches(min_side=0), feature_batches(min_side=0), junk),
       or_junk(st.one_of(st.none(), small_ints, floats)),
       st.one_of(st.none(), st.just(torch.Generator().manual_seed(0)), junk))
def test_permute_sets(x, pad_value, generator):
    attempt(symmetry.permute_sets, x, pad_value, generator)


@FUZZ
@given(st.sampled_from([lambda x: x.sum(1), lambda x: x.mean(1), lambda x: None,
                        lambda x: torch.zeros(0), lambda x: x.sum(1).long(), SSE_2, "f"]),
       st.sampled_from([lambda p, s: torch.stack(p).sum(0), lambda p, s: p, lambda p, s: None,
                        lambda p, s: pooling.SlotSetEncoder.aggregate(p), None]),
       st.one_of(feature_batches(in_features(2), min_side=0), tensors(min_dims=3, max_dims=3),
                 junk),
       or_junk(st.lists(small_ints, max_size=3)))
def test_minibatch_consistency_error(encode, aggregate, x, chunk_sizes):
    attempt(symmetry.minibatch_consistency_error, encode, aggregate, x, chunk_sizes)


# --------------------------------------------------------------------------- reproducibility, plots


@FUZZ
@given(or_junk(st.one_of(seeds, st.integers(2**32 - 2, 2**32))), or_junk(st.booleans()))
def test_seed_everything_and_get_device(seed, prefer_cuda):
    state = (random.getstate(), np.random.get_state(), torch.get_rng_state(),
             os.environ.get("PYTHONHASHSEED"))
    try:
        attempt(reproducibility.seed_everything, seed)
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])
        torch.set_rng_state(state[2])
        if state[3] is None:
            os.environ.pop("PYTHONHASHSEED", None)
        else:
            os.environ["PYTHONHASHSEED"] = state[3]
    attempt(reproducibility.get_device, prefer_cuda)


@FUZZ
@given(or_junk(st.lists(floats, max_size=6)), or_junk(sizes))
def test_running_mean(values, window):
    attempt(plots.running_mean, values, window)


# --------------------------------------------------------------------------- found by fuzzing


def _saved(tmp, content):
    """A file in ``tmp`` holding ``content``: raw bytes, or an object written by torch.save."""
    path = tmp / "file.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)
    return path


def _digits(n=6, m=4):
    return np.random.default_rng(0).integers(0, 11, (n, m))


# Calls that used to raise RuntimeError, IndexError, KeyError, AttributeError, EOFError
# or UnpicklingError, each with the exception it raised before it was fixed (two more, which
# now succeed, are plain tests after it).
FOUND = {
    "DeepSet on float64 (RuntimeError)":
        lambda tmp: thirds.DeepSet()(torch.rand(2, 3, 1, dtype=torch.float64)),
    "PMA on float64 (RuntimeError)": lambda tmp: pooling.PMA(4)(torch.rand(2, 3, 4).double()),
    "SlotSetEncoder slots of the wrong width (RuntimeError)":
        lambda tmp: pooling.SlotSetEncoder(2, 2, 4, 4, 4)(torch.rand(2, 3, 2), None,
                                                       torch.rand(3, 5)),
    "SlotSetEncoder.aggregate of a tensor (RuntimeError)":
        lambda tmp: pooling.SlotSetEncoder.aggregate(torch.rand(2, 3)),
    "SlotSetEncoder.aggregate of unequal chunks (RuntimeError)":
        lambda tmp: pooling.SlotSetEncoder.aggregate([torch.rand(2, 3), torch.rand(3, 3)]),
    "PooledSetModel real on int64 (RuntimeError)":
        lambda tmp: PooledSetModel("sum", in_features=1)(torch.ones(2, 3, 1).long()),
    "PooledSetModel real with 2 features for 1 (RuntimeError)":
        lambda tmp: PooledSetModel("sum", in_features=1)(torch.ones(2, 3, 2)),
    "mlp(sigmoid=tensor) (RuntimeError)": lambda tmp: thirds.mlp(sigmoid=torch.ones(2)),
    "logits_of(mlp, set of 3) (RuntimeError)":
        lambda tmp: permutations.logits_of(thirds.mlp(), torch.rand(2, 3, 1)),
    "logits_of(mlp, None) (AttributeError)": lambda tmp: permutations.logits_of(thirds.mlp(), None),
    "check_digit_batch(input_dim=tensor) (RuntimeError)":
        lambda tmp: digits.check_digit_batch(torch.ones(2, 2, dtype=torch.long), torch.ones(2)),
    "train an nn.Linear on digits (RuntimeError)":
        lambda tmp: training.train(nn.Linear(4, 1), _digits(), np.ones(6), progress=False),
    "train a model with 2 outputs (RuntimeError)":
        lambda tmp: training.train(PooledSetModel("sum", input_dim=11, out_features=2),
                               _digits(), np.ones(6), progress=False),
    "train_steps with labels 3.0 (RuntimeError)":
        lambda tmp: training.train_steps(thirds.DeepSet(), draw_wrong_labels, steps=1,
                                     progress=False),
    "train_steps on float64 batches (RuntimeError)":
        lambda tmp: training.train_steps(thirds.mlp(), draw_float64, steps=1, progress=False),
    "load_checkpoint of garbage (EOFError)":
        lambda tmp: training.load_checkpoint(digits.DeepSets(), _saved(tmp, b"")),
    "load_checkpoint of garbage (UnpicklingError)":
        lambda tmp: training.load_checkpoint(digits.DeepSets(), _saved(tmp, b"c")),
    "load_checkpoint of a state_dict of ints (AttributeError)": lambda tmp: (
        training.load_checkpoint(digits.DeepSets(), _saved(tmp, {"state_dict": {
            k: 3 for k in digits.DeepSets().state_dict()}}))),
    "accuracy_and_mae of a tensor that requires grad (RuntimeError)":
        lambda tmp: digits.accuracy_and_mae(torch.ones(3, requires_grad=True), [1, 2]),
    "evaluate_by_cardinality with y None (IndexError)":
        lambda tmp: digits.evaluate_by_cardinality(digits.DeepSets(), [_digits()], [None]),
    "predict with an nn.Linear (RuntimeError)":
        lambda tmp: digits.predict(nn.Linear(4, 1), _digits()),
    "element_contributions of an MLP (RuntimeError)":
        lambda tmp: digits.element_contributions(thirds.mlp()),
    "make_mixture_sets with spread=tensor (RuntimeError)":
        lambda tmp: streaming.make_mixture_sets(2, 3, spread=torch.ones(2)),
    "make_mixture_sets with an infinite range (OverflowError)":
        lambda tmp: streaming.make_mixture_sets(2, 3, low=-float("inf")),
    "cardinalities_of a tensor that requires grad (RuntimeError)":
        lambda tmp: digits.cardinalities_of(torch.ones(2, 3, requires_grad=True)[None]),
    "minibatch_consistency_error of an empty set (RuntimeError)":
        lambda tmp: symmetry.minibatch_consistency_error(
            lambda x: x.sum(1), lambda p, s: torch.stack(p).sum(0), torch.rand(1, 0, 1), []),
    "minibatch_consistency_error of an empty batch (RuntimeError)":
        lambda tmp: symmetry.minibatch_consistency_error(
            lambda x: x.sum(1), lambda p, s: torch.stack(p).sum(0), torch.rand(0, 2, 1), [1, 1]),
    "minibatch_consistency_error, encode returns None (AttributeError)":
        lambda tmp: symmetry.minibatch_consistency_error(lambda x: None, lambda p, s: p,
                                                     torch.rand(1, 2, 1), [1, 1]),
    "get_device(prefer_cuda=tensor) (RuntimeError)":
        lambda tmp: reproducibility.get_device(torch.ones(0)),
    "running_mean(window=tensor) (RuntimeError)":
        lambda tmp: plots.running_mean([1.0, 2.0], torch.ones(2)),
}


@pytest.mark.parametrize("call", list(FOUND.values()), ids=list(FOUND))
def test_calls_found_by_fuzzing_raise_clear_errors(call, tmp_path):
    with pytest.raises(CLEAR_ERRORS) as error:
        call(tmp_path)
    assert str(error.value).strip()


def test_pma_of_an_empty_batch_is_empty():  # it used to raise RuntimeError (reshape)
    assert pooling.PMA(4, num_seeds=2)(torch.rand(0, 3, 4)).shape == (0, 8)


def test_steps_to_reach_of_loss_tensors():  # it used to raise RuntimeError (numpy of grad)
    losses = [0.5, 0.1, 0.1]
    tensors = [torch.tensor(v, requires_grad=True) for v in losses]
    assert training.steps_to_reach(tensors, 0.3, 2) == training.steps_to_reach(losses, 0.3, 2) == 3
