"""Lab 05's self-check: set_exact_sum on the notebook's SumDeepSet (both read from the solution
notebook); the reference sums exactly, each kind of wrong answer gets a specific hint."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SOLUTION = solution_namespace(5, ["SumDeepSet", "set_exact_sum"])
SumDeepSet, set_exact_sum = SOLUTION["SumDeepSet"], SOLUTION["set_exact_sum"]


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


def leaves_a_bias(model):  # phi(0) = 0.5 in unit 0: padding adds 0.5 per zero
    set_exact_sum(model)
    with torch.no_grad():
        model.phi[0].bias[0] = 0.5
        model.rho.bias[0] = -0.5


def replaces_the_relu(model):
    set_exact_sum(model)
    model.phi = nn.Sequential(model.phi[0])


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
