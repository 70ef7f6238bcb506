import numpy as np
import pytest
import torch
from numeric import Check, assert_checks

from mmkd.models.losses import SPLoss
from mmkd.registry import MODELS


def reference_sp(s, t):
    """Numpy SP with explicit loops over sample pairs."""
    s = s.detach().double().numpy().reshape(s.shape[0], -1)
    t = t.detach().double().numpy().reshape(t.shape[0], -1)
    b = s.shape[0]
    gs, gt = np.zeros((b, b)), np.zeros((b, b))
    for i in range(b):
        for j in range(b):
            gs[i, j] = np.dot(s[i], s[j])
            gt[i, j] = np.dot(t[i], t[j])
    gs /= np.linalg.norm(gs, axis=1, keepdims=True)
    gt /= np.linalg.norm(gt, axis=1, keepdims=True)
    return ((gs - gt)**2).sum() / b**2


def sp_checks():
    """The loss against numpy and the student gradient against autograd of
    the loss written with einsum (float64)."""
    torch.manual_seed(0)
    s = torch.randn(4, 3, 2, 2, requires_grad=True)
    t = torch.randn(4, 8, 3, 3, requires_grad=True)
    loss = MODELS.build(dict(type='sp', loss_weight=3000.))(s, t)
    expected = 3000 * reference_sp(s, t)
    loss.backward()
    assert t.grad is None

    s2 = s.detach().double().requires_grad_()
    gs = torch.einsum('ik,jk->ij', s2.flatten(1), s2.flatten(1))
    gs = gs / gs.pow(2).sum(1, keepdim=True).sqrt()
    tf = t.detach().double().flatten(1)
    gt = tf @ tf.t()
    gt = gt / gt.norm(dim=1, keepdim=True)
    (3000 * ((gs - gt)**2).sum() / 16).backward()
    return [
        Check('loss', loss, expected, rtol=1e-5),
        Check('student', s.grad, s2.grad)
    ]


def test_matches_numpy_and_autograd_of_reference():
    assert_checks(sp_checks())


def test_levels_are_summed():
    torch.manual_seed(0)
    s = [torch.randn(3, 4), torch.randn(3, 2, 2, 2)]
    t = [torch.randn(3, 6), torch.randn(3, 5, 1, 1)]
    expected = reference_sp(s[0], t[0]) + reference_sp(s[1], t[1])
    assert SPLoss()(s, t).item() == pytest.approx(expected, rel=1e-5)


def test_bad_inputs():
    with pytest.raises(
            ValueError, match=r'SPLoss.*batch size.*\(2, 3\).*'
            r'\(3, 3\)'):
        SPLoss()(torch.randn(2, 3), torch.randn(3, 3))
    with pytest.raises(ValueError, match=r'SPLoss.*\(4,\)'):
        SPLoss()(torch.randn(4), torch.randn(4))
    with pytest.raises(ValueError, match='SPLoss: the student has 1 levels'):
        SPLoss()(torch.randn(2, 3), [torch.randn(2, 3)] * 2)
