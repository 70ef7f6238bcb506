import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.connectors.mgd_connector import MGDConnector
from mmkd.models.losses.mgd import MGDLoss
from mmkd.registry import MODELS


def test_connector_masks_lambda_of_positions_in_training_only():
    torch.manual_seed(0)
    conn = MGDConnector(2, 2, lambda_mgd=0.65)
    mask = conn.random_mask(torch.zeros(4, 2, 64, 64))
    assert mask.shape == (4, 1, 64, 64)
    assert (1 - mask.mean().item()) == pytest.approx(0.65, abs=0.01)
    x = torch.randn(1, 2, 4, 4)
    conn.eval()
    assert torch.equal(conn(x), conn(x))  # no masking in eval mode
    assert torch.equal(conn(x), conn.generation(x))
    conn.train()
    assert not torch.equal(conn(x), conn.generation(x))


def test_loss_matches_formula_with_a_fixed_mask():
    torch.manual_seed(0)
    conn = MGDConnector(in_channels=3, out_channels=4)
    s = torch.randn(2, 3, 5, 5, requires_grad=True)
    t = torch.randn(2, 4, 5, 5, requires_grad=True)
    # the mask the connector will draw: its stream, copied before the draw
    keep = copy.deepcopy(conn).random_mask(s).double()
    loss = MGDLoss(alpha_mgd=2e-5, loss_weight=3.0)(conn(s, t), t)

    # independent recomputation in float64 with the same mask
    w = {k: v.detach().double() for k, v in conn.state_dict().items()}
    x = F.conv2d(s.detach().double(), w['align.weight'], w['align.bias'])
    x = x * keep
    x = F.relu(
        F.conv2d(
            x, w['generation.0.weight'], w['generation.0.bias'], padding=1))
    x = F.conv2d(
        x, w['generation.2.weight'], w['generation.2.bias'], padding=1)
    diff = x.numpy() - t.detach().double().numpy()
    expected = 3.0 * 2e-5 * (diff**2).sum() / 2
    assert 0 < keep.mean() < 1
    assert loss.item() == pytest.approx(expected, rel=1e-5)

    loss.backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None
    for name, p in conn.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_same_channels_no_align_registry_and_errors():
    conn = MODELS.build(
        dict(type='MGDConnector', in_channels=4, out_channels=4))
    assert conn.align is None
    loss_fn = MODELS.build(dict(type='mgd', alpha_mgd=1.0))
    assert isinstance(loss_fn, MGDLoss)
    s, t = torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)
    assert loss_fn(s, t).item() == pytest.approx(
        ((s - t)**2).sum().item() / 2, rel=1e-6)
    with pytest.raises(
            ValueError, match=r'MGDLoss.*\(2, 4, 3, 3\).*'
            r'\(2, 4, 6, 6\)'):
        loss_fn(s, torch.randn(2, 4, 6, 6))
    with pytest.raises(ValueError, match=r'in_channels=4.*\(2, 3, 3, 3\)'):
        conn(torch.randn(2, 3, 3, 3))
    with pytest.raises(ValueError, match='lambda_mgd'):
        MGDConnector(2, 2, lambda_mgd=1.0)


def test_half_inputs():
    conn = MGDConnector(2, 3)
    s, t = torch.randn(2, 2, 4, 4).half(), torch.randn(2, 3, 4, 4).half()
    out = conn(s, t)
    assert out.dtype == torch.float32
    loss = MGDLoss()(out.half(), t)
    assert loss.dtype == torch.float32 and np.isfinite(loss.item())
