"""Lab 07's attention column: PMA and PooledSetModel without the feed-forward block.

The defaults (``feedforward=True``, ``pma_feedforward=True``) must keep the Set Transformer's
PMA exactly as before, since Lab 08 uses it; ``False`` leaves an affine function of the
attention-weighted average, so that ``rho`` is the only thing after the pooling.
"""

from __future__ import annotations

import pytest
import torch

from labcode.digits import count_params
from labcode.pooling import PMA
from labcode.pooling_tasks import PooledSetModel
from tests.conftest import relative_error

H = 32  # hidden_dim of the models below
# the attention model's parameters: embedding 11 x H, one seed, attention (in_proj 3H x H + 3H,
# out_proj H x H + H), the feed-forward block (2 x (H x H + H)), rho (H + 1)
FF_PARAMS = 2 * (H * H + H)
ATTENTION_PARAMS = 11 * H + H + (3 * H * H + 3 * H) + (H * H + H) + FF_PARAMS + (H + 1)

PMA_KEYS = {"seeds", "attention.in_proj_weight", "attention.in_proj_bias",
            "attention.out_proj.weight", "attention.out_proj.bias"}
FF_KEYS = {"feedforward.0.weight", "feedforward.0.bias", "feedforward.2.weight",
           "feedforward.2.bias"}


def _attended(pma: PMA, h: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """``S + MultiheadAttention(S, h, h)``: PMA's output before the feed-forward block."""
    seeds = pma.seeds.expand(h.shape[0], -1, -1)
    padding = None if mask is None else ~mask
    attended, _ = pma.attention(seeds, h, h, key_padding_mask=padding, need_weights=False)
    return seeds + attended


def test_pma_default_keeps_the_feedforward_block(one_torch_thread):
    pma = PMA(8, num_heads=2, num_seeds=3).double()
    assert set(pma.state_dict()) == PMA_KEYS | FF_KEYS
    h = torch.randn(4, 5, 8, dtype=torch.float64)
    mask = torch.arange(5) < torch.tensor([[5], [2], [1], [4]])
    with torch.no_grad():
        out = _attended(pma, h, mask)
        expected = (out + pma.feedforward(out)).reshape(4, 24)
        # float64: the same operations, maybe summed in another order (~1e-16 relative)
        assert relative_error(pma(h, mask), expected) < 1e-10


def test_pma_default_draws_the_same_parameters_as_feedforward_true(one_torch_thread):
    torch.manual_seed(3)
    default = PMA(8)
    torch.manual_seed(3)
    explicit = PMA(8, feedforward=True)
    for (k1, v1), (k2, v2) in zip(default.state_dict().items(), explicit.state_dict().items(),
                                  strict=True):
        assert k1 == k2 and torch.equal(v1, v2)


def test_pma_without_feedforward_is_seed_plus_attention(one_torch_thread):
    pma = PMA(8, num_heads=2, num_seeds=3, feedforward=False).double()
    assert pma.feedforward is None
    assert set(pma.state_dict()) == PMA_KEYS
    h = torch.randn(4, 5, 8, dtype=torch.float64)
    mask = torch.arange(5) < torch.tensor([[5], [2], [1], [4]])
    with torch.no_grad():
        # float64: the same operations, maybe summed in another order (~1e-16 relative)
        assert relative_error(pma(h, mask), _attended(pma, h, mask).reshape(4, 24)) < 1e-10
        assert relative_error(pma(h), _attended(pma, h, None).reshape(4, 24)) < 1e-10


def test_pma_without_feedforward_is_affine_in_a_weighted_average(one_torch_thread):
    """A set of identical elements h0 gives S + W_o (W_v h0 + b_v) + b_o: affine in h0."""
    pma = PMA(6, feedforward=False).double()
    h0 = torch.randn(2, 1, 6, dtype=torch.float64)
    with torch.no_grad():
        w_v = pma.attention.in_proj_weight[12:]
        b_v = pma.attention.in_proj_bias[12:]
        out_proj = pma.attention.out_proj
        expected = pma.seeds[0] + out_proj(h0[:, 0] @ w_v.T + b_v)
        for n in (1, 4, 9):
            # float64: n attention weights that add up to 1 up to ~n * 1e-16 (rounding)
            assert relative_error(pma(h0.expand(2, n, 6)), expected) < 1e-10


def test_pma_feedforward_must_be_a_bool():
    with pytest.raises(TypeError, match="feedforward must be True or False"):
        PMA(4, feedforward=1)


def test_pooled_set_model_default_attention_is_unchanged(one_torch_thread):
    torch.manual_seed(1)
    default = PooledSetModel("attention", input_dim=11, hidden_dim=H)
    torch.manual_seed(1)
    explicit = PooledSetModel("attention", input_dim=11, hidden_dim=H, pma_feedforward=True)
    assert default.pma.feedforward is not None
    assert count_params(default) == ATTENTION_PARAMS
    x = torch.tensor([[3, 7, 0, 0], [1, 2, 3, 4]])
    with torch.no_grad():
        assert torch.equal(default(x), explicit(x))


def test_pooled_set_model_attention_without_feedforward(one_torch_thread):
    model = PooledSetModel("attention", input_dim=11, hidden_dim=H,
                           pma_feedforward=False).double()
    assert model.pma.feedforward is None
    assert count_params(model) == ATTENTION_PARAMS - FF_PARAMS
    assert isinstance(model.rho, torch.nn.Linear)
    once, thrice = torch.tensor([[3, 7, 0, 0, 0, 0]]), torch.tensor([[3, 7, 3, 7, 3, 7]])
    with torch.no_grad():
        h = model.phi(once)
        expected = _attended(model.pma, h, once != 0).reshape(1, H)
        # float64, where these are equal up to rounding of a few terms (~1e-16 relative):
        # attention weights average, so repeating the set three times changes nothing
        assert relative_error(model.encode(once), expected) < 1e-10
        assert relative_error(model.encode(once), model.encode(thrice)) < 1e-10
        assert relative_error(model(once), model.rho(expected).squeeze(-1)) < 1e-10


@pytest.mark.parametrize("pooling", ["sum", "mean", "max", "slots"])
def test_pma_feedforward_changes_nothing_for_other_poolings(pooling, one_torch_thread):
    torch.manual_seed(2)
    a = PooledSetModel(pooling, input_dim=11, hidden_dim=8)
    torch.manual_seed(2)
    b = PooledSetModel(pooling, input_dim=11, hidden_dim=8, pma_feedforward=False)
    x = torch.tensor([[3, 7, 0], [1, 2, 3]])
    with torch.no_grad():
        assert torch.equal(a(x), b(x))


def test_pooled_set_model_pma_feedforward_must_be_a_bool():
    with pytest.raises(TypeError, match="pma_feedforward must be True or False"):
        PooledSetModel("attention", input_dim=11, pma_feedforward="no")
