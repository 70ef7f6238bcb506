import numpy as np
import pytest
import torch

from mmkd.models.losses import KDLoss
from mmkd.registry import MODELS


def reference_kd(s, t, T):
    """KL(softmax(t/T) || softmax(s/T)) * T^2, batch mean, in float64."""
    s, t = s.astype(np.float64) / T, t.astype(np.float64) / T
    p_t = np.exp(t - t.max(1, keepdims=True))
    p_t /= p_t.sum(1, keepdims=True)
    log_p_s = s - s.max(1, keepdims=True)
    log_p_s -= np.log(np.exp(log_p_s).sum(1, keepdims=True))
    kl = (p_t * (np.log(p_t) - log_p_s)).sum(1)
    return kl.mean() * T * T


@pytest.mark.parametrize('T', [1.0, 4.0])
def test_matches_formula_and_grads(T):
    torch.manual_seed(0)
    s = torch.randn(5, 7, requires_grad=True)
    t = torch.randn(5, 7, requires_grad=True)
    loss = KDLoss(tau=T, loss_weight=0.5)(s, t)
    expected = 0.5 * reference_kd(s.detach().numpy(), t.detach().numpy(), T)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None


def test_zero_when_equal_and_half_inputs():
    x = torch.randn(3, 4)
    assert KDLoss()(x, x).item() == pytest.approx(0.0, abs=1e-6)
    half = KDLoss()(x.half(), (x + 1).half() * 2)
    assert half.dtype == torch.float32 and torch.isfinite(half)


def test_seed_alias_builds_same_class():
    loss = MODELS.build(dict(type='vanilla_kd', T=4))  # the seed's config
    assert type(loss) is KDLoss and loss.tau == 4.0


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r'\(2, 5\).*\(2, 6\)'):
        KDLoss()(torch.randn(2, 5), torch.randn(2, 6))
    with pytest.raises(ValueError, match='2-D'):
        KDLoss()(torch.randn(2, 5, 3), torch.randn(2, 5, 3))
