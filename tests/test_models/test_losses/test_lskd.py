import numpy as np
import pytest
import torch
from numeric import assert_close

from mmkd.models.losses import KDLoss, LogitStandardKDLoss
from mmkd.registry import MODELS


def reference_lskd_np(s, t, T, eps=1e-7):
    """z-score (ddof=1) each row, then KD at temperature T, in float64."""

    def zscore(z):
        z = z.astype(np.float64)
        return (z - z.mean(1, keepdims=True)) / (
            z.std(1, ddof=1, keepdims=True) + eps)

    def log_softmax(z):
        z = z - z.max(1, keepdims=True)
        return z - np.log(np.exp(z).sum(1, keepdims=True))

    log_p_s, log_p_t = log_softmax(zscore(s) / T), log_softmax(zscore(t) / T)
    kl = (np.exp(log_p_t) * (log_p_t - log_p_s)).sum(1)
    return kl.mean() * T * T


def reference_lskd_torch(s, t, T):
    """The same per sample, written with explicit sums (for gradients)."""
    total = 0
    n, c = s.shape
    for i in range(n):
        rows = []
        for z in (s[i].double(), t[i].double()):
            mean = z.sum() / c
            std = torch.sqrt(((z - mean)**2).sum() / (c - 1))
            rows.append((z - mean) / (std + 1e-7) / T)
        z_s, z_t = rows
        p_t = torch.exp(z_t) / torch.exp(z_t).sum()
        log_p_s = z_s - torch.log(torch.exp(z_s).sum())
        total = total + (p_t * (torch.log(p_t) - log_p_s)).sum()
    return total / n * T * T


@pytest.mark.parametrize('T', [1.0, 2.0, 3.0])
def test_matches_formula_with_grads(T):
    torch.manual_seed(0)
    s = (3 * torch.randn(4, 6)).requires_grad_(True)
    t = torch.randn(4, 6, requires_grad=True)
    loss = LogitStandardKDLoss(tau=T, loss_weight=9.0)(s, t)
    expected = 9.0 * reference_lskd_np(s.detach().numpy(),
                                       t.detach().numpy(), T)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    s_ref = s.detach().double().requires_grad_(True)
    (9.0 * reference_lskd_torch(s_ref, t.detach(), T)).backward()
    assert_close(s.grad, s_ref.grad, name='student')
    assert t.grad is None


def test_invariant_to_logit_shift_and_scale_unlike_kd():
    torch.manual_seed(1)
    s, t = torch.randn(3, 5), torch.randn(3, 5)
    moved = s * torch.tensor([[0.5], [4.0], [10.0]]) + torch.randn(3, 1)
    lskd = LogitStandardKDLoss()
    assert lskd(moved, t).item() == pytest.approx(lskd(s, t).item(), rel=1e-4)
    kd = KDLoss(tau=2.0)
    assert kd(moved, t).item() != pytest.approx(kd(s, t).item(), rel=1e-2)
    # a student that matches the teacher up to range loses (almost) nothing
    assert lskd(3 * t + 1, t).item() == pytest.approx(0.0, abs=1e-5)


def test_alias_builds_same_class():
    loss = MODELS.build(dict(type='lskd', T=3.0))
    assert type(loss) is LogitStandardKDLoss and loss.tau == 3.0
    assert LogitStandardKDLoss().tau == 2.0 and KDLoss().tau == 4.0


def test_bad_inputs_are_named():
    with pytest.raises(
            ValueError, match=r'LogitStandardKDLoss.*\(2, 5\).*\(2, 4\)'):
        LogitStandardKDLoss()(torch.randn(2, 5), torch.randn(2, 4))
    with pytest.raises(ValueError, match='LogitStandardKDLoss: expects 2-D'):
        LogitStandardKDLoss()(torch.randn(2, 5, 2), torch.randn(2, 5, 2))
    with pytest.raises(ValueError, match='at least 2 classes'):
        LogitStandardKDLoss()(torch.randn(2, 1), torch.randn(2, 1))
    with pytest.raises(ValueError, match='LogitStandardKDLoss: T must be'):
        LogitStandardKDLoss(T=0)
    with pytest.raises(ValueError, match='LogitStandardKDLoss: tau must be'):
        LogitStandardKDLoss(tau=-2)
