"""labcode.pooling's streamed PMA: scores_and_values and readout rebuild PMA.forward, and the
online softmax (softmax_state, merge_softmax_states, stream_pma) gives the whole-set PMA on
any chunking."""

from __future__ import annotations

import pytest
import torch

from labcode.pooling import PMA
from labcode.streaming import merge_softmax_states, softmax_state, stream_pma


@pytest.mark.parametrize("heads, seeds, feedforward", [(1, 1, True), (4, 3, True),
                                                       (2, 2, False)])
def test_readout_of_the_softmax_is_the_forward(heads, seeds, feedforward):
    torch.manual_seed(0)
    pma = PMA(8, num_heads=heads, num_seeds=seeds, feedforward=feedforward).double()
    h = torch.randn(3, 40, 8, dtype=torch.float64)
    scores, values = pma.scores_and_values(h)
    assert scores.shape == (3, heads, seeds, 40) and values.shape == (3, heads, 40, 8 // heads)
    with torch.no_grad():
        out = pma.readout(torch.softmax(scores, -1) @ values)
        assert torch.allclose(out, pma(h), atol=1e-12)


@pytest.mark.parametrize("sizes", [[40], [1, 39], [13, 2, 20, 5], [1] * 40])
def test_stream_pma_equals_the_whole_set(sizes):
    torch.manual_seed(1)
    pma = PMA(8, num_heads=2, num_seeds=3).double()
    h = torch.randn(2, 40, 8, dtype=torch.float64)
    h = h.gather(1, h[..., :1].argsort(dim=1).expand_as(h))  # a sorted stream
    with torch.no_grad():
        assert torch.allclose(stream_pma(pma, h.split(sizes, dim=1)), pma(h), atol=1e-12)


def test_online_softmax_survives_large_scores_and_is_symmetric():
    torch.manual_seed(2)
    scores, values = torch.randn(2, 3, 9) * 10, torch.randn(2, 9, 4)
    scores[..., 5:] += 1000
    a = softmax_state(scores[..., :5], values[:, :5])
    b = softmax_state(scores[..., 5:], values[:, 5:])
    want = torch.softmax(scores, -1) @ values
    for _m, s, w in (merge_softmax_states(a, b), merge_softmax_states(b, a)):
        assert torch.isfinite(s).all()
        assert torch.allclose(w / s.unsqueeze(-1), want, atol=1e-5)


def test_stream_pma_needs_a_chunk():
    with pytest.raises(ValueError, match="at least one chunk"):
        stream_pma(PMA(4), [])
