import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.losses.pkd import PKDLoss
from mmkd.registry import MODELS


def reference_pkd(s, t):
    """Per-channel standardisation over (N, H, W) with the sample std
    (divisor n - 1, the authors' ``torch.std``), then MSE / 2, float64."""
    s = s.detach().double().numpy()
    t = t.detach().double().numpy()
    total = 0.0
    for k in range(s.shape[1]):
        a, b = s[:, k], t[:, k]
        n = a.size
        za = (a - a.mean()) / (
            np.sqrt(((a - a.mean())**2).sum() / (n - 1)) + 1e-6)
        zb = (b - b.mean()) / (
            np.sqrt(((b - b.mean())**2).sum() / (n - 1)) + 1e-6)
        total += ((za - zb)**2).sum()
    return total / s.size / 2


def test_matches_formula_and_grads():
    g = torch.Generator().manual_seed(0)
    s = torch.randn(2, 3, 4, 4, generator=g, requires_grad=True)
    t = (torch.randn(2, 3, 4, 4, generator=g) * 5 + 2).requires_grad_()
    loss = PKDLoss(loss_weight=6.0)(s, t)
    assert loss.item() == pytest.approx(6.0 * reference_pkd(s, t), rel=1e-5)
    loss.backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None


def test_invariant_to_scale_and_shift_is_scaled_one_minus_pearson():
    g = torch.Generator().manual_seed(1)
    t = torch.randn(2, 2, 5, 5, generator=g)
    loss_fn = PKDLoss()
    # a per-channel affine map of the teacher costs (almost) nothing
    s = t * torch.tensor([3.0, 0.5]).view(1, 2, 1, 1) + 7
    assert loss_fn(s, t).item() == pytest.approx(0.0, abs=1e-5)
    s = torch.randn(2, 2, 5, 5, generator=g)
    r = [
        np.corrcoef(s[:, k].numpy().ravel(), t[:, k].numpy().ravel())[0, 1]
        for k in range(2)
    ]
    # sample std: MSE / 2 of the standardised maps is (1 - r) (n - 1) / n
    n = 2 * 5 * 5
    assert loss_fn(s, t).item() == pytest.approx(
        (1 - np.mean(r)) * (n - 1) / n, rel=1e-4)


def test_resize_and_levels():
    g = torch.Generator().manual_seed(2)
    s = torch.randn(2, 3, 4, 4, generator=g)
    t = torch.randn(2, 3, 8, 8, generator=g)
    up = F.interpolate(s, (8, 8), mode='bilinear', align_corners=False)
    down = F.interpolate(t, (4, 4), mode='bilinear', align_corners=False)
    assert PKDLoss()(s, t).item() == pytest.approx(
        reference_pkd(up, t), rel=1e-5)
    assert PKDLoss(resize_stu=False)(s, t).item() == pytest.approx(
        reference_pkd(s, down), rel=1e-5)
    loss_fn = MODELS.build(dict(type='pkd', loss_weight=2.0))
    assert isinstance(loss_fn, PKDLoss)
    assert loss_fn([s, up], (t, t)).item() == pytest.approx(
        2.0 * 2 * reference_pkd(up, t), rel=1e-5)


def test_bad_inputs_and_half():
    loss_fn = PKDLoss()
    with pytest.raises(
            ValueError, match=r'PKDLoss.*\(2, 3, 4, 4\).*'
            r'\(2, 5, 4, 4\)'):
        loss_fn(torch.randn(2, 3, 4, 4), torch.randn(2, 5, 4, 4))
    with pytest.raises(ValueError, match=r'PKDLoss \(level 1\).*\(2, 3\)'):
        loss_fn([torch.randn(2, 3, 2, 2)] * 2,
                [torch.randn(2, 3, 2, 2),
                 torch.randn(2, 3)])
    with pytest.raises(ValueError, match='1 levels, the teacher 2'):
        loss_fn(torch.randn(2, 3, 2, 2), [torch.randn(2, 3, 2, 2)] * 2)
    with pytest.raises(TypeError, match='PKDLoss: the teacher input'):
        loss_fn(torch.randn(2, 3, 2, 2), [])
    half = loss_fn(
        torch.randn(2, 3, 4, 4).half(),
        torch.randn(2, 3, 8, 8).half())
    assert half.dtype == torch.float32 and torch.isfinite(half)
