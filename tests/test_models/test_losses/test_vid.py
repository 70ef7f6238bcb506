import math

import pytest
import torch

from mmkd.models.losses import VIDLoss
from mmkd.registry import MODELS


def reference_vid(mu, t, alpha, eps):
    """Gaussian NLL with softplus variance, by the paper's formula."""
    var = torch.log1p(torch.exp(alpha.double())) + eps
    total, count = 0.0, 0
    n, c, h, w = mu.shape
    for i in range(n):
        for k in range(c):
            diff = (mu[i, k].double() - t[i, k].double())**2
            total += (0.5 * (diff / var[k] + torch.log(var[k]))).sum().item()
            count += h * w
    return total / count


def test_initial_variance_is_init_pred_var():
    loss = VIDLoss(
        in_channels=4,
        mid_channels=6,
        out_channels=8,
        init_pred_var=5.0,
        eps=1e-5)
    assert torch.allclose(loss.variance, torch.full((8, ), 5.0))
    # the variance is a learned, registered parameter
    assert any(p is loss.alpha for p in loss.parameters())


def test_matches_formula_with_grads_to_regressor_and_variance():
    torch.manual_seed(0)
    loss_fn = VIDLoss(
        in_channels=4,
        mid_channels=6,
        out_channels=8,
        init_pred_var=2.0,
        eps=1e-3)
    with torch.no_grad():
        loss_fn.alpha.uniform_(-1, 1)
    s = torch.randn(2, 4, 3, 3, requires_grad=True)
    t = torch.randn(2, 8, 3, 3, requires_grad=True)
    loss = loss_fn(s, t)
    mu = loss_fn.regressor(s)
    expected = reference_vid(mu.detach(), t.detach(), loss_fn.alpha.detach(),
                             1e-3)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None
    assert loss_fn.alpha.grad is not None and loss_fn.alpha.grad.abs().sum(
    ) > 0
    assert all(p.grad is not None for p in loss_fn.regressor.parameters())


def test_spatial_mismatch_pools_the_larger_map():
    torch.manual_seed(0)
    loss_fn = VIDLoss(in_channels=2, mid_channels=2, out_channels=2)
    s = torch.randn(1, 2, 8, 8)
    t = torch.randn(1, 2, 4, 4)
    pooled = torch.nn.functional.adaptive_avg_pool2d(s, 4)
    assert loss_fn(s, t).item() == pytest.approx(
        loss_fn(pooled, t).item(), rel=1e-6)


def test_seed_config_and_bad_channels():
    # the seed toolkit's names still build it, with a DeprecationWarning
    # naming each new name
    with pytest.warns(DeprecationWarning) as record:
        loss = MODELS.build(
            dict(
                type='vid',
                inC=16,
                midC=16,
                outC=16,
                init_pred_var=5.0,
                eps=1e-5))
    assert sorted(str(w.message) for w in record) == [
        "VIDLoss: 'inC' is deprecated, use 'in_channels'.",
        "VIDLoss: 'midC' is deprecated, use 'mid_channels'.",
        "VIDLoss: 'outC' is deprecated, use 'out_channels'.",
    ]
    assert isinstance(loss, VIDLoss)
    with pytest.raises(ValueError, match=r'in_channels=16.*\(2, 8, 4, 4\)'):
        loss(torch.randn(2, 8, 4, 4), torch.randn(2, 16, 4, 4))
    assert math.isfinite(
        loss(torch.randn(2, 16, 4, 4).half(),
             torch.randn(2, 16, 4, 4).half()).item())
