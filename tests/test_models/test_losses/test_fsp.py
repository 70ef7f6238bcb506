import numpy as np
import pytest
import torch
from numeric import Check, assert_checks

from mmkd.models.losses import FSPLoss
from mmkd.registry import MODELS


def pool_np(x, h, w):
    """Average-pool a (C, H, W) array by integer factors."""
    c, hh, ww = x.shape
    return x.reshape(c, h, hh // h, w, ww // w).mean(axis=(2, 4))


def fsp_np(a, b):
    """FSP matrix of one sample, entry by entry."""
    if a.shape[1] > b.shape[1]:
        a = pool_np(a, *b.shape[1:])
    elif b.shape[1] > a.shape[1]:
        b = pool_np(b, *a.shape[1:])
    g = np.zeros((a.shape[0], b.shape[0]))
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            g[i, j] = (a[i] * b[j]).mean()
    return g


def reference_fsp(student, teacher):
    s = [x.detach().double().numpy() for x in student]
    t = [x.detach().double().numpy() for x in teacher]
    total = 0.0
    for k in range(len(s) - 1):
        gs = np.stack([fsp_np(a, b) for a, b in zip(s[k], s[k + 1])])
        gt = np.stack([fsp_np(a, b) for a, b in zip(t[k], t[k + 1])])
        total += ((gs - gt)**2).mean()
    return total


def maps(*shapes, grad=False):
    return [torch.randn(*shape, requires_grad=grad) for shape in shapes]


def fsp_checks():
    """The loss against numpy and the student gradients against autograd
    of the loss written with einsum and avg_pool2d (float64)."""
    torch.manual_seed(0)
    s = maps((2, 3, 8, 8), (2, 4, 8, 8), (2, 5, 4, 4), grad=True)
    t = maps((2, 3, 4, 4), (2, 4, 4, 4), (2, 5, 2, 2), grad=True)
    loss = MODELS.build(dict(type='fsp', loss_weight=50.))(s, t)
    checks = [Check('loss', loss, 50 * reference_fsp(s, t), rtol=1e-5)]
    loss.backward()
    assert all(x.grad is None for x in t)

    # autograd of the same loss via einsum and avg_pool2d(kernel 2)
    s2 = [x.detach().double().requires_grad_() for x in s]
    t2 = [x.detach().double() for x in t]

    def gram(a, b):
        if a.shape[-1] > b.shape[-1]:
            a = torch.nn.functional.avg_pool2d(a, 2)
        return torch.einsum('nihw,njhw->nij', a, b) / (a.shape[2] * a.shape[3])

    ref = sum(((gram(s2[k], s2[k + 1]) - gram(t2[k], t2[k + 1]))**2).mean()
              for k in range(2))
    (50 * ref).backward()
    for i, (x, x2) in enumerate(zip(s, s2)):
        assert x.grad.abs().sum() > 0
        checks.append(Check(f'student.{i}', x.grad, x2.grad))
    return checks


def test_matches_numpy_and_autograd_of_reference():
    assert_checks(fsp_checks())


def test_bad_inputs():
    with pytest.raises(
            ValueError,
            match=r'FSPLoss.*equal channels.*'
            r'\(2, 3, 4, 4\).*\(2, 6, 4, 4\)'):
        FSPLoss()(maps((2, 3, 4, 4), (2, 4, 4, 4)),
                  maps((2, 6, 4, 4), (2, 4, 4, 4)))
    with pytest.raises(
            ValueError,
            match='FSPLoss: the student input must be '
            'a list of at least two'):
        FSPLoss()(torch.randn(2, 3, 4, 4), maps((2, 3, 4, 4), (2, 3, 4, 4)))
    with pytest.raises(
            ValueError,
            match='FSPLoss: the student has 3 layers, '
            'the teacher 2'):
        FSPLoss()(maps((1, 2, 2, 2), (1, 2, 2, 2), (1, 2, 2, 2)),
                  maps((1, 2, 2, 2), (1, 2, 2, 2)))
    with pytest.raises(ValueError, match=r'FSPLoss.*\(N, C, H, W\)'):
        FSPLoss()(maps((1, 2, 2), (1, 2, 2)), maps((1, 2, 2), (1, 2, 2)))
