"""Lab 05's self-check: set_exact_sum on the notebook's SumDeepSet (both read from the solution
notebook); the reference sums exactly, each kind of wrong answer gets a specific hint."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(5, ["separation", "SumDeepSet", "set_exact_sum"])
SumDeepSet, set_exact_sum = SOLUTION["SumDeepSet"], SOLUTION["set_exact_sum"]
separation = SOLUTION["separation"]


def test_the_solution_sums_exactly_at_cardinality_1000():
    model = set_exact_sum(SumDeepSet(hidden_dim=4))
    x = torch.randint(1, 11, (20, 1000, 1)).float()
    with torch.no_grad():
        assert torch.equal(model(x), x.sum(dim=(1, 2)))


def test_check_exact_sum_passes_a_correct_answer(capsys):
    out = verdict(checks.check_exact_sum, set_exact_sum, capsys, SumDeepSet)
    assert out.startswith("✓ set_exact_sum: all"), out


def forgets_the_other_units(model):  # unit 0 right, the other units left at random
    with torch.no_grad():
        model.phi[0].weight[0, 0], model.phi[0].bias[0] = 1.0, 0.0
        model.rho.weight[0, 0], model.rho.bias[0] = 1.0, 0.0
    return model


def leaves_a_bias(model):  # phi(0) = 0.5 in unit 0: padding adds 0.5 per zero
    set_exact_sum(model)
    with torch.no_grad():
        model.phi[0].bias[0] = 0.5
        model.rho.bias[0] = -0.5
    return model


def replaces_the_relu(model):
    set_exact_sum(model)
    model.phi = nn.Sequential(model.phi[0])
    return model


def returns_a_new_model(model):
    return set_exact_sum(SumDeepSet(hidden_dim=4))


@pytest.mark.parametrize("wrong,hint", [
    (forgets_the_other_units, "every other unit"),
    (leaves_a_bias, "not summed exactly"),
    (replaces_the_relu, "keep the architecture"),
    (returns_a_new_model, "in place"),
])
def test_check_exact_sum_catches_wrong_answers(wrong, hint, capsys):
    assert_hint(verdict(checks.check_exact_sum, wrong, capsys, SumDeepSet), "set_exact_sum", hint)


def test_check_exact_sum_reports_an_unfinished_answer(capsys):
    def unfinished(model):
        raise NotImplementedError()

    out = verdict(checks.check_exact_sum, unfinished, capsys, SumDeepSet)
    assert_not_implemented(out, "set_exact_sum")


# --------------------------------------------------------------------------- issue 14: contracts


def replaces_the_layers(model):  # right numbers, but in new layers: the old parameters are lost
    linear = nn.Linear(1, model.rho.in_features)
    rho = nn.Linear(model.rho.in_features, 1)
    with torch.no_grad():
        for p in (*linear.parameters(), *rho.parameters()):
            p.zero_()
        linear.weight[0, 0] = rho.weight[0, 0] = 1.0
    model.phi[0], model.rho = linear, rho
    return model


def new_parameters(model):  # assigns fresh nn.Parameters to the old layers
    h = model.rho.in_features
    weight = torch.zeros(h, 1)
    weight[0, 0] = 1.0
    model.phi[0].weight = nn.Parameter(weight)
    model.phi[0].bias = nn.Parameter(torch.zeros(h))
    model.rho.weight = nn.Parameter(weight.T.clone())
    model.rho.bias = nn.Parameter(torch.zeros(1))
    return model


def returns_nothing(model):
    set_exact_sum(model)


def with_init(model):
    """Correct: nn.init, whatever the width."""
    for layer in (model.phi[0], model.rho):
        nn.init.zeros_(layer.weight)
        nn.init.zeros_(layer.bias)
    with torch.no_grad():
        model.phi[0].weight[0] = 1.0
        model.rho.weight[:, 0] = 1.0
    return model


def with_copy(model):
    """Correct: copy_ whole tensors into the parameters, found through the state_dict."""
    state = model.state_dict()
    with torch.no_grad():
        for name, tensor in state.items():
            target = torch.zeros_like(tensor)
            if name.endswith("weight"):
                target.view(-1)[0] = 1.0
            tensor.copy_(target)
    return model


@pytest.mark.parametrize("wrong, hint", [
    (replaces_the_layers, "keep the model's layers and parameters"),
    (new_parameters, "keep the model's layers and parameters"),
    (returns_nothing, "set_exact_sum returned nothing"),
])
def test_issue14_wrong_exact_sum_gets_a_hint(wrong, hint, capsys):
    assert_hint(verdict(checks.check_exact_sum, wrong, capsys, SumDeepSet), "set_exact_sum", hint)


@pytest.mark.parametrize("fn", [with_init, with_copy])
def test_issue14_exact_sum_in_other_styles_passes(fn, capsys):
    out = verdict(checks.check_exact_sum, fn, capsys, SumDeepSet)
    assert out.startswith("✓ set_exact_sum: all"), out


# ---------------------------------------------------------------------------- separation


def pooled_instances(phi):
    """Correct: pool one instance of each class, as the DeepSet does."""
    zero = torch.tensor([1 / 3] * 3 + [0.0] * 7).view(1, 10, 1)
    one = torch.tensor([1 / 5] * 5 + [0.0] * 5).view(1, 10, 1)
    with torch.no_grad():
        return (phi(zero).sum() - phi(one).sum()).item()


def chord_slopes(phi):
    """Correct: the difference of the two chord slopes, phi called once per point."""
    def at(t):
        with torch.no_grad():
            return phi(torch.tensor([[t]])).item()
    return (at(1 / 3) - at(0.0)) / (1 / 3) - (at(1 / 5) - at(0.0)) / (1 / 5)


def at(phi, t):
    return phi(torch.tensor([[float(t)]])).item()


def forgets_phi_of_0(phi):
    return 3 * at(phi, 1 / 3) - 5 * at(phi, 1 / 5)


def swapped_coefficients(phi):
    return 5 * (at(phi, 1 / 3) - at(phi, 0)) - 3 * (at(phi, 1 / 5) - at(phi, 0))


def swapped_points(phi):
    return 3 * (at(phi, 1 / 5) - at(phi, 0)) - 5 * (at(phi, 1 / 3) - at(phi, 0))


def absolute_value(phi):
    return abs(separation(phi))


def integer_division(phi):
    return 3 * (at(phi, 1 // 3) - at(phi, 0)) - 5 * (at(phi, 1 // 5) - at(phi, 0))


def returns_a_tensor(phi):
    with torch.no_grad():
        v0, v3, v5 = phi(torch.tensor([[0.0], [1 / 3], [1 / 5]]))[:, 0]
    return 3 * (v3 - v0) - 5 * (v5 - v0)


def on_python_floats(phi):
    return 3 * (phi(1 / 3) - phi(0.0)) - 5 * (phi(1 / 5) - phi(0.0))


def in_float64(phi):
    v0, v3, v5 = phi(torch.tensor([[0.0], [1 / 3], [1 / 5]], dtype=torch.float64))[:, 0]
    return float(3 * (v3 - v0) - 5 * (v5 - v0))


@pytest.mark.parametrize("fn", [separation, pooled_instances, chord_slopes],
                         ids=["solution", "pooled_instances", "chord_slopes"])
def test_correct_separation_passes(fn, capsys):
    out = verdict(checks.check_separation, fn, capsys)
    assert out.startswith("✓ separation: all 5 checks passed"), out


@pytest.mark.parametrize("fn, hint", [
    (forgets_phi_of_0, "Subtract phi(0)"),
    (swapped_coefficients, "The coefficients are swapped"),
    (swapped_points, "You swapped phi(1/3) and phi(1/5)"),
    (absolute_value, "keep the sign"),
    (integer_division, "not 1 // 3"),
    (returns_a_tensor, "return a Python float"),
    (on_python_floats, "call phi on a tensor"),
    (in_float64, "phi takes float32 tensors"),
])
def test_wrong_separation_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_separation, fn, capsys), "separation", hint)


def test_unfinished_separation(capsys):
    def unfinished(phi):
        raise NotImplementedError()
    assert_not_implemented(verdict(checks.check_separation, unfinished, capsys), "separation")


# --------------------------------------------------------------------------- issue: contracts
# Wrong answers that passed before: NumPy scalars for the separation, a phi or a model left
# frozen (requires_grad off) instead of working under torch.no_grad().


def numpy_values(phi):
    with torch.no_grad():
        v0, v3, v5 = phi(torch.tensor([[0.0], [1 / 3], [1 / 5]]))[:, 0].numpy()
    return 3 * (v3 - v0) - 5 * (v5 - v0)  # a NumPy float32


def zero_d_array(phi):
    with torch.no_grad():
        v0, v3, v5 = phi(torch.tensor([[0.0], [1 / 3], [1 / 5]]))[:, 0]
    return (3 * (v3 - v0) - 5 * (v5 - v0)).numpy()


def freezes_phi(phi):  # requires_grad off "to avoid gradients", left off for the caller
    if isinstance(phi, nn.Module):
        phi.requires_grad_(False)
    return separation(phi)


@pytest.mark.parametrize("fn, hint", [
    (numpy_values, "return a Python float (float(...) or .item()), not a NumPy float32"),
    (zero_d_array, "return one number; got ndarray"),
    (freezes_phi, "separation changed phi"),
])
def test_issue_wrong_separation_gets_a_hint(fn, hint, capsys):
    assert_hint(verdict(checks.check_separation, fn, capsys), "separation", hint)


def freezes_the_parameters(model):  # no torch.no_grad(): requires_grad turned off instead
    for p in model.parameters():
        p.requires_grad_(False)
        p.zero_()
    model.phi[0].weight[0, 0] = 1.0
    model.rho.weight[0, 0] = 1.0
    return model


def test_issue_exact_sum_that_freezes_the_model_gets_a_hint(capsys):
    assert_hint(verdict(checks.check_exact_sum, freezes_the_parameters, capsys, SumDeepSet),
                "set_exact_sum", "turned requires_grad off")


def test_check_exact_sum_leaves_the_global_generator_alone(capsys):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    checks.check_exact_sum(set_exact_sum, SumDeepSet)
    assert torch.equal(torch.rand(3), expected)
