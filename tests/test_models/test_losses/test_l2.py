import numpy as np
import pytest
import torch

from mmkd.models.connectors.connectors import ConvBNConnector
from mmkd.models.losses.l1 import L1Loss
from mmkd.models.losses.l2 import L2Loss
from mmkd.registry import MODELS


def reference(s, t, p, normalize, reduction):
    s = s.detach().double().numpy().reshape(len(s), -1)
    t = t.detach().double().numpy().reshape(len(t), -1)
    if normalize:
        s = s / np.linalg.norm(s, axis=1, keepdims=True)
        t = t / np.linalg.norm(t, axis=1, keepdims=True)
    d = np.abs(s - t)**p
    return {
        'mean': d.mean(),
        'sum': d.sum(),
        'batchmean': d.sum() / len(s)
    }[reduction]


@pytest.mark.parametrize('cls, p', [(L2Loss, 2), (L1Loss, 1)])
@pytest.mark.parametrize('normalize', [False, True])
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'batchmean'])
def test_matches_formula_and_grads(cls, p, normalize, reduction):
    g = torch.Generator().manual_seed(0)
    s = torch.randn(2, 3, 2, 2, generator=g, requires_grad=True)
    t = torch.randn(2, 3, 2, 2, generator=g, requires_grad=True)
    loss = cls(loss_weight=0.5, normalize=normalize, reduction=reduction)(s, t)
    assert loss.item() == pytest.approx(
        0.5 * reference(s, t, p, normalize, reduction), rel=1e-5)
    loss.backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None


def test_fitnet_with_connector_levels_and_aliases():
    torch.manual_seed(0)
    connector = ConvBNConnector(2, 4)
    s = torch.randn(2, 2, 3, 3)
    t = torch.randn(2, 4, 3, 3)
    loss_fn = MODELS.build(dict(type='l2', loss_weight=100.0))
    assert isinstance(loss_fn, L2Loss)
    assert isinstance(MODELS.build(dict(type='l1')), L1Loss)
    assert isinstance(MODELS.build(dict(type='L2Loss')), L2Loss)
    loss = loss_fn(connector(s, t), t)
    loss.backward()
    assert all(p.grad is not None for p in connector.parameters())
    two = loss_fn([s, t], (s, t + 1))
    assert two.item() == pytest.approx(100.0, rel=1e-6)


def test_bad_inputs_and_half():
    with pytest.raises(ValueError, match=r'L2Loss.*\(2, 3\).*\(2, 4\)'):
        L2Loss()(torch.randn(2, 3), torch.randn(2, 4))
    with pytest.raises(ValueError, match=r'L1Loss \(level 1\)'):
        L1Loss()([torch.randn(2, 3)] * 2, [torch.randn(2, 3), torch.ones(3)])
    with pytest.raises(ValueError, match='reduction must be one of'):
        L1Loss(reduction='none')
    with pytest.raises(ValueError, match='normalize=True needs'):
        L2Loss(normalize=True)(torch.randn(3), torch.randn(3))
    for cls in (L1Loss, L2Loss):
        half = cls()(torch.randn(2, 8).half() * 100,
                     torch.randn(2, 8).half() * 100)
        assert half.dtype == torch.float32 and torch.isfinite(half)
