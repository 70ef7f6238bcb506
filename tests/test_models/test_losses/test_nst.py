import numpy as np
import pytest
import torch
from numeric import Check, assert_checks

from mmkd.models.losses import NSTLoss
from mmkd.registry import MODELS


def reference_nst(s, t, degree=2, coef=0.0):
    """Numpy squared MMD over channel sets, by the paper's three sums."""
    s = s.detach().double().numpy()
    t = t.detach().double().numpy()
    n = s.shape[0]
    total = 0.0
    for i in range(n):
        xs = [c.reshape(-1) / np.linalg.norm(c) for c in s[i]]
        xt = [c.reshape(-1) / np.linalg.norm(c) for c in t[i]]

        def k(a, b):
            return (np.dot(a, b) + coef)**degree

        ss = sum(k(a, b) for a in xs for b in xs) / len(xs)**2
        tt = sum(k(a, b) for a in xt for b in xt) / len(xt)**2
        st = sum(k(a, b) for a in xs for b in xt) / (len(xs) * len(xt))
        total += ss + tt - 2 * st
    return total / n


def nst_checks():
    """The loss against numpy and the student gradient against autograd of
    the MMD written with einsum (float64)."""
    torch.manual_seed(0)
    s = torch.randn(2, 3, 3, 4, requires_grad=True)
    t = torch.randn(2, 5, 3, 4, requires_grad=True)
    loss = MODELS.build(dict(type='nst', loss_weight=50.))(s, t)
    expected = 50 * reference_nst(s, t)
    loss.backward()
    assert t.grad is None

    # autograd of the same MMD written with einsum instead of matmuls
    s2 = s.detach().double().requires_grad_()
    fs = s2.flatten(2)
    fs = fs / fs.norm(dim=2, keepdim=True)
    ft = t.detach().double().flatten(2)
    ft = ft / ft.norm(dim=2, keepdim=True)
    gram_ss = torch.einsum('nik,njk->nij', fs, fs)
    gram_st = torch.einsum('nik,njk->nij', fs, ft)
    mmd = (gram_ss**2).mean() - 2 * (gram_st**2).mean()
    (50 * mmd).backward()
    return [
        Check('loss', loss, expected, rtol=1e-5),
        Check('student', s.grad, s2.grad)
    ]


def test_matches_numpy_and_autograd_of_reference():
    assert_checks(nst_checks())


def test_kernel_constant_degree_and_levels():
    torch.manual_seed(0)
    s = [torch.randn(2, 3, 2, 2), torch.randn(2, 2, 3, 3)]
    t = [torch.randn(2, 4, 2, 2), torch.randn(2, 2, 3, 3)]
    loss = NSTLoss(degree=3, coef=0.5)(s, t)
    expected = sum(reference_nst(a, b, 3, 0.5) for a, b in zip(s, t))
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    # identical distributions give zero
    x = torch.randn(2, 3, 2, 2)
    assert NSTLoss()(x, x.clone()).abs().item() < 1e-6


def test_bad_inputs():
    with pytest.raises(
            ValueError,
            match=r'NSTLoss.*\(2, 3, 4, 4\).*'
            r'\(2, 3, 2, 2\).*align'):
        NSTLoss()(torch.randn(2, 3, 4, 4), torch.randn(2, 3, 2, 2))
    s, t = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 2, 2)
    pooled = torch.nn.functional.adaptive_avg_pool2d(s, 2)
    assert NSTLoss(align='pool')(s, t).item() == pytest.approx(
        reference_nst(pooled, t), rel=1e-5)
    with pytest.raises(ValueError, match=r'NSTLoss.*\(N, C, H, W\)'):
        NSTLoss()(torch.randn(2, 3, 4), torch.randn(2, 3, 4))
    with pytest.raises(ValueError, match='NSTLoss: align must be'):
        NSTLoss(align='x')
