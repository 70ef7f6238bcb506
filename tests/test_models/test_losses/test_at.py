import numpy as np
import pytest
import torch
from numeric import Check, assert_checks

from mmkd.models.losses import ATLoss
from mmkd.registry import MODELS


def reference_at(s, t, p=2.0):
    """Numpy attention transfer, one sample and one position at a time."""
    s, t = s.detach().double().numpy(), t.detach().double().numpy()
    n = s.shape[0]
    total = 0.0
    for i in range(n):
        maps = []
        for f in (s[i], t[i]):
            a = np.zeros(f.shape[1] * f.shape[2])
            for c in range(f.shape[0]):
                a += np.abs(f[c]).reshape(-1)**p
            a /= f.shape[0]
            maps.append(a / np.sqrt((a * a).sum()))
        total += ((maps[0] - maps[1])**2).sum()
    return total / (n * s.shape[2] * s.shape[3])


def at_checks():
    """The loss against numpy and the student gradient against autograd of
    the loss written with sums (float64)."""
    torch.manual_seed(0)
    s = torch.randn(3, 4, 5, 6, requires_grad=True)
    t = torch.randn(3, 7, 5, 6, requires_grad=True)
    loss = ATLoss(loss_weight=1000.)(s, t)
    expected = 1000 * reference_at(s, t)
    loss.backward()
    assert t.grad is None

    s2 = s.detach().double().requires_grad_()
    att_s = s2.pow(2).sum(1).flatten(1)  # mean vs sum: same after normalising
    att_s = att_s / att_s.norm(dim=1, keepdim=True)
    att_t = t.detach().double().pow(2).sum(1).flatten(1)
    att_t = att_t / att_t.norm(dim=1, keepdim=True)
    (1000 * ((att_s - att_t)**2).mean()).backward()
    return [
        Check('loss', loss, expected, rtol=1e-5),
        Check('student', s.grad, s2.grad)
    ]


def test_matches_numpy_and_autograd_of_reference():
    assert_checks(at_checks())


def test_levels_are_summed_and_registered_alias():
    torch.manual_seed(0)
    s = [torch.randn(2, 3, 4, 4), torch.randn(2, 5, 2, 2)]
    t = [torch.randn(2, 6, 4, 4), torch.randn(2, 5, 2, 2)]
    loss = MODELS.build(dict(type='at', loss_weight=2.0))(s, t)
    expected = 2 * (reference_at(s[0], t[0]) + reference_at(s[1], t[1]))
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_spatial_mismatch_is_an_error_unless_aligned():
    s, t = torch.randn(2, 3, 8, 8), torch.randn(2, 3, 4, 4)
    with pytest.raises(
            ValueError, match=r'ATLoss.*\(2, 3, 8, 8\).*'
            r'\(2, 3, 4, 4\).*align'):
        ATLoss()(s, t)
    pooled = torch.nn.functional.adaptive_avg_pool2d(s, 4)
    assert ATLoss(align='pool')(s, t).item() == pytest.approx(
        reference_at(pooled, t), rel=1e-5)
    resized = torch.nn.functional.interpolate(
        s, size=(4, 4), mode='bilinear', align_corners=False)
    assert ATLoss(align='interpolate')(s, t).item() == pytest.approx(
        reference_at(resized, t), rel=1e-5)


def test_bad_inputs():
    with pytest.raises(ValueError, match='ATLoss: align must be'):
        ATLoss(align='nearest')
    with pytest.raises(ValueError, match=r'ATLoss.*\(N, C, H, W\).*\(2, 3\)'):
        ATLoss()(torch.randn(2, 3), torch.randn(2, 3))
    with pytest.raises(ValueError, match='ATLoss: the student has 2 levels'):
        ATLoss()([torch.randn(1, 2, 2, 2)] * 2, [torch.randn(1, 2, 2, 2)])
    with pytest.raises(ValueError, match=r'ATLoss.*batch'):
        ATLoss()(torch.randn(2, 2, 2, 2), torch.randn(3, 2, 2, 2))
