"""L2NormalizeConnector: each sample's flattened feature divided by its L2
norm (MMRazor's with_l2_norm for its relational losses), nothing learned."""
import pytest
import torch
import torch.nn.functional as F

from mmkd.registry import MODELS


def build(**kwargs):
    return MODELS.build(
        dict(type='L2NormalizeConnector', _scope_='mmkd', **kwargs))


def test_rows_are_the_flattened_features_over_their_norms():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, 2, 2, generator=gen, dtype=torch.float64) * 5
    out = build()(x)
    flat = x.reshape(3, -1)
    assert out.shape == (3, 16)
    expected = flat / flat.norm(dim=1, keepdim=True)
    assert torch.allclose(out, expected, rtol=1e-15, atol=0)
    assert torch.equal(out, F.normalize(flat, p=2, dim=1))


def test_nothing_learned_nothing_in_a_checkpoint():
    connector = build()
    assert list(connector.parameters()) == []
    assert connector.state_dict() == {}


def test_bad_input_and_eps_are_named():
    with pytest.raises(ValueError, match='per-sample features'):
        build()(torch.ones(4))
    with pytest.raises(ValueError, match='eps must be >= 0'):
        build(eps=-1.0)
