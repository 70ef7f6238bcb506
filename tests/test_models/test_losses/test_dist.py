import numpy as np
import pytest
import torch
from numeric import assert_close

from mmkd.models.losses import DISTLoss
from mmkd.registry import MODELS


def softmax_np(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def reference_dist_np(s, t, beta, gamma, tau):
    """Relations with numpy's corrcoef, row by row and column by column."""
    y_s = softmax_np(s.astype(np.float64) / tau)
    y_t = softmax_np(t.astype(np.float64) / tau)
    inter = np.mean([np.corrcoef(a, b)[0, 1] for a, b in zip(y_s, y_t)])
    intra = np.mean([np.corrcoef(a, b)[0, 1] for a, b in zip(y_s.T, y_t.T)])
    return tau**2 * (beta * (1 - inter) + gamma * (1 - intra))


def pearson_torch(a, b):
    """Covariance over the product of (biased) standard deviations."""
    cov = ((a - a.mean()) * (b - b.mean())).mean()
    return cov / (a.std(unbiased=False) * b.std(unbiased=False))


def reference_dist_torch(s, t, beta, gamma, tau):
    y_s = torch.softmax(s.double() / tau, dim=1)
    y_t = torch.softmax(t.double() / tau, dim=1)
    n, c = y_s.shape
    inter = sum(pearson_torch(y_s[i], y_t[i]) for i in range(n)) / n
    intra = sum(pearson_torch(y_s[:, j], y_t[:, j]) for j in range(c)) / c
    return tau**2 * (beta * (1 - inter) + gamma * (1 - intra))


@pytest.mark.parametrize('beta,gamma,tau', [(1.0, 1.0, 1.0), (2.0, 0.5, 4.0)])
def test_matches_correlation_formula_with_grads(beta, gamma, tau):
    torch.manual_seed(0)
    s = torch.randn(6, 5, requires_grad=True)
    t = torch.randn(6, 5, requires_grad=True)
    loss = DISTLoss(beta=beta, gamma=gamma, tau=tau, loss_weight=0.5)(s, t)
    expected = 0.5 * reference_dist_np(s.detach().numpy(),
                                       t.detach().numpy(), beta, gamma, tau)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    s_ref = s.detach().double().requires_grad_(True)
    (0.5 *
     reference_dist_torch(s_ref, t.detach(), beta, gamma, tau)).backward()
    assert_close(s.grad, s_ref.grad, name='student')
    assert t.grad is None


def test_dense_logits_use_pixels_as_samples():
    torch.manual_seed(1)
    s, t = torch.randn(2, 4, 3, 2), torch.randn(2, 4, 3, 2)
    rows = [x.permute(0, 2, 3, 1).reshape(-1, 4) for x in (s, t)]
    expected = reference_dist_np(rows[0].numpy(), rows[1].numpy(), 1, 1, 1)
    assert DISTLoss()(s, t).item() == pytest.approx(expected, rel=1e-5)


def test_zero_when_equal_and_invariant_to_row_shifts():
    torch.manual_seed(2)
    x = torch.randn(4, 6)
    assert DISTLoss()(x, x).item() == pytest.approx(0.0, abs=1e-5)
    # at tau 4 the probabilities are close to uniform and the default eps
    # (as in the authors' code) leaves a trace; without it the loss is 0 up
    # to float32 rounding of 1 - correlation, times tau^2 (beta + gamma) =
    # 32: -1.9e-6 with torch's AVX2/AVX512 kernels, 0 with the default ones
    rounding = 32 * 1e-6  # ~8 float32 ulps of 1 per correlation
    assert abs(DISTLoss(tau=4.0, eps=0)(x, x).item()) < rounding
    assert rounding < DISTLoss(tau=4.0)(x, x).item() < 1e-3
    t = torch.randn(4, 6)
    shifted = x + torch.randn(4, 1) * 10  # softmax ignores per-row shifts
    assert DISTLoss()(shifted, t).item() == pytest.approx(
        DISTLoss()(x, t).item(), rel=1e-5)


def test_alias_builds_same_class():
    loss = MODELS.build(dict(type='dist', tau=4.0))
    assert type(loss) is DISTLoss and loss.tau == 4.0


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r'DISTLoss.*\(2, 5\).*\(2, 6\)'):
        DISTLoss()(torch.randn(2, 5), torch.randn(2, 6))
    with pytest.raises(
            ValueError, match=r'DISTLoss: expects logits.*\(2, 5, '
            r'3\)'):
        DISTLoss()(torch.randn(2, 5, 3), torch.randn(2, 5, 3))
    with pytest.raises(ValueError, match='DISTLoss: tau must be a number > 0'):
        DISTLoss(tau=-1)
