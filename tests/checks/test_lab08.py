"""Lab 08's self-check: aggregate (the solution notebook's passes; each typical mistake in
combining the chunks' encodings gets a "✗" verdict naming the problem)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from labcode import checks
from tests.conftest import assert_hint, assert_not_implemented, solution_namespace, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

aggregate = solution_namespace(8, ["aggregate"])["aggregate"]


def aggregate_with(how, wrong):
    """The notebook's aggregate with ``wrong(parts, sizes)`` in place of one reduction."""
    def student(parts, sizes, how_):
        return wrong(parts, sizes) if how_ == how else aggregate(parts, sizes, how_)
    return student


def test_correct_aggregate_passes(capsys):
    out = verdict(checks.check_aggregate, aggregate, capsys)
    assert out.startswith("✓ aggregate: all 6 checks passed")


@pytest.mark.parametrize("student, hint", [
    (aggregate_with("mean", lambda p, s: torch.stack(p).mean(0)),
     "a plain mean of the means is wrong"),
    (aggregate_with("mean", lambda p, s: (torch.tensor(s).view(-1, 1, 1) * torch.stack(p)).sum(0)),
     "now divide by the total number of elements, sum(sizes)"),
    (aggregate_with("mean", lambda p, s: (torch.tensor(s) * torch.stack(p)).sum(0) / sum(s)),
     "make it a (chunks, 1, 1) tensor"),
    (aggregate_with("mean", lambda p, s: (torch.as_tensor(np.asarray(s) / sum(s)).view(-1, 1, 1)
                                          * torch.stack(p)).sum(0)),
     "got torch.float64"),
    (aggregate_with("sum", lambda p, s: torch.cat(p).sum(0)), "torch.cat would mix the chunks"),
    (aggregate_with("sum", lambda p, s: torch.stack(p).sum(1)), "reduce over the chunks, dim=0"),
    (aggregate_with("sum", lambda p, s: torch.stack(p).mean(0)),
     "the sum of a set is the sum of the chunks' sums"),
    (aggregate_with("max", lambda p, s: torch.stack(p).max(0)), "take its `.values`"),
    (aggregate_with("max", lambda p, s: torch.stack(p).sum(0)), "maximum of the chunks' maxima"),
    (lambda parts, sizes, how: list(parts), "got a list"),
    # one plain mean, whatever `how` asks for
    (lambda parts, sizes, how: torch.stack(parts).mean(0),
     "the sum of a set is the sum of the chunks' sums"),
])
def test_wrong_aggregate_gets_a_hint(student, hint, capsys):
    assert_hint(verdict(checks.check_aggregate, student, capsys), "aggregate", hint)


def test_unfinished_aggregate_is_not_implemented_yet(capsys):
    def unfinished(parts, sizes, how):
        raise NotImplementedError("aggregate")
    assert_not_implemented(verdict(checks.check_aggregate, unfinished, capsys), "aggregate")
